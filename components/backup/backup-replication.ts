/**
 * BackupReplication: S3 replication of the database backups (`<prefix>/`, i.e. `postgres/`) from one
 * region's backup bucket to the other's, in one direction: the replication role and its least-privilege
 * policy, the `aws.s3.BucketReplicationConfig` on the source bucket (replicas re-encrypted with the
 * destination region's KMS key, delete markers not replicated, replication metrics on, S3 Replication Time
 * Control optional) and CloudWatch alarms on the replication backlog in the source region.
 *
 * One instance per direction. Every cluster archives into its own bucket under its own region-specific
 * serverName (`postgres/pg-use1/`, `postgres/pg-usw2/`), so replicating all of `postgres/` both ways never
 * makes two writers share a path: each bucket ends up with its own cluster's archive plus a copy of the
 * peer's. Replicas are not replicated again (S3 replicates only objects written to the source bucket), so
 * two-way rules do not loop.
 *
 * Ownership: the stack with `role: secondary` (us-west) creates BOTH directions, independent of which
 * region is currently primary, because
 * - it is deployed after the primary-role stack, so on the first `pulumi up` both buckets (and their
 *   versioning) already exist — PutBucketReplication validates that the destination bucket exists;
 * - it already reads the primary stack's `backup` output (bucket, key) through its StackReference;
 * - IAM is global and @pulumi/aws 7 resources take a per-resource `region`, so one stack can manage the
 *   configuration and the alarms in the peer's region without a second provider.
 * A switchover therefore changes nothing in S3, and a disaster failover (`pulumi up` of the survivor only)
 * makes no API call to the lost region. Both buckets must be in the account the us-west stack deploys to
 * (a replication role is passed by, and belongs to, the source bucket's owner).
 */
import * as aws from "../shared/aws";
import * as pulumi from "@pulumi/pulumi";
import { regionCode } from "../shared/naming";
import { argChecks, arnOf, intBetween } from "../shared/validate";

/** S3 RTC's replication SLA in minutes (the only value S3 accepts) and the replication latency alarm threshold. */
export const REPLICATION_TIME_MINUTES = 15;
/** `ReplicationLatency` above this many seconds breaks the 15-minute RTC SLA (and the README's RPO statement). */
export const REPLICATION_LATENCY_THRESHOLD_SECONDS = REPLICATION_TIME_MINUTES * 60;
/** Default `BytesPendingReplication` alarm threshold: 10 GiB still waiting for 15 minutes. */
export const DEFAULT_BYTES_PENDING_THRESHOLD = 10 * 1024 ** 3;

/** One end of a replication direction. */
export interface ReplicationBucket {
    /** Bucket name. */
    readonly bucketName: pulumi.Input<string>;
    /** Bucket ARN (`arn:aws:s3:::<name>`). */
    readonly bucketArn: pulumi.Input<string>;
    /** The bucket's SSE-KMS key: the source key decrypts objects, the destination key re-encrypts the replicas. */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** AWS region of the bucket (and of its key). */
    readonly region: string;
}

