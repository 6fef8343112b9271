/**
 * PostgreSQL drills on local servers: a primary and two streaming standbys (initdb + pg_basebackup) with the
 * rendered Cluster's parameters, TLS only (test-minted certificates, the rendered `hostnossl … reject` first
 * in pg_hba) and synchronous_standby_names computed from the rendered `synchronous` stanza the way
 * CloudNativePG does (rendered.ts). A writer commits numbered rows; the primary crashes (every process of it
 * SIGKILLed); the most advanced standby is promoted, the other re-pointed at it, and the new primary gets the
 * names the operator would give it. Measured: acknowledged rows missing afterwards (RPO) and the time from the
 * crash to the first acknowledged write on the new primary (RTO; the operator's detection delay not included).
 */
import * as path from "path";
import { LocalPostgres, PG_BIN } from "./postgres-local";
import { TestPki } from "./pki";
import { LOOPBACK, Managed, ProcessGroup, run, sleep, waitFor, whenExited } from "./processes";
import { InstanceState, PostgresPlan, Synchronous, synchronousStandbyNames } from "./rendered";
import { DrillRow, ms } from "./report";

/** A PostgreSQL cluster of the drill: the primary first. */
export interface PgCluster {
    primary: LocalPostgres;
    standbys: LocalPostgres[];
}

/** libpq settings of every client: TLS verified against the test CA. */
export function tlsEnv(pki: TestPki): NodeJS.ProcessEnv {
    return { PGSSLMODE: "verify-full", PGSSLROOTCERT: pki.caCert, PGCONNECT_TIMEOUT: "5" };
}

/** The rendered parameters plus what CloudNativePG itself sets and a laptop needs (TLS files, replication). */
function serverParameters(plan: PostgresPlan, pki: TestPki): Record<string, string> {
    return {
        ...plan.parameters,
        ssl: "on",
        ssl_cert_file: pki.server.cert,
        ssl_key_file: pki.server.key,
        ssl_ca_file: pki.caCert,
        wal_level: "replica",
        hot_standby: "on",
        wal_keep_size: "512MB",
        wal_receiver_status_interval: "1s",
    };
}

/** The rendered pg_hba first (its `hostnossl … reject`), then TLS-only loopback access for the drill. */
function hba(plan: PostgresPlan): string[] {
    return [...plan.pgHba, `hostssl all all ${LOOPBACK}/32 trust`, `hostssl replication all ${LOOPBACK}/32 trust`];
}

/** Instance names as CloudNativePG gives them: `<cluster>-1` … */
const instanceName = (plan: PostgresPlan, i: number) => `${plan.clusterName}-${i + 1}`;

/** Applies synchronous_standby_names (ALTER SYSTEM + reload, as the instance manager reconfigures it). */
export async function setSyncNames(pg: LocalPostgres, names: string): Promise<void> {
    await pg.sql(`ALTER SYSTEM SET synchronous_standby_names = '${names.replace(/'/g, "''")}'`);
    await pg.sql("SELECT pg_reload_conf()");
}

/** Starts `plan.instances` servers: pg-1 primary, the others streaming from it; waits until all stream. */
export async function startCluster(group: ProcessGroup, plan: PostgresPlan, pki: TestPki): Promise<PgCluster> {
    const parameters = serverParameters(plan, pki);
    const primary = await LocalPostgres.init(group, instanceName(plan, 0), { parameters, hba: hba(plan) });
    await primary.start();
    await primary.sql("CREATE TABLE drill (n integer PRIMARY KEY)");
    const conninfo = `${primary.dsn()} sslmode=verify-full sslrootcert=${pki.caCert}`;
    const standbys: LocalPostgres[] = [];
    for (let i = 1; i < plan.instances; i++) {
        const s = await LocalPostgres.standby(group, instanceName(plan, i), conninfo, { parameters, hba: hba(plan) });
        await s.start();
        standbys.push(s);
    }
    await waitFor(
        `${standbys.length} standbys streaming`,
        async () =>
            Number(await primary.sql("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")) ===
            standbys.length
                ? true
                : undefined,
        150,
        100,
    );
    return { primary, standbys };
}

/** The names CloudNativePG sets on `primary` when `healthy` standbys are ready. */
export function namesFor(
    plan: PostgresPlan,
    sync: Synchronous | undefined,
    primary: string,
    all: string[],
    healthy: string[],
) {
    const states: InstanceState[] = all.map((name) => ({
        name,
        primary: name === primary,
        healthy: healthy.includes(name),
    }));
    return synchronousStandbyNames(sync, plan.clusterName, states);
}

/**
 * A client committing rows 1, 2, 3 … one at a time through one psql session (over TLS) and recording each
 * acknowledgement (the RETURNING line); it stops at `maxRows`, at `stop()`, when its server goes away, or when
 * one row waits longer than `rowTimeoutMs`.
 */
class Writer {
    readonly acked: number[] = [];
    private stopped = false;
    private readonly psql: Managed;
    private lines: string[] = [];
    private wake?: () => void;

