/**
 * Local redis-server / Sentinel processes started from the configuration files the program renders, for the
 * drills. Only what cannot exist on a laptop is adapted: the mount paths (/etc/redis-tls → test-minted
 * certificates, /etc/redis-secret/auth.conf → a private temp file, /data → a temp directory), and tls-port,
 * bind and dir on the command line (Redis applies them after the file). Each adaptation checks that the
 * rendered text it replaces is there. Plus a minimal TLS RESP client for the writers, every command bounded.
 */
import * as fs from "fs";
import * as path from "path";
import * as tls from "tls";
import { TestPki } from "./pki";
import { LOOPBACK, Managed, ProcessGroup, freePort, run, waitFor } from "./processes";

/** Replaces every occurrence of `from`, which must occur (the rendered text changed shape otherwise). */
export function replaceAll(text: string, from: string | RegExp, to: string): string {
    const re = typeof from === "string" ? new RegExp(from.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "gm") : from;
    if (!new RegExp(re.source, re.flags.replace("g", "")).test(text))
        throw new Error(`the rendered configuration no longer contains ${from}:\n${text}`);
    return text.replace(new RegExp(re.source, re.flags.includes("g") ? re.flags : re.flags + "g"), to);
}

/** A running server of the drill. */
export interface RedisNode {
    readonly name: string;
    readonly port: number;
    readonly dir: string;
    readonly command: string[];
    proc: Managed;
}

/** The rendered TLS mount pointed at the test-minted files. */
export const withPki = (text: string, pki: TestPki) => replaceAll(text, "/etc/redis-tls/", `${pki.dir}/`);

/**
 * Writes the rendered `conf` (with its `include` of the auth Secret file → `auth`) into a new directory and
 * returns the file; `dir /data` becomes that directory.
 */
export function writeRedisConf(group: ProcessGroup, name: string, conf: string, auth: string, pki: TestPki) {
    const dir = group.tempDir(`redis-${name}`);
    fs.writeFileSync(path.join(dir, "auth.conf"), auth, { mode: 0o600 });
    let text = replaceAll(conf, /^dir \/data$/m, `dir ${dir}`);
    text = replaceAll(text, /^include \/etc\/redis-secret\/auth\.conf$/m, `include ${path.join(dir, "auth.conf")}`);
    const file = path.join(dir, "redis.conf");
    fs.writeFileSync(file, withPki(text, pki), { mode: 0o600 });
    return { dir, file };
}

/** redis-cli over TLS with the test CA; stdout trimmed ("" when the server does not answer in 5 s). */
export async function cli(pki: TestPki, port: number, password: string, args: readonly string[]): Promise<string> {
    const r = await run("redis-cli", [...pki.cliArgs, "-h", LOOPBACK, "-p", String(port), ...args], {
        env: { REDISCLI_AUTH: password },
        timeoutMs: 5000,
    });
    return r.stdout.trim();
}

/** INFO / CLUSTER INFO as a map. */
export function info(reply: string): Map<string, string> {
    const map = new Map<string, string>();
    for (const line of reply.split(/\r?\n/)) {
        const at = line.indexOf(":");
        if (at > 0) map.set(line.slice(0, at), line.slice(at + 1));
    }
    return map;
}

/** Spawns `command` as `name` and waits (bounded) until it answers PING over TLS. */
export async function startRedis(
    group: ProcessGroup,
    pki: TestPki,
    password: string,
    spec: { name: string; port: number; dir: string; command: string[]; env?: NodeJS.ProcessEnv },
): Promise<RedisNode> {
    const proc = group.spawn(spec.name, spec.command, { cwd: spec.dir, env: spec.env });
    await waitFor(
        `${spec.name} to answer PING`,
        async () => ((await cli(pki, spec.port, password, ["PING"])) === "PONG" ? true : undefined),
        80,
        100,
        () => (proc.exited() ? `${proc.exited()}\n${proc.output()}` : undefined),
    );
    return { name: spec.name, port: spec.port, dir: spec.dir, command: spec.command, proc };
}

