/**
 * A local PostgreSQL server for the drills (Debian's, 15 here): initdb into a group temp directory, the
 * given parameters and pg_hba, bound to 127.0.0.1 with its socket in its own directory, started with
 * `pg_ctl -w` and stopped (immediate) when the group closes. PostgreSQL refuses to run as root, so as root
 * (CI) every server command runs as the `postgres` user.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { LOOPBACK, ProcessGroup, Run, freePort, mustRun, run } from "./processes";

/** Directory of the newest installed PostgreSQL server binaries (undefined when none is installed). */
export const PG_BIN = ["17", "16", "15"]
    .map((v) => `/usr/lib/postgresql/${v}/bin`)
    .find((d) => fs.existsSync(`${d}/postgres`));

/** True when the drills must run server commands as `postgres`. */
export const AS_POSTGRES = process.getuid?.() === 0;

/** Runs a PostgreSQL binary (as `postgres` when we are root), bounded in time. */
export function pgRun(
    bin: string,
    args: readonly string[],
    opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
) {
    if (!PG_BIN) throw new Error("PostgreSQL is not installed: run scripts/install-servers.sh");
    const file = path.join(PG_BIN, bin);
    const env = opts.env ?? {};
    if (!AS_POSTGRES) return run(file, args, { env, timeoutMs: opts.timeoutMs });
    const envArgs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
    return run("runuser", ["-u", "postgres", "--", "env", ...envArgs, file, ...args], { timeoutMs: opts.timeoutMs });
}

/** One local server. */
export class LocalPostgres {
    /** Data directory. */
    readonly data: string;
    /** Socket directory (also holds the log). */
    readonly dir: string;

    private constructor(
        readonly name: string,
        readonly port: number,
        dir: string,
    ) {
        this.dir = dir;
        this.data = path.join(dir, "data");
    }

    /**
     * initdb (trust on the socket, `hba` lines for TCP), then `parameters` appended to postgresql.conf.
     * With `fromBackup`, the data directory is filled by the caller instead (see `empty`).
     */
    static async init(
        group: ProcessGroup,
        name: string,
        opts: { parameters?: Record<string, string>; hba?: readonly string[]; port?: number } = {},
    ): Promise<LocalPostgres> {
        const pg = LocalPostgres.empty(group, name, await LocalPostgres.port(opts.port));
        await mustRunPg("initdb", [
            "-D",
            pg.data,
            "-U",
            "postgres",
            "--auth-local=trust",
            "--auth-host=reject",
            "--no-sync",
        ]);
        pg.configure(opts.parameters ?? {}, opts.hba);
        return pg;
    }

    /** A server whose data directory the caller fills (pg_basebackup, barman-cloud-restore), then configures. */
    static empty(group: ProcessGroup, name: string, port: number): LocalPostgres {
        const dir = group.tempDir(`pg-${name}`, AS_POSTGRES ? "postgres" : undefined);
        const pg = new LocalPostgres(name, port, dir);
        group.onClose(() => {
            if (fs.existsSync(path.join(pg.data, "postmaster.pid")))
                spawnSync(
                    AS_POSTGRES ? "runuser" : path.join(PG_BIN!, "pg_ctl"),
                    AS_POSTGRES
                        ? [
                              "-u",
                              "postgres",
                              "--",
                              path.join(PG_BIN!, "pg_ctl"),
                              "-D",
                              pg.data,
                              "-m",
                              "immediate",
                              "-w",
                              "-t",
                              "10",
                              "stop",
                          ]
                        : ["-D", pg.data, "-m", "immediate", "-w", "-t", "10", "stop"],
                    { stdio: "ignore", timeout: 15000 },
                );
        });
        return pg;
    }

    /** A free port (or the given one). */
    static async port(port?: number): Promise<number> {
        return port ?? (await freePort(false, 40000));
    }

    /** Appends the connection settings and `parameters` to postgresql.conf; replaces pg_hba.conf when given. */
    configure(parameters: Record<string, string>, hba?: readonly string[]): void {
        const lines = [
            `listen_addresses='${LOOPBACK}'`,
            `port=${this.port}`,
            `unix_socket_directories='${this.dir}'`,
            ...Object.entries(parameters).map(([k, v]) => `${k}='${v.replace(/'/g, "''")}'`),
            "",
        ];
        fs.appendFileSync(path.join(this.data, "postgresql.conf"), lines.join("\n"));
        if (hba) fs.writeFileSync(path.join(this.data, "pg_hba.conf"), ["local all all trust", ...hba, ""].join("\n"));
        if (AS_POSTGRES) spawnSync("chown", ["-R", "postgres:postgres", this.dir]);
    }

