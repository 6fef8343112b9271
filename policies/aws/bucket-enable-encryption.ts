import { StackValidationPolicy } from "@pulumi/policy";
import { TYPES, bucketRef, bucketSiblings, buckets } from "../lib";

/** Backup buckets are encrypted at rest with a KMS key (SSE-KMS), whose use IAM can restrict and audit. */
export const bucketEnableEncryption: StackValidationPolicy = {
    name: "bucket-enable-encryption",
    description: "Every S3 bucket must default to SSE-KMS encryption with an explicit KMS key.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Add aws.s3.BucketServerSideEncryptionConfiguration with rules: [{applyServerSideEncryptionByDefault: {sseAlgorithm: aws:kms, kmsMasterKeyId: <key arn>}, bucketKeyEnabled: true}].",
    configSchema: {
        properties: {
            algorithms: { type: "array", items: { type: "string" }, default: ["aws:kms", "aws:kms:dsse"] },
            requireKey: { type: "boolean", default: true },
        },
    },
    validateStack: (args, reportViolation) => {
        const { algorithms, requireKey } = args.getConfig<{ algorithms: string[]; requireKey: boolean }>();
        for (const b of buckets(args.resources)) {
            const ok = bucketSiblings(args.resources, b, TYPES.s3Encryption).some((e) =>
                (e.props?.rules ?? []).some((r: any) => {
                    const d = r?.applyServerSideEncryptionByDefault;
                    return algorithms.includes(d?.sseAlgorithm) && (!requireKey || !!d?.kmsMasterKeyId);
                }),
            );
            if (!ok) {
                reportViolation(
                    `Bucket ${bucketRef(b)} has no BucketServerSideEncryptionConfiguration defaulting to ${algorithms.join(" or ")}${requireKey ? " with a kmsMasterKeyId" : ""}; add one.`,
                    b.urn,
                );
            }
        }
    },
};
