/**
 * PgBouncer drills and pgbench throughput on local servers: pgbouncer with the rendered Pooler's pool mode and
 * parameters (TLS both sides) in front of a local primary with two standbys (postgres-drills.ts): synchronous
 * commit as rendered vs asynchronous, more clients than default_pool_size, PAUSE/RESUME under load.
 */
import * as fs from "fs";
import * as path from "path";
import { AS_POSTGRES, LocalPostgres, PG_BIN } from "./postgres-local";
import { namesFor, setSyncNames, startCluster, tlsEnv } from "./postgres-drills";
import { TestPki } from "./pki";
import { LOOPBACK, ProcessGroup, freePort, run, sleep, waitFor } from "./processes";
import { PostgresPlan } from "./rendered";
import { DrillRow, ThroughputRow, ms } from "./report";

/** The PgBouncer of the rendered Pooler in front of `primary` (TLS both sides, as rendered). */
export async function startPgBouncer(group: ProcessGroup, plan: PostgresPlan, pki: TestPki, primary: LocalPostgres) {
    const dir = group.tempDir("pgbouncer", AS_POSTGRES ? "postgres" : undefined);
    const port = await freePort(false, 45000);
    const settings: Record<string, string> = {
        listen_addr: LOOPBACK,
        listen_port: String(port),
        unix_socket_dir: "",
        auth_type: "trust",
        auth_file: path.join(dir, "users.txt"),
        admin_users: "postgres",
        pool_mode: plan.pooler.poolMode,
        ...plan.pooler.parameters,
        client_tls_key_file: pki.server.key,
        client_tls_cert_file: pki.server.cert,
        client_tls_ca_file: pki.caCert,
        server_tls_ca_file: pki.caCert,
    };
    const ini = [
        "[databases]",
        `postgres = host=${LOOPBACK} port=${primary.port} dbname=postgres`,
        "[pgbouncer]",
        ...Object.entries(settings).map(([k, v]) => `${k} = ${v}`),
        "",
    ].join("\n");
    fs.writeFileSync(path.join(dir, "pgbouncer.ini"), ini);
    fs.writeFileSync(path.join(dir, "users.txt"), '"postgres" ""\n');
    if (AS_POSTGRES)
        for (const f of ["pgbouncer.ini", "users.txt"])
            fs.chownSync(path.join(dir, f), ...(postgresIds() as [number, number]));
    const bin = fs.existsSync("/usr/sbin/pgbouncer") ? "/usr/sbin/pgbouncer" : "pgbouncer";
    const [uid, gid] = AS_POSTGRES ? postgresIds() : [undefined, undefined];
    const proc = group.spawn("pgbouncer", [bin, path.join(dir, "pgbouncer.ini")], { uid, gid });
    const dsn = `host=${LOOPBACK} port=${port} user=postgres dbname=postgres`;
    const admin = (sql: string) =>
        run(
            path.join(PG_BIN!, "psql"),
            ["-X", "-A", "-F", ",", "-c", sql, `host=${LOOPBACK} port=${port} user=postgres dbname=pgbouncer`],
            {
                env: tlsEnv(pki),
                timeoutMs: 30000,
            },
        );
    await waitFor(
        "pgbouncer to answer SHOW VERSION",
        async () => ((await admin("SHOW VERSION")).code === 0 ? true : undefined),
        50,
        100,
        () => (proc.exited() ? `${proc.exited()}: ${proc.output()}` : undefined),
    );
    return { port, dsn, admin, proc };
}

function postgresIds(): [number | undefined, number | undefined] {
    const line = fs
        .readFileSync("/etc/passwd", "utf8")
        .split("\n")
        .find((l) => l.startsWith("postgres:"))!;
    const f = line.split(":");
    return [Number(f[2]), Number(f[3])];
}

/** pgbench's tps and mean latency from its summary. */
export function pgbenchFigures(out: string): { tps: number; latencyMs: number; failed: number } {
    const tps = Number(/^tps = ([\d.]+)/m.exec(out)?.[1] ?? NaN);
    const latencyMs = Number(/^latency average = ([\d.]+) ms/m.exec(out)?.[1] ?? NaN);
    const failed = Number(/^number of failed transactions: (\d+)/m.exec(out)?.[1] ?? 0);
    return { tps, latencyMs, failed };
}

