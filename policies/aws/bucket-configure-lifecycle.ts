import { StackValidationPolicy } from "@pulumi/policy";
import { TYPES, archiveFolders, bucketRef, bucketSiblings, buckets, prefixesOverlap } from "../lib";

/** The key prefix a lifecycle rule is limited to (`filter.prefix`, `filter.and.prefix`, the deprecated rule-level `prefix`); "" = the whole bucket. */
function rulePrefix(rule: any): string {
    const p = rule?.filter?.prefix ?? rule?.filter?.and?.prefix ?? rule?.prefix;
    return typeof p === "string" ? p : "";
}

/**
 * A versioned backup bucket needs a lifecycle: objects move to a colder class, noncurrent versions (what
 * Barman's retention deleted) expire, and delete markers left without versions are removed. Current objects
 * a Cluster archives must not expire by age: Barman's retention policy decides which base backups and WAL
 * the recovery window still needs, and a fixed S3 expiry deletes the newest base backup once scheduled
 * backups have failed for long enough. An age expiry is allowed only under a prefix that overlaps no folder
 * a CloudNativePG Cluster of the stack archives into (its ObjectStore's `destinationPath` plus its
 * serverName): the other region's replicated copy, or archives the runbook retired under `diverged/`.
 */
export const bucketConfigureLifecycle: StackValidationPolicy = {
    name: "bucket-configure-lifecycle",
    description:
        "Every S3 bucket must have enabled lifecycle rules that transition objects, expire noncurrent versions and expired delete markers, and expire current objects by age only under a prefix that no CloudNativePG Cluster of the stack archives into (Barman's retention deletes those).",
    enforcementLevel: "mandatory",
    severity: "medium",
    remediationSteps:
        "Give aws.s3.BucketLifecycleConfiguration Enabled rules with transitions [{days, storageClass}], noncurrentVersionExpiration {noncurrentDays} and expiration {expiredObjectDeleteMarker: true}; put expiration {days} or {date} only on rules whose filter.prefix is a folder no Cluster archives into (a replicated copy such as postgres/<peer serverName>/, or diverged/), so only Barman's retentionPolicy deletes a Cluster's current objects.",
    configSchema: {
        properties: {
            maxExpirationDays: { type: "integer", minimum: 1, default: 3650 },
        },
    },
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
            const archives = archiveFolders(args.resources, bucketRef(b));
            for (const r of rules) {
                const e = r.expiration ?? {};
                if (e.days === undefined && e.date === undefined) continue;
                const age = e.days !== undefined ? `after ${e.days} days` : `on ${e.date}`;
                const rule = `rule ${JSON.stringify(r.id ?? "")}`;
                const prefix = rulePrefix(r);
                if (prefix === "") {
                    reportViolation(
                        `Bucket ${bucketRef(b)} expires current objects ${age} in the whole bucket (${rule} has no filter.prefix): once scheduled backups fail for that long, S3 deletes the newest base backup. ` +
                            "Remove expiration days/date, or limit the rule with filter.prefix to a folder no Cluster archives into (a replicated copy or diverged/); let Barman's retentionPolicy delete a Cluster's current objects.",
                        b.urn,
                    );
                    continue;
                }
                for (const a of archives.filter((x) => prefixesOverlap(prefix, x.folder))) {
                    reportViolation(
                        `Bucket ${bucketRef(b)} expires current objects ${age} under ${JSON.stringify(prefix)} (${rule}), which covers ${a.folder}, the archive of Cluster ${a.cluster} (ObjectStore ${a.objectStore}): once its scheduled backups fail for that long, S3 deletes the newest base backup. ` +
                            `Remove expiration days/date or narrow filter.prefix so it overlaps no Cluster's archive folder; let Barman's retentionPolicy delete the objects under ${a.folder}.`,
                        b.urn,
                    );
                }
            }
        }
    },
};
