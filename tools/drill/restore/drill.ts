/**
 * One stack's restore drill: archive + base backups of a local PostgreSQL into the local S3 exactly where the
 * rendered ObjectStore/serverName put them, a point-in-time restore from the stack's own bucket, the
 * region-loss restore from the peer bucket's replicated copy using only what the peer renders, and retention.
 */
import { ProcessGroup, sleep } from "../processes";
import { PG_BIN } from "../postgres-local";
import { Barman, BackupEntry, barmanTime, listBackups } from "./barman";
import { RestoreRoute, ownArchive, retentionDays } from "./checks";
import {
    Mapped,
    barmanPolicy,
    localArgs,
    sidecarBackupArgs,
    sidecarDeleteArgs,
    sidecarWalArchiveArgs,
    sidecarWalRestoreArgs,
    unexercised,
} from "./flags";
import { StackBackupPlan } from "./plan";
import {
    Batch,
    Fingerprint,
    baseBackup,
    createTable,
    fingerprint,
    insertBatch,
    knownParameters,
    pointInTimeRestore,
    startPrimary,
    switchAndArchive,
} from "./postgres";
import { retentionDrill, RetentionResult } from "./retention";
import { copyPrefix } from "./s3";

/** User overrides (the bad-input paths) and sizes. */
export interface DrillOptions {
    readonly rows: number;
    /** Restore this backup instead of the newest one before the target. */
    readonly backupId?: string;
    /** Use this recovery target instead of the recorded one. */
    readonly targetTime?: string;
    /** Point every Barman command at this endpoint instead of the local S3. */
    readonly endpointUrl?: string;
}

/** One verified restore. */
export interface RestoreMeasure {
    readonly from: string;
    readonly backupId: string;
    readonly baseSeconds: number;
    readonly replaySeconds: number;
    readonly walReplayedBytes: number;
    readonly rows: number;
    readonly md5: string;
}

export interface StackDrillResult {
    readonly stack: string;
    readonly barman: string;
    readonly postgres: string;
    readonly renderedImage: string;
    readonly mapping: Record<string, { rendered: readonly string[]; local: readonly string[] }>;
    readonly notes: readonly string[];
    readonly skippedParameters: readonly string[];
    readonly backupSeconds: readonly number[];
    readonly dataBytes: number;
    readonly targetTime: string;
    readonly expected: Fingerprint;
    readonly restores: readonly RestoreMeasure[];
    readonly replication: { rule: string; prefix: string; objects: number; bytes: number };
    readonly retention: RetentionResult;
    readonly storageSize: string;
}

const withoutPositional = (m: Mapped) => m.args.slice(0, -2);

