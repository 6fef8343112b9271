/**
 * BackupBucket: one region's S3 bucket for database backups, with the sibling resources @pulumi/aws 7
 * splits S3 into (versioning, SSE-KMS, public access block, ownership controls, lifecycle, TLS-only
 * bucket policy), the KMS key (unless one is configured) and the IRSA role the database pods use, which
 * may touch only its own prefix of this bucket.
 */
import * as aws from "../shared/aws";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, argChecks, arnOf, intBetween, oidcProviderInRegion } from "../shared/validate";

/**
 * Prefix of archives retired by the disaster-failover runbook (a diverged timeline moved out of the backup
 * prefix, see tools/switchover.ts): no Barman manages them any more, so the lifecycle expires them by age.
 */
export const RETIRED_PREFIX = "diverged/";

/** Storage class backups move to after `archiveAfterDays`. Glacier Instant Retrieval: still readable by barman-cloud-restore without a manual S3 restore. */
export const ARCHIVE_STORAGE_CLASS = "GLACIER_IR";

/** Arguments of BackupBucket. */
export interface BackupBucketArgs {
    /** Globally unique bucket name (see `defaultBackupBucketName`). */
    readonly bucketName: pulumi.Input<string>;
    /** AWS region of the bucket (also set on every sibling, as @pulumi/aws 7 resources take a region). */
    readonly region: string;
    /** IAM OIDC provider of the region's EKS cluster (IRSA). */
    readonly oidcProviderArn: string;
    /** Kubernetes service accounts allowed to assume the role, as `system:serviceaccount:<ns>:<name>`. */
    readonly serviceAccounts: readonly string[];
    /** Name of the IAM role (IAM is global: include the region). */
    readonly roleName: string;
    /** The only prefix the role may read and write. Defaults to "postgres". */
    readonly prefix?: string;
    /**
     * Folders under `prefix` the role may write and delete in — the serverNames of this region's clusters;
     * the rest of `prefix` (the other region's replicated archive) is read-only to it. Defaults to all of
     * `prefix`.
     */
    readonly writableFolders?: readonly string[];
    /**
     * Folders under `prefix` written only by S3 replication from the other region (its cluster's serverName,
     * `pg-usw2` in us-east's bucket): no Barman manages them and deletes are not replicated, so their current
     * objects expire `noncurrentExpirationDays` after they were replicated. Never one of `writableFolders`.
     * Defaults to none.
     */
    readonly replicaFolders?: readonly string[];
    /** An existing KMS key for SSE-KMS. Defaults to a new key for this bucket (rotation on). */
    readonly kmsKeyArn?: string;
    /** Days after which current and noncurrent objects move to ARCHIVE_STORAGE_CLASS. Defaults to 30. */
    readonly archiveAfterDays?: number;
    /**
     * Days a noncurrent version (an object Barman's retention deleted, or one a write replaced) is kept before
     * S3 deletes it for good. Current objects of this region's own folders never expire by lifecycle: Barman's
     * retention policy decides which base backups and WAL to delete, so failing backups never let S3 delete the
     * last good one. Also the age at which current objects of `replicaFolders` expire. Defaults to 40.
     */
    readonly noncurrentExpirationDays?: number;
    /** `protect` and `retainOnDelete` on the bucket and the key. Defaults to true. */
    readonly protect?: boolean;
    /** Tags on every AWS resource. Defaults to none. */
    readonly tags?: Readonly<Record<string, string>>;
}

/** BackupBucketArgs with every default applied. */
export type ResolvedBackupBucketArgs = Required<Omit<BackupBucketArgs, "kmsKeyArn" | "writableFolders">> & {
    readonly kmsKeyArn?: string;
    readonly writableFolders?: readonly string[];
};

