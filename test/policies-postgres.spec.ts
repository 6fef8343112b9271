import { strict as assert } from "assert";
import { Policy } from "@pulumi/policy";
import { DURABILITY_LABEL as COMPONENT_DURABILITY_LABEL } from "../components/postgres/postgres-cluster";
import { bucketConfigureLifecycle } from "../policies/aws/bucket-configure-lifecycle";
import { bucketDisallowPublicAccess } from "../policies/aws/bucket-disallow-public-access";
import { bucketEnableEncryption } from "../policies/aws/bucket-enable-encryption";
import { bucketEnableVersioning } from "../policies/aws/bucket-enable-versioning";
import { statefulRequireProtect } from "../policies/kubernetes/stateful-require-protect";
import { policies } from "../policies/policies";
import { clusterConfigureReplicaTopology } from "../policies/postgres/cluster-configure-replica-topology";
import { clusterRequireMinInstances } from "../policies/postgres/cluster-require-min-instances";
import { clusterRequireScheduledBackup } from "../policies/postgres/cluster-require-scheduled-backup";
import {
    DURABILITY_LABEL,
    clusterRequireSynchronousDurability,
} from "../policies/postgres/cluster-require-synchronous-durability";
import { clusterRequireWalArchiver } from "../policies/postgres/cluster-require-wal-archiver";
import { clusterRequireZoneAntiAffinity } from "../policies/postgres/cluster-require-zone-anti-affinity";
import { poolerRequireMinInstances } from "../policies/postgres/pooler-require-min-instances";
import { RecordedResource } from "../tools/harness";
import { runPolicies } from "../tools/policy-runner";
import { render } from "./support";

const CLUSTER: [string, string] = ["kubernetes:postgresql.cnpg.io/v1:Cluster", "geo-postgres-main-cluster"];
const BUCKET = "geo-pg-backups-123456789012-us-east-1";
const NEW = [
    statefulRequireProtect,
    clusterRequireMinInstances,
    clusterRequireZoneAntiAffinity,
    clusterRequireSynchronousDurability,
    clusterRequireWalArchiver,
    clusterRequireScheduledBackup,
    clusterConfigureReplicaTopology,
    poolerRequireMinInstances,
    bucketEnableVersioning,
    bucketEnableEncryption,
    bucketDisallowPublicAccess,
    bucketConfigureLifecycle,
];

/** A deep copy of us-east's resources with `change` applied to the inputs of one resource (or removing it). */
async function eastWith(
    type: string,
    name: string,
    change: ((inputs: any, res: RecordedResource) => void) | "remove",
): Promise<RecordedResource[]> {
    const east = await render("us-east");
    const copy: RecordedResource[] = JSON.parse(JSON.stringify(east.resources));
    const i = copy.findIndex((r) => r.type === type && r.name === name);
    assert.ok(i >= 0, `no ${type} ${name}`);
    if (change === "remove") copy.splice(i, 1);
    else change(copy[i].inputs, copy[i]);
    return copy;
}

async function violations(policy: Policy, resources: RecordedResource[]): Promise<[string, string, string][]> {
    const v = await runPolicies([policy], resources, { stack: "us-east" });
    return v.map((x) => [x.enforcementLevel, x.name, x.message]);
}

type Case = [
    string,
    Policy,
    [string, string],
    ((inputs: any, res: RecordedResource) => void) | "remove",
    string,
    string,
];