export async function drillStack(
    group: ProcessGroup,
    b: Barman,
    endpoint: string,
    plan: StackBackupPlan,
    route: RestoreRoute,
    opts: DrillOptions,
    log: (s: string) => void,
): Promise<StackDrillResult> {
    const own = ownArchive(plan);
    const { store } = own;
    const server = own.ref.serverName;
    const s3 = opts.endpointUrl ?? endpoint;
    const notes: string[] = [];
    const map = (what: string, rendered: string[]): Mapped => {
        const m = localArgs(rendered, b, s3, what);
        notes.push(...m.notes);
        mapping[what] = { rendered, local: m.args };
        log(`  ${what}\n    rendered (sidecar): ${rendered.join(" ")}\n    here:               ${m.args.join(" ")}`);
        return m;
    };
    const mapping: StackDrillResult["mapping"] = {};
    log(
        `${plan.stack}: ObjectStore ${store.name} → ${store.destinationPath}, serverName ${server}; barman-cloud mapping:`,
    );
    const archive = map("wal-archive", sidecarWalArchiveArgs(store, server));
    const backupFor = (name: string) => localArgs(sidecarBackupArgs(store, server, name), b, s3, "backup").args;
    const renderedBackup = sidecarBackupArgs(store, server, "<backup name>");
    map("backup", renderedBackup);
    if (!store.data.immediateCheckpoint)
        notes.push(
            "backup: added --immediate-checkpoint (not rendered: the sidecar waits for a spread checkpoint, minutes on an idle server)",
        );
    const walRestore = map("wal-restore", sidecarWalRestoreArgs(store, server));
    map("backup-delete", sidecarDeleteArgs(store, server));
    const peer = route.target;
    const peerWalRestore = map(
        `wal-restore from ${peer.stack}`,
        sidecarWalRestoreArgs(peer.store, peer.ref.serverName),
    );
    notes.push(...unexercised(store));
    for (const n of [...new Set(notes)]) log(`  not as rendered: ${n}`);

    // Reachability first: a wrong endpoint fails here, before any server starts.
    const listOpts = withoutPositional(walRestore).concat(store.destinationPath, server);
    try {
        await listBackups(b, listOpts);
    } catch (e) {
        throw new Error(`cannot reach the object store at ${s3} (${store.destinationPath}): ${(e as Error).message}`);
    }

    const { applied, skipped } = await knownParameters(plan.parameters);
    const pgVersion = (PG_BIN ?? "").split("/").slice(-2, -1)[0] ?? "?";
    log(
        `  PostgreSQL ${pgVersion} (Debian) here; the render runs ${plan.imageName}. Rendered parameters applied: ` +
            `${Object.keys(applied).length}${skipped.length ? `, unknown to ${pgVersion} (skipped): ${skipped.join(", ")}` : ""}`,
    );
    const pg = await startPrimary(group, `${plan.stack}-primary`, b, applied, archive.args);
    await createTable(pg);
    const batches: Batch[] = [];
    const backupSeconds: number[] = [];
    const backup = async (name: string) => {
        const args = [...backupFor(name)];
        args.splice(args.length - 2, 0, ...(store.data.immediateCheckpoint ? [] : ["--immediate-checkpoint"]));
        backupSeconds.push(await baseBackup(b, pg, args));
        log(`  base backup ${name}: ${backupSeconds[backupSeconds.length - 1].toFixed(1)} s`);
    };
    const small = Math.max(10, Math.round(opts.rows / 50));
    batches.push(await insertBatch(pg, "a", 1, small));
    await backup(`${plan.stack}-drill-1`);
    batches.push(await insertBatch(pg, "b", small + 1, 2 * small));
    await backup(`${plan.stack}-drill-2`);
    const dataBytes = Number(await pg.sql("SELECT sum(pg_database_size(datname)) FROM pg_database"));
    const lsnAfterBackup = await pg.sql("SELECT pg_current_wal_lsn()");
    batches.push(await insertBatch(pg, "c", 2 * small + 1, 2 * small + opts.rows));
    const recordedTarget = await pg.sql("SELECT clock_timestamp()");
    const targetLsn = await pg.sql("SELECT pg_current_wal_lsn()");
    await sleep(20);
    batches.push(await insertBatch(pg, "d", 2 * small + opts.rows + 1, 3 * small + opts.rows));
    await switchAndArchive(pg);
    await backup(`${plan.stack}-drill-3`);
    await switchAndArchive(pg);

    const targetTime = opts.targetTime ?? recordedTarget;
    const backups = await listBackups(b, listOpts);
    const chosen = chooseBackup(backups, targetTime, opts.backupId, store.destinationPath, server);
    const lastBatch = batchesBefore(batches, targetTime);
    const expected = await fingerprint(pg, lastBatch?.to ?? 0);
    const walReplayedBytes = Math.max(
        0,
        Number(await pg.sql(`SELECT pg_wal_lsn_diff('${targetLsn}', '${lsnAfterBackup}')`)),
    );
    log(
        `  target ${targetTime} (${expected.rows} rows committed before it, md5 ${expected.md5.slice(0, 12)}…); ` +
            `restoring backup ${chosen.backup_id}`,
    );

    const restores: RestoreMeasure[] = [];
    const restoreFrom = async (kind: string, label: string, storePath: string, serverName: string, wr: Mapped) => {
        const restoreArgs = [...withoutPositional(wr), storePath, serverName];
        const r = await pointInTimeRestore(group, `${plan.stack}-${kind}`, b, {
            restoreArgs,
            walRestoreArgs: wr.args,
            backupId: chosen.backup_id,
            targetTime,
        });
        const got = await fingerprint(r.pg);
        if (got.rows !== expected.rows || got.md5 !== expected.md5)
            throw new Error(
                `restore from ${label}: ${got.rows} rows (max id ${got.maxId}, md5 ${got.md5}) but ${expected.rows} ` +
                    `rows (max id ${expected.maxId}, md5 ${expected.md5}) were committed before ${targetTime}`,
            );
        await r.pg.sql(`INSERT INTO drill_rows VALUES (0, 'after-restore', 'writable')`);
        await r.pg.stop("immediate");
        const m: RestoreMeasure = {
            from: label,
            backupId: chosen.backup_id,
            baseSeconds: r.baseSeconds,
            replaySeconds: r.replaySeconds,
            walReplayedBytes,
            rows: got.rows,
            md5: got.md5,
        };
        log(
            `  restore from ${label}: base ${m.baseSeconds.toFixed(1)} s, replay+promote ${m.replaySeconds.toFixed(1)} s; ` +
                `${got.rows} rows, checksum equal, none after the target, promoted and writable`,
        );
        restores.push(m);
    };
    await restoreFrom("restore-own", `${plan.stack} bucket`, store.destinationPath, server, walRestore);

    // Region loss: what the rendered replication rule would have copied, restored with the peer's own names.
    const copied = await copyPrefix(s3, store.bucket, route.replication.prefix, peer.store.bucket);
    log(
        `  replication rule "${route.replication.id}" (prefix ${route.replication.prefix}): copied ${copied.objects} ` +
            `objects (${(copied.bytes / 1048576).toFixed(1)} MiB) s3://${store.bucket} → s3://${peer.store.bucket}`,
    );
    await restoreFrom(
        "restore-peer",
        `${peer.stack} bucket (${peer.stack} externalClusters[${peer.ref.cluster}])`,
        peer.store.destinationPath,
        peer.ref.serverName,
        peerWalRestore,
    );

    const retention = await retentionDrill(
        b,
        s3,
        {
            common: withoutPositional(walRestore).concat(store.destinationPath, server),
            policy: barmanPolicy(store.retentionPolicy),
            windowDays: retentionDays(store.retentionPolicy),
            bucket: store.bucket,
            serverPrefix: own.prefix,
        },
        await listBackups(b, listOpts),
    );
    log(
        `  retention ${store.retentionPolicy} (${retention.policy}): deleted ${retention.deleted.join(", ")}; kept ` +
            `${retention.kept.join(", ")}; WAL ${retention.walsBefore} → ${retention.walsAfter} (oldest kept ${retention.oldestWalKept})`,
    );
    await pg.stop("immediate");
    return {
        stack: plan.stack,
        barman: `${b.version} (${b.source})`,
        postgres: pgVersion,
        renderedImage: plan.imageName,
        mapping,
        notes: [...new Set(notes)],
        skippedParameters: skipped,
        backupSeconds,
        dataBytes,
        targetTime,
        expected,
        restores,
        replication: { rule: route.replication.id, prefix: route.replication.prefix, ...copied },
        retention,
        storageSize: plan.storageSize,
    };
}

