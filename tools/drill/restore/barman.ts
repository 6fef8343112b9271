/**
 * The Barman Cloud tools the restore drill runs: the pinned PyPI Barman from scripts/install-barman.sh when it
 * installs, else Debian's barman-cli-cloud (scripts/install-servers.sh), with what each can run (`BarmanCaps`).
 * Every command gets the local S3 credentials; PostgreSQL's archive/restore commands carry them inline.
 */
import * as fs from "fs";
import * as path from "path";
import { Run, run } from "../processes";
import { BarmanCaps } from "./flags";

/** s3rver's built-in credentials; any well-formed key pair works with --allow-mismatched-signatures. */
export const S3_ENV: Readonly<Record<string, string>> = {
    AWS_ACCESS_KEY_ID: "S3RVER",
    AWS_SECRET_ACCESS_KEY: "S3RVER",
    AWS_DEFAULT_REGION: "us-east-1",
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_MAX_ATTEMPTS: "2",
};

/** An installed Barman: where its executables are and what it can do. */
export interface Barman extends BarmanCaps {
    readonly bin: string;
    readonly source: string;
}

const ROOT = path.resolve(__dirname, "../../..");

/**
 * `preferred`: "auto" (PyPI via scripts/install-barman.sh, installing it if needed; Debian's when that fails),
 * "pypi" (fail when it does not install), "debian". GEO_BARMAN_BIN (a directory) overrides both.
 */
export async function findBarman(preferred: "auto" | "pypi" | "debian", log: (s: string) => void): Promise<Barman> {
    const override = process.env.GEO_BARMAN_BIN;
    if (override) return describe(override, `GEO_BARMAN_BIN=${override}`);
    if (preferred !== "debian") {
        const r = await run("bash", [path.join(ROOT, "scripts/install-barman.sh")], { timeoutMs: 600000 });
        const dir = r.stdout.trim().split("\n").pop() ?? "";
        if (r.code === 0 && fs.existsSync(path.join(dir, "barman-cloud-backup")))
            return describe(dir, "PyPI (scripts/install-barman.sh)");
        const why = (r.stderr.trim().split("\n").pop() ?? "") || `exit ${r.code}`;
        if (preferred === "pypi") throw new Error(`scripts/install-barman.sh failed: ${why}`);
        log(`barman: the pinned PyPI Barman did not install (${why}); falling back to Debian's barman-cli-cloud`);
    }
    if (!fs.existsSync("/usr/bin/barman-cloud-backup"))
        throw new Error("barman-cloud-backup is not installed: run scripts/install-servers.sh (barman-cli-cloud)");
    return describe("/usr/bin", "Debian barman-cli-cloud");
}

async function describe(bin: string, source: string): Promise<Barman> {
    const exe = path.join(bin, "barman-cloud-wal-archive");
    if (!fs.existsSync(exe)) throw new Error(`${exe} does not exist`);
    const v = await run(path.join(bin, "barman-cloud-backup"), ["--version"], { timeoutMs: 30000 });
    const version = /(\d+\.\d+(?:\.\d+)?)/.exec(v.stdout + v.stderr)?.[1] ?? "unknown";
    const help = await run(exe, ["--help"], { timeoutMs: 30000 });
    // Barman's interpreter is the script's shebang; snappy must import *and* work there.
    const python = fs
        .readFileSync(exe, "utf8")
        .split("\n")[0]
        .replace(/^#!\s*/, "")
        .split(/\s+/)[0];
    const snappy = await run(python, ["-c", "import snappy; assert snappy.decompress(snappy.compress(b'x')) == b'x'"], {
        timeoutMs: 30000,
    });
    return { bin, source, version, sseKmsKeyId: help.stdout.includes("--sse-kms-key-id"), snappy: snappy.code === 0 };
}

/** Runs `barman-cloud-<tool>` with the local S3 credentials. */
export function barman(b: Barman, tool: string, args: readonly string[], timeoutMs = 120000): Promise<Run> {
    return run(path.join(b.bin, `barman-cloud-${tool}`), args, { env: S3_ENV, timeoutMs });
}

/** Single-quotes a word for /bin/sh (archive_command and restore_command run through the shell). */
export function shQuote(s: string): string {
    return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A shell command line running a Barman tool with the S3 credentials inline (for PostgreSQL). */
export function barmanShell(b: Barman, tool: string, args: readonly string[]): string {
    const env = Object.entries(S3_ENV).map(([k, v]) => `${k}=${shQuote(v)}`);
    return ["env", ...env, path.join(b.bin, `barman-cloud-${tool}`), ...args.map(shQuote)].join(" ");
}

/** The last line of a failed command's error output (Barman logs one ERROR line), for messages. */
export function lastError(r: Run): string {
    const lines = (r.stderr + "\n" + r.stdout).split("\n").filter((l) => l.trim());
    return (lines.reverse().find((l) => /ERROR|Error|error/.test(l)) ?? lines[0] ?? `exit ${r.code}`).trim();
}

/** One backup as `barman-cloud-backup-list --format json` reports it. */
export interface BackupEntry {
    readonly backup_id: string;
    readonly backup_name?: string;
    readonly begin_time: string;
    readonly end_time: string;
    readonly begin_wal: string;
    readonly end_wal: string;
    readonly status?: string;
}

/** The backups of a server, oldest first; throws naming the endpoint on a connection error. */
export async function listBackups(b: Barman, opts: readonly string[]): Promise<BackupEntry[]> {
    const r = await barman(b, "backup-list", ["--format", "json", ...opts], 60000);
    if (r.code !== 0) throw new Error(`barman-cloud-backup-list ${opts.join(" ")}: ${lastError(r)}`);
    const list = (JSON.parse(r.stdout).backups_list ?? []) as BackupEntry[];
    return list.sort((a, b) => a.backup_id.localeCompare(b.backup_id));
}

/** Barman's time strings ("Tue Dec  1 15:12:39 2026" in older releases, ISO in newer) as a Date. */
export function barmanTime(s: string): Date {
    const d = new Date(s);
    if (Number.isNaN(d.getTime())) throw new Error(`cannot parse Barman time "${s}"`);
    return d;
}
