/**
 * The policy pack's mutation suite: the program's own rendered resources (both stacks, each with the other's
 * outputs as its peer, as `npm run plan` runs them) yield zero violations; for every policy, one change — one
 * field of one resource, one dropped sibling resource, or one field of the peer's exports — breaks exactly that
 * policy, with its message. The same mutations through `npm run policy` (files on disk) exit 1 naming the policy.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { policies } from "../policies/policies";
import { RecordedResource } from "../tools/harness";
import { policyCli } from "../tools/policy";
import { Violation, loadPolicyConfig, runPolicies } from "../tools/policy-runner";
import { render } from "./support";

type Stack = "us-east" | "us-west";
const OTHER: Record<Stack, Stack> = { "us-east": "us-west", "us-west": "us-east" };
type Outputs = Record<string, any>;

interface Case {
    /** The policy that must fail, alone. */
    policy: string;
    /** The stack whose resources are changed. */
    stack: Stack;
    /** What is broken, for the test title. */
    what: string;
    /** `[type, Pulumi name]` of the resource to change or drop (type without the `kubernetes:` prefix for k8s). */
    target?: [string, string];
    /** Changes the target's inputs (and options), or drops it. */
    change?: ((inputs: any, res: RecordedResource) => void) | "drop";
    /** Changes the peer stack's outputs instead. */
    peer?: (outputs: Outputs) => void;
    /** The (first) violation message. */
    message: RegExp;
    /** The enforcement its violation carries (policies/policy-config.json). Defaults to mandatory. */
    level?: "advisory" | "mandatory";
}

const K = (t: string) => (t.startsWith("aws:") ? t : `kubernetes:${t}`);
const CLUSTER: [string, string] = ["postgresql.cnpg.io/v1:Cluster", "geo-postgres-main-cluster"];
const CACHE_STS: [string, string] = ["apps/v1:StatefulSet", "geo-redis-cache-statefulset"];
const CACHE_CONF: [string, string] = ["core/v1:ConfigMap", "geo-redis-cache-config"];
const SESSIONS_STS: [string, string] = ["apps/v1:StatefulSet", "geo-redis-sessions-statefulset"];
const TENANT: [string, string] = ["minio.min.io/v2:Tenant", "geo-minio-tenant"];
const KAFKA: [string, string] = ["kafka.strimzi.io/v1:Kafka", "geo-kafka-cluster-kafka"];
const BROKERS: [string, string] = ["kafka.strimzi.io/v1:KafkaNodePool", "geo-kafka-cluster-pool-broker"];
const s3 = (kind: string, name: string): [string, string] => [
    `aws:s3/${kind[0].toLowerCase()}${kind.slice(1)}:${kind}`,
    name,
];
const conf = (f: (text: string) => string) => (i: any) => (i.data["redis.conf"] = f(i.data["redis.conf"]));
const pod = (i: any) => i.spec.template.spec;

