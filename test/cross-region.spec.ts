/**
 * End to end: us-east renders first, us-west's StackReference is fed from us-east's real rendered outputs
 * (test/support.ts), and the CloudNativePG distributed topology, the shared TLS trust and the role
 * passwords must line up across the two — in the default topology and after a switchover.
 */
import { strict as assert } from "assert";
import { serverDnsNames } from "../components/postgres/postgres-certificates";
import { regionCode } from "../components/shared/naming";
import { AWS_REGIONS } from "../config";
import { RenderResult } from "../tools/harness";
import { SAMPLE_PROMOTION_TOKEN, configErrorOf, find, inputs, ofType, render, renderSwitched } from "./support";

const CLUSTER = "kubernetes:postgresql.cnpg.io/v1:Cluster";
const SECRET = "kubernetes:core/v1:Secret";
const POOLER = "kubernetes:postgresql.cnpg.io/v1:Pooler";

const cluster = (r: RenderResult) => inputs(find(r, CLUSTER, "geo-postgres-main-cluster"));
const secretData = (r: RenderResult, name: string) => inputs(find(r, SECRET, name)).stringData;

/** The externalClusters entry every member renders for `member`, as seen from `self`. */
function member(name: string, region: string, self: string) {
    return {
        name,
        connectionParameters: {
            host: `pg-rw.${region}.data.internal`,
            port: "5432",
            user: "streaming_replica",
            dbname: "postgres",
            sslmode: "verify-full",
            application_name: self,
        },
        sslKey: { name: "pg-tls-replication", key: "tls.key" },
        sslCert: { name: "pg-tls-replication", key: "tls.crt" },
        sslRootCert: { name: "pg-tls-server-ca", key: "ca.crt" },
        plugin: {
            name: "barman-cloud.cloudnative-pg.io",
            parameters: { barmanObjectName: "pg-backups", serverName: name },
        },
    };
}

