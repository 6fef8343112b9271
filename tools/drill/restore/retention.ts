/**
 * Retention, for real: the drill's three backups get faked ages (their backup.info begin/end times moved into
 * the past: oldest beyond the recovery window and the one after it too), then barman-cloud-backup-delete runs
 * with the rendered policy (`--dry-run` first, printed), and the drill asserts what Barman must keep: the
 * newest backup, the newest one older than the window (recovery to the window's start needs it) and every WAL
 * from that backup's begin_wal on; only the oldest backup and the WAL before it go.
 */
import { Barman, BackupEntry, barman, lastError, listBackups } from "./barman";
import { getText, listObjects, putText } from "./s3";

/** Moves the YYYY-MM-DD of begin_time/end_time in a backup.info back by `days`. */
export function ageBackupInfo(info: string, days: number): string {
    return info.replace(/^((?:begin|end)_time=)(\d{4})-(\d{2})-(\d{2})/gm, (_, key, y, m, d) => {
        const t = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)) - days * 86400000);
        return `${key}${t.toISOString().slice(0, 10)}`;
    });
}

export interface RetentionResult {
    readonly policy: string;
    readonly before: readonly string[];
    readonly deleted: readonly string[];
    readonly kept: readonly string[];
    readonly walsBefore: number;
    readonly walsAfter: number;
    readonly oldestWalKept: string;
    readonly dryRun: string;
}

/**
 * `backups` oldest first (at least 3). `opts`: the local delete options without --retention-policy and the
 * positional destination/server (`common`), the bucket and key prefix of the server's archive.
 */
export async function retentionDrill(
    b: Barman,
    endpoint: string,
    opts: { common: readonly string[]; policy: string; windowDays: number; bucket: string; serverPrefix: string },
    backups: readonly BackupEntry[],
): Promise<RetentionResult> {
    if (backups.length < 3) throw new Error(`retention drill needs 3 backups, has ${backups.length}`);
    const [oldest, middle] = backups;
    // oldest: 2 windows old (obsolete); middle: just beyond the window (still needed: the window's start).
    for (const [bk, days] of [
        [oldest, opts.windowDays * 2],
        [middle, opts.windowDays + 5],
    ] as const) {
        const key = `${opts.serverPrefix}base/${bk.backup_id}/backup.info`;
        await putText(endpoint, opts.bucket, key, ageBackupInfo(await getText(endpoint, opts.bucket, key), days));
    }
    const wals = async () =>
        (await listObjects(endpoint, opts.bucket, `${opts.serverPrefix}wals/`))
            .map((o) => o.key.split("/").pop()!.split(".")[0])
            .filter((n) => /^[0-9A-F]{24}$/.test(n))
            .sort();
    const walsBefore = await wals();
    const args = [...opts.common.slice(0, -2), "--retention-policy", opts.policy, ...opts.common.slice(-2)];
    const dry = await barman(b, "backup-delete", ["--dry-run", ...args]);
    if (dry.code !== 0) throw new Error(`barman-cloud-backup-delete --dry-run: ${lastError(dry)}`);
    const r = await barman(b, "backup-delete", args);
    if (r.code !== 0) throw new Error(`barman-cloud-backup-delete ${args.join(" ")}: ${lastError(r)}`);
    const after = (await listBackups(b, opts.common)).map((x) => x.backup_id);
    const walsAfter = await wals();
    const ids = backups.map((x) => x.backup_id);
    const deleted = ids.filter((id) => !after.includes(id));
    const fail = (m: string) => {
        throw new Error(`retention ${opts.policy}: ${m} (before: ${ids.join(", ")}; after: ${after.join(", ")})`);
    };
    if (deleted.length !== 1 || deleted[0] !== oldest.backup_id) fail(`expected only ${oldest.backup_id} deleted`);
    if (!after.includes(backups[backups.length - 1].backup_id)) fail("the newest backup was deleted");
    const needed = walsBefore.filter((w) => w >= middle.begin_wal);
    const missing = needed.filter((w) => !walsAfter.includes(w));
    if (missing.length) fail(`WAL still needed by ${middle.backup_id} was deleted: ${missing.join(", ")}`);
    if (walsAfter.some((w) => w < middle.begin_wal)) fail(`WAL older than ${middle.begin_wal} was kept`);
    return {
        policy: opts.policy,
        before: ids,
        deleted,
        kept: after,
        walsBefore: walsBefore.length,
        walsAfter: walsAfter.length,
        oldestWalKept: walsAfter[0] ?? "",
        dryRun: (dry.stdout + dry.stderr).trim(),
    };
}