const cases: Case[] = [
    // --- HA
    {
        policy: "cluster-require-min-instances",
        stack: "us-east",
        what: "2 instances",
        target: CLUSTER,
        change: (i) => (i.spec.instances = 2),
        message: /^Cluster geo-postgres\/pg has spec.instances 2; at least 3 are required/,
    },
    {
        policy: "cluster-require-zone-anti-affinity",
        stack: "us-east",
        what: "anti-affinity per host",
        target: CLUSTER,
        change: (i) => (i.spec.affinity.topologyKey = "kubernetes.io/hostname"),
        message: /does not spread its instances over zones: spec.affinity topologyKey is "kubernetes.io\/hostname"/,
    },
    {
        policy: "cluster-require-pdb",
        stack: "us-east",
        what: "enablePDB false",
        target: CLUSTER,
        change: (i) => (i.spec.enablePDB = false),
        message: /^Cluster geo-postgres\/pg has spec.enablePDB false/,
    },
    {
        policy: "pooler-require-min-instances",
        stack: "us-east",
        what: "1 PgBouncer",
        target: ["postgresql.cnpg.io/v1:Pooler", "geo-postgres-pooler-rw-pooler"],
        change: (i) => (i.spec.instances = 1),
        message: /^Pooler geo-postgres\/pg-pooler-rw has spec.instances 1/,
    },
    {
        policy: "redis-cluster-require-min-replicas",
        stack: "us-east",
        what: "3 cluster pods",
        target: CACHE_STS,
        change: (i) => (i.spec.replicas = 3),
        message: /spec.replicas 3; it needs at least 6/,
    },
    {
        policy: "redis-cluster-require-pdb",
        stack: "us-east",
        what: "cluster PDB dropped",
        target: ["policy/v1:PodDisruptionBudget", "geo-redis-cache-pdb"],
        change: "drop",
        message: /^Redis Cluster StatefulSet geo-redis\/redis-cache has no PodDisruptionBudget/,
    },
    {
        policy: "sentinel-require-min-replicas",
        stack: "us-east",
        what: "2 Sentinels",
        target: ["apps/v1:StatefulSet", "geo-redis-sessions-sentinel"],
        change: (i) => (i.spec.replicas = 2),
        message: /^Redis Sentinel StatefulSet geo-redis\/redis-sessions-sentinel has spec.replicas 2/,
    },
    {
        policy: "kafka-nodepool-require-min-replicas",
        stack: "us-east",
        what: "2 brokers",
        target: BROKERS,
        change: (i) => (i.spec.replicas = 2),
        message: /^KafkaNodePool geo-kafka\/broker \(broker\) has spec.replicas 2/,
    },
    {
        policy: "tenant-require-min-geometry",
        stack: "us-east",
        what: "3 MinIO servers",
        target: TENANT,
        change: (i) => (i.spec.pools[0].servers = 3),
        message: /pool "pool-0" has servers 3; at least 4/,
    },
    {
        policy: "workload-require-pdb",
        stack: "us-east",
        what: "Sentinel PDB dropped",
        target: ["policy/v1:PodDisruptionBudget", "geo-redis-sessions-sentinel-pdb"],
        change: "drop",
        message: /^StatefulSet geo-redis\/redis-sessions-sentinel has no PodDisruptionBudget/,
    },
    {
        policy: "workload-require-zone-spread",
        stack: "us-east",
        what: "soft zone spread",
        target: SESSIONS_STS,
        change: (i) => (pod(i).topologySpreadConstraints[0].whenUnsatisfiable = "ScheduleAnyway"),
        message: /^StatefulSet geo-redis\/redis-sessions spec.template.spec does not spread over zones/,
    },
    // --- Durability
    {
        policy: "cluster-require-synchronous-durability",
        stack: "us-east",
        what: "dataDurability preferred",
        target: CLUSTER,
        change: (i) => (i.spec.postgresql.synchronous.dataDurability = "preferred"),
        message: /dataDurability is "preferred", not "required"/,
    },
    {
        policy: "cluster-require-wal-archiver",
        stack: "us-east",
        what: "no WAL archiver",
        target: CLUSTER,
        change: (i) => (i.spec.plugins[0].isWALArchiver = false),
        message: /^Cluster geo-postgres\/pg has no WAL archiver/,
    },
    {
        policy: "cluster-require-scheduled-backup",
        stack: "us-east",
        what: "ScheduledBackup dropped",
        target: ["postgresql.cnpg.io/v1:ScheduledBackup", "geo-postgres-main-scheduled-backup"],
        change: "drop",
        message: /no ScheduledBackup targets it/,
    },
    {
        policy: "objectstore-require-min-retention",
        stack: "us-east",
        what: "3-day retention",
        target: ["barmancloud.cnpg.io/v1:ObjectStore", "geo-postgres-main-objectstore"],
        change: (i) => (i.spec.retentionPolicy = "3d"),
        message: /has spec.retentionPolicy "3d"; it needs a recovery window of at least 7 days/,
    },
    {
        policy: "cluster-disallow-shared-archive-path",
        stack: "us-west",
        what: "the peer archives under this region's serverName",
        peer: (o) => (o.postgres.topology.self = "pg-usw2"),
        message:
            /archives into s3:\/\/geo-pg-backups-123456789012-us-west-2\/postgres\/pg-usw2\/, the folder where S3 replication writes the peer region's archive/,
    },
    {
        policy: "bucket-enable-versioning",
        stack: "us-east",
        what: "BucketVersioning dropped",
        target: s3("BucketVersioning", "geo-backup-versioning"),
        change: "drop",
        message: /^Bucket geo-pg-backups-123456789012-us-east-1 has no BucketVersioning/,
    },
    {
        policy: "bucket-enable-encryption",
        stack: "us-east",
        what: "encryption dropped",
        target: s3("BucketServerSideEncryptionConfiguration", "geo-backup-encryption"),
        change: "drop",
        message: /has no BucketServerSideEncryptionConfiguration defaulting to aws:kms/,
    },
    {
        policy: "bucket-configure-lifecycle",
        stack: "us-east",
        what: "lifecycle dropped",
        target: s3("BucketLifecycleConfiguration", "geo-backup-lifecycle"),
        change: "drop",
        message: /has no enabled lifecycle rule with a transition/,
    },
    {
        policy: "bucket-replication-require-kms-reencryption",
        stack: "us-west",
        what: "delete markers replicated",
        target: s3("BucketReplicationConfig", "geo-replication-use1-to-usw2-config"),
        change: (i) => (i.rules[0].deleteMarkerReplication.status = "Enabled"),
        message: /replicates delete markers/,
    },
    {
        policy: "bucket-require-replication",
        stack: "us-west",
        what: "use1-to-usw2 replication dropped",
        target: s3("BucketReplicationConfig", "geo-replication-use1-to-usw2-config"),
        change: "drop",
        message:
            /^Backup bucket geo-pg-backups-123456789012-us-east-1 is not replicated into geo-pg-backups-123456789012-us-west-2/,
    },
    {
        policy: "stateful-require-protect",
        stack: "us-east",
        what: "Cluster unprotected",
        target: CLUSTER,
        change: (_i, r) => (r.options.protect = false),
        message: /geo-postgres-main-cluster holds data but is not protected/,
    },
    {
        policy: "kafka-nodepool-require-persistent-storage",
        stack: "us-east",
        what: "deleteClaim true",
        target: BROKERS,
        change: (i) => (i.spec.storage.volumes[0].deleteClaim = true),
        message: /deleteClaim is true/,
    },
    {
        policy: "kafka-require-min-replication",
        stack: "us-east",
        what: "min.insync.replicas 1",
        target: KAFKA,
        change: (i) => (i.spec.kafka.config["min.insync.replicas"] = 1),
        message: /min.insync.replicas 1; set it to 2 or more/,
    },
    {
        policy: "kafka-topic-require-min-replication",
        stack: "us-east",
        what: "topic replicas 2",
        target: ["kafka.strimzi.io/v1:KafkaTopic", "geo-kafka-topics-orders"],
        change: (i) => (i.spec.replicas = 2),
        message: /has spec.replicas 2; set it to 3 or more/,
    },
    {
        policy: "redis-require-aof-persistence",
        stack: "us-east",
        what: "appendonly no",
        target: CACHE_CONF,
        change: conf((t) => t.replace(/^appendonly yes$/m, "appendonly no")),
        message: /its redis.conf has appendonly no/,
    },
    {
        policy: "replication-require-versioning",
        stack: "us-west",
        what: "peer bucket not versioned",
        target: ["batch/v1:Job", "geo-minio-setup-job"],
        change: (i) =>
            (pod(i).containers[0].command[2] = pod(i).containers[0].command[2].replace(
                "mc version enable peer/files",
                "true",
            )),
        message: /before versioning peer\/files/,
    },
    // --- Security
    {
        policy: "workload-disallow-unpinned-images",
        stack: "us-east",
        what: ":latest",
        target: CACHE_STS,
        change: (i) => (pod(i).containers[0].image = "redis:latest"),
        message: /"redis:latest" uses the floating tag :latest/,
    },
    {
        policy: "workload-require-resources",
        stack: "us-east",
        what: "no limits",
        target: CACHE_STS,
        change: (i) => delete pod(i).containers[0].resources.limits,
        message: /has no resources.limits.cpu, resources.limits.memory/,
    },
    {
        policy: "workload-require-security-context",
        stack: "us-east",
        what: "privilege escalation",
        target: CACHE_STS,
        change: (i) => (pod(i).containers[0].securityContext.allowPrivilegeEscalation = true),
        message: /allowPrivilegeEscalation is true; run it as non-root/,
    },
    {
        policy: "workload-disallow-secret-literals",
        stack: "us-east",
        what: "requirepass in a ConfigMap",
        target: CACHE_CONF,
        change: conf((t) => `${t}requirepass hunter2\n`),
        message:
            /^ConfigMap geo-redis\/redis-cache-config holds secret material \(data "redis.conf" sets requirepass\)/,
    },
    {
        policy: "postgres-disallow-non-tls",
        stack: "us-east",
        what: "md5 passwords",
        target: CLUSTER,
        change: (i) => (i.spec.postgresql.parameters.password_encryption = "md5"),
        message: /password_encryption "md5"/,
    },
    {
        policy: "redis-require-tls",
        stack: "us-east",
        what: "tls-replication no",
        target: CACHE_CONF,
        change: conf((t) => t.replace(/^tls-replication yes$/m, "tls-replication no")),
        message: /its redis.conf has tls-replication no/,
    },
    {
        policy: "kafka-require-tls-listeners",
        stack: "us-east",
        what: "plaintext listener",
        target: KAFKA,
        change: (i) => (i.spec.kafka.listeners[0].tls = false),
        message: /has tls false; set tls: true/,
    },
    {
        policy: "alertmanager-require-receiver",
        stack: "us-east",
        what: "no receiver configured",
        target: ["core/v1:Secret", "geo-operators-alertmanager-config"],
        change: (i) => (i.metadata.annotations["geo-data/receivers"] = "none"),
        message: /Alerts go nowhere/,
        level: "advisory",
    },
    {
        policy: "tenant-require-tls",
        stack: "us-east",
        what: "no certificate",
        target: TENANT,
        change: (i) => delete i.spec.externalCertSecret,
        message: /MinIO would serve plain HTTP/,
    },
    {
        policy: "tenant-require-credentials-secret",
        stack: "us-east",
        what: "no configuration Secret",
        target: TENANT,
        change: (i) => delete i.spec.configuration,
        message: /has no spec.configuration/,
    },
    {
        policy: "tenant-require-pinned-image",
        stack: "us-east",
        what: "operator default image",
        target: TENANT,
        change: (i) => delete i.spec.image,
        message: /has no spec.image/,
    },
    {
        policy: "bucket-disallow-public-access",
        stack: "us-east",
        what: "public ACLs allowed",
        target: s3("BucketPublicAccessBlock", "geo-backup-public-access-block"),
        change: (i) => (i.blockPublicAcls = false),
        message: /blockPublicAcls must be true/,
    },
    {
        policy: "bucket-require-tls",
        stack: "us-east",
        what: "TLS bucket policy dropped",
        target: s3("BucketPolicy", "geo-backup-policy"),
        change: "drop",
        message: /^Bucket geo-pg-backups-123456789012-us-east-1 accepts plain-HTTP requests/,
    },
    {
        policy: "namespace-require-default-deny",
        stack: "us-east",
        what: "default deny dropped",
        target: ["networking.k8s.io/v1:NetworkPolicy", "geo-network-policies-geo-redis-default-deny-ingress"],
        change: "drop",
        message: /^Data namespace geo-redis \(redis\) has no default-deny ingress NetworkPolicy/,
    },
    {
        policy: "service-require-load-balancer-source-ranges",
        stack: "us-east",
        what: "open load balancer",
        target: ["core/v1:Service", "geo-minio-replication"],
        change: (i) => (i.spec.loadBalancerSourceRanges = ["0.0.0.0/0"]),
        message: /admits everyone \(0.0.0.0\/0\)/,
    },
    // --- Cross-region consistency
    {
        policy: "cluster-configure-replica-topology",
        stack: "us-west",
        what: "replica.enabled with primary",
        target: CLUSTER,
        change: (i) => (i.spec.replica.enabled = true),
        message: /sets both spec.replica.enabled and spec.replica.primary/,
    },
    {
        policy: "pair-require-agreed-primary",
        stack: "us-west",
        what: "us-west thinks it is primary",
        target: CLUSTER,
        change: (i) => (i.spec.replica.primary = "pg-usw2"),
        message: /has spec.replica.primary "pg-usw2", but the peer stack \(us-east-1\) exports primary "pg-use1"/,
    },
    {
        policy: "pair-require-peer-endpoints",
        stack: "us-west",
        what: "MirrorMaker 2 from a stale bootstrap",
        target: ["kafka.strimzi.io/v1:KafkaMirrorMaker2", "geo-kafka-mirror-mm2"],
        change: (i) => (i.spec.mirrors[0].source.bootstrapServers = "bootstrap.kafka.us-east-2.data.internal:9094"),
        message:
            /mirrors use1 from bootstrap.kafka.us-east-2.data.internal:9094, but the peer stack \(us-east-1\) exports crossRegionBootstrap bootstrap.kafka.us-east-1.data.internal:9094/,
    },
];