describe("cross-region PostgreSQL (distributed topology)", () => {
    it("us-east is the primary member and lists both regions", async () => {
        const spec = cluster(await render("us-east")).spec;
        assert.deepEqual(spec.replica, { self: "pg-use1", primary: "pg-use1", source: "pg-usw2" });
        assert.deepEqual(spec.externalClusters, [
            member("pg-use1", "us-east-1", "pg-use1"),
            member("pg-usw2", "us-west-2", "pg-use1"),
        ]);
        assert.deepEqual(Object.keys(spec.bootstrap), ["initdb"]);
        assert.deepEqual(spec.plugins[0].parameters, { barmanObjectName: "pg-backups", serverName: "pg-use1" });
    });

    it("us-west follows us-east: streams from its endpoint, bootstraps with pg_basebackup, archives under its own name", async () => {
        const spec = cluster(await render("us-west")).spec;
        assert.deepEqual(spec.replica, { self: "pg-usw2", primary: "pg-use1", source: "pg-use1" });
        assert.deepEqual(spec.externalClusters, [
            member("pg-use1", "us-east-1", "pg-usw2"),
            member("pg-usw2", "us-west-2", "pg-usw2"),
        ]);
        assert.deepEqual(spec.bootstrap, { pg_basebackup: { source: "pg-use1" } });
        assert.deepEqual(spec.plugins[0].parameters, { barmanObjectName: "pg-backups", serverName: "pg-usw2" });
        assert.deepEqual(spec.certificates, {
            serverCASecret: "pg-tls-server-ca",
            serverTLSSecret: "pg-tls-server",
            clientCASecret: "pg-tls-client-ca",
            replicationTLSSecret: "pg-tls-replication",
        });
    });

    it("publishes each region's primary at pg-rw.<region>.<zone> through an internal NLB Service CloudNativePG manages", async () => {
        for (const [stack, region] of [
            ["us-east", "us-east-1"],
            ["us-west", "us-west-2"],
        ] as const) {
            assert.deepEqual(cluster(await render(stack)).spec.managed.services, {
                additional: [
                    {
                        selectorType: "rw",
                        updateStrategy: "patch",
                        serviceTemplate: {
                            metadata: {
                                name: "pg-rw-lb",
                                labels: {
                                    "app.kubernetes.io/part-of": "geo-data",
                                    "app.kubernetes.io/component": "replication-endpoint",
                                },
                                annotations: {
                                    "service.beta.kubernetes.io/aws-load-balancer-type": "external",
                                    "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
                                    "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
                                    "external-dns.alpha.kubernetes.io/hostname": `pg-rw.${region}.data.internal`,
                                },
                            },
                            spec: { type: "LoadBalancer" },
                        },
                    },
                ],
            });
        }
    });

    it("generates the TLS trust once in us-east and hands us-west its certificates as secrets", async () => {
        const east = await render("us-east");
        const west = await render("us-west");
        assert.equal(ofType(west, "tls:index/privateKey:PrivateKey").length, 0, "us-west generates no keys");
        assert.equal(
            ofType(east, "tls:index/privateKey:PrivateKey").filter((k) => k.name.includes("postgres")).length,
            5,
            "2 CAs, 2 servers, replication",
        );
        assert.ok(east.secretOutputNames.includes("postgresPeerTls"));
        const peer = east.outputs.postgresPeerTls as Record<string, string>;
        // The same two CAs in both regions (the client CA with its key: CloudNativePG signs the poolers'
        // certificates with it); us-west's server certificate and key are the ones us-east signed for it.
        for (const name of ["geo-postgres-main-tls-server-ca", "geo-postgres-main-tls-client-ca"])
            assert.deepEqual(secretData(west, name), secretData(east, name), name);
        assert.deepEqual(secretData(west, "geo-postgres-main-tls-server-ca"), { "ca.crt": peer.serverCaCert });
        assert.deepEqual(secretData(west, "geo-postgres-main-tls-client-ca"), {
            "ca.crt": peer.clientCaCert,
            "ca.key": peer.clientCaKey,
        });
        assert.notEqual(peer.serverCaCert, peer.clientCaCert);
        assert.deepEqual(secretData(west, "geo-postgres-main-tls-server"), {
            "tls.crt": peer.serverCert,
            "tls.key": peer.serverKey,
        });
        assert.notEqual(
            secretData(west, "geo-postgres-main-tls-server")["tls.crt"],
            secretData(east, "geo-postgres-main-tls-server")["tls.crt"],
            "each region has its own server certificate",
        );
        assert.deepEqual(
            secretData(west, "geo-postgres-main-tls-replication"),
            secretData(east, "geo-postgres-main-tls-replication"),
        );
        for (const r of [east, west]) {
            const raw = find(r, SECRET, "geo-postgres-main-tls-server").inputs.stringData;
            assert.equal(
                raw["4dabf18193072939515e22adb298388d"],
                "1b47061264138c4ac30d75fd1eb44270",
                "stringData is secret",
            );
            assert.equal(inputs(find(r, SECRET, "geo-postgres-main-tls-server")).type, "kubernetes.io/tls");
        }
        const csr = (region: string) =>
            inputs(find(east, "tls:index/certRequest:CertRequest", `geo-postgres-certificates-server-${region}-csr`));
        assert.deepEqual(csr("us-west-2").dnsNames, serverDnsNames("pg", "geo-postgres", "us-west-2", "data.internal"));
        // The replication endpoint, and the names clients reach PgBouncer by (it serves the cluster's certificate).
        for (const name of [
            "pg-rw.us-west-2.data.internal",
            "pg-pooler-rw.us-west-2.data.internal",
            "pg-pooler-rw.data.internal",
            "pg-pooler-rw.geo-postgres.svc",
            "pg-pooler-ro.geo-postgres.svc.cluster.local",
        ])
            assert.ok(csr("us-west-2").dnsNames.includes(name), name);
        assert.ok(!csr("us-west-2").dnsNames.includes("pg-rw.us-east-1.data.internal"));
        assert.equal(
            inputs(find(east, "tls:index/certRequest:CertRequest", "geo-postgres-certificates-replication-csr")).subject
                .commonName,
            "streaming_replica",
        );
        assert.deepEqual(
            inputs(
                find(
                    east,
                    "tls:index/locallySignedCert:LocallySignedCert",
                    "geo-postgres-certificates-server-us-west-2-cert",
                ),
            ).allowedUses,
            ["digital_signature", "key_encipherment", "server_auth"],
        );
    });

    it("uses us-east's role passwords in us-west (every member must have identical role secrets)", async () => {
        const east = await render("us-east");
        const west = await render("us-west");
        for (const role of ["app", "readonly"]) {
            const name = `geo-postgres-main-${role}-secret`;
            assert.equal(secretData(west, name).password, secretData(east, name).password, role);
            assert.match(secretData(west, name).password, /^mock[0-9a-f]{28}$/);
        }
        assert.equal(
            ofType(west, "random:index/randomPassword:RandomPassword").filter((r) => r.name.startsWith("geo-postgres"))
                .length,
            0,
        );
    });

    it("publishes each rw pooler under its regional name and reports where the writer CNAME must point", async () => {
        const hostnames = (r: RenderResult) =>
            inputs(find(r, POOLER, "geo-postgres-pooler-rw-pooler")).spec.serviceTemplate.metadata.annotations[
                "external-dns.alpha.kubernetes.io/hostname"
            ];
        const pooler = (r: RenderResult) => (r.outputs.postgres as any).topology.pooler;
        // external-dns only ever owns regional names, the same before and after a switchover.
        assert.equal(hostnames(await render("us-east")), "pg-pooler-rw.us-east-1.data.internal");
        assert.equal(hostnames(await renderSwitched("us-east")), "pg-pooler-rw.us-east-1.data.internal");
        assert.equal(hostnames(await render("us-west")), "pg-pooler-rw.us-west-2.data.internal");
        assert.deepEqual(pooler(await render("us-west")), {
            regional: "pg-pooler-rw.us-west-2.data.internal",
            writer: "pg-pooler-rw.data.internal",
            writerTarget: "pg-pooler-rw.us-east-1.data.internal",
        });
        assert.equal(pooler(await renderSwitched("us-east")).writerTarget, "pg-pooler-rw.us-west-2.data.internal");
        assert.equal(
            inputs(find(await render("us-east"), POOLER, "geo-postgres-pooler-ro-pooler")).spec.serviceTemplate,
            undefined,
        );
    });

    describe("switched topology (primaryRegion us-west-2 in both stacks)", () => {
        it("us-east is demoted: it follows us-west and carries no token", async () => {
            const spec = cluster(await renderSwitched("us-east")).spec;
            assert.deepEqual(spec.replica, { self: "pg-use1", primary: "pg-usw2", source: "pg-usw2" });
            assert.deepEqual(
                spec.externalClusters.map((e: any) => e.name),
                ["pg-use1", "pg-usw2"],
            );
        });

        it("us-west is promoted with the demotion token, in the same change as primary", async () => {
            const west = await renderSwitched("us-west");
            assert.deepEqual(cluster(west).spec.replica, {
                self: "pg-usw2",
                primary: "pg-usw2",
                source: "pg-use1",
                promotionToken: SAMPLE_PROMOTION_TOKEN,
            });
            assert.equal(west.outputs.primaryRegion, "us-west-2");
            // bootstrap is creation-only: the switch must not show up as a change to it.
            assert.deepEqual(find(west, CLUSTER, "geo-postgres-main-cluster").options.ignoreChanges, [
                "spec.bootstrap",
            ]);
        });

        it("only the externalClusters' roles move: hosts, TLS and object-store names are the same", async () => {
            const before = cluster(await render("us-west")).spec.externalClusters;
            const after = cluster(await renderSwitched("us-west")).spec.externalClusters;
            assert.deepEqual(after, before);
        });
    });

    describe("refuses inconsistent primaries", () => {
        it("us-west cannot be promoted while us-east is deployed as primary", async () => {
            await assert.rejects(
                render("us-west", { primaryRegion: "us-west-2", postgresPromotionToken: SAMPLE_PROMOTION_TOKEN }, {}),
                /^ConfigError: geo-data:primaryRegion: is "us-west-2" \(this stack\) but stack organization\/geo-data\/us-east is deployed as primary \(us-east-1\): two primaries\./,
            );
        });

        it("unless the primary region is declared lost (disasterFailover), which needs no token", async () => {
            const west = await render("us-west", { primaryRegion: "us-west-2", disasterFailover: "true" }, {});
            assert.deepEqual(cluster(west).spec.replica, { self: "pg-usw2", primary: "pg-usw2", source: "pg-use1" });
            assert.deepEqual(west.warnings, [
                "disasterFailover: promoting us-west-2 although stack organization/geo-data/us-east is still deployed as primary (us-east-1). Set primaryRegion: us-west-2 in that stack's file now, so that us-east-1 is demoted (and rebuilt) before it serves writes again",
            ]);
        });

        const promotionError = (region: string, followed: string) =>
            `geo-data:postgresPromotionToken: is required: this update promotes ${region}, whose last deployment followed ${followed}. ` +
            `Set the demotion token of ${followed}'s Cluster (pulumi config set geo-data:postgresPromotionToken "$TOKEN"; see npm run switchover) — ` +
            `without it CloudNativePG promotes at once and ${followed} must be rebuilt — or, if ${followed} is lost, set geo-data:disasterFailover true`;

        it("refuses to promote us-west without a token when its last deployment followed us-east", async () => {
            const east = { primaryRegion: "us-west-2" }; // already demoted
            await assert.rejects(render("us-west", east, east, {}), {
                message: promotionError("us-west-2", "us-east-1"),
            });
            // Its last deployment (`{}` above) is us-west as committed against the demoted us-east: it warns.
            assert.deepEqual((await render("us-west", {}, east)).warnings, [
                "primaryRegion is us-east-1 here but stack organization/geo-data/us-east is still deployed with us-west-2: this update demotes us-west-2; finish the switchover by deploying organization/geo-data/us-east",
            ]);
        });

        it("refuses a failback that promotes us-east without us-west's token (checked against its own last deployment)", async () => {
            await assert.rejects(render("us-east", {}, {}, { primaryRegion: "us-west-2" }), {
                message: promotionError("us-east-1", "us-west-2"),
            });
            const back = await render(
                "us-east",
                { postgresPromotionToken: SAMPLE_PROMOTION_TOKEN },
                {},
                { primaryRegion: "us-west-2" },
            );
            assert.equal(cluster(back).spec.replica.promotionToken, SAMPLE_PROMOTION_TOKEN);
        });

        it("needs no token once the promotion is deployed: the token may then be removed", async () => {
            const sw = { primaryRegion: "us-west-2" };
            const west = await render("us-west", sw, sw, { ...sw, postgresPromotionToken: SAMPLE_PROMOTION_TOKEN });
            assert.deepEqual(cluster(west).spec.replica, { self: "pg-usw2", primary: "pg-usw2", source: "pg-use1" });
        });

        const WEST = {
            "geo-data:region": "us-west-2",
            "geo-data:peerRegion": "us-east-1",
            "geo-data:role": "secondary",
            "geo-data:primaryStack": "acme/geo-data/us-east",
            "geo-data:oidcProviderArn":
                "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE0A2F9C34B1D6E08A7CEXAMPLE",
        };
        const cases: [string, Record<string, string>, string][] = [
            [
                "a token on a stack that is not primary (cloudnative-pg#9273)",
                { "geo-data:postgresPromotionToken": SAMPLE_PROMOTION_TOKEN },
                "geo-data:postgresPromotionToken: is only allowed while this stack is primary (primaryRegion is us-east-1, this stack is us-west-2): CloudNativePG rejects a promotionToken on a replica cluster (cloudnative-pg#9273); remove it with `pulumi config rm geo-data:postgresPromotionToken` in the same change that demotes this stack",
            ],
            [
                "a token that is not base64",
                { "geo-data:primaryRegion": "us-west-2", "geo-data:postgresPromotionToken": "not a token!" },
                "geo-data:postgresPromotionToken: is not a CloudNativePG demotion token: not base64; expected the base64 `.status.demotionToken` of the other region's Cluster, copied whole",
            ],
            [
                "a token missing fields",
                {
                    "geo-data:primaryRegion": "us-west-2",
                    "geo-data:postgresPromotionToken": Buffer.from('{"redoWalFile":"x"}').toString("base64"),
                },
                "geo-data:postgresPromotionToken: is not a CloudNativePG demotion token: missing latestCheckpointTimelineID, databaseSystemIdentifier, latestCheckpointREDOLocation, timeOfLatestCheckpoint, operatorVersion; expected the base64 `.status.demotionToken` of the other region's Cluster, copied whole",
            ],
            [
                "disasterFailover on a stack that is not primary",
                { "geo-data:disasterFailover": "true" },
                "geo-data:disasterFailover: is only allowed when primaryRegion is this stack's region (us-west-2); primaryRegion is us-east-1",
            ],
            [
                "disasterFailover together with a token",
                {
                    "geo-data:primaryRegion": "us-west-2",
                    "geo-data:disasterFailover": "true",
                    "geo-data:postgresPromotionToken": SAMPLE_PROMOTION_TOKEN,
                },
                "geo-data:disasterFailover: cannot be combined with postgresPromotionToken: a token means a planned switchover (no data loss); unset one of them",
            ],
        ];
        for (const [what, overrides, message] of cases) {
            it(`rejects ${what}`, () => assert.equal(configErrorOf({ ...WEST, ...overrides }), message));
        }

        it("never repeats the token in an error", () => {
            const token = SAMPLE_PROMOTION_TOKEN;
            assert.ok(!configErrorOf({ ...WEST, "geo-data:postgresPromotionToken": token }).includes(token));
        });
    });

    describe("names derived from config", () => {
        it("gives every region its own short code (names of roles, rules and topology members)", () => {
            const table: [string, string][] = [
                ["us-east-1", "use1"],
                ["us-west-2", "usw2"],
                ["ap-south-1", "aps1"],
                ["ap-southeast-1", "apse1"],
                ["ap-northeast-2", "apne2"],
                ["eu-central-1", "euc1"],
                ["ca-central-1", "cac1"],
            ];
            for (const [region, code] of table) assert.equal(regionCode(region), code, region);
            assert.equal(new Set(AWS_REGIONS.map(regionCode)).size, AWS_REGIONS.length);
        });

        it("rejects a namespacePrefix whose derived IAM role names exceed 64 characters", () => {
            const prefix = "a".repeat(40);
            assert.equal(
                configErrorOf({
                    "geo-data:region": "us-east-1",
                    "geo-data:peerRegion": "us-west-2",
                    "geo-data:role": "primary",
                    "geo-data:namespacePrefix": prefix,
                    "geo-data:oidcProviderArn":
                        "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE",
                }),
                `geo-data:namespacePrefix: "${prefix}" is too long: the derived IAM role name ${prefix}-pg-replication-use1-usw2 has 65 characters (IAM allows 64); use at most 39 characters`,
            );
        });
    });
});
