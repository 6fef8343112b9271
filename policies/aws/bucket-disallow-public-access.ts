import { StackValidationPolicy } from "@pulumi/policy";
import { TYPES, bucketRef, bucketSiblings, buckets } from "../lib";

const FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"] as const;

/** No backup may ever become public: all four S3 public access block settings are on. */
export const bucketDisallowPublicAccess: StackValidationPolicy = {
    name: "bucket-disallow-public-access",
    description: "Every S3 bucket must have a BucketPublicAccessBlock with all four settings true.",
    enforcementLevel: "mandatory",
    severity: "critical",
    remediationSteps: `Add aws.s3.BucketPublicAccessBlock with ${FLAGS.join(", ")} all true.`,
    validateStack: (args, reportViolation) => {
        for (const b of buckets(args.resources)) {
            const blocks = bucketSiblings(args.resources, b, TYPES.s3PublicAccessBlock);
            if (!blocks.length) {
                reportViolation(
                    `Bucket ${bucketRef(b)} has no BucketPublicAccessBlock; add one with ${FLAGS.join(", ")} true.`,
                    b.urn,
                );
                continue;
            }
            const off = FLAGS.filter((f) => !blocks.some((p) => p.props?.[f] === true));
            if (off.length)
                reportViolation(
                    `Bucket ${bucketRef(b)} does not block public access: ${off.join(", ")} must be true.`,
                    b.urn,
                );
        }
    },
};
