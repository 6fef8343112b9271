import { StackValidationPolicy } from "@pulumi/policy";
import { TYPES, bucketRef, bucketSiblings, buckets } from "../lib";

/**
 * A versioned backup bucket needs a lifecycle: objects move to a colder class, expire after the retention
 * window, and noncurrent versions expire too (versioning would otherwise keep every deleted backup forever).
 */
export const bucketConfigureLifecycle: StackValidationPolicy = {
    name: "bucket-configure-lifecycle",
    description:
        "Every S3 bucket must have an enabled lifecycle rule that transitions objects, expires them, and expires noncurrent versions.",
    enforcementLevel: "mandatory",
    severity: "medium",
    remediationSteps:
        "Add aws.s3.BucketLifecycleConfiguration with an Enabled rule: transitions [{days, storageClass}], expiration {days}, noncurrentVersionExpiration {noncurrentDays}.",
    configSchema: { properties: { maxExpirationDays: { type: "integer", minimum: 1, default: 3650 } } },
    validateStack: (args, reportViolation) => {
        const { maxExpirationDays } = args.getConfig<{ maxExpirationDays: number }>();
        for (const b of buckets(args.resources)) {
            const rules = bucketSiblings(args.resources, b, TYPES.s3Lifecycle)
                .flatMap((l) => l.props?.rules ?? [])
                .filter((r: any) => r?.status === "Enabled");
            const missing: string[] = [];
            if (!rules.some((r: any) => (r.transitions ?? []).some((t: any) => typeof t?.days === "number")))
                missing.push("a transition");
            if (
                !rules.some(
                    (r: any) => typeof r.expiration?.days === "number" && r.expiration.days <= maxExpirationDays,
                )
            ) {
                missing.push(`an expiration within ${maxExpirationDays} days`);
            }
            if (!rules.some((r: any) => typeof r.noncurrentVersionExpiration?.noncurrentDays === "number"))
                missing.push("a noncurrent version expiration");
            if (missing.length)
                reportViolation(
                    `Bucket ${bucketRef(b)} has no enabled lifecycle rule with ${missing.join(", ")}.`,
                    b.urn,
                );
        }
    },
};