    constructor(group: ProcessGroup, dsn: string, pki: TestPki) {
        this.psql = group.spawn(
            "writer",
            [path.join(PG_BIN!, "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", dsn],
            {
                env: tlsEnv(pki),
                stdin: true,
            },
        );
        let partial = "";
        this.psql.proc.stdout!.on("data", (chunk) => {
            partial += chunk;
            const parts = partial.split("\n");
            partial = parts.pop()!;
            this.lines.push(...parts);
            this.wake?.();
        });
        this.psql.proc.once("exit", () => this.wake?.());
        this.psql.proc.stdin!.on("error", () => undefined);
    }

    async run(maxRows: number, rowTimeoutMs = 10000): Promise<void> {
        for (let i = 1; i <= maxRows && !this.stopped && !this.psql.exited(); i++) {
            this.psql.proc.stdin!.write(`INSERT INTO drill (n) VALUES (${i}) RETURNING n;\n`);
            const deadline = Date.now() + rowTimeoutMs;
            while (!this.lines.includes(String(i)) && !this.psql.exited() && Date.now() < deadline) {
                await new Promise<void>((resolve) => {
                    this.wake = resolve;
                    setTimeout(resolve, 100);
                });
            }
            if (!this.lines.includes(String(i))) break;
            this.acked.push(i);
            this.lines = [];
        }
        this.stopped = true;
        this.psql.proc.stdin!.end();
        await whenExited(this.psql.proc, 3000);
    }

    stop(): void {
        this.stopped = true;
    }
}

const lsn = (s: string) => {
    const [hi, lo] = s.split("/");
    return BigInt(`0x${hi}`) * 2n ** 32n + BigInt(`0x${lo}`);
};

/** One failover drill: crash the primary under writes, promote, count acknowledged rows that are missing. */
export async function failoverDrill(
    group: ProcessGroup,
    plan: PostgresPlan,
    pki: TestPki,
    opts: { scenario: string; sync: Synchronous | undefined; promise: string; rpoZero: boolean; writeMs: number },
): Promise<DrillRow> {
    const cluster = await startCluster(group, plan, pki);
    const all = [cluster.primary, ...cluster.standbys].map((p) => p.name);
    const names = namesFor(plan, opts.sync, cluster.primary.name, all, all);
    await setSyncNames(cluster.primary, names);
    const env = tlsEnv(pki);
    const writer = new Writer(group, cluster.primary.dsn(), pki);
    const writing = writer.run(1000000);
    await sleep(opts.writeMs);
    const ackedBeforeCrash = writer.acked.length;
    const crashedAt = Date.now();
    cluster.primary.crash();
    await writing;
    // Promote the standby that received the most WAL (CloudNativePG's choice among the quorum).
    const received = await Promise.all(
        cluster.standbys.map(async (s) => lsn(await s.sql("SELECT pg_last_wal_receive_lsn()"))),
    );
    const best = received.indexOf(received.reduce((a, b) => (b > a ? b : a)));
    const promoted = cluster.standbys[best];
    const others = cluster.standbys.filter((s) => s !== promoted);
    await promoted.promote();
    const promotedAt = Date.now();
    // The operator's next steps: the other standbys follow the new primary; its synchronous names are recomputed
    // (required: every other instance, the lost one included; preferred: only the ready ones — none yet).
    for (const o of others) {
        await o.sql(
            `ALTER SYSTEM SET primary_conninfo = '${promoted.dsn()} sslmode=verify-full sslrootcert=${pki.caCert} application_name=${o.name}'`,
        );
        await o.sql("SELECT pg_reload_conf()");
    }
    const newNames = namesFor(plan, opts.sync, promoted.name, all, []);
    await setSyncNames(promoted, newNames);
    const probe = await run(
        path.join(PG_BIN!, "psql"),
        ["-X", "-A", "-t", "-c", "INSERT INTO drill (n) VALUES (-1) RETURNING n", promoted.dsn()],
        { env, timeoutMs: 60000 },
    );
    const writableAt = Date.now();
    if (probe.code !== 0) throw new Error(`no write accepted by ${promoted.name} after the failover: ${probe.stderr}`);
    const present = new Set((await promoted.sql("SELECT n FROM drill")).split("\n").map(Number));
    const lost = writer.acked.filter((n) => !present.has(n));
    const ok = opts.rpoZero ? lost.length === 0 : true;
    return {
        service: "PostgreSQL",
        scenario: opts.scenario,
        rpo: `${lost.length} of ${writer.acked.length} acknowledged rows lost`,
        rto: `${ms(writableAt - crashedAt)} (promotion ${ms(promotedAt - crashedAt)})`,
        promise: opts.promise,
        ok,
        measured: {
            synchronousStandbyNames: names,
            afterFailover: newNames,
            acknowledged: writer.acked.length,
            acknowledgedBeforeCrash: ackedBeforeCrash,
            lost: lost.length,
            promoted: promoted.name,
            crashToPromotedMs: promotedAt - crashedAt,
            crashToWritableMs: writableAt - crashedAt,
        },
    };
}
