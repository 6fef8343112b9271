import { StackValidationPolicy } from "@pulumi/policy";
import { bucketRef, bucketSiblings, buckets } from "../lib";

const BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy";

/** True when a bucket policy document denies every S3 action over plain HTTP (`aws:SecureTransport` false). */
export function deniesInsecureTransport(policy: unknown): boolean {
    let doc: any = policy;
    if (typeof policy === "string") {
        try {
            doc = JSON.parse(policy);
        } catch {
            return false;
        }
    }
    const statements: any[] = Array.isArray(doc?.Statement) ? doc.Statement : doc?.Statement ? [doc.Statement] : [];
    return statements.some((s) => {
        const actions = [s?.Action ?? []].flat();
        const secure = s?.Condition?.Bool?.["aws:SecureTransport"];
        return (
            s?.Effect === "Deny" &&
            (s?.Principal === "*" || s?.Principal?.AWS === "*") &&
            (actions.includes("s3:*") || actions.includes("*")) &&
            String(secure) === "false"
        );
    });
}

/** Backups and tiered objects only travel over TLS: the bucket policy denies any request without it. */
export const bucketRequireTls: StackValidationPolicy = {
    name: "bucket-require-tls",
    description:
        "Every S3 bucket must have a BucketPolicy that denies s3:* to everyone when aws:SecureTransport is false.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        'Add aws.s3.BucketPolicy with a statement {Effect: Deny, Principal: "*", Action: "s3:*", Resource: [bucket ARN, bucket ARN/*], Condition: {Bool: {"aws:SecureTransport": "false"}}} (BackupBucket and MinioTierBucket do this).',
    validateStack: (args, reportViolation) => {
        for (const b of buckets(args.resources)) {
            const ok = bucketSiblings(args.resources, b, BUCKET_POLICY).some((p) =>
                deniesInsecureTransport(p.props?.policy),
            );
            if (!ok)
                reportViolation(
                    `Bucket ${bucketRef(b)} accepts plain-HTTP requests: no BucketPolicy denies s3:* when aws:SecureTransport is false. Add one.`,
                    b.urn,
                );
        }
    },
};
