/**
 * Shared support for the specs that run real redis-server processes on loopback: free ports, bounded
 * polling, child processes that are always killed, redis-cli and reply parsing. Every loop is bounded in
 * count and time; every process started here is SIGKILLed in `stopAll()` and on process exit.
 */
import { strict as assert } from "assert";
import { ChildProcess, execFile, execFileSync, spawn, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";

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

/** A certificate and its key, PEM files. */
export interface CertFiles {
    readonly cert: string;
    readonly key: string;
}

/**
 * Test-minted TLS material (openssl, ECDSA P-256, valid one day), laid out like the pods' TLS Secret mount:
 * `<dir>/ca.crt`, `<dir>/tls.crt`, `<dir>/tls.key` (the server certificate names localhost and 127.0.0.1 and
 * may serve as client and server, like the program's). `otherCa` is a second, unrelated CA with a certificate
 * of the same names; `wrongName` is signed by the right CA but names only `impostor.invalid`.
 */
export interface TestPki {
    readonly dir: string;
    readonly caCert: string;
    readonly server: CertFiles;
    readonly otherCa: { readonly caCert: string } & CertFiles;
    readonly wrongName: CertFiles;
    /** redis-cli's flags for this material (what the program renders, with these paths). */
    readonly cliArgs: string[];
    /** The TLS lines of a hand-written redis.conf / sentinel.conf listening on `port` (TLS only). */
    conf(port: number, files?: CertFiles): string;
}

function openssl(args: readonly string[], cwd: string): void {
    execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"], timeout: 10000 });
}

function mintCa(dir: string, name: string): void {
    openssl(
        [
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            `${name}.key`,
            "-out",
            `${name}.crt`,
            "-days",
            "1",
            "-subj",
            `/O=geo-data test/CN=${name}`,
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
        dir,
    );
}

function mintSigned(dir: string, ca: string, name: string, san: string): CertFiles {
    fs.writeFileSync(
        path.join(dir, `${name}.ext`),
        `subjectAltName=${san}\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n`,
    );
    openssl(
        [
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            `${name}.key`,
            "-out",
            `${name}.csr`,
            "-subj",
            `/O=geo-data test/CN=${name}`,
        ],
        dir,
    );
    openssl(
        [
            "x509",
            "-req",
            "-in",
            `${name}.csr`,
            "-CA",
            `${ca}.crt`,
            "-CAkey",
            `${ca}.key`,
            "-set_serial",
            String(crypto.randomInt(1, 2 ** 31)),
            "-days",
            "1",
            "-out",
            `${name}.crt`,
            "-extfile",
            `${name}.ext`,
        ],
        dir,
    );
    return { cert: path.join(dir, `${name}.crt`), key: path.join(dir, `${name}.key`) };
}

/** Mints a {@link TestPki} under `dir` (created). Takes about 0.1 s. */
export function mintTestPki(dir: string): TestPki {
    fs.mkdirSync(dir, { recursive: true });
    mintCa(dir, "ca");
    mintCa(dir, "other-ca");
    const names = "DNS:localhost,IP:127.0.0.1";
    const server = mintSigned(dir, "ca", "tls", names);
    const other = mintSigned(dir, "other-ca", "other", names);
    const wrongName = mintSigned(dir, "ca", "wrong-name", "DNS:impostor.invalid");
    const caCert = path.join(dir, "ca.crt");
    return {
        dir,
        caCert,
        server,
        otherCa: { caCert: path.join(dir, "other-ca.crt"), ...other },
        wrongName,
        cliArgs: ["--tls", "--cacert", caCert, "--cert", server.cert, "--key", server.key],
        conf: (port, files = server) =>
            [
                "port 0",
                `tls-port ${port}`,
                `tls-cert-file ${files.cert}`,
                `tls-key-file ${files.key}`,
                `tls-ca-cert-file ${caCert}`,
                // The program's default (redisTlsAuthClients); Redis's own default is yes.
                "tls-auth-clients no",
                "tls-replication yes",
                "",
            ].join("\n"),
    };
}

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