/** Applies the documented defaults and validates; throws naming the property, the value and what is allowed. */
export function validateBackupBucketArgs(args: BackupBucketArgs): ResolvedBackupBucketArgs {
    const { fail } = argChecks("BackupBucket");
    const a = {
        ...args,
        prefix: args.prefix ?? "postgres",
        archiveAfterDays: args.archiveAfterDays ?? 30,
        noncurrentExpirationDays: args.noncurrentExpirationDays ?? 40,
        replicaFolders: args.replicaFolders ?? [],
        protect: args.protect ?? true,
        tags: args.tags ?? {},
    };
    if (!/^[a-z0-9][a-z0-9-]*$/.test(a.prefix))
        fail("prefix", a.prefix, "expected lower-case letters, digits and '-' (no slashes)");
    for (const f of a.writableFolders ?? [])
        if (!/^[a-z0-9][a-z0-9-]*$/.test(f))
            fail("writableFolders", f, "expected lower-case letters, digits and '-' (no slashes)");
    for (const f of a.replicaFolders) {
        if (!/^[a-z0-9][a-z0-9-]*$/.test(f))
            fail("replicaFolders", f, "expected lower-case letters, digits and '-' (no slashes)");
        if ((a.writableFolders ?? []).includes(f))
            fail(
                "replicaFolders",
                f,
                "expected a folder only replication writes, not one of writableFolders (its current objects would expire by age)",
            );
    }
    const archive = intBetween(1, 3650)(a.archiveAfterDays);
    if (archive) fail("archiveAfterDays", a.archiveAfterDays, archive);
    const expiry = intBetween(a.archiveAfterDays + 1, 3650)(a.noncurrentExpirationDays);
    if (expiry)
        fail(
            "noncurrentExpirationDays",
            a.noncurrentExpirationDays,
            `${expiry} (S3 expires objects only after their transition)`,
        );
    if (a.kmsKeyArn !== undefined && arnOf("kms")(a.kmsKeyArn))
        fail("kmsKeyArn", a.kmsKeyArn, arnOf("kms")(a.kmsKeyArn)!);
    if (!a.serviceAccounts.length) fail("serviceAccounts", a.serviceAccounts, "expected at least one service account");
    for (const sa of a.serviceAccounts) {
        if (!/^system:serviceaccount:[a-z0-9-]+:[a-z0-9.-]+$/.test(sa)) {
            fail("serviceAccounts", sa, "expected system:serviceaccount:<namespace>:<name>");
        }
    }
    if (!/^[A-Za-z0-9+=,.@_-]{1,64}$/.test(a.roleName))
        fail("roleName", a.roleName, "expected an IAM role name of at most 64 characters");
    issuerOf(a.oidcProviderArn);
    const wrongRegion = oidcProviderInRegion(a.region)(a.oidcProviderArn);
    if (wrongRegion) fail("oidcProviderArn", a.oidcProviderArn, wrongRegion);
    return a;
}

/** `<prefix>-pg-backups-<account>-<region>`: globally unique per account and region, and derivable by the peer stack. */
export function defaultBackupBucketName(prefix: string, accountId: string, region: string): string {
    const name = `${prefix}-pg-backups-${accountId}-${region}`;
    if (name.length > 63) throw new Error(`derived bucket name ${name} is longer than 63 characters`);
    return name;
}

/** The OIDC issuer (host/path) of an IAM OIDC provider ARN, the prefix of its condition keys. */
export function issuerOf(oidcProviderArn: string): string {
    const m = /^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider\/(.+)$/.exec(oidcProviderArn);
    if (!m)
        throw new ConfigError(
            "BackupBucket.oidcProviderArn",
            `${JSON.stringify(oidcProviderArn)} is not an IAM OIDC provider ARN`,
        );
    return m[1];
}

/** The IRSA trust policy: only the listed service accounts, only for STS. */
export function irsaTrustPolicy(oidcProviderArn: string, serviceAccounts: readonly string[]): Record<string, unknown> {
    const issuer = issuerOf(oidcProviderArn);
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "DatabasePodsOnly",
                Effect: "Allow",
                Principal: { Federated: oidcProviderArn },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: {
                    StringEquals: { [`${issuer}:aud`]: "sts.amazonaws.com", [`${issuer}:sub`]: [...serviceAccounts] },
                },
            },
        ],
    };
}

/**
 * The role's permissions: list and read objects under `<prefix>/`, write and delete (retention) only in
 * `writableFolders` (all of `<prefix>/` when not given), and use the key only through S3 in this region. HeadBucket (which barman-cloud calls) carries no s3:prefix, hence
 * `StringLikeIfExists`; any listing that names a prefix is confined to this one.
 */
export function backupAccessPolicy(
    bucketArn: string,
    prefix: string,
    kmsKeyArn: string,
    region: string,
    writableFolders?: readonly string[],
): Record<string, unknown> {
    const writable = writableFolders
        ? writableFolders.map((f) => `${bucketArn}/${prefix}/${f}/*`)
        : [`${bucketArn}/${prefix}/*`];
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "ListOwnPrefix",
                Effect: "Allow",
                Action: ["s3:ListBucket"],
                Resource: bucketArn,
                Condition: { StringLikeIfExists: { "s3:prefix": [`${prefix}/*`] } },
            },
            { Sid: "BucketLocation", Effect: "Allow", Action: ["s3:GetBucketLocation"], Resource: bucketArn },
            {
                Sid: "ReadUnderPrefix",
                Effect: "Allow",
                Action: ["s3:GetObject"],
                Resource: `${bucketArn}/${prefix}/*`,
            },
            {
                Sid: "WriteOwnFolders",
                Effect: "Allow",
                Action: ["s3:PutObject", "s3:DeleteObject"],
                Resource: writable,
            },
            {
                Sid: "BucketKeyViaS3",
                Effect: "Allow",
                Action: ["kms:Decrypt", "kms:GenerateDataKey"],
                Resource: kmsKeyArn,
                Condition: { StringEquals: { "kms:ViaService": `s3.${region}.amazonaws.com` } },
            },
        ],
    };
}

