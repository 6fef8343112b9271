/**
 * Shared support for the specs that run real redis-server processes on loopback: free ports, bounded
 * polling, child processes that are always killed, redis-cli and reply parsing. Every loop is bounded in
 * count and time; every process started here is SIGKILLed in `stopAll()` and on process exit.
 */
import { strict as assert } from "assert";
import { ChildProcess, spawn } from "child_process";
import type { Run } from "../tools/drill/processes";
import { freePort as drillFreePort, installed, run as drillRun, waitFor, whenExited } from "../tools/drill/processes";

/** LOOPBACK (the only address the real-server specs use), sleep, installed, waitFor, Run: the drills' own. */
export { LOOPBACK, installed, sleep, waitFor } from "../tools/drill/processes";
export type { Run } from "../tools/drill/processes";

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

/**
 * A free loopback port in [base, base + 10000) not handed out before in this process (and, for cluster nodes,
 * a free bus port at +10000): the drills' freePort, from 20000 by default (the drills start at 30000).
 */
export function freePort(withBus = false, base = 20000): Promise<number> {
    return drillFreePort(withBus, base);
}

/** Runs a command to completion (killed after `timeoutMs`): the drills' run with positional env and timeout. */
export function run(
    file: string,
    args: readonly string[],
    env: NodeJS.ProcessEnv = {},
    timeoutMs = 15000,
): Promise<Run> {
    return drillRun(file, args, { env, timeoutMs });
}

/** INFO output as a map: the drills' parser. */
export { info } from "../tools/drill/redis-local";

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

function killAll(): void {
    for (const s of servers) if (s.proc.exitCode === null && s.proc.signalCode === null) s.proc.kill("SIGKILL");
}
process.once("exit", killAll);

/** SIGKILLs every server started so far and waits (at most 3 s each) until they are gone. */
export async function stopAll(): Promise<void> {
    killAll();
    await Promise.all(servers.map((s) => whenExited(s.proc, 3000)));
}
