/**
 * A local PgBouncer (Debian's, 1.18 here) for the drills, and a client load that never stops. PgBouncer runs in
 * the foreground under a ProcessGroup (`-u postgres` when root: it refuses to run as root), bound to 127.0.0.1,
 * TLS to clients and verify-full to the server, SCRAM logins, an admin console user for PAUSE/KILL/RESUME.
 *
 * The load: persistent `psql` sessions (no client library needed), each writing `(client, seq)` rows one at a
 * time and counting a write acknowledged only when its RETURNING line arrives. A failed attempt (the session
 * was terminated) is retried on a new session with the same key (idempotent upsert), so the stall of a write
 * is measured from its first attempt to its acknowledgment.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { LOOPBACK, Managed, ProcessGroup, freePort, run, sleep, waitFor } from "./processes";
import { AS_POSTGRES } from "./postgres-local";

/** What PgBouncer serves: one database entry, rendered from a Pooler spec by the caller. */
export interface PgBouncerSettings {
    readonly database: string;
    readonly poolMode: string;
    readonly maxClientConn: number;
    readonly defaultPoolSize: number;
    /** `user password` pairs PgBouncer authenticates (and logs in to the server with). */
    readonly users: Readonly<Record<string, string>>;
    /** The admin console user (must be in users). */
    readonly admin: string;
    /** PEM files: CA (verifies the server), certificate and key served to clients. */
    readonly tls: { readonly ca: string; readonly cert: string; readonly key: string };
}

/** One local PgBouncer. */
export class LocalPgBouncer {
    private managed?: Managed;

    private constructor(
        readonly port: number,
        private readonly dir: string,
        private readonly s: PgBouncerSettings,
    ) {}

    /** Why the process is gone (with its log tail), or undefined while it runs. */
    exited(): string | undefined {
        const e = this.managed?.exited();
        if (!e) return undefined;
        const log = path.join(this.dir, "pgbouncer.log");
        return `${e}: ${this.managed!.output()}${fs.existsSync(log) ? fs.readFileSync(log, "utf8").split("\n").slice(-8).join("\n") : ""}`;
    }

    /** Starts PgBouncer in front of 127.0.0.1:`serverPort` and waits until it accepts connections. */
    static async start(group: ProcessGroup, s: PgBouncerSettings, serverPort: number): Promise<LocalPgBouncer> {
        const dir = group.tempDir("pgbouncer", AS_POSTGRES ? "postgres" : undefined);
        const b = new LocalPgBouncer(await freePort(false, 42000), dir, s);
        b.writeConfig(serverPort);
        // `-u` (not runuser): the group's SIGKILL must reach PgBouncer itself, or it outlives the drill and its
        // inherited output pipes keep this process alive.
        const cmd = ["pgbouncer", ...(AS_POSTGRES ? ["-u", "postgres"] : []), path.join(dir, "pgbouncer.ini")];
        const m = group.spawn("pgbouncer", cmd);
        b.managed = m;
        await waitFor(
            "pgbouncer to accept connections",
            async () => ((await b.admin("SHOW VERSION")).code === 0 ? true : undefined),
            100,
            50,
            () => m.exited() && `${m.exited()}\n${m.output()}`,
        );
        return b;
    }

    private writeConfig(serverPort: number): void {
        const s = this.s;
        const ini = [
            "[databases]",
            `${s.database} = host=${LOOPBACK} port=${serverPort} dbname=${s.database}`,
            "[pgbouncer]",
            `listen_addr = ${LOOPBACK}`,
            `listen_port = ${this.port}`,
            `unix_socket_dir = ${this.dir}`,
            "auth_type = scram-sha-256",
            `auth_file = ${path.join(this.dir, "users.txt")}`,
            `admin_users = ${s.admin}`,
            `pool_mode = ${s.poolMode}`,
            `max_client_conn = ${s.maxClientConn}`,
            `default_pool_size = ${s.defaultPoolSize}`,
            "client_tls_sslmode = require",
            `client_tls_cert_file = ${s.tls.cert}`,
            `client_tls_key_file = ${s.tls.key}`,
            "server_tls_sslmode = verify-full",
            `server_tls_ca_file = ${s.tls.ca}`,
            `logfile = ${path.join(this.dir, "pgbouncer.log")}`,
            "",
        ];
        fs.writeFileSync(path.join(this.dir, "pgbouncer.ini"), ini.join("\n"));
        fs.writeFileSync(
            path.join(this.dir, "users.txt"),
            Object.entries(s.users)
                .map(([u, p]) => `"${u}" "${p}"\n`)
                .join(""),
        );
        if (AS_POSTGRES) fs.chmodSync(this.dir, 0o755);
    }

