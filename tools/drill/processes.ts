/**
 * Process handling shared by the drills (`npm run drill`, `npm run drill:restore`, the upgrade rehearsal):
 * every server they start is a child of one `ProcessGroup`, bound to 127.0.0.1, and is stopped — with its
 * temporary directories removed — when the drill ends, fails, or is interrupted (SIGINT/SIGTERM/exit).
 * Every wait is bounded in count and time. No globals besides the one exit hook per group.
 */
import { ChildProcess, execFile, spawn, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";

export const LOOPBACK = "127.0.0.1";

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** True when `binary` is on the PATH (or is an existing absolute path). */
export function installed(binary: string): boolean {
    if (path.isAbsolute(binary)) return fs.existsSync(binary);
    return spawnSync("sh", ["-c", `command -v ${binary}`], { stdio: "ignore" }).status === 0;
}

/** The outcome of a finished command. */
export interface Run {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
}

/** Runs a command to completion, killed after `timeoutMs`. */
export function run(
    file: string,
    args: readonly string[],
    opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; input?: string } = {},
): Promise<Run> {
    return new Promise((resolve) => {
        const child = execFile(
            file,
            args,
            {
                env: { ...process.env, ...(opts.env ?? {}) },
                cwd: opts.cwd,
                timeout: opts.timeoutMs ?? 30000,
                maxBuffer: 64 * 1024 * 1024,
            },
            (error, stdout, stderr) => {
                const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
                resolve({ code, stdout: stdout.toString(), stderr: stderr.toString() });
            },
        );
        if (opts.input !== undefined) child.stdin?.end(opts.input);
    });
}

/** Throws with the command's output unless it exited 0. */
export async function mustRun(
    file: string,
    args: readonly string[],
    opts: Parameters<typeof run>[2] = {},
): Promise<Run> {
    const r = await run(file, args, opts);
    if (r.code !== 0)
        throw new Error(`${path.basename(file)} ${args.join(" ")} failed (${r.code}): ${r.stderr || r.stdout}`);
    return r;
}

/**
 * Polls `probe` until it returns a value, at most `attempts` times `intervalMs` apart; stops at once when
 * `giveUp` returns a reason.
 */
export async function waitFor<T>(
    what: string,
    probe: () => Promise<T | undefined>,
    attempts = 100,
    intervalMs = 100,
    giveUp: () => string | undefined = () => undefined,
): Promise<T> {
    let last: unknown;
    for (let i = 0; i < attempts; i++) {
        const reason = giveUp();
        if (reason !== undefined) throw new Error(`gave up waiting for ${what}: ${reason}`);
        try {
            const value = await probe();
            if (value !== undefined) return value;
        } catch (e) {
            last = e;
        }
        await sleep(intervalMs);
    }
    throw new Error(`timed out after ${attempts} x ${intervalMs} ms waiting for ${what}${last ? `: ${last}` : ""}`);
}

const usedPorts = new Set<number>();

function canListen(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const probe = net.createServer();
        probe.once("error", () => resolve(false));
        probe.listen(port, LOOPBACK, () => probe.close(() => resolve(true)));
    });
}

/**
 * A free loopback port in [base, base + 10000) not handed out before in this process (and, with
 * `withBus`, a free port at +10000 too, for a Redis cluster bus).
 */
export async function freePort(withBus = false, base = 30000): Promise<number> {
    for (let attempt = 0; attempt < 100; attempt++) {
        const port = base + crypto.randomInt(10000);
        if (usedPorts.has(port)) continue;
        usedPorts.add(port);
        if ((await canListen(port)) && (!withBus || (await canListen(port + 10000)))) return port;
    }
    throw new Error("no free loopback port found in 100 attempts");
}

/** A server started by a group: its process and everything it printed. */
export interface Managed {
    readonly name: string;
    readonly proc: ChildProcess;
    output(): string;
    /** Set once the process has exited: `<name> exited (<code or signal>)`. */
    exited(): string | undefined;
}