/**
 * The backup a restore to `targetTime` starts from: `backupId` when given (it must exist), else the newest
 * one that ended before the target (what CloudNativePG picks). Errors name the archive and what exists.
 */
export function chooseBackup(
    backups: readonly BackupEntry[],
    targetTime: string,
    backupId: string | undefined,
    destinationPath: string,
    server: string,
): BackupEntry {
    const where = `${destinationPath}/${server}`;
    const have = backups.map((x) => x.backup_id).join(", ") || "none";
    if (backupId) {
        const found = backups.find((x) => x.backup_id === backupId || x.backup_name === backupId);
        if (!found) throw new Error(`backup "${backupId}" not found in ${where} (available: ${have})`);
        if (barmanTime(found.end_time) > new Date(targetTime))
            throw new Error(`backup ${backupId} ended at ${found.end_time}, after the recovery target ${targetTime}`);
        return found;
    }
    const target = new Date(targetTime);
    if (Number.isNaN(target.getTime())) throw new Error(`recovery target time "${targetTime}" is not a timestamp`);
    const before = backups.filter((x) => barmanTime(x.end_time) <= target);
    if (before.length === 0)
        throw new Error(
            `recovery target time ${targetTime} is before the end of the first backup in ${where}` +
                (backups[0] ? ` (${backups[0].backup_id} ended ${backups[0].end_time})` : " (there is none)") +
                ": no backup can be recovered to it",
        );
    return before[before.length - 1];
}

/** The last batch committed before `targetTime`; throws when the target falls inside a batch's transaction. */
export function batchesBefore(batches: readonly Batch[], targetTime: string): Batch | undefined {
    const t = new Date(targetTime).getTime();
    const inside = batches.find((x) => new Date(x.startedAt).getTime() <= t && t < new Date(x.committedBy).getTime());
    if (inside)
        throw new Error(
            `recovery target ${targetTime} falls inside batch ${inside.name}'s transaction (${inside.startedAt} – ` +
                `${inside.committedBy}): pick a time outside it`,
        );
    return [...batches].reverse().find((x) => new Date(x.committedBy).getTime() <= t);
}