    /** Libpq connection string of a client of this PgBouncer. */
    dsn(user: string, database: string): string {
        return `host=${LOOPBACK} port=${this.port} user=${user} dbname=${database} sslmode=require connect_timeout=5`;
    }

    /** Runs an admin console command (PAUSE, RESUME, RELOAD, SHOW …), bounded. */
    admin(command: string, timeoutMs = 10000) {
        return run("psql", ["-X", "-At", "-c", command, this.dsn(this.s.admin, "pgbouncer")], {
            env: { PGPASSWORD: this.s.users[this.s.admin] },
            timeoutMs,
        });
    }

    /** An admin command in the background (PAUSE blocks until the server connections are released). */
    adminAsync(command: string): { done: Promise<{ code: number; ms: number }>; proc: ChildProcess } {
        const t0 = Date.now();
        const proc = spawn("psql", ["-X", "-At", "-c", command, this.dsn(this.s.admin, "pgbouncer")], {
            env: { ...process.env, PGPASSWORD: this.s.users[this.s.admin] },
            stdio: "ignore",
        });
        const done = new Promise<{ code: number; ms: number }>((resolve) =>
            proc.once("exit", (code) => resolve({ code: code ?? -1, ms: Date.now() - t0 })),
        );
        return { done, proc };
    }

    /** A persistent admin console session (RESUME, KILL without a process start each). */
    adminSession(): PsqlSession {
        return new PsqlSession(["psql"], [this.dsn(this.s.admin, "pgbouncer")], {
            PGPASSWORD: this.s.users[this.s.admin],
        });
    }
}

/** One acknowledged write. */
export interface Ack {
    readonly client: number;
    readonly seq: number;
    /** ms from the write's first attempt to its acknowledgment. */
    readonly latencyMs: number;
    /** When it was acknowledged (ms since the load started). */
    readonly at: number;
}

/** Writers through a DSN: `sql(client, seq)` must be an idempotent statement printing one line. */
export class WriteLoad {
    readonly acks: Ack[] = [];
    /** Writers that gave up. */
    readonly errors: string[] = [];
    /** Attempts that failed (session ended before the acknowledgment), and reconnects. */
    failedAttempts = 0;
    private stopping = false;
    private readonly loops: Promise<void>[] = [];
    private readonly t0 = Date.now();
    private readonly procs = new Set<ChildProcess>();

    constructor(
        private dsn: string,
        private readonly password: string,
        private readonly sql: (client: number, seq: number) => string,
    ) {}

    /** Where new sessions connect from now on (the clients' switch to another pooler). */
    setDsn(dsn: string): void {
        this.dsn = dsn;
    }

    /** Starts `clients` writers. */
    start(clients: number): void {
        for (let c = 0; c < clients; c++) this.loops.push(this.writer(c));
    }

    /** Stops after each writer's current write (bounded). */
    async stop(timeoutMs = 15000): Promise<void> {
        this.stopping = true;
        await Promise.race([Promise.all(this.loops), sleep(timeoutMs)]);
        for (const p of this.procs) p.kill("SIGKILL");
    }

