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
}

/**
 * Checks that this stack's config and the peer stack's published `pair` describe the same pair. A
 * mismatch on `primaryRegion` is split-brain by config and is always an error.
 */
export function checkPair(self: PairInfo, peer: PairInfo | undefined, peerStack: string): void {
    if (!peer) {
        throw new ConfigError(
            "geo-data:primaryStack",
            `stack ${peerStack} exports no "pair" output; deploy it first (pulumi up --stack ${peerStack.split("/").pop()})`,
        );
    }
    const fail = (key: string, mine: string, theirs: string, what: string) => {
        throw new ConfigError(`geo-data:${key}`, `is ${JSON.stringify(mine)} but stack ${peerStack} has ${what} ${JSON.stringify(theirs)}; the two stacks must agree`);
    };
    if (self.peerRegion !== peer.region) fail("peerRegion", self.peerRegion, peer.region, "region");
    if (self.region !== peer.peerRegion) fail("region", self.region, peer.peerRegion, "peerRegion");
    if (self.dnsZone !== peer.dnsZone) fail("dnsZone", self.dnsZone, peer.dnsZone, "dnsZone");
    if (self.primaryRegion !== peer.primaryRegion) fail("primaryRegion", self.primaryRegion, peer.primaryRegion, "primaryRegion");
}