/** Arguments of BackupReplication. */
export interface BackupReplicationArgs {
    /** The bucket objects are replicated from; the replication configuration and the alarms live in its region. */
    readonly source: ReplicationBucket;
    /** The bucket replicas are written to (in the other region). */
    readonly destination: ReplicationBucket;
    /** Key prefix (without slash) of the backups. Defaults to "postgres". */
    readonly prefix?: string;
    /**
     * The source cluster's folder under `prefix` (its serverName, e.g. `pg-use1`): only `<prefix>/<folder>/`
     * replicates, and the role may read and write nothing else — so a replica copied into the other bucket is
     * never copied back over the original. Defaults to all of `<prefix>/`.
     */
    readonly folder?: string;
    /** Name of the IAM role S3 assumes; IAM is global, so include both region codes (`geo-pg-replication-use1-usw2`). */
    readonly roleName: string;
    /** S3 Replication Time Control: 99.99% of objects replicated within 15 minutes, billed per GB. Defaults to true. */
    readonly replicationTimeControl?: boolean;
    /** SNS topic (in the source region: CloudWatch notifies only topics in its own region) for alarm and OK actions; "" = none. Defaults to none. */
    readonly alarmTopicArn?: pulumi.Input<string>;
    /** Prefix of the CloudWatch alarm names (`<prefix>-latency`, `-bytes-pending`, `-failed-operations`). Defaults to roleName. */
    readonly alarmNamePrefix?: string;
    /** `BytesPendingReplication` (bytes) that raises an alarm when it lasts 15 minutes. Defaults to 10 GiB. */
    readonly bytesPendingThreshold?: number;
    /** Account owning the source bucket: the role's trust policy requires it as `aws:SourceAccount`. Defaults to no condition. */
    readonly sourceAccountId?: pulumi.Input<string | undefined>;
    /** Resources the replication configuration waits for (the versioning of this stack's bucket). Defaults to none. */
    readonly dependsOn?: readonly pulumi.Resource[];
    /** Tags on the role and the alarms. Defaults to none. */
    readonly tags?: Readonly<Record<string, string>>;
}

/** BackupReplicationArgs with every default applied. */
export type ResolvedBackupReplicationArgs = Required<Omit<BackupReplicationArgs, "sourceAccountId" | "folder">> & {
    readonly sourceAccountId?: pulumi.Input<string | undefined>;
    readonly folder?: string;
};

/** Applies the documented defaults and validates; throws naming the property, the value and what is allowed. */
export function validateBackupReplicationArgs(args: BackupReplicationArgs): ResolvedBackupReplicationArgs {
    const { fail } = argChecks("BackupReplication");
    const a = {
        ...args,
        prefix: args.prefix ?? "postgres",
        replicationTimeControl: args.replicationTimeControl ?? true,
        alarmTopicArn: args.alarmTopicArn ?? "",
        alarmNamePrefix: args.alarmNamePrefix ?? args.roleName,
        bytesPendingThreshold: args.bytesPendingThreshold ?? DEFAULT_BYTES_PENDING_THRESHOLD,
        dependsOn: args.dependsOn ?? [],
        tags: args.tags ?? {},
    };
    for (const end of ["source", "destination"] as const) {
        if (!/^[a-z]{2}(-gov)?-[a-z]+-[0-9]+$/.test(a[end].region))
            fail(`${end}.region`, a[end].region, "expected an AWS region name such as us-east-1");
    }
    if (a.destination.region === a.source.region)
        fail(
            "destination.region",
            a.destination.region,
            `expected a region other than source.region (${a.source.region})`,
        );
    if (!/^[a-z0-9][a-z0-9-]*$/.test(a.prefix))
        fail("prefix", a.prefix, "expected lower-case letters, digits and '-' (no slashes)");
    if (a.folder !== undefined && !/^[a-z0-9][a-z0-9-]*$/.test(a.folder))
        fail("folder", a.folder, "expected lower-case letters, digits and '-' (no slashes)");
    if (!/^[A-Za-z0-9+=,.@_-]{1,64}$/.test(a.roleName))
        fail("roleName", a.roleName, "expected an IAM role name of at most 64 characters (A-Z, a-z, 0-9, +=,.@_-)");
    if (!/^[A-Za-z0-9._-]{1,200}$/.test(a.alarmNamePrefix))
        fail(
            "alarmNamePrefix",
            a.alarmNamePrefix,
            "expected at most 200 characters of A-Z, a-z, 0-9, '.', '_' and '-'",
        );
    const bytes = intBetween(1)(a.bytesPendingThreshold);
    if (bytes) fail("bytesPendingThreshold", a.bytesPendingThreshold, bytes);
    if (typeof a.alarmTopicArn === "string" && a.alarmTopicArn !== "") {
        const arn = arnOf("sns")(a.alarmTopicArn);
        if (arn) fail("alarmTopicArn", a.alarmTopicArn, arn);
        if (a.alarmTopicArn.split(":")[3] !== a.source.region)
            fail(
                "alarmTopicArn",
                a.alarmTopicArn,
                `expected a topic in the source region ${a.source.region} (CloudWatch alarms notify only topics in their own region)`,
            );
    }
    return a;
}

