import { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES, objectRef } from "../lib";

/** Days of a Barman retention policy (`30d`, `4w`, `1m`), or undefined when it is not one. */
export function retentionDays(policy: unknown): number | undefined {
    const m = typeof policy === "string" ? /^([1-9][0-9]*)([dwm])$/.exec(policy) : null;
    if (!m) return undefined;
    return Number(m[1]) * { d: 1, w: 7, m: 30 }[m[2] as "d" | "w" | "m"];
}

/**
 * Every Barman Cloud ObjectStore keeps a recovery window of at least `minRetentionDays`: without a
 * retentionPolicy backups are never pruned (costs grow without bound), and a window shorter than the minimum
 * leaves too little point-in-time recovery to notice and undo a bad change.
 */
export const objectstoreRequireMinRetention: ResourceValidationPolicy = {
    name: "objectstore-require-min-retention",
    description:
        "Every Barman Cloud ObjectStore must set spec.retentionPolicy to a recovery window of at least minRetentionDays (default 7).",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Set config key postgresBackupRetention to a window such as 30d (at least the policy's minRetentionDays); the program writes it to the ObjectStore's spec.retentionPolicy.",
    configSchema: { properties: { minRetentionDays: { type: "integer", minimum: 1, default: 7 } } },
    validateResource: (args, reportViolation) => {
        if (args.type !== TYPES.barmanObjectStore) return;
        const { minRetentionDays } = args.getConfig<{ minRetentionDays: number }>();
        const policy = args.props?.spec?.retentionPolicy;
        const days = retentionDays(policy);
        if (days === undefined || days < minRetentionDays) {
            reportViolation(
                `ObjectStore ${objectRef(args.props)} has spec.retentionPolicy ${JSON.stringify(policy ?? null)}; it needs a recovery window of at least ${minRetentionDays} days (e.g. "30d"). Set geo-data:postgresBackupRetention.`,
            );
        }
    },
};