/** Starts a rendered redis.conf on a free port with extra command-line `args` (`${PORT}`, `${DIR}` filled in). */
export async function startRendered(
    group: ProcessGroup,
    pki: TestPki,
    password: string,
    spec: { name: string; conf: string; auth: string; args?: string[]; bus?: boolean },
): Promise<RedisNode> {
    const port = await freePort(spec.bus ?? false);
    const { dir, file } = writeRedisConf(group, spec.name, spec.conf, spec.auth, pki);
    const args = (spec.args ?? []).map((a) => a.replace("${PORT}", String(port)).replace("${DIR}", dir));
    const command = ["redis-server", file, ...args, "--tls-port", String(port), "--bind", LOOPBACK, "--dir", dir];
    return startRedis(group, pki, password, { name: spec.name, port, dir, command });
}

/** Restarts a stopped node with the same command line, port and directory. */
export async function restart(group: ProcessGroup, pki: TestPki, password: string, node: RedisNode): Promise<void> {
    const again = await startRedis(group, pki, password, { ...node });
    node.proc = again.proc;
}

/** A minimal RESP client over TLS: one command at a time, the first line of each reply, every wait bounded. */
export class Resp {
    private buffer = "";
    private waiting?: (line: string) => void;
    private closed = false;

    private constructor(private readonly socket: tls.TLSSocket) {
        socket.on("error", () => undefined);
        socket.once("close", () => {
            this.closed = true;
            this.waiting?.("-ERR closed");
        });
        socket.on("data", (chunk) => {
            this.buffer += chunk.toString();
            const at = this.buffer.indexOf("\r\n");
            if (at >= 0 && this.waiting) {
                const line = this.buffer.slice(0, at);
                this.buffer = "";
                const resolve = this.waiting;
                this.waiting = undefined;
                resolve(line);
            }
        });
    }

    /** Connects and authenticates; undefined when that fails within `timeoutMs`. */
    static async connect(pki: TestPki, port: number, password: string, timeoutMs = 2000): Promise<Resp | undefined> {
        const socket = tls.connect({ host: LOOPBACK, port, ca: fs.readFileSync(pki.caCert), servername: "localhost" });
        const ok = await new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => resolve(false), timeoutMs);
            socket.once("secureConnect", () => (clearTimeout(timer), resolve(true)));
            socket.once("error", () => (clearTimeout(timer), resolve(false)));
        });
        if (!ok) {
            socket.destroy();
            return undefined;
        }
        const client = new Resp(socket);
        if ((await client.command(["AUTH", password], timeoutMs)) !== "+OK") {
            client.close();
            return undefined;
        }
        return client;
    }

    /** Sends one command; resolves with the reply's first line, "-ERR closed" or "-ERR timeout". */
    command(args: readonly string[], timeoutMs = 2000): Promise<string> {
        if (this.closed) return Promise.resolve("-ERR closed");
        return new Promise((resolve) => {
            const timer = setTimeout(() => {
                this.waiting = undefined;
                this.close();
                resolve("-ERR timeout");
            }, timeoutMs);
            this.waiting = (line) => {
                clearTimeout(timer);
                resolve(line);
            };
            this.socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`);
        });
    }

    close(): void {
        this.closed = true;
        this.socket.destroy();
    }
}

/** Counts which of `keys` exist on the server at `port` (EXISTS per key, one connection). */
export async function missingKeys(pki: TestPki, port: number, password: string, keys: readonly string[]) {
    const c = await Resp.connect(pki, port, password, 5000);
    if (!c) throw new Error(`cannot connect to 127.0.0.1:${port} to verify the writes`);
    const missing: string[] = [];
    try {
        for (const k of keys) if ((await c.command(["EXISTS", k], 5000)) !== ":1") missing.push(k);
    } finally {
        c.close();
    }
    return missing;
}
