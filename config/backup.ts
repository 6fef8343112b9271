/**
 * AWS backup storage keys (`oidcProviderArn`, `backup*`): the S3 bucket, its KMS key and expiry, the
 * cross-region replication and its alarms, and the EKS OIDC provider the backup role trusts.
 */
import { ConfigError, arnOf, intBetween, oidcProviderInRegion } from "../components/shared/validate";
import { KeySpec, PROJECT, Reader } from "./reader";

/** The backup keys, in docs order. */
export const BACKUP_KEYS = {
    oidcProviderArn: {
        type: "string",
        description:
            "IAM OIDC provider of this region's EKS cluster, for the database pods' IRSA role: `arn:aws:iam::<account>:oidc-provider/oidc.eks.<region>.amazonaws.com/id/<ID>`.",
    },
    backupBucketName: {
        type: "string",
        default: "",
        description: "S3 bucket of this region's backups. Empty = `<namespacePrefix>-pg-backups-<account>-<region>`.",
    },
    backupKmsKeyArn: {
        type: "string",
        default: "",
        description: "KMS key for the backup bucket. Empty = create a key for this region (rotation on).",
    },
    backupRetentionDays: {
        type: "integer",
        default: 40,
        description:
            "Days S3 keeps a noncurrent backup object (deleted by Barman's retention or overwritten) before deleting it for good, and days after which the bucket's copy of the other region's archive (written by replication, managed by no Barman) expires; at least postgresBackupRetention plus 7 days. This region's own archive never expires by S3 lifecycle: postgresBackupRetention decides.",
    },
    backupReplicationTimeControl: {
        type: "boolean",
        default: true,
        description:
            "S3 Replication Time Control on the two-way backup replication (set on the `role: secondary` stack, which owns both directions): 99.99% of objects replicated within 15 minutes, the figure behind the cross-region RPO; billed per GB replicated.",
    },
    backupAlarmTopicArn: {
        type: "string",
        default: "",
        description:
            "SNS topic in this stack's region for the backup replication alarms (CloudWatch notifies only topics in its own region). Empty = alarms without actions.",
    },
} as const satisfies Record<string, KeySpec>;

/** AWS backup storage settings (keys `backup*` and `oidcProviderArn`). */
export interface BackupConfig {
    readonly oidcProviderArn: string;
    /** Explicit bucket name; undefined = `<prefix>-pg-backups-<account>-<region>`. */
    readonly bucketName?: string;
    /** Existing KMS key; undefined = create one for this region. */
    readonly kmsKeyArn?: string;
    /** Days S3 keeps noncurrent versions, and the age at which the replicated copy of the peer's archive expires (this region's own archive never expires by lifecycle). */
    readonly retentionDays: number;
    /** S3 Replication Time Control on the backup replication (15-minute SLA). */
    readonly replicationTimeControl: boolean;
    /** SNS topic (in this region) for the replication alarms; undefined = alarms without actions. */
    readonly alarmTopicArn?: string;
}

/** What the backup keys are checked against, from other sections (read there, not twice). */
export interface BackupContext {
    /** `namespacePrefix`: the derived bucket name starts with it. */
    readonly prefix: string;
    /** This stack's AWS region. */
    readonly region: string;
    /** Days of `postgresBackupRetention`: the S3 expiry must outlast it. */
    readonly postgresRetentionDays: number;
}

const S3_BUCKET = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
const OIDC_PROVIDER = /^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider\/[a-z0-9.-]+(\/[A-Za-z0-9._-]+)*$/;

export function parseBackup(r: Reader<keyof typeof BACKUP_KEYS>, ctx: BackupContext): BackupConfig {
    const { prefix, region } = ctx;
    const oidcProviderArn = r.str(
        "oidcProviderArn",
        (v) =>
            OIDC_PROVIDER.test(v)
                ? undefined
                : "expected the IAM OIDC provider of this region's EKS cluster, arn:aws:iam::<account>:oidc-provider/oidc.eks.<region>.amazonaws.com/id/<ID> " +
                  "(find it with `aws eks describe-cluster --name <cluster> --query cluster.identity.oidc.issuer` and `aws iam list-open-id-connect-providers`)",
        oidcProviderInRegion(region),
    );
    const bucketName = r.str("backupBucketName", (v) =>
        S3_BUCKET.test(v) && !v.includes("--")
            ? undefined
            : "expected an S3 bucket name: 3 to 63 characters of a-z, 0-9 and '-', starting and ending with a letter or digit (no dots)",
    );
    const derived = `${prefix}-pg-backups-123456789012-${region}`;
    if (!bucketName && derived.length > 63) {
        throw new ConfigError(
            `${PROJECT}:backupBucketName`,
            `is empty and the derived name ${prefix}-pg-backups-<account>-${region} would have ${derived.length} characters (S3 allows 63); set backupBucketName or shorten namespacePrefix`,
        );
    }
    const minDays = ctx.postgresRetentionDays + 7;
    const days = r.int(
        "backupRetentionDays",
        (v) =>
            intBetween(minDays, 3650)(v) &&
            `expected an integer from ${minDays} to 3650: objects Barman's retention deleted stay recoverable for at least postgresBackupRetention plus a week`,
    );
    const kmsKeyArn = r.str("backupKmsKeyArn", arnOf("kms"));
    const alarmTopicArn = r.str("backupAlarmTopicArn", arnOf("sns"), (v) =>
        v.split(":")[3] === region
            ? undefined
            : `expected a topic in this stack's region ${region} (CloudWatch alarms notify only topics in their own region)`,
    );
    return Object.freeze({
        oidcProviderArn,
        bucketName: bucketName || undefined,
        kmsKeyArn: kmsKeyArn || undefined,
        retentionDays: days,
        replicationTimeControl: r.bool("backupReplicationTimeControl"),
        alarmTopicArn: alarmTopicArn || undefined,
    });
}