const cases: Case[] = [
    [
        "replica.enabled together with replica.primary",
        clusterConfigureReplicaTopology,
        CLUSTER,
        (i) => (i.spec.replica.enabled = false),
        "geo-postgres-main-cluster",
        "Cluster geo-postgres/pg sets both spec.replica.enabled and spec.replica.primary, which the CloudNativePG webhook rejects; remove enabled — primary decides which member is the primary.",
    ],
    [
        "a primary missing from externalClusters",
        clusterConfigureReplicaTopology,
        CLUSTER,
        (i) => (i.spec.replica.primary = "pg-euw1"),
        "geo-postgres-main-cluster",
        'Cluster geo-postgres/pg has spec.replica.primary "pg-euw1", which is not in spec.externalClusters (pg-use1, pg-usw2); list every member of the topology, this one included.',
    ],
    [
        "self missing from externalClusters",
        clusterConfigureReplicaTopology,
        CLUSTER,
        (i) => (i.spec.replica.self = "pg-use2"),
        "geo-postgres-main-cluster",
        'Cluster geo-postgres/pg has spec.replica.self "pg-use2", which is not in spec.externalClusters (pg-use1, pg-usw2); list every member of the topology, this one included.',
    ],
    [
        "a promotionToken on a replica",
        clusterConfigureReplicaTopology,
        CLUSTER,
        (i) => {
            i.spec.replica.primary = "pg-usw2";
            i.spec.replica.promotionToken = "dG9rZW4=";
        },
        "geo-postgres-main-cluster",
        'Cluster geo-postgres/pg has a promotionToken but is a replica (primary "pg-usw2", self "pg-use1"): CloudNativePG rejects it (cloudnative-pg#9273). Remove postgresPromotionToken from this stack in the change that demotes it.',
    ],
    [
        "streaming without certificate verification",
        clusterConfigureReplicaTopology,
        CLUSTER,
        (i) => (i.spec.externalClusters[1].connectionParameters.sslmode = "require"),
        "geo-postgres-main-cluster",
        'Cluster geo-postgres/pg connects to external cluster "pg-usw2" with sslmode "require"; use verify-full with sslRootCert set to the shared CA, so the replica checks it streams from the real primary.',
    ],
    [
        "instances 2",
        clusterRequireMinInstances,
        CLUSTER,
        (i) => (i.spec.instances = 2),
        "geo-postgres-main-cluster",
        "Cluster geo-postgres/pg has spec.instances 2; at least 3 are required (a primary and standbys in other zones). Set postgresInstances to 3 or more.",
    ],
    [
        "preferred anti-affinity",
        clusterRequireZoneAntiAffinity,
        CLUSTER,
        (i) => (i.spec.affinity.podAntiAffinityType = "preferred"),
        "geo-postgres-main-cluster",
        'Cluster geo-postgres/pg does not spread its instances over zones: spec.affinity podAntiAffinityType is "preferred", not "required". Set enablePodAntiAffinity: true, podAntiAffinityType: required, topologyKey: topology.kubernetes.io/zone.',
    ],
    [
        "host anti-affinity only",
        clusterRequireZoneAntiAffinity,
        CLUSTER,
        (i) => (i.spec.affinity.topologyKey = "kubernetes.io/hostname"),
        "geo-postgres-main-cluster",
        'Cluster geo-postgres/pg does not spread its instances over zones: spec.affinity topologyKey is "kubernetes.io/hostname", not "topology.kubernetes.io/zone". Set enablePodAntiAffinity: true, podAntiAffinityType: required, topologyKey: topology.kubernetes.io/zone.',
    ],
    [
        "critical cluster with dataDurability preferred",
        clusterRequireSynchronousDurability,
        CLUSTER,
        (i) => (i.spec.postgresql.synchronous.dataDurability = "preferred"),
        "geo-postgres-main-cluster",
        'Cluster geo-postgres/pg (geo-data/durability: critical): spec.postgresql.synchronous dataDurability is "preferred", not "required".',
    ],
    [
        "critical cluster without synchronous replication",
        clusterRequireSynchronousDurability,
        CLUSTER,
        (i) => delete i.spec.postgresql.synchronous,
        "geo-postgres-main-cluster",
        "Cluster geo-postgres/pg (geo-data/durability: critical) has no spec.postgresql.synchronous; critical data needs quorum synchronous replication with dataDurability: required.",
    ],
    [
        "sync number not below instances",
        clusterRequireSynchronousDurability,
        CLUSTER,
        (i) => (i.spec.postgresql.synchronous.number = 3),
        "geo-postgres-main-cluster",
        "Cluster geo-postgres/pg (geo-data/durability: critical): spec.postgresql.synchronous number 3 is not below instances 3.",
    ],
    [
        "no WAL archiver",
        clusterRequireWalArchiver,
        CLUSTER,
        (i) => (i.spec.plugins[0].isWALArchiver = false),
        "geo-postgres-main-cluster",
        "Cluster geo-postgres/pg has no WAL archiver: add the barman-cloud.cloudnative-pg.io plugin with isWALArchiver: true to spec.plugins.",
    ],
    [
        "archiving to a missing ObjectStore",
        clusterRequireWalArchiver,
        CLUSTER,
        (i) => (i.spec.plugins[0].parameters.barmanObjectName = "pg-backup"),
        "geo-postgres-main-cluster",
        'Cluster geo-postgres/pg archives WAL to ObjectStore "pg-backup", which this stack does not define in namespace geo-postgres.',
    ],
    [
        "no ScheduledBackup",
        clusterRequireScheduledBackup,
        ["kubernetes:postgresql.cnpg.io/v1:ScheduledBackup", "geo-postgres-main-scheduled-backup"],
        "remove",
        "geo-postgres-main-cluster",
        "Cluster geo-postgres/pg has no active scheduled base backup: no ScheduledBackup targets it.",
    ],
    [
        "suspended ScheduledBackup",
        clusterRequireScheduledBackup,
        ["kubernetes:postgresql.cnpg.io/v1:ScheduledBackup", "geo-postgres-main-scheduled-backup"],
        (i) => (i.spec.suspend = true),
        "geo-postgres-main-cluster",
        "Cluster geo-postgres/pg has no active scheduled base backup: its ScheduledBackups are suspended or do not use method: plugin.",
    ],
    [
        "single-instance pooler",
        poolerRequireMinInstances,
        ["kubernetes:postgresql.cnpg.io/v1:Pooler", "geo-postgres-pooler-rw-pooler"],
        (i) => (i.spec.instances = 1),
        "geo-postgres-pooler-rw-pooler",
        "Pooler geo-postgres/pg-pooler-rw has spec.instances 1; at least 2 are required so one pod can fail or be drained. Set postgresPoolerInstances to 2 or more.",
    ],
    [
        "suspended versioning",
        bucketEnableVersioning,
        ["aws:s3/bucketVersioning:BucketVersioning", "geo-backup-versioning"],
        (i) => (i.versioningConfiguration.status = "Suspended"),
        "geo-backup-bucket",
        `Bucket ${BUCKET} has no BucketVersioning with status Enabled; add one so deleted or overwritten backups can be recovered.`,
    ],
    [
        "AES256 instead of KMS",
        bucketEnableEncryption,
        [
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            "geo-backup-encryption",
        ],
        (i) => (i.rules[0].applyServerSideEncryptionByDefault = { sseAlgorithm: "AES256" }),
        "geo-backup-bucket",
        `Bucket ${BUCKET} has no BucketServerSideEncryptionConfiguration defaulting to aws:kms or aws:kms:dsse with a kmsMasterKeyId; add one.`,
    ],
    [
        "one public access setting off",
        bucketDisallowPublicAccess,
        ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "geo-backup-public-access-block"],
        (i) => (i.restrictPublicBuckets = false),
        "geo-backup-bucket",
        `Bucket ${BUCKET} does not block public access: restrictPublicBuckets must be true.`,
    ],
    [
        "no public access block",
        bucketDisallowPublicAccess,
        ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "geo-backup-public-access-block"],
        "remove",
        "geo-backup-bucket",
        `Bucket ${BUCKET} has no BucketPublicAccessBlock; add one with blockPublicAcls, blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets true.`,
    ],
    [
        "lifecycle without noncurrent expiration",
        bucketConfigureLifecycle,
        ["aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "geo-backup-lifecycle"],
        (i) => delete i.rules[0].noncurrentVersionExpiration,
        "geo-backup-bucket",
        `Bucket ${BUCKET} has no enabled lifecycle rule with a noncurrent version expiration within 3650 days.`,
    ],
    [
        "lifecycle rule disabled",
        bucketConfigureLifecycle,
        ["aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "geo-backup-lifecycle"],
        (i) => (i.rules[0].status = "Disabled"),
        "geo-backup-bucket",
        `Bucket ${BUCKET} has no enabled lifecycle rule with a transition, a noncurrent version expiration within 3650 days.`,
    ],
    [
        "no delete marker cleanup",
        bucketConfigureLifecycle,
        ["aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "geo-backup-lifecycle"],
        (i) => i.rules.splice(1, 1),
        "geo-backup-bucket",
        `Bucket ${BUCKET} has no enabled lifecycle rule with an expired delete marker cleanup.`,
    ],
    [
        "an age expiry without prefix",
        bucketConfigureLifecycle,
        ["aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "geo-backup-lifecycle"],
        (i) => (i.rules[0].expiration = { days: 40 }),
        "geo-backup-bucket",
        `Bucket ${BUCKET} expires current objects after 40 days in the whole bucket (rule "archive-and-expire-noncurrent" has no filter.prefix): once scheduled backups fail for that long, S3 deletes the newest base backup. ` +
            "Remove expiration days/date, or limit the rule with filter.prefix to a folder no Cluster archives into (a replicated copy or diverged/); let Barman's retentionPolicy delete a Cluster's current objects.",
    ],
    [
        "an age expiry on the stack's own member folder",
        bucketConfigureLifecycle,
        ["aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "geo-backup-lifecycle"],
        (i) => (i.rules[3].filter.prefix = "postgres/pg-use1/"),
        "geo-backup-bucket",
        `Bucket ${BUCKET} expires current objects after 40 days under "postgres/pg-use1/" (rule "expire-replica-pg-usw2"), which covers postgres/pg-use1/, the archive of Cluster geo-postgres/pg (ObjectStore geo-postgres/pg-backups): once its scheduled backups fail for that long, S3 deletes the newest base backup. ` +
            "Remove expiration days/date or narrow filter.prefix so it overlaps no Cluster's archive folder; let Barman's retentionPolicy delete the objects under postgres/pg-use1/.",
    ],
    [
        "an age expiry on the whole archive prefix",
        bucketConfigureLifecycle,
        ["aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "geo-backup-lifecycle"],
        (i) => (i.rules[3].filter.prefix = "postgres/"),
        "geo-backup-bucket",
        `Bucket ${BUCKET} expires current objects after 40 days under "postgres/" (rule "expire-replica-pg-usw2"), which covers postgres/pg-use1/, the archive of Cluster geo-postgres/pg (ObjectStore geo-postgres/pg-backups): once its scheduled backups fail for that long, S3 deletes the newest base backup. ` +
            "Remove expiration days/date or narrow filter.prefix so it overlaps no Cluster's archive folder; let Barman's retentionPolicy delete the objects under postgres/pg-use1/.",
    ],
    [
        "unprotected Cluster",
        statefulRequireProtect,
        CLUSTER,
        (_i, res) => (res.options.protect = false),
        "geo-postgres-main-cluster",
        "kubernetes:postgresql.cnpg.io/v1:Cluster geo-postgres-main-cluster holds data but is not protected; set the protect resource option (config key protect: true).",
    ],
    [
        "unprotected bucket",
        statefulRequireProtect,
        ["aws:s3/bucket:Bucket", "geo-backup-bucket"],
        (_i, res) => delete res.options.protect,
        "geo-backup-bucket",
        "aws:s3/bucket:Bucket geo-backup-bucket holds data but is not protected; set the protect resource option (config key protect: true).",
    ],
];

describe("policies: PostgreSQL and backup storage", () => {
    it("are all in the pack", () => {
        for (const p of NEW) assert.ok(policies.includes(p), p.name);
        for (const p of NEW)
            assert.match(p.name, /^[a-z0-9]+(-[a-z0-9]+)*-(enable|disallow|configure|require)-[a-z0-9-]+$/, p.name);
        assert.equal(DURABILITY_LABEL, COMPONENT_DURABILITY_LABEL);
    });

    it("pass the program's own output for both stacks (and a restore)", async () => {
        for (const [stack, overrides] of [
            ["us-east", {}],
            ["us-west", {}],
            ["us-east", { postgresRecoveryTargetTime: "2026-11-24T07:00:00+01:00" }],
        ] as const) {
            const r = await render(stack, overrides);
            assert.deepEqual(
                await runPolicies(policies, r.resources, { stack }),
                [],
                `${stack} ${JSON.stringify(overrides)}`,
            );
        }
    });

    it("bucket-configure-lifecycle allows age expiry of the replicated copy and retired archives only", async () => {
        const lifecycle = (r: RecordedResource[]) =>
            r.find((x) => x.type === "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")!.inputs.rules;
        for (const stack of ["us-east", "us-west"]) {
            const r = await render(stack);
            const replica = stack === "us-east" ? "postgres/pg-usw2/" : "postgres/pg-use1/";
            assert.deepEqual(
                lifecycle(r.resources)
                    .filter((x: any) => x.expiration?.days !== undefined)
                    .map((x: any) => x.filter.prefix),
                ["diverged/", replica],
                stack,
            );
            assert.deepEqual(await runPolicies([bucketConfigureLifecycle], r.resources, { stack }), [], stack);
        }
        // us-east's replica rule with the date form of expiration still passes (it overlaps no archive folder).
        const dated = await eastWith(
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
            "geo-backup-lifecycle",
            (i) => (i.rules[3].expiration = { date: "2027-01-01T00:00:00Z" }),
        );
        assert.deepEqual(await violations(bucketConfigureLifecycle, dated), []);
        // A prefix ending inside the member name covers its folder too (postgres/pg-use is a prefix of postgres/pg-use1/).
        const bare = await eastWith(
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
            "geo-backup-lifecycle",
            (i) => (i.rules[3].filter.prefix = "postgres/pg-use"),
        );
        assert.deepEqual(
            (await violations(bucketConfigureLifecycle, bare)).map(([, name]) => name),
            ["geo-backup-bucket"],
        );
    });

    it("a standard-durability cluster may replicate asynchronously", async () => {
        const rs = await eastWith(...CLUSTER, (i) => {
            i.metadata.labels["geo-data/durability"] = "standard";
            delete i.spec.postgresql.synchronous;
        });
        assert.deepEqual(await violations(clusterRequireSynchronousDurability, rs), []);
    });

    it("stateful-require-protect flags a protect=false stack", async () => {
        const r = await render("us-east", { protect: "false" });
        const v = await runPolicies([statefulRequireProtect], r.resources, { stack: "us-east" });
        assert.deepEqual(
            v.map((x) => x.name),
            [
                "geo-backup-kms-key",
                "geo-backup-bucket",
                "geo-postgres-main-cluster",
                "geo-kafka-cluster-pool-controller",
                "geo-kafka-cluster-pool-broker",
                "geo-kafka-cluster-kafka",
                "geo-kafka-topics-orders",
                "geo-kafka-topics-orders-dlq",
                "geo-kafka-topics-notifications",
                "geo-kafka-topics-usw2.orders",
                "geo-kafka-topics-usw2.orders-dlq",
                "geo-kafka-topics-usw2.notifications",
                "geo-minio-tier-kms-key",
                "geo-minio-tier-bucket",
                "geo-minio-tenant",
            ],
        );
    });

    for (const [what, policy, [type, name], change, offender, message] of cases) {
        it(`${policy.name} fails ${what}`, async () => {
            assert.deepEqual(await violations(policy, await eastWith(type, name, change)), [
                ["mandatory", offender, message],
            ]);
        });
    }
});