/** Resolves when `proc` has exited, or after `ms` at the latest (without keeping the event loop alive). */
export function whenExited(proc: ChildProcess, ms: number): Promise<void> {
    if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
        const timer = setTimeout(resolve, ms).unref();
        proc.once("exit", () => {
            clearTimeout(timer);
            resolve();
        });
    });
}

/**
 * The processes and temporary directories of one drill. `close()` SIGKILLs what is still running, waits
 * (bounded), runs the registered cleanups (e.g. `pg_ctl stop`) and removes the directories; it also runs on
 * process exit and on SIGINT/SIGTERM (then the process exits 130/143).
 */
export class ProcessGroup {
    private readonly procs: Managed[] = [];
    private readonly dirs: string[] = [];
    private readonly cleanups: (() => void)[] = [];
    private closed = false;
    private readonly onExit = () => this.closeSync();
    private readonly onSignal = (signal: NodeJS.Signals) => {
        this.closeSync();
        process.exit(signal === "SIGINT" ? 130 : 143);
    };

    constructor(readonly label: string) {
        process.once("exit", this.onExit);
        process.once("SIGINT", this.onSignal);
        process.once("SIGTERM", this.onSignal);
    }

    /** A new temporary directory, removed by close(); owned by `owner` (e.g. "postgres") when given. */
    tempDir(prefix: string, owner?: string): string {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), `geo-${this.label}-${prefix}-`));
        this.dirs.push(dir);
        if (owner) spawnSync("chown", ["-R", `${owner}:${owner}`, dir]);
        return dir;
    }

    /** Registers a synchronous cleanup (run by close(), last registered first). */
    onClose(cleanup: () => void): void {
        this.cleanups.push(cleanup);
    }

    /** Spawns a long-running server (or client: `stdin` gives it a pipe); its output is kept for error messages. */
    spawn(
        name: string,
        command: readonly string[],
        opts: { cwd?: string; env?: NodeJS.ProcessEnv; stdin?: boolean; uid?: number; gid?: number } = {},
    ): Managed {
        const proc = spawn(command[0], command.slice(1), {
            cwd: opts.cwd,
            env: { ...process.env, ...(opts.env ?? {}) },
            stdio: [opts.stdin ? "pipe" : "ignore", "pipe", "pipe"],
            // As another user (e.g. postgres when root) without a wrapper process, so close() kills the server itself.
            ...(opts.uid !== undefined ? { uid: opts.uid, gid: opts.gid } : {}),
        });
        let output = "";
        let exited: string | undefined;
        proc.stdout!.on("data", (chunk) => (output += chunk));
        proc.stderr!.on("data", (chunk) => (output += chunk));
        proc.once("close", (code, signal) => (exited = `${name} exited (${code ?? signal})`));
        proc.once("error", (e) => (exited = `${name} could not start: ${e.message}`));
        const m: Managed = { name, proc, output: () => output, exited: () => exited };
        this.procs.push(m);
        return m;
    }

    /** Stops everything (bounded) and removes the temporary directories. Idempotent. */
    async close(): Promise<void> {
        for (const p of this.procs) if (p.proc.exitCode === null && p.proc.signalCode === null) p.proc.kill("SIGKILL");
        await Promise.all(this.procs.map((p) => whenExited(p.proc, 3000)));
        this.closeSync();
    }

    private closeSync(): void {
        if (this.closed) return;
        this.closed = true;
        for (const p of this.procs) if (p.proc.exitCode === null && p.proc.signalCode === null) p.proc.kill("SIGKILL");
        for (const c of [...this.cleanups].reverse()) {
            try {
                c();
            } catch {
                // best effort: the directories go next either way
            }
        }
        for (const d of this.dirs) fs.rmSync(d, { recursive: true, force: true });
        process.removeListener("exit", this.onExit);
        process.removeListener("SIGINT", this.onSignal);
        process.removeListener("SIGTERM", this.onSignal);
    }
}
