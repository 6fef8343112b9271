/**
 * The region pair: what each stack publishes about itself, and the check a secondary stack runs against
 * the primary stack's published values before it registers anything that depends on them.
 */
import { ConfigError } from "./validate";

/** What a stack exports as `pair` (read by the other stack through a StackReference). */
export interface PairInfo {
    /** The stack's own AWS region. */
    readonly region: string;
    /** The region the stack believes is its peer. */
    readonly peerRegion: string;
    /** The region the stack believes holds the writable primaries. */
    readonly primaryRegion: string;
    /** The DNS zone of cross-region endpoints. */
    readonly dnsZone: string;
    /** The stack's `role` (who mints the pair's shared material). Absent in outputs of deployments before it was published. */
    readonly role?: string;
}

/**
 * Checks this stack's config against the peer stack's published (deployed) `pair`. The region pair and
 * DNS zone must match exactly. On `primaryRegion` the only fatal disagreement is both stacks claiming to be
 * primary (split brain); this stack naming the peer primary while the peer's deployed outputs still name
 * this stack is the first half of a switchover (demote first, then promote) and is allowed — `warn` is
 * told about it. With `disasterFailover` (the peer's region is lost), two primaries is a warning too.
 */
export function checkPair(
    self: PairInfo,
    peer: PairInfo | undefined,
    peerStack: string,
    warn: (msg: string) => void,
    disasterFailover = false,
): void {
    if (!peer) {
        throw new ConfigError(
            "geo-data:primaryStack",
            `stack ${peerStack} exports no "pair" output; deploy it first (pulumi up --stack ${peerStack.split("/").pop()})`,
        );
    }
    const fail = (key: string, mine: string, theirs: string, what: string) => {
        throw new ConfigError(
            `geo-data:${key}`,
            `is ${JSON.stringify(mine)} but stack ${peerStack} has ${what} ${JSON.stringify(theirs)}; the two stacks must agree`,
        );
    };
    if (self.peerRegion !== peer.region) fail("peerRegion", self.peerRegion, peer.region, "region");
    if (self.region !== peer.peerRegion) fail("region", self.region, peer.peerRegion, "peerRegion");
    if (self.dnsZone !== peer.dnsZone) fail("dnsZone", self.dnsZone, peer.dnsZone, "dnsZone");
    if (self.role === "primary" && peer.role === "primary") {
        throw new ConfigError(
            "geo-data:role",
            `is "primary" but stack ${peerStack} is deployed with role "primary" too: both stacks would mint the pair's CAs and passwords. ` +
                `Exactly one stack has role "primary"; set role: secondary here (with primaryStack: ${peerStack}). ` +
                "To renew certificates here after that stack's region is lost for good, set geo-data:mintCertificates true on this secondary instead",
        );
    }
    if (self.primaryRegion === peer.primaryRegion) return;
    if (self.primaryRegion === self.region && peer.primaryRegion === peer.region) {
        if (disasterFailover) {
            warn(
                `disasterFailover: promoting ${self.region} although stack ${peerStack} is still deployed as primary (${peer.primaryRegion}). ` +
                    `Set primaryRegion: ${self.region} in that stack's file now, so that ${peer.region} is demoted (and rebuilt) before it serves writes again`,
            );
            return;
        }
        throw new ConfigError(
            "geo-data:primaryRegion",
            `is ${JSON.stringify(self.primaryRegion)} (this stack) but stack ${peerStack} is deployed as primary (${peer.primaryRegion}): two primaries. ` +
                `Demote ${peer.primaryRegion} first (set primaryRegion there and pulumi up it), then promote this stack; see npm run switchover`,
        );
    }
    warn(
        `primaryRegion is ${self.primaryRegion} here but stack ${peerStack} is still deployed with ${peer.primaryRegion}: ` +
            `this update demotes ${self.region}; finish the switchover by deploying ${peerStack}`,
    );
}

/**
 * Checks a promotion against this stack's own last deployment (its previous `pair` output, read through a
 * StackReference to itself): when this update makes the stack primary and its last deployment followed the
 * other region, CloudNativePG must be given the demoted region's token, or it promotes at once — an
 * unplanned failover that drops the tail of the other region's WAL and forces its rebuild. Only
 * `disasterFailover` (the other region is lost, there is no token) waives that. A first deployment
 * (`previous` undefined) promotes nothing.
 */
export function checkPromotion(
    self: { region: string; primaryRegion: string; hasToken: boolean; disasterFailover: boolean },
    previous: PairInfo | undefined,
): void {
    if (!previous || self.primaryRegion !== self.region || previous.primaryRegion === self.region) return;
    if (self.hasToken || self.disasterFailover) return;
    throw new ConfigError(
        "geo-data:postgresPromotionToken",
        `is required: this update promotes ${self.region}, whose last deployment followed ${previous.primaryRegion}. ` +
            `Set the demotion token of ${previous.primaryRegion}'s Cluster (pulumi config set geo-data:postgresPromotionToken "$TOKEN"; see npm run switchover) — ` +
            `without it CloudNativePG promotes at once and ${previous.primaryRegion} must be rebuilt — or, if ${previous.primaryRegion} is lost, set geo-data:disasterFailover true`,
    );
}

/** One stack's view of the pair, from its config file. */
export interface StackView {
    readonly stack: string;
    readonly region: string;
    readonly primaryRegion: string;
    /** The stack's `role`; at most one stack may be `primary`. */
    readonly role?: string;
}

/**
 * Static check over the committed stack configs: at most one stack has `role: primary`, every stack must
 * name the same primary region, and it must be one of the stacks' regions. Split brain by config fails here,
 * before anything is deployed.
 */
export function checkConfigsAgree(views: readonly StackView[]): string {
    const minting = views.filter((v) => v.role === "primary");
    if (minting.length > 1) {
        throw new ConfigError(
            "geo-data:role",
            `is "primary" in more than one stack (${minting.map((v) => v.stack).join(", ")}): both would mint the pair's CAs and passwords. ` +
                'Exactly one stack has role "primary", the other role "secondary" with primaryStack naming it',
        );
    }
    const named = [...new Set(views.map((v) => v.primaryRegion))];
    if (named.length !== 1) {
        throw new ConfigError(
            "geo-data:primaryRegion",
            `the stacks disagree (${views.map((v) => `${v.stack}: ${v.primaryRegion}`).join(", ")}); set the same primaryRegion in every stack — two stacks that each think they are primary is split brain`,
        );
    }
    if (!views.some((v) => v.region === named[0])) {
        throw new ConfigError(
            "geo-data:primaryRegion",
            `${JSON.stringify(named[0])} is not the region of any stack (${views.map((v) => `${v.stack}: ${v.region}`).join(", ")})`,
        );
    }
    return named[0];
}
