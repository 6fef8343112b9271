/**
 * Maps a rendered ObjectStore to `barman-cloud-*` arguments the way the Barman Cloud plugin's sidecar does
 * (github.com/cloudnative-pg/barman-cloud pkg/archiver/command.go, pkg/backup/backup.go,
 * pkg/command/commandbuilder.go and backupdelete.go), then adapts them to this machine: the local S3
 * endpoint, and only the arguments the installed Barman can run — each change is reported, never silent.
 */
import { ObjectStorePlan } from "./plan";

/** What the installed Barman can do. */
export interface BarmanCaps {
    readonly version: string;
    /** `--snappy` runs (python-snappy importable by Barman's interpreter). */
    readonly snappy: boolean;
    /** `--sse-kms-key-id` is a known option (Barman >= 3.x of the sidecar images; not Debian's 3.4). */
    readonly sseKmsKeyId: boolean;
}

/** Arguments for one command plus what was changed from the rendered ones, and why. */
export interface Mapped {
    readonly args: readonly string[];
    readonly notes: readonly string[];
}

function cloudProvider(store: ObjectStorePlan): string[] {
    return store.cloudProvider ? ["--cloud-provider", store.cloudProvider] : [];
}

function endpoint(store: ObjectStorePlan): string[] {
    return store.endpointURL ? ["--endpoint-url", store.endpointURL] : [];
}

/** barman-cloud-wal-archive options (before the WAL path), as the sidecar builds them. */
export function sidecarWalArchiveArgs(store: ObjectStorePlan, serverName: string): string[] {
    const w = store.wal;
    return [
        ...(w.compression ? [`--${w.compression}`] : []),
        ...(w.encryption ? ["-e", w.encryption] : []),
        ...w.archiveAdditionalCommandArgs,
        ...endpoint(store),
        ...cloudProvider(store),
        store.destinationPath,
        serverName,
    ];
}

/** barman-cloud-backup options, as the sidecar builds them (`--user postgres --name <backup>` first). */
export function sidecarBackupArgs(store: ObjectStorePlan, serverName: string, backupName: string): string[] {
    const d = store.data;
    return [
        "--user",
        "postgres",
        "--name",
        backupName,
        ...(d.compression ? [`--${d.compression}`] : []),
        ...(d.encryption ? ["--encryption", d.encryption] : []),
        ...(d.immediateCheckpoint ? ["--immediate-checkpoint"] : []),
        ...(d.jobs !== undefined ? ["--jobs", String(d.jobs)] : []),
        ...d.additionalCommandArgs,
        ...endpoint(store),
        ...cloudProvider(store),
        store.destinationPath,
        serverName,
    ];
}

/** barman-cloud-wal-restore options (before `%f %p`), as the sidecar builds them. */
export function sidecarWalRestoreArgs(store: ObjectStorePlan, serverName: string): string[] {
    return [
        ...endpoint(store),
        ...cloudProvider(store),
        store.destinationPath,
        serverName,
        ...store.wal.restoreAdditionalCommandArgs,
    ];
}

/** barman-cloud-backup-delete options, as the sidecar builds them for the retention policy. */
export function sidecarDeleteArgs(store: ObjectStorePlan, serverName: string): string[] {
    return [
        ...endpoint(store),
        ...cloudProvider(store),
        "--retention-policy",
        barmanPolicy(store.retentionPolicy),
        store.destinationPath,
        serverName,
    ];
}

/** The plugin's ParsePolicy: `30d` → `RECOVERY WINDOW OF 30 DAYS` (d/w/m). */
export function barmanPolicy(policy: string | undefined): string {
    const m = /^([1-9][0-9]*)([dwm])$/.exec(policy ?? "");
    if (!m) throw new Error(`retentionPolicy "${policy}" is not a valid policy (<n>d, <n>w or <n>m)`);
    return `RECOVERY WINDOW OF ${m[1]} ${{ d: "DAYS", w: "WEEKS", m: "MONTHS" }[m[2] as "d" | "w" | "m"]}`;
}

/**
 * The rendered arguments adapted to this machine: `--endpoint-url <local>` (replacing any rendered one), a
 * compression the installed Barman cannot run replaced by gzip, `--sse-kms-key-id` dropped when unknown.
 */
export function localArgs(rendered: readonly string[], caps: BarmanCaps, endpointUrl: string, what: string): Mapped {
    const args: string[] = [];
    const notes: string[] = [];
    for (let i = 0; i < rendered.length; i++) {
        const a = rendered[i];
        if (a === "--endpoint-url") {
            i++; // replaced below
        } else if (a === "--snappy" && !caps.snappy) {
            args.push("--gzip");
            notes.push(
                `${what}: rendered --snappy cannot run with Barman ${caps.version} here (python-snappy); used --gzip`,
            );
        } else if (a.startsWith("--sse-kms-key-id") && !caps.sseKmsKeyId) {
            if (!a.includes("=")) i++;
            notes.push(`${what}: Barman ${caps.version} does not know --sse-kms-key-id; rendered "${a}" not exercised`);
        } else {
            args.push(a);
        }
    }
    // Options go before the positional destination/server arguments.
    const firstPositional = args.findIndex((a) => a.startsWith("s3://"));
    args.splice(firstPositional < 0 ? args.length : firstPositional, 0, "--endpoint-url", endpointUrl);
    return { args, notes };
}

/** What the drill cannot exercise whatever Barman is installed (printed with the mapping). */
export function unexercised(store: ObjectStorePlan): string[] {
    const out: string[] = [];
    if (store.data.encryption === "aws:kms" || store.wal.encryption === "aws:kms")
        out.push("encryption aws:kms: s3rver accepts the SSE-KMS headers but stores objects unencrypted (no KMS)");
    if (store.wal.maxParallel !== undefined)
        out.push(
            `wal.maxParallel ${store.wal.maxParallel}: the sidecar runs up to that many barman-cloud-wal-archive at once; ` +
                `PostgreSQL's archive_command here archives one WAL at a time`,
        );
    out.push("s3Credentials.inheritFromIAMRole: IAM roles are not exercised (s3rver accepts any key)");
    return out;
}