    private session(): { proc: ChildProcess; lines: string[]; waiters: (() => void)[]; dead: () => boolean } {
        const proc = spawn("psql", ["-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", this.dsn], {
            env: { ...process.env, PGPASSWORD: this.password },
            stdio: ["pipe", "pipe", "ignore"],
        });
        this.procs.add(proc);
        const s = { proc, lines: [] as string[], waiters: [] as (() => void)[], dead: () => exited };
        let exited = false;
        let buf = "";
        const wake = () => s.waiters.splice(0).forEach((w) => w());
        proc.stdout!.on("data", (d) => {
            buf += d;
            const parts = buf.split("\n");
            buf = parts.pop()!;
            s.lines.push(...parts.filter((l) => l.trim() !== ""));
            wake();
        });
        proc.once("exit", () => {
            exited = true;
            this.procs.delete(proc);
            wake();
        });
        proc.stdin!.on("error", () => undefined);
        return s;
    }

    private async writer(client: number): Promise<void> {
        let s = this.session();
        for (let seq = 0; !this.stopping; seq++) {
            const first = Date.now();
            while (!this.stopping) {
                if (s.dead()) {
                    this.failedAttempts++;
                    await sleep(20);
                    s = this.session();
                }
                s.proc.stdin!.write(this.sql(client, seq) + "\n");
                while (!s.lines.length && !s.dead()) await new Promise<void>((r) => s.waiters.push(r));
                if (s.lines.length) {
                    s.lines.shift();
                    const now = Date.now();
                    this.acks.push({ client, seq, latencyMs: now - first, at: now - this.t0 });
                    break;
                }
                if (Date.now() - first > 60000)
                    throw new Error(`client ${client}: write ${seq} not acknowledged in 60 s`);
            }
        }
        s.proc.stdin!.end();
    }
}

/**
 * A persistent psql session for the time-critical steps (a new psql process per statement costs 50–300 ms
 * here, which would be measured as stall). `query` returns the output lines; an SQL error rejects.
 */
export class PsqlSession {
    private readonly proc: ChildProcess;
    private out = "";
    private err = "";
    private waiting?: () => void;
    private chain: Promise<unknown> = Promise.resolve();

    /** `command` runs psql (e.g. ["runuser", "-u", "postgres", "--", "psql"]); `args` are its connection arguments. */
    constructor(command: readonly string[], args: readonly string[], env: NodeJS.ProcessEnv = {}) {
        this.proc = spawn(command[0], [...command.slice(1), "-X", "-A", "-t", "-q", ...args], {
            env: { ...process.env, ...env },
            stdio: ["pipe", "pipe", "pipe"],
        });
        this.proc.stdout!.on("data", (d) => {
            this.out += d;
            this.waiting?.();
        });
        this.proc.stderr!.on("data", (d) => (this.err += d));
        this.proc.once("exit", () => this.waiting?.());
        this.proc.stdin!.on("error", () => undefined);
    }

    /** Runs one statement (or admin command); bounded by `timeoutMs`. */
    query(sql: string, timeoutMs = 15000): Promise<string[]> {
        const next = this.chain.then(() => this.run(sql, timeoutMs));
        this.chain = next.catch(() => undefined);
        return next;
    }

    private async run(sql: string, timeoutMs: number): Promise<string[]> {
        const marker = `__done_${Math.random().toString(36).slice(2)}`;
        this.out = "";
        this.err = "";
        this.proc.stdin!.write(`${sql.replace(/;?\s*$/, ";")}\n\\echo ${marker} :ERROR\n`);
        const deadline = Date.now() + timeoutMs;
        for (;;) {
            const at = this.out.indexOf(marker);
            if (at >= 0) {
                const failed = this.out
                    .slice(at + marker.length)
                    .trim()
                    .startsWith("true");
                const lines = this.out.slice(0, at).split("\n").filter(Boolean);
                if (failed) throw new Error(`${sql}: ${this.err.trim()}`);
                return lines;
            }
            if (this.proc.exitCode !== null) throw new Error(`psql exited: ${this.err.trim()}`);
            if (Date.now() > deadline) throw new Error(`${sql}: no answer in ${timeoutMs} ms`);
            await new Promise<void>((r) => {
                this.waiting = r;
                setTimeout(r, 50).unref();
            });
        }
    }

    /** Ends the session. */
    close(): void {
        this.proc.stdin!.end();
        setTimeout(() => this.proc.kill("SIGKILL"), 2000).unref();
    }
}