/** The replication rule's id: `<prefix>-to-<destination region code>` (`postgres-to-usw2`); also an alarm dimension. */
export function replicationRuleId(prefix: string, destinationRegion: string): string {
    return `${prefix}-to-${regionCode(destinationRegion)}`;
}

/** The account id (fifth field) of an ARN such as `arn:aws:iam::123456789012:role/x`; undefined when it has none. */
export function arnAccount(arn: string): string | undefined {
    const account = arn.split(":")[4];
    return account && /^[0-9]{12}$/.test(account) ? account : undefined;
}

/** Trust policy of the replication role: only S3, and only on behalf of the source bucket's account when known. */
export function replicationTrustPolicy(sourceAccountId?: string): Record<string, unknown> {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "S3ReplicationOnly",
                Effect: "Allow",
                Principal: { Service: "s3.amazonaws.com" },
                Action: "sts:AssumeRole",
                ...(sourceAccountId ? { Condition: { StringEquals: { "aws:SourceAccount": sourceAccountId } } } : {}),
            },
        ],
    };
}

/** What the replication role's permissions are built from. */
export interface ReplicationPolicyInput {
    readonly sourceBucketArn: string;
    readonly destinationBucketArn: string;
    readonly sourceKmsKeyArn: string;
    readonly destinationKmsKeyArn: string;
    readonly sourceRegion: string;
    readonly destinationRegion: string;
    readonly prefix: string;
}

/**
 * The replication role's permissions: read the source's replication configuration and the object versions
 * under `<prefix>/`, write replicas under the destination's `<prefix>/`, decrypt with the source key and
 * encrypt with the destination key, each only through S3 in its region. The buckets use S3 Bucket Keys, so
 * the KMS encryption context is the bucket ARN (not the object ARN).
 */
export function replicationRolePolicy(p: ReplicationPolicyInput): Record<string, unknown> {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "SourceBucketConfiguration",
                Effect: "Allow",
                Action: ["s3:GetReplicationConfiguration", "s3:ListBucket"],
                Resource: p.sourceBucketArn,
            },
            {
                Sid: "SourceObjectVersions",
                Effect: "Allow",
                Action: ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],
                Resource: `${p.sourceBucketArn}/${p.prefix}/*`,
            },
            {
                Sid: "ReplicateToDestination",
                Effect: "Allow",
                Action: ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
                Resource: `${p.destinationBucketArn}/${p.prefix}/*`,
            },
            {
                Sid: "DecryptWithSourceKey",
                Effect: "Allow",
                Action: ["kms:Decrypt"],
                Resource: p.sourceKmsKeyArn,
                Condition: {
                    StringEquals: { "kms:ViaService": `s3.${p.sourceRegion}.amazonaws.com` },
                    StringLike: {
                        // The bucket ARN with S3 Bucket Keys (how the buckets are configured); the object ARN
                        // for any object written without one, so it replicates too instead of failing.
                        "kms:EncryptionContext:aws:s3:arn": [p.sourceBucketArn, `${p.sourceBucketArn}/${p.prefix}/*`],
                    },
                },
            },
            {
                Sid: "EncryptWithDestinationKey",
                Effect: "Allow",
                Action: ["kms:Encrypt", "kms:GenerateDataKey"],
                Resource: p.destinationKmsKeyArn,
                Condition: { StringEquals: { "kms:ViaService": `s3.${p.destinationRegion}.amazonaws.com` } },
            },
        ],
    };
}

