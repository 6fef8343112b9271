import { StackValidationPolicy } from "@pulumi/policy";
import { TYPES, bucketRef, bucketSiblings, buckets } from "../lib";

/**
 * A versioned backup bucket needs a lifecycle: objects move to a colder class, noncurrent versions (what
 * Barman's retention deleted) expire, and delete markers left without versions are removed. Current objects
 * must not expire by age: Barman's retention policy decides which base backups and WAL the recovery window
 * still needs, and a fixed S3 expiry deletes the newest base backup once scheduled backups have failed for
 * long enough.
 */
export const bucketConfigureLifecycle: StackValidationPolicy = {
    name: "bucket-configure-lifecycle",
    description:
        "Every S3 bucket must have enabled lifecycle rules that transition objects, expire noncurrent versions and expired delete markers, and never expire current objects by age (Barman's retention deletes them).",
    enforcementLevel: "mandatory",
    severity: "medium",
    remediationSteps:
        "Give aws.s3.BucketLifecycleConfiguration Enabled rules with transitions [{days, storageClass}], noncurrentVersionExpiration {noncurrentDays} and expiration {expiredObjectDeleteMarker: true}; remove expiration {days} or {date} so only Barman's retentionPolicy deletes current objects.",
    configSchema: {
        properties: {
            maxExpirationDays: { type: "integer", minimum: 1, default: 3650 },
            /** Prefixes of retired archives no Barman manages (the disaster runbook's `diverged/`): age expiry is allowed there. */
            retiredPrefixes: { type: "array", items: { type: "string" }, default: ["diverged/"] },
        },
    },
    validateStack: (args, reportViolation) => {
        const { maxExpirationDays, retiredPrefixes } = args.getConfig<{
            maxExpirationDays: number;
            retiredPrefixes: string[];
        }>();
        for (const b of buckets(args.resources)) {
            const rules = bucketSiblings(args.resources, b, TYPES.s3Lifecycle)
                .flatMap((l) => l.props?.rules ?? [])
                .filter((r: any) => r?.status === "Enabled");
            const missing: string[] = [];
            if (!rules.some((r: any) => (r.transitions ?? []).some((t: any) => typeof t?.days === "number")))
                missing.push("a transition");
            if (
                !rules.some(
                    (r: any) =>
                        typeof r.noncurrentVersionExpiration?.noncurrentDays === "number" &&
                        r.noncurrentVersionExpiration.noncurrentDays <= maxExpirationDays,
                )
            ) {
                missing.push(`a noncurrent version expiration within ${maxExpirationDays} days`);
            }
            if (!rules.some((r: any) => r.expiration?.expiredObjectDeleteMarker === true))
                missing.push("an expired delete marker cleanup");
            if (missing.length)
                reportViolation(
                    `Bucket ${bucketRef(b)} has no enabled lifecycle rule with ${missing.join(", ")}.`,
                    b.urn,
                );
            for (const r of rules) {
                const e = r.expiration ?? {};
                if (e.days === undefined && e.date === undefined) continue;
                const prefix = r.filter?.prefix;
                if (typeof prefix === "string" && retiredPrefixes.some((p) => prefix.startsWith(p))) continue;
                const age = e.days !== undefined ? `after ${e.days} days` : `on ${e.date}`;
                reportViolation(
                    `Bucket ${bucketRef(b)} expires current objects ${age} (rule ${JSON.stringify(r.id ?? "")}): once scheduled backups fail for that long, S3 deletes the newest base backup. ` +
                        "Remove expiration days/date; let Barman's retentionPolicy delete current objects and expire only noncurrent versions and delete markers.",
                    b.urn,
                );
            }
        }
    },
};
