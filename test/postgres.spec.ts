import { strict as assert } from "assert";
import { CONFIG_SCHEMA, parseRegionConfig } from "../config";
import { selects } from "../components/monitoring/monitors";
import { instancePodLabels, poolerPodLabels, recoveryClusterName } from "../components/postgres/naming";
import {
    SEED_PARAMETERS,
    TLS_PARAMETERS,
    synchronousConfig,
    validatePostgresClusterArgs,
} from "../components/postgres/postgres-cluster";
import { validatePoolerArgs } from "../components/postgres/pooler";
import { images } from "../components/shared/versions";
import { find, inputs, ofType, render, renderError, EAST_RAW as EAST, configError as parseError } from "./support";

const CLUSTER = "kubernetes:postgresql.cnpg.io/v1:Cluster";
const POOLER = "kubernetes:postgresql.cnpg.io/v1:Pooler";
const OBJECT_STORE = "kubernetes:barmancloud.cnpg.io/v1:ObjectStore";
const SCHEDULED = "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup";
const POD_MONITOR = "kubernetes:monitoring.coreos.com/v1:PodMonitor";
const RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const KMS = "arn:aws:kms:us-east-1:123456789012:geo-backup-kms-key";

describe("PostgreSQL (CloudNativePG)", () => {
    it("renders the seed's HA cluster exactly, with backups through the Barman Cloud plugin", async () => {
        const east = await render("us-east");
        const cluster = inputs(find(east, CLUSTER, "geo-postgres-main-cluster"));
        assert.equal(cluster.metadata.name, "pg");
        assert.equal(cluster.metadata.namespace, "geo-postgres");
        assert.equal(cluster.metadata.labels["geo-data/durability"], "critical");
        assert.equal(cluster.metadata.labels["app.kubernetes.io/part-of"], "geo-data");
        // The cross-region parts (replica, externalClusters, certificates, the endpoint Service) are asserted
        // in cross-region.spec.ts; this is the local HA cluster.
        const { replica, externalClusters, certificates, ...local } = cluster.spec;
        assert.deepEqual(Object.keys({ replica, externalClusters, certificates }), [
            "replica",
            "externalClusters",
            "certificates",
        ]);
        assert.deepEqual(local, {
            instances: 3,
            imageName: images.postgres,
            primaryUpdateStrategy: "unsupervised",
            primaryUpdateMethod: "switchover",
            enableSuperuserAccess: false,
            enablePDB: true,
            postgresql: {
                parameters: {
                    max_connections: "200",
                    shared_buffers: "256MB",
                    effective_cache_size: "1GB",
                    maintenance_work_mem: "64MB",
                    checkpoint_completion_target: "0.9",
                    wal_buffers: "16MB",
                    default_statistics_target: "100",
                    random_page_cost: "1.1",
                    effective_io_concurrency: "200",
                    ssl_min_protocol_version: "TLSv1.3",
                    password_encryption: "scram-sha-256",
                },
                pg_hba: ["hostnossl all all all reject"],
                synchronous: { method: "any", number: 1, dataDurability: "required", failoverQuorum: true },
            },
            resources: { requests: { cpu: "1", memory: "2Gi" }, limits: { cpu: "2", memory: "4Gi" } },
            storage: { size: "100Gi", storageClass: "fast-ssd" },
            walStorage: { size: "20Gi", storageClass: "fast-ssd" },
            affinity: {
                enablePodAntiAffinity: true,
                topologyKey: "topology.kubernetes.io/zone",
                podAntiAffinityType: "required",
            },
            serviceAccountTemplate: {
                metadata: {
                    annotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:geo-pg-backups-use1" },
                },
            },
            inheritedMetadata: { labels: { "app.kubernetes.io/part-of": "geo-data" } },
            bootstrap: {
                initdb: { database: "app", owner: "app", secret: { name: "pg-app-credentials" }, dataChecksums: true },
            },
            managed: {
                roles: [
                    {
                        name: "app_readonly",
                        ensure: "present",
                        login: true,
                        inherit: true,
                        inRoles: ["pg_read_all_data"],
                        connectionLimit: -1,
                        passwordSecret: { name: "pg-readonly-credentials" },
                        comment: "read-only application access (through the -ro pooler)",
                    },
                ],
                services: local.managed.services,
            },
            plugins: [
                {
                    name: "barman-cloud.cloudnative-pg.io",
                    isWALArchiver: true,
                    parameters: { barmanObjectName: "pg-backups", serverName: "pg-use1" },
                },
            ],
        });
        const rec = find(east, CLUSTER, "geo-postgres-main-cluster");
        assert.equal(rec.options.protect, true);
        assert.equal(rec.options.retainOnDelete, true);
        assert.deepEqual(rec.options.dependsOn, [
            "kubernetes:helm.sh/v4:Chart::geo-operators-cloudnative-pg",
            "kubernetes:yaml/v2:ConfigFile::geo-operators-barman-cloud-plugin",
            "kubernetes:barmancloud.cnpg.io/v1:ObjectStore::geo-postgres-main-objectstore",
            "kubernetes:core/v1:Secret::geo-postgres-main-tls-server-ca",
            "kubernetes:core/v1:Secret::geo-postgres-main-tls-client-ca",
            "kubernetes:core/v1:Secret::geo-postgres-main-tls-server",
            "kubernetes:core/v1:Secret::geo-postgres-main-tls-replication",
        ]);
        assert.deepEqual(rec.options.ignoreChanges, ["spec.bootstrap"]);
    });

    it("archives into its own path of the region's bucket with IRSA, compression and KMS encryption", async () => {
        const east = await render("us-east");
        const store = inputs(find(east, OBJECT_STORE, "geo-postgres-main-objectstore"));
        assert.deepEqual(store.metadata.name, "pg-backups");
        assert.deepEqual(store.spec, {
            retentionPolicy: "30d",
            configuration: {
                destinationPath: "s3://geo-pg-backups-123456789012-us-east-1/postgres",
                s3Credentials: { inheritFromIAMRole: true },
                wal: {
                    compression: "snappy",
                    encryption: "aws:kms",
                    maxParallel: 4,
                    archiveAdditionalCommandArgs: [`--sse-kms-key-id=${KMS}`],
                },
                data: {
                    compression: "gzip",
                    encryption: "aws:kms",
                    jobs: 2,
                    additionalCommandArgs: [`--sse-kms-key-id=${KMS}`],
                },
            },
            instanceSidecarConfiguration: {
                resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } },
            },
        });
        const backup = inputs(find(east, SCHEDULED, "geo-postgres-main-scheduled-backup"));
        assert.equal(backup.metadata.name, "pg-daily");
        assert.deepEqual(backup.spec, {
            schedule: "0 0 2 * * *",
            immediate: true,
            backupOwnerReference: "self",
            cluster: { name: "pg" },
            method: "plugin",
            pluginConfiguration: { name: "barman-cloud.cloudnative-pg.io" },
        });
    });

    it("renders read-write and read-only PgBouncer poolers with the seed's settings, spread, PDBs and monitors", async () => {
        const east = await render("us-east");
        const rw = inputs(find(east, POOLER, "geo-postgres-pooler-rw-pooler"));
        assert.equal(rw.metadata.name, "pg-pooler-rw");
        const selector = { "cnpg.io/poolerName": "pg-pooler-rw" };
        // The rw pooler is also published for other regions (asserted in cross-region.spec.ts).
        const { serviceTemplate, ...rwSpec } = rw.spec;
        assert.equal(serviceTemplate.spec.type, "LoadBalancer");
        assert.deepEqual(rwSpec, {
            cluster: { name: "pg" },
            instances: 2,
            type: "rw",
            pgbouncer: {
                image: images.pgbouncer,
                poolMode: "session",
                parameters: {
                    max_client_conn: "1000",
                    default_pool_size: "25",
                    client_tls_sslmode: "require",
                    server_tls_sslmode: "verify-full",
                },
                pg_hba: ["hostnossl all all 0.0.0.0/0 reject", "hostnossl all all ::/0 reject"],
            },
            template: {
                metadata: { labels: { "app.kubernetes.io/part-of": "geo-data" } },
                spec: {
                    containers: [
                        {
                            name: "pgbouncer",
                            image: images.pgbouncer,
                            resources: {
                                requests: { cpu: "100m", memory: "64Mi" },
                                limits: { cpu: "1", memory: "256Mi" },
                            },
                        },
                    ],
                    affinity: {
                        podAntiAffinity: {
                            requiredDuringSchedulingIgnoredDuringExecution: [
                                { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: selector } },
                            ],
                        },
                    },
                    topologySpreadConstraints: [
                        {
                            maxSkew: 1,
                            topologyKey: "topology.kubernetes.io/zone",
                            whenUnsatisfiable: "DoNotSchedule",
                            labelSelector: { matchLabels: selector },
                        },
                    ],
                },
            },
        });
        const ro = inputs(find(east, POOLER, "geo-postgres-pooler-ro-pooler"));
        assert.equal(ro.metadata.name, "pg-pooler-ro");
        assert.equal(ro.spec.type, "ro");
        const pdbs = ofType(east, "kubernetes:policy/v1:PodDisruptionBudget")
            .map((r) => inputs(r))
            .filter((p) => p.metadata.namespace === "geo-postgres");
        assert.deepEqual(
            pdbs.map((p) => [p.metadata.name, p.spec]),
            [
                [
                    "pg-pooler-rw",
                    { maxUnavailable: 1, selector: { matchLabels: { "cnpg.io/poolerName": "pg-pooler-rw" } } },
                ],
                [
                    "pg-pooler-ro",
                    { maxUnavailable: 1, selector: { matchLabels: { "cnpg.io/poolerName": "pg-pooler-ro" } } },
                ],
            ],
        );
    });

    it("PodMonitors select exactly the pods CloudNativePG labels (instances vs. poolers)", async () => {
        const east = await render("us-east");
        const clusterPm = inputs(find(east, POD_MONITOR, "geo-postgres-main-podmonitor"));
        const rwPm = inputs(find(east, POD_MONITOR, "geo-postgres-pooler-rw-podmonitor"));
        const instance = instancePodLabels("pg", "pg-1");
        const rwPod = poolerPodLabels("pg", "pg-pooler-rw");
        const roPod = poolerPodLabels("pg", "pg-pooler-ro");
        // Pooler pods also carry cnpg.io/cluster: the cluster monitor must not scrape them twice.
        assert.equal(selects(clusterPm.spec.selector.matchLabels, instance), true);
        assert.equal(selects(clusterPm.spec.selector.matchLabels, rwPod), false);
        assert.equal(selects(rwPm.spec.selector.matchLabels, rwPod), true);
        assert.equal(selects(rwPm.spec.selector.matchLabels, roPod), false);
        assert.equal(selects(rwPm.spec.selector.matchLabels, instance), false);
        assert.deepEqual(clusterPm.spec.podMetricsEndpoints, [{ port: "metrics", interval: "30s" }]);
        assert.deepEqual(clusterPm.spec.podTargetLabels, ["cnpg.io/cluster", "cnpg.io/instanceRole"]);
        assert.equal(clusterPm.metadata.namespace, "geo-postgres");
        assert.deepEqual(find(east, POD_MONITOR, "geo-postgres-main-podmonitor").options.dependsOn, [
            "kubernetes:helm.sh/v4:Chart::geo-operators-kube-prometheus-stack",
        ]);
    });

    it("alerts on instance down, replication lag, WAL archiving, stale backups and pooler saturation", async () => {
        const east = await render("us-east");
        const alerts = (name: string) =>
            inputs(find(east, RULE, name)).spec.groups[0].rules.map((r: any) => [r.alert, r.labels.severity]);
        assert.deepEqual(alerts("geo-postgres-main-alerts"), [
            ["PostgresInstanceDown", "critical"],
            ["PostgresReplicationLagHigh", "warning"],
            ["PostgresWALArchivingFailing", "critical"],
            ["PostgresBackupTooOld", "critical"],
            ["PostgresCrossRegionLagBytes", "warning"],
            ["PostgresCrossRegionLagSeconds", "warning"],
            ["PostgresCrossRegionReplicaNotStreaming", "critical"],
            ["PostgresReplicaClusterNotStreaming", "critical"],
        ]);
        assert.deepEqual(alerts("geo-postgres-pooler-rw-alerts"), [
            ["PgBouncerDown", "critical"],
            ["PgBouncerAbsent", "critical"],
            ["PgBouncerClientsSaturated", "warning"],
            ["PgBouncerClientsWaiting", "warning"],
        ]);
        const rules = inputs(find(east, RULE, "geo-postgres-main-alerts")).spec.groups[0].rules;
        assert.equal(
            rules[3].expr,
            '(time() - max(barman_cloud_cloudnative_pg_io_last_available_backup_timestamp{namespace="geo-postgres", cnpg_io_cluster="pg"})) > 93600',
        );
        assert.match(rules[1].expr, /cnpg_collector_replica_mode\{[^}]*\} == 0/);
        const saturation = inputs(find(east, RULE, "geo-postgres-pooler-rw-alerts")).spec.groups[0].rules[2];
        assert.match(saturation.expr, /\) > 800$/);
    });

    it("stores generated credentials in basic-auth Secrets and exports them only as a secret output", async () => {
        const east = await render("us-east");
        const secret = find(east, "kubernetes:core/v1:Secret", "geo-postgres-main-app-secret");
        assert.equal(secret.inputs.type, "kubernetes.io/basic-auth");
        assert.equal(secret.inputs.metadata.name, "pg-app-credentials");
        assert.equal(
            secret.inputs.stringData[SECRET_SIG],
            "1b47061264138c4ac30d75fd1eb44270",
            "stringData is a secret",
        );
        assert.equal(inputs(secret).stringData.username, "app");
        assert.equal(
            inputs(find(east, "kubernetes:core/v1:Secret", "geo-postgres-main-readonly-secret")).stringData.username,
            "app_readonly",
        );
        assert.ok(east.secretOutputNames.includes("postgresCredentials"));
        const password = inputs(secret).stringData.password;
        for (const [k, v] of Object.entries(east.outputs)) {
            if (k === "postgresCredentials") continue;
            assert.ok(!JSON.stringify(v).includes(password), `output ${k} leaks the password`);
        }
        assert.deepEqual(east.outputs.postgres, {
            clusterName: "pg",
            namespace: "geo-postgres",
            database: "app",
            hosts: {
                poolerRw: "pg-pooler-rw.geo-postgres.svc.cluster.local",
                poolerRo: "pg-pooler-ro.geo-postgres.svc.cluster.local",
                rw: "pg-rw.geo-postgres.svc.cluster.local",
                ro: "pg-ro.geo-postgres.svc.cluster.local",
            },
            port: 5432,
            topology: {
                self: "pg-use1",
                primary: "pg-use1",
                replicationHost: "pg-rw.us-east-1.data.internal",
                pooler: {
                    regional: "pg-pooler-rw.us-east-1.data.internal",
                    writer: "pg-pooler-rw.data.internal",
                    writerTarget: "pg-pooler-rw.us-east-1.data.internal",
                },
            },
        });
    });

    it("both regions run their own local HA cluster", async () => {
        const west = await render("us-west");
        const cluster = inputs(find(west, CLUSTER, "geo-postgres-main-cluster"));
        assert.equal(cluster.spec.instances, 3);
        assert.equal(
            inputs(find(west, OBJECT_STORE, "geo-postgres-main-objectstore")).spec.configuration.destinationPath,
            "s3://geo-pg-backups-123456789012-us-west-2/postgres",
        );
    });

    it("applies overrides from config", async () => {
        const r = await render("us-east", {
            postgresInstances: "5",
            postgresDurability: "standard",
            postgresSyncReplicas: "2",
            postgresStorageSize: "500Gi",
            postgresWalStorageSize: "50Gi",
            postgresBackupSchedule: "0 30 3 * * *",
            postgresBackupRetention: "2w",
            postgresPoolerInstances: "3",
            postgresPoolMode: "transaction",
            postgresMaxClientConn: "5000",
            postgresDefaultPoolSize: "50",
            postgresDatabase: "orders",
            postgresOwner: "orders_owner",
            storageClass: "gp3",
        });
        const spec = inputs(find(r, CLUSTER, "geo-postgres-main-cluster")).spec;
        assert.equal(spec.instances, 5);
        assert.deepEqual(spec.postgresql.synchronous, { method: "any", number: 2, dataDurability: "preferred" });
        assert.deepEqual(spec.storage, { size: "500Gi", storageClass: "gp3" });
        assert.deepEqual(spec.walStorage, { size: "50Gi", storageClass: "gp3" });
        assert.deepEqual(spec.bootstrap.initdb, {
            database: "orders",
            owner: "orders_owner",
            secret: { name: "pg-app-credentials" },
            dataChecksums: true,
        });
        assert.equal(spec.managed.roles[0].name, "orders_owner_readonly");
        assert.equal(inputs(find(r, SCHEDULED, "geo-postgres-main-scheduled-backup")).spec.schedule, "0 30 3 * * *");
        assert.equal(inputs(find(r, OBJECT_STORE, "geo-postgres-main-objectstore")).spec.retentionPolicy, "2w");
        const pooler = inputs(find(r, POOLER, "geo-postgres-pooler-ro-pooler")).spec;
        assert.equal(pooler.instances, 3);
        assert.deepEqual(pooler.pgbouncer.parameters, {
            max_client_conn: "5000",
            default_pool_size: "50",
            client_tls_sslmode: "require",
            server_tls_sslmode: "verify-full",
        });
        assert.equal(pooler.pgbouncer.poolMode, "transaction");
        assert.equal(
            inputs(find(r, CLUSTER, "geo-postgres-main-cluster")).metadata.labels["geo-data/durability"],
            "standard",
        );
    });

    it("renders a recovery cluster from postgresRecoveryTargetTime that archives to a new path", async () => {
        const r = await render("us-east", { postgresRecoveryTargetTime: "2026-11-24T07:00:00+01:00" });
        const rec = inputs(find(r, CLUSTER, "geo-postgres-recovery-cluster"));
        assert.equal(rec.metadata.name, "pg-pitr-20261124t060000");
        assert.deepEqual(rec.spec.bootstrap, {
            recovery: {
                source: "pg-use1",
                database: "app",
                owner: "app",
                secret: { name: "pg-app-credentials" },
                recoveryTarget: { targetTime: "2026-11-24T07:00:00+01:00" },
            },
        });
        assert.deepEqual(rec.spec.externalClusters, [
            {
                name: "pg-use1",
                plugin: {
                    name: "barman-cloud.cloudnative-pg.io",
                    parameters: { barmanObjectName: "pg-backups", serverName: "pg-use1" },
                },
            },
        ]);
        assert.deepEqual(rec.spec.plugins[0].parameters, {
            barmanObjectName: "pg-pitr-20261124t060000-backups",
            serverName: "pg-pitr-20261124t060000",
        });
        assert.equal(rec.spec.managed.roles[0].passwordSecret.name, "pg-readonly-credentials");
        // The source keeps running, protected, untouched; the restored one has its own backups and monitors.
        assert.equal(inputs(find(r, CLUSTER, "geo-postgres-main-cluster")).spec.bootstrap.initdb.database, "app");
        assert.equal(
            inputs(find(r, SCHEDULED, "geo-postgres-recovery-scheduled-backup")).spec.cluster.name,
            "pg-pitr-20261124t060000",
        );
        assert.equal(
            ofType(r, "kubernetes:core/v1:Secret").filter((x) => inputs(x).metadata.namespace === "geo-postgres")
                .length,
            6,
            "the restored cluster reuses the source's credentials (2 Secrets) and has no TLS Secrets of its own (4 are the main cluster's)",
        );
        const trust = JSON.parse(inputs(find(r, "aws:iam/role:Role", "geo-backup-role")).assumeRolePolicy);
        assert.deepEqual(
            trust.Statement[0].Condition.StringEquals[
                "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub"
            ],
            ["system:serviceaccount:geo-postgres:pg", "system:serviceaccount:geo-postgres:pg-pitr-20261124t060000"],
        );
        assert.equal((r.outputs.postgres as any).recoveryClusterName, "pg-pitr-20261124t060000");
    });

    describe("config validation names the key", () => {
        const cases: [string, Record<string, string>, string][] = [
            [
                "instances 0",
                { postgresInstances: "0" },
                "geo-data:postgresInstances: 0 is not allowed; expected an integer from 3 to 9",
            ],
            [
                "instances 2",
                { postgresInstances: "2" },
                "geo-data:postgresInstances: 2 is not allowed; expected an integer from 3 to 9",
            ],
            [
                "instances not a number",
                { postgresInstances: "three" },
                'geo-data:postgresInstances: "three" is not allowed; expected an integer',
            ],
            [
                "unknown durability class",
                { postgresDurability: "gold" },
                'geo-data:postgresDurability: "gold" is not allowed; expected one of: critical, standard',
            ],
            [
                "sync replicas = instances",
                { postgresSyncReplicas: "3" },
                "geo-data:postgresSyncReplicas: 3 is not allowed; expected an integer from 1 to 2 (postgresInstances - 1)",
            ],
            [
                "5-field cron",
                { postgresBackupSchedule: "0 2 * * *" },
                'geo-data:postgresBackupSchedule: "0 2 * * *" is not allowed; expected 6 fields (seconds first, e.g. "0 0 2 * * *"); CloudNativePG schedules have a seconds field',
            ],
            [
                "bad cron",
                { postgresBackupSchedule: "0 0 25 * * *" },
                'geo-data:postgresBackupSchedule: "0 0 25 * * *" is not allowed; field 3 value 25 is out of range 0-23',
            ],
            [
                "size without unit",
                { postgresStorageSize: "100" },
                'geo-data:postgresStorageSize: "100" is not allowed; expected a positive whole number with a binary unit Ki, Mi, Gi, Ti, Pi or Ei (for example 100Gi)',
            ],
            [
                "WAL size in decimal units",
                { postgresWalStorageSize: "20GB" },
                'geo-data:postgresWalStorageSize: "20GB" is not allowed; expected a positive whole number with a binary unit Ki, Mi, Gi, Ti, Pi or Ei (for example 100Gi)',
            ],
            [
                "retention without unit",
                { postgresBackupRetention: "30" },
                'geo-data:postgresBackupRetention: "30" is not allowed; expected a number of days, weeks or months like 30d, 4w or 1m',
            ],
            [
                "statement pool mode",
                { postgresPoolMode: "statement" },
                'geo-data:postgresPoolMode: "statement" is not allowed; expected one of: session, transaction',
            ],
            [
                "one pooler",
                { postgresPoolerInstances: "1" },
                "geo-data:postgresPoolerInstances: 1 is not allowed; expected an integer from 2 to 20",
            ],
            [
                "pool size over max_connections",
                { postgresDefaultPoolSize: "100" },
                "geo-data:postgresDefaultPoolSize: 100 is not allowed; expected an integer from 1 to 90: 2 pooler pods × pool size must fit under max_connections 200 minus 20 reserved",
            ],
            [
                "reserved owner",
                { postgresOwner: "postgres" },
                'geo-data:postgresOwner: "postgres" is not allowed; postgres, streaming_replica, pg_* and cnpg_* are reserved by PostgreSQL and CloudNativePG',
            ],
            [
                "bad database name",
                { postgresDatabase: "My-DB" },
                'geo-data:postgresDatabase: "My-DB" is not allowed; expected a lower-case PostgreSQL identifier: a-z, 0-9 and _, not starting with a digit, at most 63 characters',
            ],
            [
                "bad recovery time",
                { postgresRecoveryTargetTime: "yesterday" },
                'geo-data:postgresRecoveryTargetTime: "yesterday" is not allowed; expected an RFC 3339 timestamp like 2026-11-24T06:00:00Z',
            ],
        ];
        for (const [what, overrides, message] of cases) {
            it(`rejects ${what}`, () => assert.equal(parseError(overrides), message));
        }

        it("fails the whole program before registering anything", async () => {
            assert.equal(
                await renderError("us-east", { postgresInstances: "0" }),
                "geo-data:postgresInstances: 0 is not allowed; expected an integer from 3 to 9",
            );
        });
    });

    describe("pure logic", () => {
        it("resolves every documented default of PostgresClusterArgs", () => {
            const a = validatePostgresClusterArgs({
                clusterName: "pg",
                namespace: "db",
                backup: { bucketName: "b", roleArn: "r", kmsKeyArn: "k" },
            });
            assert.deepEqual(
                { ...a, backup: { ...a.backup } },
                {
                    clusterName: "pg",
                    namespace: "db",
                    instances: 3,
                    durability: "critical",
                    syncReplicas: 1,
                    storageSize: "100Gi",
                    walStorageSize: "20Gi",
                    storageClass: "fast-ssd",
                    parameters: { ...SEED_PARAMETERS, ...TLS_PARAMETERS },
                    resources: { requests: { cpu: "1", memory: "2Gi" }, limits: { cpu: "2", memory: "4Gi" } },
                    database: "app",
                    owner: "app",
                    backup: {
                        bucketName: "b",
                        roleArn: "r",
                        kmsKeyArn: "k",
                        prefix: "postgres",
                        schedule: "0 0 2 * * *",
                        retention: "30d",
                    },
                    recovery: undefined,
                    serverName: "pg",
                    topology: undefined,
                    endpointHostname: undefined,
                    endpointSourceRanges: [],
                    protect: true,
                    imageName: "ghcr.io/cloudnative-pg/postgresql:17.6-standard-bookworm",
                    logical: undefined,
                },
            );
        });

        const bad: [string, Record<string, unknown>, string][] = [
            [
                "instances",
                { instances: 1 },
                "PostgresCluster.instances: 1 is not allowed; expected an integer from 3 to 9",
            ],
            [
                "syncReplicas",
                { syncReplicas: 3 },
                "PostgresCluster.syncReplicas: 3 is not allowed; expected an integer from 1 to 2 (instances - 1)",
            ],
            [
                "durability",
                { durability: "gold" },
                'PostgresCluster.durability: "gold" is not allowed; expected one of: critical, standard',
            ],
            [
                "clusterName",
                { clusterName: "x".repeat(51) },
                `PostgresCluster.clusterName: "${"x".repeat(51)}" is not allowed; expected at most 50 characters (CloudNativePG limit)`,
            ],
            [
                "recovery into the same name",
                { recovery: { serverName: "pg", objectStore: "pg-backups", targetTime: "2026-01-01T00:00:00Z" } },
                'PostgresCluster.recovery.serverName: "pg" is not allowed; a recovered cluster needs its own serverName, so it archives to its own path',
            ],
        ];
        for (const [what, extra, message] of bad) {
            it(`validatePostgresClusterArgs rejects ${what}`, () => {
                assert.throws(
                    () =>
                        validatePostgresClusterArgs({
                            clusterName: "pg",
                            namespace: "db",
                            backup: { bucketName: "b", roleArn: "r", kmsKeyArn: "k" },
                            ...extra,
                        }),
                    (e: Error) => e.message === message,
                );
            });
        }

        it("maps durability classes to CloudNativePG synchronous replication", () => {
            assert.deepEqual(synchronousConfig("critical", 1), {
                method: "any",
                number: 1,
                dataDurability: "required",
                failoverQuorum: true,
            });
            assert.deepEqual(synchronousConfig("standard", 2), {
                method: "any",
                number: 2,
                dataDurability: "preferred",
            });
        });

        it("resolves pooler defaults and rejects a pooler named like its cluster", () => {
            const p = validatePoolerArgs({
                poolerName: "pg-pooler-rw",
                namespace: "db",
                clusterName: "pg",
                type: "rw",
            });
            assert.deepEqual([p.instances, p.poolMode, p.maxClientConn, p.defaultPoolSize], [2, "session", 1000, 25]);
            assert.throws(
                () => validatePoolerArgs({ poolerName: "pg", namespace: "db", clusterName: "pg", type: "rw" }),
                (e: Error) =>
                    e.message ===
                    'PgBouncerPooler.poolerName: "pg" is not allowed; a Pooler must not share its Cluster\'s name',
            );
        });

        it("derives recovery cluster names deterministically in UTC", () => {
            const table: [string, string][] = [
                ["2026-11-24T06:00:00Z", "pg-pitr-20261124t060000"],
                ["2026-11-24T07:00:00+01:00", "pg-pitr-20261124t060000"],
                ["2026-11-24T06:00:00.999Z", "pg-pitr-20261124t060000"],
                ["2026-01-02T03:04:05-05:00", "pg-pitr-20260102t080405"],
            ];
            for (const [t, name] of table) assert.equal(recoveryClusterName("pg", t), name, t);
        });

        it("documents the config defaults the issue asks for", () => {
            const s = CONFIG_SCHEMA;
            assert.deepEqual(
                [
                    s.postgresInstances.default,
                    s.postgresDurability.default,
                    s.postgresSyncReplicas.default,
                    s.postgresStorageSize.default,
                    s.postgresBackupSchedule.default,
                    s.postgresBackupRetention.default,
                    s.postgresPoolerInstances.default,
                    s.postgresPoolMode.default,
                    s.postgresMaxClientConn.default,
                    s.postgresDefaultPoolSize.default,
                ],
                [3, "critical", 1, "100Gi", "0 0 2 * * *", "30d", 2, "session", 1000, 25],
            );
            const c = parseRegionConfig(EAST, "t").postgres;
            assert.deepEqual(c, {
                instances: 3,
                durability: "critical",
                syncReplicas: 1,
                storageSize: "100Gi",
                walStorageSize: "20Gi",
                backupSchedule: "0 0 2 * * *",
                backupRetention: "30d",
                poolerInstances: 2,
                poolMode: "session",
                maxClientConn: 1000,
                defaultPoolSize: 25,
                database: "app",
                owner: "app",
                recoveryTargetTime: undefined,
                promotionToken: undefined,
                poolerPaused: false,
            });
        });
    });
});