    /** pg_ctl start -w (bounded); fails with the server log. */
    async start(timeoutS = 30): Promise<void> {
        const log = path.join(this.dir, "server.log");
        const r = await pgRun("pg_ctl", ["-D", this.data, "-l", log, "-w", "-t", String(timeoutS), "start"], {
            timeoutMs: (timeoutS + 5) * 1000,
        });
        if (r.code !== 0) throw new Error(`${this.name}: pg_ctl start failed: ${r.stderr}\n${this.log()}`);
    }

    /** pg_ctl stop with `mode` (fast, immediate). */
    async stop(mode: "fast" | "immediate" = "fast"): Promise<Run> {
        return pgRun("pg_ctl", ["-D", this.data, "-m", mode, "-w", "-t", "30", "stop"], { timeoutMs: 35000 });
    }

    /** SIGKILL of the postmaster (a crash, not a shutdown). */
    kill(): void {
        const pid = Number(fs.readFileSync(path.join(this.data, "postmaster.pid"), "utf8").split("\n")[0]);
        process.kill(pid, "SIGKILL");
    }

    /**
     * A streaming standby of `primary`: pg_basebackup (over `conninfo`, bounded) into a new server's data
     * directory, `parameters` and `hba` as for init, `primary_conninfo` (with `application_name` = `name`, the
     * name synchronous_standby_names lists) and standby.signal. Not started.
     */
    static async standby(
        group: ProcessGroup,
        name: string,
        conninfo: string,
        opts: { parameters?: Record<string, string>; hba?: readonly string[]; port?: number } = {},
    ): Promise<LocalPostgres> {
        const pg = LocalPostgres.empty(group, name, await LocalPostgres.port(opts.port));
        await mustRunPg("pg_basebackup", ["-D", pg.data, "-d", conninfo, "-X", "stream", "-c", "fast", "--no-sync"]);
        pg.configure(
            {
                ...(opts.parameters ?? {}),
                primary_conninfo: `${conninfo} application_name=${name}`,
            },
            opts.hba,
        );
        fs.writeFileSync(path.join(pg.data, "standby.signal"), "");
        if (AS_POSTGRES) spawnSync("chown", ["-R", "postgres:postgres", pg.dir]);
        return pg;
    }

    /** pg_ctl promote -w (bounded); resolves once the server accepts writes. */
    async promote(timeoutS = 30): Promise<void> {
        const r = await pgRun("pg_ctl", ["-D", this.data, "-w", "-t", String(timeoutS), "promote"], {
            timeoutMs: (timeoutS + 5) * 1000,
        });
        if (r.code !== 0) throw new Error(`${this.name}: pg_ctl promote failed: ${r.stderr}\n${this.log()}`);
    }

    /**
     * A crash of the whole server, as when its pod or node is lost: the postmaster and every backend (walsenders
     * included) are stopped at once (SIGSTOP), then SIGKILLed, by process id.
     */
    crash(): void {
        const pid = Number(fs.readFileSync(path.join(this.data, "postmaster.pid"), "utf8").split("\n")[0]);
        const children = fs
            .readdirSync("/proc")
            .filter((d) => /^\d+$/.test(d))
            .filter((d) => {
                try {
                    // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so split after ")".
                    const stat = fs.readFileSync(`/proc/${d}/stat`, "utf8");
                    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid;
                } catch {
                    return false;
                }
            })
            .map(Number);
        for (const signal of ["SIGSTOP", "SIGKILL"] as const)
            for (const p of [pid, ...children]) {
                try {
                    process.kill(p, signal);
                } catch {
                    // already gone
                }
            }
    }

    /** The server log so far. */
    log(): string {
        const f = path.join(this.dir, "server.log");
        return fs.existsSync(f) ? fs.readFileSync(f, "utf8") : "";
    }

    /** psql -At over the socket as `postgres` (or `user`), bounded; throws on error. */
    async sql(query: string, opts: { db?: string; user?: string; timeoutMs?: number } = {}): Promise<string> {
        const r = await pgRun(
            "psql",
            [
                "-X",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                this.dir,
                "-p",
                String(this.port),
                "-U",
                opts.user ?? "postgres",
                "-d",
                opts.db ?? "postgres",
                "-c",
                query,
            ],
            { timeoutMs: opts.timeoutMs ?? 30000 },
        );
        if (r.code !== 0) throw new Error(`${this.name}: ${query}: ${r.stderr}`);
        return r.stdout.trim();
    }

    /** A libpq connection string over TCP to this server. */
    dsn(over: Record<string, string> = {}): string {
        return Object.entries({
            host: LOOPBACK,
            port: String(this.port),
            user: "postgres",
            dbname: "postgres",
            ...over,
        })
            .map(([k, v]) => `${k}=${v}`)
            .join(" ");
    }
}

async function mustRunPg(bin: string, args: readonly string[]): Promise<void> {
    const r = await pgRun(bin, args, { timeoutMs: 60000 });
    if (r.code !== 0) throw new Error(`${bin} ${args.join(" ")} failed: ${r.stderr || r.stdout}`);
}

export { mustRun };
