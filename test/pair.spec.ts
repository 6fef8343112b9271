import { strict as assert } from "assert";
import { PairInfo, checkConfigsAgree, checkPair } from "../components/shared/pair";
import { parseRegionConfig } from "../config";
import { find, inputs, ofType, renderError, SAMPLE_PROMOTION_TOKEN, render } from "./support";

const WEST: PairInfo = {
    region: "us-west-2",
    peerRegion: "us-east-1",
    primaryRegion: "us-east-1",
    dnsZone: "data.internal",
};
const EAST: PairInfo = {
    region: "us-east-1",
    peerRegion: "us-west-2",
    primaryRegion: "us-east-1",
    dnsZone: "data.internal",
};
const REF = "acme/geo-data/us-east";

function outcome(self: PairInfo, peer: PairInfo | undefined): string {
    const warnings: string[] = [];
    try {
        checkPair(self, peer, REF, (m) => warnings.push(m));
    } catch (err) {
        return `error: ${(err as Error).message}`;
    }
    return warnings.length ? `warn: ${warnings.join("; ")}` : "ok";
}

describe("region pair checks", () => {
    it("accepts two stacks that agree", () => assert.equal(outcome(WEST, EAST), "ok"));

    it("refuses two primaries (this stack promoted before the peer was demoted)", () => {
        assert.equal(
            outcome({ ...WEST, primaryRegion: "us-west-2" }, EAST),
            'error: geo-data:primaryRegion: is "us-west-2" (this stack) but stack acme/geo-data/us-east is deployed as primary (us-east-1): two primaries. Demote us-east-1 first (set primaryRegion there and pulumi up it), then promote this stack; see npm run switchover',
        );
    });

    it("allows demoting this stack while the peer still names it primary (first half of a failback)", () => {
        assert.equal(
            outcome(WEST, { ...EAST, primaryRegion: "us-west-2" }),
            "warn: primaryRegion is us-east-1 here but stack acme/geo-data/us-east is still deployed with us-west-2: this update demotes us-west-2; finish the switchover by deploying acme/geo-data/us-east",
        );
    });

    it("refuses a mismatched pair or DNS zone", () => {
        assert.equal(
            outcome({ ...WEST, peerRegion: "us-east-2" }, EAST),
            'error: geo-data:peerRegion: is "us-east-2" but stack acme/geo-data/us-east has region "us-east-1"; the two stacks must agree',
        );
        assert.equal(
            outcome(WEST, { ...EAST, dnsZone: "db.internal" }),
            'error: geo-data:dnsZone: is "data.internal" but stack acme/geo-data/us-east has dnsZone "db.internal"; the two stacks must agree',
        );
        assert.equal(
            outcome(WEST, undefined),
            'error: geo-data:primaryStack: stack acme/geo-data/us-east exports no "pair" output; deploy it first (pulumi up --stack us-east)',
        );
    });

    it("refuses two stacks with role primary (both would mint the pair's CAs and passwords)", () => {
        assert.equal(
            outcome({ ...WEST, role: "primary" }, { ...EAST, role: "primary" }),
            'error: geo-data:role: is "primary" but stack acme/geo-data/us-east is deployed with role "primary" too: both stacks would mint the pair\'s CAs and passwords. ' +
                'Exactly one stack has role "primary"; set role: secondary here (with primaryStack: acme/geo-data/us-east). ' +
                "To renew certificates here after that stack's region is lost for good, set geo-data:mintCertificates true on this secondary instead",
        );
        assert.equal(outcome({ ...WEST, role: "secondary" }, { ...EAST, role: "primary" }), "ok");
        // A peer deployed before `role` was published names none: nothing to compare.
        assert.equal(outcome({ ...WEST, role: "primary" }, EAST), "ok");
        assert.throws(
            () =>
                checkConfigsAgree([
                    { stack: "us-east", region: "us-east-1", primaryRegion: "us-east-1", role: "primary" },
                    { stack: "us-west", region: "us-west-2", primaryRegion: "us-east-1", role: "primary" },
                ]),
            {
                message:
                    'geo-data:role: is "primary" in more than one stack (us-east, us-west): both would mint the pair\'s CAs and passwords. Exactly one stack has role "primary", the other role "secondary" with primaryStack naming it',
            },
        );
    });

    it("us-west with role primary fails against the deployed us-east (also role primary), naming the key", async () => {
        const west = await render("us-west");
        assert.equal((west.outputs.pair as PairInfo).role, "secondary");
        assert.match(
            await renderError("us-west", { role: "primary" }),
            /^geo-data:role: is "primary" but stack organization\/geo-data\/us-east is deployed with role "primary" too/,
        );
    });

    it("mintCertificates: a secondary whose primary-role stack is lost for good mints (and renews) the TLS itself", async () => {
        const east = await render("us-east");
        const west = await render("us-west", { mintCertificates: "true" }, {});
        assert.equal(
            ofType(west, "tls:index/privateKey:PrivateKey").filter((k) => k.name.includes("postgres")).length,
            5,
            "2 CAs, 2 servers, replication",
        );
        const own = west.outputs.postgresPeerTls as Record<string, string>;
        assert.ok(west.secretOutputNames.includes("postgresPeerTls"), "the rebuilt other region reads it from here");
        const data = (name: string) => inputs(find(west, "kubernetes:core/v1:Secret", name)).stringData;
        const certs = find(west, "geo:postgres:PostgresCertificates", "geo-postgres-certificates");
        assert.equal(certs.parent, "geo:index:DataRegion::geo");
        assert.ok(own.serverCaCert, "us-west exports the peer material of its own CA");
        // Passwords stay those of the (lost) primary-role stack's last outputs: clients keep working.
        assert.equal(
            data("geo-postgres-main-app-secret").password,
            inputs(find(east, "kubernetes:core/v1:Secret", "geo-postgres-main-app-secret")).stringData.password,
        );
        assert.equal(
            ofType(west, "random:index/randomPassword:RandomPassword").filter((r) => r.name.startsWith("geo-postgres"))
                .length,
            0,
        );
        // Only a secondary may take it over.
        assert.throws(
            () =>
                parseRegionConfig(
                    {
                        "geo-data:region": "us-east-1",
                        "geo-data:peerRegion": "us-west-2",
                        "geo-data:role": "primary",
                        "geo-data:oidcProviderArn":
                            "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE",
                        "geo-data:mintCertificates": "true",
                    },
                    "us-east",
                ),
            /^ConfigError: geo-data:mintCertificates: true is not allowed with role primary/,
        );
    });

    it("statically requires every stack file to name the same primary", () => {
        assert.equal(
            checkConfigsAgree([
                { stack: "us-east", region: "us-east-1", primaryRegion: "us-west-2" },
                { stack: "us-west", region: "us-west-2", primaryRegion: "us-west-2" },
            ]),
            "us-west-2",
        );
        assert.throws(
            () =>
                checkConfigsAgree([
                    { stack: "us-east", region: "us-east-1", primaryRegion: "us-east-1" },
                    { stack: "us-west", region: "us-west-2", primaryRegion: "us-west-2" },
                ]),
            {
                message:
                    "geo-data:primaryRegion: the stacks disagree (us-east: us-east-1, us-west: us-west-2); set the same primaryRegion in every stack — two stacks that each think they are primary is split brain",
            },
        );
    });

    it("us-west fails to render, before registering its resources, when promoted against a deployed primary us-east", async () => {
        let err: (Error & { registeredResources?: { type: string }[] }) | undefined;
        try {
            await render("us-west", { primaryRegion: "us-west-2", postgresPromotionToken: SAMPLE_PROMOTION_TOKEN }, {});
        } catch (e) {
            err = e as Error;
        }
        assert.ok(err);
        assert.match(
            err.message,
            /^geo-data:primaryRegion: is "us-west-2" \(this stack\) but stack organization\/geo-data\/us-east is deployed as primary \(us-east-1\): two primaries\./,
        );
        assert.deepEqual(
            err.registeredResources!.map((r) => r.type),
            ["pulumi:pulumi:StackReference", "pulumi:pulumi:StackReference"],
        );
    });
});