/**
 * The one replication rule: every SSE-KMS object under `<prefix>/` to the destination bucket, re-encrypted
 * with the destination key, STANDARD class; delete markers are NOT replicated (a bad delete or Barman's
 * retention in one region must not erase the other region's copy; each bucket's lifecycle expires its own
 * objects). Metrics are always on (the alarms need them); the event threshold is only allowed with RTC.
 */
export function replicationRule(
    ruleId: string,
    prefix: string,
    destinationBucketArn: pulumi.Input<string>,
    replicaKmsKeyId: pulumi.Input<string>,
    replicationTimeControl: boolean,
): aws.types.input.s3.BucketReplicationConfigRule {
    const time = { minutes: REPLICATION_TIME_MINUTES };
    return {
        id: ruleId,
        priority: 1,
        status: "Enabled",
        filter: { prefix: `${prefix}/` },
        deleteMarkerReplication: { status: "Disabled" },
        sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
        destination: {
            bucket: destinationBucketArn,
            storageClass: "STANDARD",
            encryptionConfiguration: { replicaKmsKeyId },
            metrics: replicationTimeControl ? { status: "Enabled", eventThreshold: time } : { status: "Enabled" },
            ...(replicationTimeControl ? { replicationTime: { status: "Enabled", time } } : {}),
        },
    };
}

/** One backlog alarm, before names and dimensions are attached. */
export interface ReplicationAlarmSpec {
    /** Suffix of the alarm's name and of its Pulumi name. */
    readonly suffix: string;
    readonly metricName: string;
    readonly statistic: string;
    readonly threshold: number;
    readonly period: number;
    readonly evaluationPeriods: number;
    /** What the alarm means, for its description. */
    readonly meaning: string;
}

/** `10 GiB` for whole GiB, `<n> bytes` otherwise. */
function showBytes(n: number): string {
    return n % 1024 ** 3 === 0 ? `${n / 1024 ** 3} GiB` : `${n} bytes`;
}

/** The backlog alarms of one direction (AWS/S3 replication metrics, 5-minute periods). */
export function replicationAlarmSpecs(bytesPendingThreshold: number): ReplicationAlarmSpec[] {
    return [
        {
            suffix: "latency",
            metricName: "ReplicationLatency",
            statistic: "Maximum",
            threshold: REPLICATION_LATENCY_THRESHOLD_SECONDS,
            period: 300,
            evaluationPeriods: 1,
            meaning: `the destination is more than ${REPLICATION_LATENCY_THRESHOLD_SECONDS} s (the ${REPLICATION_TIME_MINUTES}-minute RTC threshold) behind`,
        },
        {
            suffix: "bytes-pending",
            metricName: "BytesPendingReplication",
            statistic: "Maximum",
            threshold: bytesPendingThreshold,
            period: 300,
            evaluationPeriods: 3,
            meaning: `more than ${showBytes(bytesPendingThreshold)} have been waiting for replication for 15 minutes`,
        },
        {
            suffix: "failed-operations",
            metricName: "OperationsFailedReplication",
            statistic: "Sum",
            threshold: 0,
            period: 300,
            evaluationPeriods: 1,
            meaning: "objects failed to replicate (permissions, KMS key policy, destination versioning)",
        },
    ];
}

/** S3 replication of `<prefix>/` from one region's backup bucket to the other's, with its role and backlog alarms. */
export class BackupReplication extends pulumi.ComponentResource {
    /** The replication rule's id (also the alarms' RuleId dimension). */
    public readonly ruleId: string;
    /** The IAM role S3 assumes to replicate. */
    public readonly roleArn: pulumi.Output<string>;
    /** Names of the CloudWatch alarms (in the source region). */
    public readonly alarmNames: string[];
    /** Whether S3 Replication Time Control is on. */
    public readonly replicationTimeControl: boolean;

