/**
 * Pure checks over the rendered plans that a restore depends on: the region-loss route (the primary's archive
 * → the replication rule → the peer's bucket → the peer's externalClusters serverName) and the S3 lifecycle
 * against Barman's retention. Each failure names the field to fix. Used by the drill before it starts anything
 * and by test/restore-plan.spec.ts over a fresh render.
 */
import {
    ArchiveRef,
    LifecycleRule,
    ObjectStorePlan,
    ReplicationRule,
    StackBackupPlan,
    archivePrefix,
    storeOf,
} from "./plan";

/** A server's archive in one bucket. */
export interface ArchiveLocation {
    readonly stack: string;
    readonly ref: ArchiveRef;
    readonly store: ObjectStorePlan;
    /** `<prefix>/<serverName>/` */
    readonly prefix: string;
}

/** How a region's archive reaches the other region and how that region names it for a restore. */
export interface RestoreRoute {
    readonly source: ArchiveLocation;
    readonly replication: ReplicationRule;
    readonly target: ArchiveLocation;
}

/** The archive a stack's Cluster writes (its WAL-archiving plugin entry). */
export function ownArchive(plan: StackBackupPlan): ArchiveLocation {
    const store = storeOf(plan, plan.archive);
    return { stack: plan.stack, ref: plan.archive, store, prefix: archivePrefix(store, plan.archive.serverName) };
}

/**
 * The route from `source`'s own archive to a restore in `target`: the enabled replication rule (from any of
 * `rules`) copying source's bucket into target's, whose prefix selects source's archive; target's
 * externalClusters entry for source's Cluster; and the key prefix that entry restores from, which must be the
 * replicated one (S3 replication keeps keys). Throws a message naming the serverName, destinationPath or
 * replication prefix that does not match.
 */
export function restoreRoute(
    source: StackBackupPlan,
    target: StackBackupPlan,
    rules: readonly ReplicationRule[],
): RestoreRoute {
    const from = ownArchive(source);
    const ref = target.externalClusters.find((e) => e.cluster === source.self);
    if (!ref)
        throw new Error(
            `${target.stack}: Cluster ${target.clusterName} has no externalClusters entry "${source.self}" with a ` +
                `barman-cloud plugin, so ${target.stack} cannot restore ${source.stack}'s archive after a region loss`,
        );
    const store = storeOf(target, ref);
    const to: ArchiveLocation = { stack: target.stack, ref, store, prefix: archivePrefix(store, ref.serverName) };
    const candidates = rules.filter(
        (r) => r.enabled && r.sourceBucket === from.store.bucket && r.destinationBucket === store.bucket,
    );
    if (candidates.length === 0)
        throw new Error(
            `no enabled replication rule copies s3://${from.store.bucket} (${source.stack}) into s3://${store.bucket} ` +
                `(${target.stack}): ${target.stack} would hold no copy of ${source.self}'s archive`,
        );
    const replication = candidates.find((r) => from.prefix.startsWith(r.prefix));
    if (!replication) {
        const r = candidates[0];
        throw new Error(
            `replication prefix: rule "${r.id}" (${r.resource}) selects "${r.prefix}", which does not contain ` +
                `${source.stack}'s archive "${from.prefix}" (ObjectStore ${from.store.name} destinationPath ` +
                `${from.store.destinationPath} + serverName ${from.ref.serverName}): s3://${store.bucket} would not hold it`,
        );
    }
    if (ref.serverName !== from.ref.serverName)
        throw new Error(
            `serverName: ${target.stack} externalClusters[${ref.cluster}] restores serverName "${ref.serverName}", ` +
                `but ${source.stack} archives as serverName "${from.ref.serverName}" (its Cluster's plugin parameters)`,
        );
    if (to.prefix !== from.prefix)
        throw new Error(
            `destinationPath: ${target.stack} ObjectStore ${store.name} (${store.destinationPath}) puts ` +
                `${ref.serverName} at "${to.prefix}", but the replicated copy of ${source.stack}'s archive ` +
                `(${from.store.destinationPath}) lands at "${from.prefix}" in s3://${store.bucket}`,
        );
    return { source: from, replication, target: to };
}

