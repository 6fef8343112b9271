/**
 * PostgreSQL major upgrade by logical replication (issue 17): the config keys, what each stage renders (new
 * Cluster with a schema-only import, Publications/Subscriptions, Pooler pairs, fence, alerts, backup paths), and
 * the runbook's structure. The rehearsal on real servers (`npm run drill:upgrade`, seconds) runs in CI, not here.
 */
import { strict as assert } from "assert";
import { parseRegionConfig } from "../config";
import { postgresServerNames } from "../components/postgres/postgres";
import { subscriptionAlertRules, upgradePlan } from "../components/postgres/upgrade";
import { images } from "../components/shared/versions";
import { patchMismatches, parseUpgradeArgs, refusal } from "../tools/upgrade";
import { upgradeSteps } from "../tools/runbook/upgrade";
import { clusterDisallowSharedArchivePath } from "../policies/postgres/cluster-disallow-shared-archive-path";
import { runPolicies } from "../tools/policy-runner";
import { RecordedResource } from "../tools/harness";
import { EAST_RAW, configError, find, inputs, ofType, render } from "./support";

const UPGRADE = { postgresUpgradeTargetVersion: "18" };
const SWITCHED = { ...UPGRADE, postgresUpgradeStage: "switched" };

describe("PostgreSQL major upgrade (logical replication)", function () {
    this.timeout(60000);

    describe("config", () => {
        const cases: [string, Record<string, string>, string][] = [
            [
                "a target that is not above the running major",
                { postgresUpgradeTargetVersion: "16" },
                "geo-data:postgresUpgradeTargetVersion: 16 is not allowed; expected 0 (no upgrade) or a major above the running 17 with a pinned image: 18",
            ],
            [
                "an image whose tag names another major",
                { ...UPGRADE, postgresUpgradeImage: "ghcr.io/cloudnative-pg/postgresql:17.6-standard-bookworm" },
                'geo-data:postgresUpgradeImage: tag "17.6-standard-bookworm" does not start with the target major 18 (CloudNativePG reads the major from the tag)',
            ],
            [
                "a stage without a target",
                { postgresUpgradeStage: "switched" },
                "geo-data:postgresUpgradeStage: switched needs postgresUpgradeTargetVersion",
            ],
            [
                "an unknown stage",
                { ...UPGRADE, postgresUpgradeStage: "done" },
                'geo-data:postgresUpgradeStage: "done" is not allowed; expected one of: replicate, switched, rolled-back',
            ],
            [
                "an upgrade on the stack that is not primary",
                { ...UPGRADE, primaryRegion: "us-west-2" },
                "geo-data:postgresUpgradeTargetVersion: is only allowed on the primary-role stack (primaryRegion is us-west-2, this stack is us-east-1): the other region's cluster is a physical replica and follows the old cluster",
            ],
        ];
        for (const [what, overrides, message] of cases)
            it(`rejects ${what}`, () => assert.equal(configError(overrides), message));

        it("defaults: no upgrade, poolers running; a target resolves the pinned image", () => {
            const none = parseRegionConfig(EAST_RAW, "t").postgres;
            assert.equal(none.upgrade, undefined);
            assert.equal(none.poolerPaused, false);
            const raw = { ...EAST_RAW, "geo-data:postgresUpgradeTargetVersion": "18" };
            assert.deepEqual(parseRegionConfig(raw, "t").postgres.upgrade, {
                targetVersion: 18,
                image: images.postgres18,
                stage: "replicate",
            });
        });
    });

    describe("rendered (us-east)", () => {
        const objects = async (overrides: Record<string, string>) => {
            const r = await render("us-east", overrides);
            const k8s = (kind: string) =>
                r.resources.filter((x) => x.type === `kubernetes:postgresql.cnpg.io/v1:${kind}`).map(inputs);
            return { r, k8s };
        };

        it("replicate: pg-v18 imports pg's schema only, archives under its own serverName, TLS-only", async () => {
            const { k8s } = await objects(UPGRADE);
            const v18 = k8s("Cluster").find((c) => c.metadata.name === "pg-v18")!;
            assert.equal(v18.spec.imageName, images.postgres18);
            assert.deepEqual(v18.spec.bootstrap.initdb.import, {
                type: "microservice",
                databases: ["app"],
                source: { externalCluster: "pg" },
                schemaOnly: true,
            });
            assert.deepEqual(v18.spec.externalClusters, [
                {
                    name: "pg",
                    connectionParameters: {
                        host: "pg-rw.geo-postgres.svc",
                        port: "5432",
                        user: "upgrade_replicator",
                        dbname: "app",
                        sslmode: "verify-full",
                    },
                    password: { name: "pg-upgrade-replicator", key: "password" },
                    sslRootCert: { name: "pg-tls-server-ca", key: "ca.crt" },
                },
            ]);
            assert.equal(v18.spec.plugins[0].parameters.serverName, "pg-v18-use1");
            assert.deepEqual(v18.spec.postgresql.pg_hba, ["hostnossl all all all reject"]);
            assert.equal(v18.spec.bootstrap.initdb.secret.name, "pg-app-credentials");
            const pg = k8s("Cluster").find((c) => c.metadata.name === "pg")!;
            assert.equal(pg.spec.plugins[0].parameters.serverName, "pg-use1");
            assert.deepEqual(
                pg.spec.managed.roles.find((x: any) => x.name === "upgrade_replicator"),
                {
                    name: "upgrade_replicator",
                    ensure: "present",
                    login: true,
                    replication: true,
                    inherit: true,
                    inRoles: ["pg_read_all_data"],
                    connectionLimit: -1,
                    passwordSecret: { name: "pg-upgrade-replicator" },
                    comment: "logical replication between the clusters of a major-version upgrade",
                },
            );
            assert.deepEqual(pg.spec.replicationSlots, {
                highAvailability: { enabled: true, synchronizeLogicalDecoding: true },
            });
            assert.deepEqual(
                postgresServerNames(
                    "us-east-1",
                    parseRegionConfig({ ...EAST_RAW, "geo-data:postgresUpgradeTargetVersion": "18" }, "t").postgres,
                ),
                ["pg-use1", "pg-v18-use1"],
            );
        });

        it("replicate: both Publications, the forward Subscription, the idle rw Pooler paused", async () => {
            const { k8s } = await objects(UPGRADE);
            assert.deepEqual(
                k8s("Publication").map((p) => [p.metadata.name, p.spec.cluster.name, p.spec.name, p.spec.target]),
                [
                    ["pg-to-pg-v18", "pg", "upgrade_to_v18", { allTables: true }],
                    ["pg-v18-to-pg", "pg-v18", "rollback_from_v18", { allTables: true }],
                ],
            );
            assert.deepEqual(
                k8s("Subscription").map((s) => s.spec),
                [
                    {
                        cluster: { name: "pg-v18" },
                        name: "upgrade_to_v18",
                        dbname: "app",
                        publicationName: "upgrade_to_v18",
                        publicationDBName: "app",
                        externalClusterName: "pg",
                        parameters: { copy_data: "true", failover: "true" },
                        subscriptionReclaimPolicy: "delete",
                    },
                ],
            );
            const poolers = k8s("Pooler").map((p) => [p.metadata.name, p.spec.cluster.name, p.spec.pgbouncer.paused]);
            assert.deepEqual(poolers, [
                ["pg-pooler-rw", "pg", undefined],
                ["pg-pooler-ro", "pg", undefined],
                ["pg-v18-pooler-rw", "pg-v18", true],
                ["pg-v18-pooler-ro", "pg-v18", undefined],
            ]);
        });

        it("switched: the rollback Subscription on pg, pg-v18's Poolers serve and publish the regional name", async () => {
            const { r, k8s } = await objects(SWITCHED);
            assert.deepEqual(
                k8s("Subscription").map((s) => [s.metadata.name, s.spec.cluster.name, s.spec.parameters]),
                [
                    [
                        "pg-from-pg-v18",
                        "pg",
                        { copy_data: "false", create_slot: "false", slot_name: "rollback_from_v18" },
                    ],
                ],
            );
            const dns = (name: string) =>
                k8s("Pooler").find((p) => p.metadata.name === name)!.spec.serviceTemplate.metadata.annotations[
                    "external-dns.alpha.kubernetes.io/hostname"
                ];
            assert.equal(dns("pg-v18-pooler-rw"), "pg-pooler-rw.us-east-1.data.internal");
            assert.equal(dns("pg-pooler-rw"), undefined);
            const paused = k8s("Pooler").map((p) => [p.metadata.name, p.spec.pgbouncer.paused]);
            assert.deepEqual(
                paused.filter(([, v]) => v),
                [["pg-pooler-rw", true]],
            );
            assert.equal(
                (r.outputs.postgres as { hosts: { poolerRw: string } }).hosts.poolerRw,
                "pg-v18-pooler-rw.geo-postgres.svc.cluster.local",
            );
        });

        it("fences: each cluster's instances admit the other's on 5432, and nothing else new", async () => {
            const { r } = await objects(UPGRADE);
            const policy = (name: string) =>
                inputs(
                    find(
                        r,
                        "kubernetes:networking.k8s.io/v1:NetworkPolicy",
                        `geo-network-policies-geo-postgres-${name}`,
                    ),
                );
            const peerRule = (name: string, peer: string) =>
                policy(name).spec.ingress.find(
                    (x: any) =>
                        x.from[0].podSelector?.matchLabels?.["cnpg.io/cluster"] === peer &&
                        x.from[0].podSelector.matchLabels["cnpg.io/podRole"] === "instance",
                );
            assert.deepEqual(peerRule("pg-instances", "pg-v18").ports, [{ port: 5432, protocol: "TCP" }]);
            assert.deepEqual(peerRule("pg-v18-instances", "pg").ports, [{ port: 5432, protocol: "TCP" }]);
            assert.ok(policy("pg-v18-pooler-rw"));
        });

        it("alerts on the streaming subscription's slot on its publisher", async () => {
            const { r } = await objects(UPGRADE);
            const rule = ofType(r, "kubernetes:monitoring.coreos.com/v1:PrometheusRule")
                .map(inputs)
                .find((x) => x.metadata.name === "pg-v18-upgrade-alerts")!;
            const exprs = rule.spec.groups[0].rules.map((x: any) => [x.alert, x.expr]);
            assert.deepEqual(exprs, [
                [
                    "PostgresSubscriptionLagHigh",
                    'max by (namespace, cnpg_io_cluster, slot_name) (cnpg_pg_replication_slots_pg_wal_lsn_diff{namespace="geo-postgres", cnpg_io_cluster="pg", slot_name="upgrade_to_v18", slot_type="logical"}) > 1073741824',
                ],
                [
                    "PostgresSubscriptionInactive",
                    'max by (namespace, cnpg_io_cluster, slot_name) (cnpg_pg_replication_slots_active{namespace="geo-postgres", cnpg_io_cluster="pg", slot_name="upgrade_to_v18", slot_type="logical"}) == 0',
                ],
            ]);
            assert.equal(
                subscriptionAlertRules({ namespace: "n", link: upgradePlan("pg", 18).rollback })[0].expr.includes(
                    'cnpg_io_cluster="pg-v18"',
                ),
                true,
            );
        });
    });

    describe("policy cluster-disallow-shared-archive-path", () => {
        it("passes the program's own output with an upgrade, and flags the new cluster archiving into pg's folder", async () => {
            const r = await render("us-east", UPGRADE);
            const run = (resources: RecordedResource[]) =>
                runPolicies([clusterDisallowSharedArchivePath], resources, { stack: "us-east" }).then((v) =>
                    v.map((x) => [x.name, x.message]),
                );
            assert.deepEqual(await run(r.resources), []);
            const copy: RecordedResource[] = JSON.parse(JSON.stringify(r.resources));
            const v18 = copy.find(
                (x) =>
                    x.type === "kubernetes:postgresql.cnpg.io/v1:Cluster" && x.name === "geo-postgres-upgrade-cluster",
            )!;
            v18.inputs.spec.plugins[0].parameters = { barmanObjectName: "pg-backups", serverName: "pg-use1" };
            assert.deepEqual(await run(copy), [
                [
                    "geo-postgres-upgrade-cluster",
                    "Clusters geo-postgres/pg and geo-postgres/pg-v18 both archive into s3://geo-pg-backups-123456789012-us-east-1/postgres/pg-use1/; give each its own serverName.",
                ],
            ]);
        });
    });

    describe("npm run upgrade", () => {
        const cfg = (extra: Record<string, string>) => {
            const raw: Record<string, string> = { ...EAST_RAW, "geo-data:kubeContext": "east-admin" };
            for (const [k, v] of Object.entries(extra)) raw[`geo-data:${k}`] = v;
            return parseRegionConfig(raw, "us-east");
        };

        it("parses its arguments", () => {
            assert.equal(parseUpgradeArgs(["cutover", "--deadline-ms", "300"]).deadlineMs, 300);
            assert.throws(() => parseUpgradeArgs(["upgrade"]), /expected an action: plan, cutover, rollback/);
        });

        it("refuses an action the stack's stage does not allow", () => {
            assert.equal(
                refusal(cfg({}), "cutover"),
                "us-east has no postgresUpgradeTargetVersion: run `npm run upgrade -- plan --to <major>` first",
            );
            assert.equal(
                refusal(cfg(UPGRADE), "rollback"),
                "rollback needs postgresUpgradeStage switched; us-east is at replicate",
            );
            assert.equal(
                refusal(cfg({ ...UPGRADE, postgresPoolerPaused: "true" }), "cutover"),
                "postgresPoolerPaused is already true on us-east: a cutover or rollback is half done",
            );
            assert.equal(refusal(cfg(SWITCHED), "rollback"), undefined);
        });

        it("cutover: pause, deadline, catch-up, sequences, rollback slot, switch, record — with the config after each change", () => {
            const p = upgradeSteps(cfg(UPGRADE), "cutover");
            assert.deepEqual(
                p.steps.map((s) => s.title.split(" ").slice(0, 3).join(" ")),
                [
                    "Preflight: upgrade_to_v18 on",
                    "Pause pg-pooler-rw (t",
                    "Deadline 500 ms",
                    "Wait until pg-v18",
                    "Sync sequences pg",
                    "Stop the forward",
                    "Switch clients to",
                    "Record it in",
                    "Verify: writes reach",
                ],
            );
            assert.deepEqual(
                p.steps[1].commands[0],
                `kubectl --context east-admin -n geo-postgres patch pooler pg-pooler-rw --type merge -p '{"spec":{"pgbouncer":{"paused":true}}}'`,
            );
            assert.deepEqual(p.steps[6].config, {
                postgresUpgradeTargetVersion: "18",
                postgresUpgradeStage: "switched",
                postgresPoolerPaused: "false",
            });
            assert.match(
                p.steps[5].commands[1],
                /pg_create_logical_replication_slot\('rollback_from_v18', 'pgoutput', false, false, true\)/,
            );
        });

        it("compares a merge patch with a rendered Pooler (null = absent)", () => {
            const pooler = { spec: { cluster: { name: "pg" }, pgbouncer: { paused: true } } };
            assert.deepEqual(patchMismatches({ spec: { pgbouncer: { paused: true } } }, pooler), []);
            assert.deepEqual(patchMismatches({ spec: { pgbouncer: { paused: null } } }, pooler), [
                "spec.pgbouncer.paused: the patch sets null, the config renders true",
            ]);
        });
    });
});