/** Bucket policy: deny every request not made over TLS 1.2+. */
export function tlsOnlyBucketPolicy(bucketArn: string): Record<string, unknown> {
    const resources = [bucketArn, `${bucketArn}/*`];
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: resources,
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
            {
                Sid: "DenyOldTls",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: resources,
                Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } },
            },
        ],
    };
}

/** The guarded configuration every bucket of the program gets: see {@link secureBucket}. */
export interface SecureBucketArgs {
    readonly region: string;
    /** The SSE-KMS key of the bucket's default encryption (with an S3 bucket key). */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** Lifecycle rules (applied once versioning is on). */
    readonly lifecycleRules: aws.s3.BucketLifecycleConfigurationArgs["rules"];
}

/**
 * The children that guard `bucket`, named `${name}-<role>` and parented to `parent`, in this order: owner-enforced
 * object ownership (no ACLs), every public access blocked, versioning, SSE-KMS by default, the lifecycle rules
 * and the TLS-only bucket policy. Returns the versioning and public access block resources.
 */
export function secureBucket(
    name: string,
    bucket: aws.s3.Bucket,
    args: SecureBucketArgs,
    parent: pulumi.Resource,
): { versioning: aws.s3.BucketVersioning; publicAccess: aws.s3.BucketPublicAccessBlock } {
    const { region } = args;
    const child: pulumi.CustomResourceOptions = { parent };
    const sibling = { ...child, dependsOn: [bucket] };
    new aws.s3.BucketOwnershipControls(
        `${name}-ownership`,
        { bucket: bucket.bucket, region, rule: { objectOwnership: "BucketOwnerEnforced" } },
        sibling,
    );
    const publicAccess = new aws.s3.BucketPublicAccessBlock(
        `${name}-public-access-block`,
        {
            bucket: bucket.bucket,
            region,
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        },
        sibling,
    );
    const versioning = new aws.s3.BucketVersioning(
        `${name}-versioning`,
        { bucket: bucket.bucket, region, versioningConfiguration: { status: "Enabled" } },
        sibling,
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
        `${name}-encryption`,
        {
            bucket: bucket.bucket,
            region,
            rules: [
                {
                    applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.kmsKeyArn },
                    bucketKeyEnabled: true,
                },
            ],
        },
        sibling,
    );
    // Lifecycle rules on noncurrent versions need versioning first.
    new aws.s3.BucketLifecycleConfiguration(
        `${name}-lifecycle`,
        { bucket: bucket.bucket, region, rules: args.lifecycleRules },
        { ...child, dependsOn: [bucket, versioning] },
    );
    new aws.s3.BucketPolicy(
        `${name}-policy`,
        { bucket: bucket.bucket, region, policy: pulumi.jsonStringify(bucket.arn.apply(tlsOnlyBucketPolicy)) },
        { ...child, dependsOn: [bucket, publicAccess] },
    );
    return { versioning, publicAccess };
}

/**
 * Lifecycle: archive current and noncurrent objects after `archiveAfterDays`; delete noncurrent versions
 * `noncurrentExpirationDays` after they became noncurrent; remove delete markers left without versions and
 * abandoned multipart uploads. There is deliberately no `expiration.days` on the current objects of this
 * region's own folders: a fixed age would delete the newest base backup once scheduled backups had failed for
 * that long (with daily backups and a 30-day window, ~9 days of failures under a 40-day expiry). Barman's
 * retention (the ObjectStore's `retentionPolicy`) deletes what the recovery window no longer needs;
 * versioning keeps those deletions recoverable for `noncurrentExpirationDays`.
 *
 * Only folders no Barman manages expire by age, after `noncurrentExpirationDays`: archives the runbook retired
 * under RETIRED_PREFIX, and each of `replicaFolders` (`<prefix>/<folder>/`, the other region's archive copied
 * by replication, whose deletes are not replicated). While the other region's backups succeed, a copy that
 * keeps every object for `noncurrentExpirationDays` (≥ the recovery window + 7 days) always holds a base
 * backup older than the window and the WAL after it.
 */
