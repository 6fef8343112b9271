/**
 * The PostgreSQL side of the restore drill: a primary archiving with barman-cloud-wal-archive, the known
 * workload (numbered rows in batches, each batch one transaction, verified by count and md5 checksum), a
 * base backup, and a point-in-time restore into a fresh data directory that must come up promoted.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ProcessGroup, waitFor } from "../processes";
import { AS_POSTGRES, LocalPostgres, pgRun } from "../postgres-local";
import { Barman, barman, barmanShell, lastError } from "./barman";

/** The rendered parameters this PostgreSQL knows (applied) and the rest (reported). */
export async function knownParameters(
    rendered: Readonly<Record<string, string>>,
): Promise<{ applied: Record<string, string>; skipped: string[] }> {
    const r = await pgRun("postgres", ["--describe-config"], { timeoutMs: 30000 });
    if (r.code !== 0) throw new Error(`postgres --describe-config: ${r.stderr}`);
    const known = new Set(r.stdout.split("\n").map((l) => l.split("\t")[0]));
    const applied: Record<string, string> = {};
    const skipped: string[] = [];
    for (const [k, v] of Object.entries(rendered)) known.has(k) ? (applied[k] = v) : skipped.push(k);
    return { applied, skipped };
}

/** A batch of the workload: ids [from, to], committed in one transaction. */
export interface Batch {
    readonly name: string;
    readonly from: number;
    readonly to: number;
    /** clock_timestamp() just before the transaction and just after its commit. */
    readonly startedAt: string;
    readonly committedBy: string;
}

/** count and checksum of the table (what a restore must reproduce exactly). */
export interface Fingerprint {
    readonly rows: number;
    readonly maxId: number;
    readonly md5: string;
}

export const TABLE = "drill_rows";

export async function createTable(pg: LocalPostgres): Promise<void> {
    await pg.sql(`CREATE TABLE ${TABLE} (id bigint PRIMARY KEY, batch text NOT NULL, payload text NOT NULL)`);
}

/** Inserts ids [from, to] in one transaction; payload of `width` md5 blocks (32 chars each). */
export async function insertBatch(
    pg: LocalPostgres,
    name: string,
    from: number,
    to: number,
    width = 8,
): Promise<Batch> {
    const startedAt = await pg.sql("SELECT clock_timestamp()");
    await pg.sql(
        `INSERT INTO ${TABLE} SELECT i, '${name}', repeat(md5(i::text), ${width}) FROM generate_series(${from}, ${to}) i`,
        { timeoutMs: 300000 },
    );
    const committedBy = await pg.sql("SELECT clock_timestamp()");
    return { name, from, to, startedAt, committedBy };
}

export async function fingerprint(pg: LocalPostgres, maxId?: number): Promise<Fingerprint> {
    const where = maxId === undefined ? "" : ` WHERE id <= ${maxId}`;
    const out = await pg.sql(
        `SELECT count(*), coalesce(max(id), 0), coalesce(md5(string_agg(id::text || ':' || payload, ',' ORDER BY id)), '') ` +
            `FROM ${TABLE}${where}`,
        { timeoutMs: 120000 },
    );
    const [rows, max, md5] = out.split("|");
    return { rows: Number(rows), maxId: Number(max), md5 };
}

/** A primary archiving every WAL with barman-cloud-wal-archive and `archiveArgs`. */
export async function startPrimary(
    group: ProcessGroup,
    name: string,
    b: Barman,
    parameters: Record<string, string>,
    archiveArgs: readonly string[],
): Promise<LocalPostgres> {
    const pg = await LocalPostgres.init(group, name, {
        parameters: {
            ...parameters,
            wal_level: "replica",
            archive_mode: "on",
            archive_command: `${barmanShell(b, "wal-archive", archiveArgs)} %p`,
        },
    });
    await pg.start();
    return pg;
}

/** pg_switch_wal(), then waits (bounded) until that segment is archived; fails with the archiver's state. */
export async function switchAndArchive(pg: LocalPostgres, timeoutS = 120): Promise<string> {
    const segment = await pg.sql("SELECT pg_walfile_name(pg_switch_wal())");
    await waitFor(
        `WAL ${segment} archived`,
        async () => {
            const last = await pg.sql("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver");
            return last >= segment ? last : undefined;
        },
        timeoutS * 5,
        200,
    ).catch(async (e) => {
        const state = await pg.sql("SELECT failed_count, last_failed_wal, last_failed_time FROM pg_stat_archiver");
        const tail = pg.log().split("\n").slice(-8).join("\n");
        throw new Error(`${(e as Error).message}\narchiver (failed_count|last_failed_wal|time): ${state}\n${tail}`);
    });
    return segment;
}

/** barman-cloud-backup of the primary; returns seconds taken. */
export async function baseBackup(b: Barman, pg: LocalPostgres, args: readonly string[]): Promise<number> {
    const conn = ["--host", pg.dir, "--port", String(pg.port)];
    // Options first, then destination and server name (the last two of `args`).
    const full = [...args.slice(0, -2), ...conn, ...args.slice(-2)];
    const t0 = performance.now();
    const r = await barman(b, "backup", full, 600000);
    if (r.code !== 0) throw new Error(`barman-cloud-backup ${full.join(" ")}: ${lastError(r)}\n${r.stderr}`);
    return (performance.now() - t0) / 1000;
}

/** A finished point-in-time restore. */
export interface Restored {
    readonly pg: LocalPostgres;
    readonly baseSeconds: number;
    readonly replaySeconds: number;
}

/**
 * barman-cloud-restore of `backupId` into a fresh data directory, then recovery with restore_command =
 * barman-cloud-wal-restore up to `targetTime` and promote; waits (bounded) until the server leaves recovery.
 * The restored server does not archive (archive_mode off): it must never write into the source's path.
 */
export async function pointInTimeRestore(
    group: ProcessGroup,
    name: string,
    b: Barman,
    opts: {
        restoreArgs: readonly string[];
        walRestoreArgs: readonly string[];
        backupId: string;
        targetTime: string;
        timeoutS?: number;
    },
): Promise<Restored> {
    const pg = LocalPostgres.empty(group, name, await LocalPostgres.port());
    const t0 = performance.now();
    const args = [...opts.restoreArgs, opts.backupId, pg.data];
    const r = await barman(b, "restore", args, 600000);
    if (r.code !== 0) throw new Error(`barman-cloud-restore ${args.join(" ")}: ${lastError(r)}`);
    const t1 = performance.now();
    fs.writeFileSync(path.join(pg.data, "recovery.signal"), "");
    fs.chmodSync(pg.data, 0o700);
    pg.configure({
        archive_mode: "off",
        restore_command: `${barmanShell(b, "wal-restore", opts.walRestoreArgs)} %f %p`,
        recovery_target_time: opts.targetTime,
        recovery_target_action: "promote",
    });
    if (AS_POSTGRES) spawnSync("chown", ["-R", "postgres:postgres", pg.dir]);
    await pg.start((opts.timeoutS ?? 300) + 0);
    await waitFor(
        `${name} to finish recovery and promote`,
        async () => ((await pg.sql("SELECT pg_is_in_recovery()")) === "f" ? true : undefined),
        (opts.timeoutS ?? 300) * 10,
        100,
        () =>
            fs.existsSync(path.join(pg.data, "postmaster.pid"))
                ? undefined
                : `server stopped:\n${pg.log().slice(-2000)}`,
    );
    return { pg, baseSeconds: (t1 - t0) / 1000, replaySeconds: (performance.now() - t1) / 1000 };
}