describe("policy pack mutation suite", function () {
    this.timeout(60000);
    const base = {} as Record<Stack, { resources: RecordedResource[]; outputs: Outputs }>;
    const config = loadPolicyConfig();
    before(async () => {
        for (const stack of ["us-east", "us-west"] as Stack[]) {
            const r = await render(stack);
            base[stack] = { resources: r.resources, outputs: r.outputs as Outputs };
        }
    });

    /**
     * The resources and peer outputs of a case, the case applied: the list is a copy, and so is the one
     * resource the case changes (deeply); the others are the rendered ones, which policies only read.
     */
    function mutated(c: Case): { resources: RecordedResource[]; peerOutputs: Outputs } {
        const resources: RecordedResource[] = [...base[c.stack].resources];
        const peerOutputs: Outputs = structuredClone(base[OTHER[c.stack]].outputs);
        if (c.target) {
            const [type, name] = c.target;
            const i = resources.findIndex((r) => r.type === K(type) && r.name === name);
            assert.ok(i >= 0, `${c.stack} has no ${K(type)} ${name}`);
            if (c.change === "drop") resources.splice(i, 1);
            else {
                resources[i] = structuredClone(resources[i]);
                c.change!(resources[i].inputs, resources[i]);
            }
        }
        c.peer?.(peerOutputs);
        return { resources, peerOutputs };
    }

    const check = (stack: Stack, resources: RecordedResource[], peerOutputs: Outputs): Promise<Violation[]> =>
        runPolicies(policies, resources, { stack, config, peers: { [OTHER[stack]]: peerOutputs } });

    it("the program's own output yields zero violations in both stacks (each with its peer)", async () => {
        for (const stack of ["us-east", "us-west"] as Stack[]) {
            assert.deepEqual(await check(stack, base[stack].resources, base[OTHER[stack]].outputs), [], stack);
        }
    });

    it("policies/policy-config.json sets every policy's enforcement and only settings its configSchema declares", () => {
        assert.deepEqual(Object.keys(config).sort(), policies.map((p) => p.name).sort());
        for (const p of policies) {
            const { enforcementLevel, ...settings } = config[p.name] as Record<string, unknown>;
            assert.ok(["advisory", "mandatory", "remediate", "disabled"].includes(String(enforcementLevel)), p.name);
            const schema = Object.keys(p.configSchema?.properties ?? {});
            for (const k of Object.keys(settings))
                assert.ok(schema.includes(k), `${p.name}: ${k} is not in its configSchema`);
            assert.ok(p.description && p.remediationSteps, `${p.name} needs a description and remediationSteps`);
        }
    });

    it("every policy of the pack has exactly one mutation case", () => {
        assert.deepEqual(cases.map((c) => c.policy).sort(), policies.map((p) => p.name).sort());
    });

    for (const c of cases) {
        it(`${c.policy} fails alone on ${c.stack}: ${c.what}`, async () => {
            const { resources, peerOutputs } = mutated(c);
            const v = await check(c.stack, resources, peerOutputs);
            assert.deepEqual([...new Set(v.map((x) => x.policyName))], [c.policy], JSON.stringify(v, null, 1));
            assert.equal(v[0].enforcementLevel, c.level ?? "mandatory");
            assert.match(v[0].message, c.message);
        });
    }

    /**
     * What the command line adds to the cases above is reading the two stacks' files, the exit status by
     * enforcement level and the report: shown on the unmutated files and on one case of each kind (a
     * mandatory policy on each stack, one that reads the peer's outputs, an advisory one).
     */
    const cliCases = [
        cases.find((c) => c.stack === "us-east" && !c.level && !c.peer)!,
        cases.find((c) => c.stack === "us-west" && !c.level && !c.peer)!,
        cases.find((c) => c.peer)!,
        cases.find((c) => c.level === "advisory")!,
    ];

    it("npm run policy on the two stacks' files: exit 0 unmutated; a mutation fails by its level, naming the policy", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "geo-policy-"));
        try {
            const write = (stack: Stack, resources: RecordedResource[], outputs: Outputs) => {
                fs.mkdirSync(path.join(dir, stack), { recursive: true });
                fs.writeFileSync(path.join(dir, stack, "resources.json"), JSON.stringify(resources));
                fs.writeFileSync(path.join(dir, stack, "outputs.json"), JSON.stringify(outputs));
            };
            const files = ["us-east", "us-west"].map((s) => path.join(dir, s, "resources.json"));
            const cli = async () => {
                const lines: string[] = [];
                return { status: await policyCli(files, (l) => lines.push(l)), lines };
            };
            for (const s of ["us-east", "us-west"] as Stack[]) write(s, base[s].resources, base[s].outputs);
            const clean = await cli();
            assert.equal(clean.status, 0, clean.lines.join("\n"));
            for (const c of cliCases) {
                const { resources, peerOutputs } = mutated(c);
                write(c.stack, resources, base[c.stack].outputs);
                write(OTHER[c.stack], base[OTHER[c.stack]].resources, peerOutputs);
                const { status, lines } = await cli();
                const level = c.level ?? "mandatory";
                // An advisory violation is reported but does not fail the run.
                assert.equal(status, level === "mandatory" ? 1 : 0, c.policy);
                const named = [...new Set(lines.filter((l) => l.startsWith(`${level} `)).map((l) => l.split(" ")[1]))];
                assert.deepEqual(named, [c.policy]);
                assert.ok(
                    lines.some((l) => l.startsWith(`  ${c.policy} (${level}): `)),
                    lines.join("\n"),
                );
            }
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