/** PgBouncer drill and pgbench throughput: sync as rendered vs asynchronous, clients beyond the pool, PAUSE/RESUME. */
export async function poolerDrills(
    group: ProcessGroup,
    plan: PostgresPlan,
    pki: TestPki,
    opts: { benchS: number },
): Promise<{ drills: DrillRow[]; throughput: ThroughputRow[] }> {
    const cluster = await startCluster(group, plan, pki);
    const all = [cluster.primary, ...cluster.standbys].map((p) => p.name);
    const rendered = namesFor(plan, plan.synchronous, cluster.primary.name, all, all);
    await setSyncNames(cluster.primary, rendered);
    const env = tlsEnv(pki);
    const pgbench = PG_BIN ? path.join(PG_BIN, "pgbench") : "pgbench";
    const init = await run(pgbench, ["-i", "-s", "2", "-q", cluster.primary.dsn()], { env, timeoutMs: 120000 });
    if (init.code !== 0) throw new Error(`pgbench -i: ${init.stderr}`);
    const bouncer = await startPgBouncer(group, plan, pki, cluster.primary);
    const bench = async (args: string[]) => {
        const r = await run(pgbench, ["-n", "-j", "2", "-T", String(opts.benchS), ...args, bouncer.dsn], {
            env,
            timeoutMs: (opts.benchS + 60) * 1000,
        });
        if (!/^tps = /m.test(r.stdout)) throw new Error(`pgbench ${args.join(" ")}: ${r.stderr}${r.stdout}`);
        return { ...pgbenchFigures(r.stdout), code: r.code, out: r.stdout + r.stderr };
    };
    const clients = 8;
    const throughput: ThroughputRow[] = [];
    const sync = await bench(["-c", String(clients)]);
    throughput.push({
        service: "PostgreSQL via PgBouncer",
        scenario: `pgbench TPC-B, ${clients} clients, synchronous as rendered`,
        opsPerSecond: sync.tps,
        latencyMs: sync.latencyMs,
        notes: `synchronous_standby_names = ${rendered}`,
    });
    await setSyncNames(cluster.primary, "");
    const async = await bench(["-c", String(clients)]);
    throughput.push({
        service: "PostgreSQL via PgBouncer",
        scenario: `pgbench TPC-B, ${clients} clients, asynchronous`,
        opsPerSecond: async.tps,
        latencyMs: async.latencyMs,
        notes: `synchronous_standby_names = ''; the critical class costs ${(100 * (1 - sync.tps / async.tps)).toFixed(0)}% of tps here`,
    });
    await setSyncNames(cluster.primary, rendered);

    // More clients than default_pool_size, a new connection per transaction (session pooling hands the server
    // connection back at disconnect): the excess waits in PgBouncer's queue.
    const poolSize = Number(plan.pooler.parameters.default_pool_size ?? 20);
    const many = poolSize + Math.max(8, Math.round(poolSize / 2));
    let maxWaiting = 0;
    let maxWaitS = 0;
    let sampling = true;
    const sampler = (async () => {
        for (let i = 0; sampling && i < 10 * (opts.benchS + 30); i++) {
            const pools = await bouncer.admin("SHOW POOLS");
            const [head, ...rows] = pools.stdout.trim().split("\n");
            const cols = head.split(",");
            for (const row of rows) {
                const v = row.split(",");
                if (v[cols.indexOf("database")] !== "postgres") continue;
                maxWaiting = Math.max(maxWaiting, Number(v[cols.indexOf("cl_waiting")]));
                maxWaitS = Math.max(
                    maxWaitS,
                    Number(v[cols.indexOf("maxwait")]) + Number(v[cols.indexOf("maxwait_us")]) / 1e6,
                );
            }
            await sleep(100);
        }
    })();
    const crowd = await bench(["-C", "-c", String(many)]);
    sampling = false;
    await sampler;
    throughput.push({
        service: "PgBouncer",
        scenario: `${many} clients > default_pool_size ${poolSize}, connection per transaction`,
        opsPerSecond: crowd.tps,
        latencyMs: crowd.latencyMs,
        notes: `pool_mode ${plan.pooler.poolMode}; up to ${maxWaiting} clients queued, longest wait ${ms(maxWaitS * 1000)}; ${crowd.failed} failed`,
    });

    // PAUSE during load: clients wait, none fails; RESUME releases them.
    const pauseMs = 1500;
    const load = bench(["-C", "-c", "10"]);
    await sleep(Math.min(1000, (opts.benchS * 1000) / 4));
    const paused = await bouncer.admin("PAUSE postgres");
    const pausedAt = Date.now();
    const probe = run(path.join(PG_BIN!, "psql"), ["-X", "-A", "-t", "-c", "SELECT 1", bouncer.dsn], {
        env,
        timeoutMs: 30000,
    });
    await sleep(pauseMs);
    await bouncer.admin("RESUME postgres");
    const answered = await probe;
    const probeWaitMs = Date.now() - pausedAt;
    const during = await load;
    const aborted = /client \d+ aborted/.test(during.out) || during.code !== 0;
    return {
        throughput,
        drills: [
            {
                service: "PgBouncer",
                scenario: `PAUSE ${ms(pauseMs)} then RESUME under load`,
                rpo: `${during.failed} failed transactions${aborted ? ", clients aborted" : ""}`,
                rto: `a query issued during PAUSE answered after ${ms(probeWaitMs)}`,
                promise: "requests wait in PgBouncer's queue during PAUSE instead of failing",
                ok:
                    paused.code === 0 &&
                    answered.code === 0 &&
                    answered.stdout.trim() === "1" &&
                    !aborted &&
                    during.failed === 0,
                measured: { pauseMs, probeWaitMs, failed: during.failed, aborted, tpsDuring: during.tps },
            },
        ],
    };
}