    constructor(name: string, args: BackupReplicationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("geo:backup:BackupReplication", name, {}, opts);
        const a = validateBackupReplicationArgs(args);
        const src = a.source;
        const dst = a.destination;
        const tags = { "app.kubernetes.io/part-of": "geo-data", "geo-data/purpose": "database-backups", ...a.tags };
        const child: pulumi.CustomResourceOptions = { parent: this };
        const ruleId = replicationRuleId(a.prefix, dst.region);
        const path = a.folder ? `${a.prefix}/${a.folder}` : a.prefix;

        const role = new aws.iam.Role(
            `${name}-role`,
            {
                name: a.roleName,
                description: pulumi.interpolate`S3 replication of ${path}/ from ${src.bucketName} (${src.region}) to ${dst.bucketName} (${dst.region})`,
                assumeRolePolicy: pulumi
                    .output(a.sourceAccountId)
                    .apply((account) => JSON.stringify(replicationTrustPolicy(account))),
                maxSessionDuration: 3600,
                tags,
            },
            child,
        );
        const rolePolicy = new aws.iam.RolePolicy(
            `${name}-role-policy`,
            {
                role: role.name,
                name: "backup-replication",
                policy: pulumi
                    .all([src.bucketArn, dst.bucketArn, src.kmsKeyArn, dst.kmsKeyArn])
                    .apply(([sourceBucketArn, destinationBucketArn, sourceKmsKeyArn, destinationKmsKeyArn]) =>
                        JSON.stringify(
                            replicationRolePolicy({
                                sourceBucketArn,
                                destinationBucketArn,
                                sourceKmsKeyArn,
                                destinationKmsKeyArn,
                                sourceRegion: src.region,
                                destinationRegion: dst.region,
                                prefix: path,
                            }),
                        ),
                    ),
            },
            child,
        );
        // The role's permissions first (or the first objects fail), and the buckets' versioning (S3 refuses
        // replication on an unversioned source or destination).
        new aws.s3.BucketReplicationConfig(
            `${name}-config`,
            {
                bucket: src.bucketName,
                region: src.region,
                role: role.arn,
                rules: [replicationRule(ruleId, path, dst.bucketArn, dst.kmsKeyArn, a.replicationTimeControl)],
            },
            { ...child, dependsOn: [rolePolicy, ...a.dependsOn] },
        );

        const actions = pulumi.output(a.alarmTopicArn).apply((arn) => (arn ? [arn] : []));
        this.alarmNames = [];
        for (const spec of replicationAlarmSpecs(a.bytesPendingThreshold)) {
            const alarmName = `${a.alarmNamePrefix}-${spec.suffix}`;
            new aws.cloudwatch.MetricAlarm(
                `${name}-alarm-${spec.suffix}`,
                {
                    name: alarmName,
                    region: src.region,
                    alarmDescription: pulumi.interpolate`S3 replication ${ruleId} of ${path}/ from ${src.bucketName} (${src.region}) to ${dst.bucketName} (${dst.region}): ${spec.meaning}. See README "Backup replication".`,
                    namespace: "AWS/S3",
                    metricName: spec.metricName,
                    dimensions: { SourceBucket: src.bucketName, DestinationBucket: dst.bucketName, RuleId: ruleId },
                    statistic: spec.statistic,
                    period: spec.period,
                    evaluationPeriods: spec.evaluationPeriods,
                    datapointsToAlarm: spec.evaluationPeriods,
                    threshold: spec.threshold,
                    comparisonOperator: "GreaterThanThreshold",
                    treatMissingData: "notBreaching",
                    alarmActions: actions,
                    okActions: actions,
                    tags,
                },
                child,
            );
            this.alarmNames.push(alarmName);
        }

        this.ruleId = ruleId;
        this.roleArn = role.arn;
        this.replicationTimeControl = a.replicationTimeControl;
        this.registerOutputs({
            ruleId: this.ruleId,
            roleArn: this.roleArn,
            alarmNames: this.alarmNames,
            replicationTimeControl: this.replicationTimeControl,
        });
    }
}
