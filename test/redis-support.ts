/**
 * Shared support for the specs that run real redis-server processes on loopback: free ports, bounded
 * polling, child processes that are always killed, redis-cli and reply parsing. Every loop is bounded in
 * count and time; every process started here is SIGKILLed in `stopAll()` and on process exit.
 */
import { strict as assert } from "assert";
import { ChildProcess, execFile, spawn, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as net from "net";

/** The only address the real-server specs use. */
export const LOOPBACK = "127.0.0.1";

/** A started server process. */
export interface Server {
    readonly name: string;
    readonly port: number;
    readonly proc: ChildProcess;
    /** Everything the process printed so far (Redis logs to stdout). */
    output(): string;
}

/** TLS material for the specs: minted by tools/drill/pki.ts (shared with the drills). */
export type { CertFiles, TestPki } from "../tools/drill/pki";
export { mintTestPki } from "../tools/drill/pki";

const servers: Server[] = [];
const usedPorts = new Set<number>();

/** True when `binary` is on the PATH. */
export function installed(binary: string): boolean {
    return spawnSync("sh", ["-c", `command -v ${binary}`], { stdio: "ignore" }).status === 0;
}

/**
 * In a mocha `before`: skips the suite when a binary is missing, or fails when GEO_REQUIRE_SERVERS is set
 * (CI), naming the missing binaries.
 */
export function requireBinaries(ctx: Mocha.Context, binaries: readonly string[]): void {
    const missing = binaries.filter((b) => !installed(b));
    if (missing.length === 0) return;
    if (process.env.GEO_REQUIRE_SERVERS) {
        throw new Error(
            `GEO_REQUIRE_SERVERS is set but these are not installed: ${missing.join(", ")}; run scripts/install-servers.sh`,
        );
    }
    console.log(
        `    (skipping real-server Redis specs: ${missing.join(", ")} not installed; run scripts/install-servers.sh)`,
    );
    ctx.skip();
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function canListen(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const probe = net.createServer();
        probe.once("error", () => resolve(false));
        probe.listen(port, LOOPBACK, () => probe.close(() => resolve(true)));
    });
}

/**
 * A free loopback port in [base, base + 10000) not handed out before (and, for cluster nodes, a free bus
 * port at +10000).
 */
export async function freePort(withBus = false, base = 20000): Promise<number> {
    for (let attempt = 0; attempt < 100; attempt++) {
        const port = base + crypto.randomInt(10000);
        if (usedPorts.has(port)) continue;
        usedPorts.add(port);
        if ((await canListen(port)) && (!withBus || (await canListen(port + 10000)))) return port;
    }
    throw new Error("no free loopback port found in 100 attempts");
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

/** The outcome of a finished command. */
export interface Run {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
}

/** Runs a command to completion (killed after `timeoutMs`). */
export function run(
    file: string,
    args: readonly string[],
    env: NodeJS.ProcessEnv = {},
    timeoutMs = 15000,
): Promise<Run> {
    return new Promise((resolve) => {
        execFile(file, args, { env: { ...process.env, ...env }, timeout: timeoutMs }, (error, stdout, stderr) => {
            const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
            resolve({ code, stdout: stdout.toString(), stderr: stderr.toString() });
        });
    });
}

/** INFO output as a map. */
export function info(reply: string): Map<string, string> {
    const map = new Map<string, string>();
    for (const line of reply.split(/\r?\n/)) {
        const at = line.indexOf(":");
        if (at > 0) map.set(line.slice(0, at), line.slice(at + 1));
    }
    return map;
}

/** CONFIG GET / SENTINEL MASTER style replies (alternating key and value lines) as a map. */
export function pairs(reply: string): Map<string, string> {
    const lines = reply.split("\n");
    const map = new Map<string, string>();
    for (let i = 0; i + 1 < lines.length; i += 2) map.set(lines[i], lines[i + 1]);
    return map;
}

/**
 * Spawns `command` (registered for `stopAll`) and waits until `ping()` answers PONG. A rejected directive
 * makes redis-server exit at once: this then fails fast with the process output.
 */
export async function startServer(
    name: string,
    port: number,
    command: readonly string[],
    opts: { cwd: string; env?: NodeJS.ProcessEnv },
    ping: () => Promise<string>,
): Promise<Server> {
    const proc = spawn(command[0], command.slice(1), {
        cwd: opts.cwd,
        env: { ...process.env, ...(opts.env ?? {}) },
        stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    proc.stdout!.on("data", (chunk) => (output += chunk));
    proc.stderr!.on("data", (chunk) => (output += chunk));
    const server: Server = { name, port, proc, output: () => output };
    servers.push(server);
    let closed: string | undefined;
    proc.once("close", (code, signal) => (closed = `${name} exited (${code ?? signal})`));
    await waitFor(
        `${name} to answer PING`,
        async () => ((await ping()) === "PONG" ? true : undefined),
        50,
        100,
        () => closed,
    ).catch((e: Error) => {
        throw new Error(`${e.message}\n--- ${name} output ---\n${output}`);
    });
    assert.doesNotMatch(output, /FATAL CONFIG FILE ERROR|Bad directive/);
    return server;
}

/** Resolves when `proc` has exited, or after `ms` at the latest (without keeping the event loop alive). */
function exited(proc: ChildProcess, ms: number): Promise<void> {
    if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
        const timer = setTimeout(resolve, ms).unref();
        proc.once("exit", () => {
            clearTimeout(timer);
            resolve();
        });
    });
}

function killAll(): void {
    for (const s of servers) if (s.proc.exitCode === null && s.proc.signalCode === null) s.proc.kill("SIGKILL");
}
process.once("exit", killAll);

/** SIGKILLs every server started so far and waits (at most 3 s each) until they are gone. */
export async function stopAll(): Promise<void> {
    killAll();
    await Promise.all(servers.map((s) => exited(s.proc, 3000)));
}