/** Barman retention (`30d`, `4w`, `3m`) in days (a month counted as 31), or an error naming it. */
export function retentionDays(policy: string | undefined): number {
    const m = /^([1-9][0-9]*)([dwm])$/.exec(policy ?? "");
    if (!m) throw new Error(`retentionPolicy "${policy}" is not <n>d|<n>w|<n>m`);
    return Number(m[1]) * { d: 1, w: 7, m: 31 }[m[2] as "d" | "w" | "m"];
}

/**
 * The longest gap in days between two runs of a CloudNativePG 6-field schedule (sec min hour dom month dow):
 * 1 when day-of-month, month and day-of-week are all `*`, 7 for a weekly one, 31 otherwise (conservative).
 */
export function scheduleIntervalDays(schedule: string): number {
    const f = schedule.trim().split(/\s+/);
    if (f.length !== 6) throw new Error(`schedule "${schedule}" is not a 6-field cron (with seconds)`);
    const [, , , dom, month, dow] = f;
    if (dom === "*" && month === "*" && dow === "*") return 1;
    if (dom === "*" && month === "*") return 7;
    return 31;
}

/** Storage classes S3 serves only after an explicit restore: barman-cloud cannot read them. */
const NEEDS_RESTORE = new Set(["GLACIER", "DEEP_ARCHIVE"]);

const overlaps = (a: string, b: string) => a.startsWith(b) || b.startsWith(a);

/**
 * The lifecycle rules of a bucket must not remove or hide what Barman still needs under `prefix`: with a
 * recovery window of R days and backups every I days, the oldest backup still needed (and the WAL after it) is
 * up to R + I days old, so an expiration over the archive must be later than that, and no transition may move
 * it to a class that needs a restore before reading. Returns the violations (empty when fine).
 */
export function lifecycleViolations(
    stack: string,
    rules: readonly LifecycleRule[],
    prefix: string,
    retention: string | undefined,
    schedule: string,
): string[] {
    const needed = retentionDays(retention) + scheduleIntervalDays(schedule);
    const out: string[] = [];
    for (const r of rules.filter((r) => r.enabled && overlaps(prefix, r.prefix))) {
        if (r.expirationDays !== undefined && r.expirationDays <= needed)
            out.push(
                `${stack}: lifecycle rule "${r.id}" expires "${r.prefix || "(whole bucket)"}" after ${r.expirationDays} days, ` +
                    `but Barman may still need objects under "${prefix}" that are ${needed} days old ` +
                    `(retentionPolicy ${retention} + ${scheduleIntervalDays(schedule)} day(s) between backups): expire later than ${needed} days`,
            );
        for (const t of r.transitions.filter((t) => NEEDS_RESTORE.has(t.storageClass)))
            out.push(
                `${stack}: lifecycle rule "${r.id}" moves "${r.prefix || "(whole bucket)"}" to ${t.storageClass} after ` +
                    `${t.days} days; barman-cloud cannot read objects there without an S3 restore: use GLACIER_IR`,
            );
    }
    return out;
}

/** Everything the restore of both regions needs from the pair of renders; the list of violations. */
export function checkBackupPair(east: StackBackupPlan, west: StackBackupPlan): string[] {
    const rules = [...east.replication, ...west.replication];
    const errors: string[] = [];
    for (const [source, target] of [
        [east, west],
        [west, east],
    ]) {
        try {
            const route = restoreRoute(source, target, rules);
            const schedule = source.schedule?.schedule;
            if (!schedule) {
                errors.push(`${source.stack}: no ScheduledBackup for Cluster ${source.clusterName}`);
                continue;
            }
            const retention = route.source.store.retentionPolicy;
            errors.push(
                ...lifecycleViolations(source.stack, source.lifecycle, route.source.prefix, retention, schedule),
            );
            errors.push(
                ...lifecycleViolations(target.stack, target.lifecycle, route.target.prefix, retention, schedule),
            );
        } catch (e) {
            errors.push((e as Error).message);
        }
    }
    return errors;
}
