/**
 * MinioTierBucket: the AWS S3 bucket MinIO transitions objects to (its ILM remote tier), in the region's
 * account, and the IRSA role the MinIO pods use to write it.
 *
 * `mc ilm tier add s3 … --storage-class` accepts only STANDARD, REDUCED_REDUNDANCY and STANDARD_IA (mc
 * RELEASE.2025-08-13T08-35-41Z cmd/ilm-tier-add.go supportedAWSTierSC), so "GLACIER after 30 days" is two
 * hops: MinIO moves an object here after `minioTransitionDays` (written as STANDARD), and this bucket's
 * lifecycle moves it to `minioTierStorageClass` at once (day 0). GLACIER_IR by default: it is readable
 * without a restore, and MinIO serves a tiered object by reading it straight from here. Versioned and
 * SSE-KMS like every bucket of the stack; noncurrent versions (objects MinIO deleted after the source
 * version expired) go after `noncurrentExpirationDays`.
 */
import * as aws from "../shared/aws";
import * as pulumi from "@pulumi/pulumi";
import { irsaTrustPolicy, secureBucket } from "../backup/backup-bucket";
import { regionCode } from "../shared/naming";
import { argChecks, intBetween, oidcProviderInRegion, oneOf } from "../shared/validate";

/** Arguments of MinioTierBucket. */
export interface MinioTierBucketArgs {
    readonly bucketName: pulumi.Input<string>;
    readonly region: string;
    /** IAM OIDC provider of the region's EKS cluster (IRSA). */
    readonly oidcProviderArn: string;
    /** `system:serviceaccount:<ns>:<name>` of the MinIO pods. */
    readonly serviceAccount: string;
    /** IAM role name (IAM is global: include the region). */
    readonly roleName: string;
    /** Storage class the lifecycle moves objects to on arrival. Defaults to "GLACIER_IR". */
    readonly storageClass?: "GLACIER_IR" | "STANDARD_IA";
    /** Days S3 keeps a noncurrent version. Defaults to 30. */
    readonly noncurrentExpirationDays?: number;
    /** `protect` and `retainOnDelete` on the bucket and its key. Defaults to true. */
    readonly protect?: boolean;
}

/** MinioTierBucketArgs with every default applied. */
export type ResolvedMinioTierBucketArgs = Required<MinioTierBucketArgs>;

export function validateMinioTierBucketArgs(args: MinioTierBucketArgs): ResolvedMinioTierBucketArgs {
    const a: ResolvedMinioTierBucketArgs = {
        ...args,
        storageClass: args.storageClass ?? "GLACIER_IR",
        noncurrentExpirationDays: args.noncurrentExpirationDays ?? 30,
        protect: args.protect ?? true,
    };
    const { check } = argChecks("MinioTierBucket");
    check("storageClass", a.storageClass, oneOf(["GLACIER_IR", "STANDARD_IA"])(a.storageClass));
    check("noncurrentExpirationDays", a.noncurrentExpirationDays, intBetween(1, 3650)(a.noncurrentExpirationDays));
    check("oidcProviderArn", a.oidcProviderArn, oidcProviderInRegion(a.region)(a.oidcProviderArn));
    check("roleName", a.roleName, a.roleName.length <= 64 ? undefined : "expected at most 64 characters");
    return a;
}

/** `<prefix>-minio-tier-<account>-<region>`, like the backup bucket's name. */
export function defaultTierBucketName(prefix: string, accountId: string, region: string): string {
    return `${prefix}-minio-tier-${accountId}-${region}`;
}

/** IAM role of a region's MinIO pods: `<prefix>-minio-tier-<region code>`. */
export function tierRoleName(prefix: string, region: string): string {
    return `${prefix}-minio-tier-${regionCode(region)}`;
}

/** The lifecycle: everything to `storageClass` on arrival, noncurrent versions and lone delete markers expire. */
export function tierLifecycleRules(a: Pick<ResolvedMinioTierBucketArgs, "storageClass" | "noncurrentExpirationDays">) {
    return [
        {
            id: "archive-on-arrival",
            status: "Enabled",
            filter: { prefix: "" },
            transitions: [{ days: 0, storageClass: a.storageClass }],
            noncurrentVersionExpiration: { noncurrentDays: a.noncurrentExpirationDays },
            expiration: { expiredObjectDeleteMarker: true },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
        },
    ];
}

/** What MinIO needs in the tier bucket: objects under its prefix, and the key only through S3. */
export function tierAccessPolicy(bucketArn: string, kmsKeyArn: string, region: string): Record<string, unknown> {
    return {
        Version: "2012-10-17",
        Statement: [
            { Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: bucketArn },
            {
                Effect: "Allow",
                Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:RestoreObject"],
                Resource: `${bucketArn}/*`,
            },
            {
                Effect: "Allow",
                Action: ["kms:Decrypt", "kms:GenerateDataKey"],
                Resource: kmsKeyArn,
                Condition: { StringEquals: { "kms:ViaService": `s3.${region}.amazonaws.com` } },
            },
        ],
    };
}

/** The region's MinIO tier bucket, its KMS key and the MinIO pods' IRSA role. */
export class MinioTierBucket extends pulumi.ComponentResource {
    public readonly bucketName: pulumi.Output<string>;
    public readonly roleArn: pulumi.Output<string>;

    constructor(name: string, args: MinioTierBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("geo:minio:MinioTierBucket", name, {}, opts);
        const a = validateMinioTierBucketArgs(args);
        const tags = { "app.kubernetes.io/part-of": "geo-data", "geo-data/purpose": "minio-tier" };
        const stateful: pulumi.CustomResourceOptions = { parent: this, protect: a.protect, retainOnDelete: a.protect };
        const child: pulumi.CustomResourceOptions = { parent: this };
        const region = a.region;
        const key = new aws.kms.Key(
            `${name}-kms-key`,
            {
                region,
                description: pulumi.interpolate`SSE-KMS for MinIO's tiered objects in ${a.bucketName}`,
                enableKeyRotation: true,
                deletionWindowInDays: 30,
                tags,
            },
            stateful,
        );
        const bucket = new aws.s3.Bucket(
            `${name}-bucket`,
            { bucket: a.bucketName, region, forceDestroy: false, tags },
            stateful,
        );
        secureBucket(name, bucket, { region, kmsKeyArn: key.arn, lifecycleRules: tierLifecycleRules(a) }, this);
        const role = new aws.iam.Role(
            `${name}-role`,
            {
                name: a.roleName,
                description: pulumi.interpolate`MinIO pods (IRSA) tiering objects to ${a.bucketName}`,
                assumeRolePolicy: JSON.stringify(irsaTrustPolicy(a.oidcProviderArn, [a.serviceAccount])),
                maxSessionDuration: 3600,
                tags,
            },
            child,
        );
        new aws.iam.RolePolicy(
            `${name}-role-policy`,
            {
                role: role.name,
                name: "minio-tier-access",
                policy: pulumi
                    .all([bucket.arn, key.arn])
                    .apply(([b, k]) => JSON.stringify(tierAccessPolicy(b, k, region))),
            },
            child,
        );
        this.bucketName = bucket.bucket;
        this.roleArn = role.arn;
        this.registerOutputs({ bucketName: this.bucketName, roleArn: this.roleArn });
    }
}