export function lifecycleRules(
    a: Pick<ResolvedBackupBucketArgs, "prefix" | "archiveAfterDays" | "noncurrentExpirationDays" | "replicaFolders">,
): aws.types.input.s3.BucketLifecycleConfigurationRule[] {
    return [
        {
            id: "archive-and-expire-noncurrent",
            status: "Enabled",
            filter: {},
            transitions: [{ days: a.archiveAfterDays, storageClass: ARCHIVE_STORAGE_CLASS }],
            noncurrentVersionTransitions: [{ noncurrentDays: a.archiveAfterDays, storageClass: ARCHIVE_STORAGE_CLASS }],
            noncurrentVersionExpiration: { noncurrentDays: a.noncurrentExpirationDays },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
        },
        {
            id: "expired-delete-markers",
            status: "Enabled",
            filter: {},
            expiration: { expiredObjectDeleteMarker: true },
        },
        {
            id: "expire-retired-archives",
            status: "Enabled",
            filter: { prefix: RETIRED_PREFIX },
            expiration: { days: a.noncurrentExpirationDays },
        },
        ...a.replicaFolders.map((f) => ({
            id: `expire-replica-${f}`,
            status: "Enabled",
            filter: { prefix: `${a.prefix}/${f}/` },
            expiration: { days: a.noncurrentExpirationDays },
        })),
    ];
}

/** One region's backup bucket, its key and the database pods' IRSA role. */
export class BackupBucket extends pulumi.ComponentResource {
    public readonly bucket: aws.s3.Bucket;
    /** The bucket's versioning (Enabled): replication configurations must wait for it. */
    public readonly versioning: aws.s3.BucketVersioning;
    /** Bucket name. */
    public readonly bucketName: pulumi.Output<string>;
    public readonly bucketArn: pulumi.Output<string>;
    /** The KMS key encrypting the bucket (created or configured). */
    public readonly kmsKeyArn: pulumi.Output<string>;
    /** The IRSA role for the database pods' service accounts. */
    public readonly roleArn: pulumi.Output<string>;
    /** The prefix the role may use. */
    public readonly prefix: string;

    constructor(name: string, args: BackupBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("geo:backup:BackupBucket", name, {}, opts);
        const a = validateBackupBucketArgs(args);
        const tags = { "app.kubernetes.io/part-of": "geo-data", "geo-data/purpose": "database-backups", ...a.tags };
        const stateful: pulumi.CustomResourceOptions = { parent: this, protect: a.protect, retainOnDelete: a.protect };
        const child: pulumi.CustomResourceOptions = { parent: this };

        let kmsKeyArn: pulumi.Output<string>;
        if (a.kmsKeyArn) {
            kmsKeyArn = pulumi.output(a.kmsKeyArn);
        } else {
            const key = new aws.kms.Key(
                `${name}-kms-key`,
                {
                    region: a.region,
                    description: pulumi.interpolate`SSE-KMS for database backups in ${a.bucketName}`,
                    enableKeyRotation: true,
                    deletionWindowInDays: 30,
                    tags,
                },
                stateful,
            );
            new aws.kms.Alias(
                `${name}-kms-alias`,
                { region: a.region, name: pulumi.interpolate`alias/${a.bucketName}`, targetKeyId: key.keyId },
                child,
            );
            kmsKeyArn = key.arn;
        }

        this.bucket = new aws.s3.Bucket(
            `${name}-bucket`,
            { bucket: a.bucketName, region: a.region, forceDestroy: false, tags },
            stateful,
        );
        const bucket = this.bucket.bucket;
        const { versioning } = secureBucket(
            name,
            this.bucket,
            { region: a.region, kmsKeyArn, lifecycleRules: lifecycleRules(a) },
            this,
        );

        const role = new aws.iam.Role(
            `${name}-role`,
            {
                name: a.roleName,
                description: pulumi.interpolate`Database pods (IRSA) writing backups to ${a.bucketName}/${a.prefix}`,
                assumeRolePolicy: JSON.stringify(irsaTrustPolicy(a.oidcProviderArn, a.serviceAccounts)),
                maxSessionDuration: 3600,
                tags,
            },
            child,
        );
        new aws.iam.RolePolicy(
            `${name}-role-policy`,
            {
                role: role.name,
                name: "backup-prefix-access",
                policy: pulumi
                    .all([this.bucket.arn, kmsKeyArn])
                    .apply(([bucketArn, keyArn]) =>
                        JSON.stringify(backupAccessPolicy(bucketArn, a.prefix, keyArn, a.region, a.writableFolders)),
                    ),
            },
            child,
        );

        this.versioning = versioning;
        this.bucketName = bucket;
        this.bucketArn = this.bucket.arn;
        this.kmsKeyArn = kmsKeyArn;
        this.roleArn = role.arn;
        this.prefix = a.prefix;
        this.registerOutputs({
            bucketName: this.bucketName,
            bucketArn: this.bucketArn,
            kmsKeyArn: this.kmsKeyArn,
            roleArn: this.roleArn,
        });
    }
}
