/**
 * `npm run drill:upgrade [-- --seconds 4 --clients 4 --deadline-ms 500 --no-rollback --max-stall-ms 10000]`
 *
 * Rehearses the major-upgrade cutover (and its rollback) on real local servers: two PostgreSQL instances named
 * and configured as the program renders the old and the new cluster (TLS-only pg_hba, SCRAM, the replication
 * role of the cluster spec), the new one's schema imported schema-only, the rendered Publications and
 * Subscriptions (components/postgres/upgrade.ts) created from their specs, a PgBouncer configured from the
 * rendered Pooler spec in front, and a client load that never stops. The cutover runs the runbook's own SQL
 * (tools/runbook/upgrade.ts): PAUSE, a deadline for in-flight transactions then the stragglers terminated,
 * catch-up to the old primary's last LSN, sequence sync, the forward subscription stopped and the rollback
 * slot opened, the clients switched to the new cluster's PgBouncer (held paused until then, as the program renders
 * the idle cluster's rw Pooler) and the old one's waiting clients KILLed. Then the rollback the same way in reverse.
 *
 * Reported: the longest stall of any write (first attempt → acknowledgment), the pause windows, and that every
 * acknowledged write is in the cluster that serves at the end (and in the other one, through the rollback
 * subscription). Only one PostgreSQL major is installable here, so both servers run the same version: the
 * rehearsal proves the procedure and the measurements, not a cross-version catalog.
 */
import * as path from "path";
import { POSTGRES_KEYS } from "../../config";
import { PG_HBA_RULES, TLS_PARAMETERS } from "../../components/postgres/cluster-args";
import { poolerSpec, validatePoolerArgs } from "../../components/postgres/pooler";
import {
    ReplicationLink,
    UPGRADE_REPLICATION_ROLE,
    publicationSpec,
    upgradePlan,
} from "../../components/postgres/upgrade";
import { POSTGRES_MAJOR } from "../../components/shared/versions";
import {
    DEFAULT_DEADLINE_MS,
    SEQUENCE_OFFSET,
    caughtUpSql,
    rollbackSlotSql,
    terminateSessionsSql,
} from "../runbook/upgrade";
import { LocalPgBouncer, PsqlSession, WriteLoad } from "./pgbouncer-local";
import { AS_POSTGRES, LocalPostgres, PG_BIN, pgRun } from "./postgres-local";
import { ProcessGroup, installed, mustRun, sleep, waitFor } from "./processes";

/** Options of the rehearsal. */
export interface RehearsalOptions {
    /** Seconds of load before, between and after the switches. Defaults to 4. */
    readonly seconds: number;
    /** Concurrent writers. Defaults to 4. */
    readonly clients: number;
    readonly deadlineMs: number;
    /** Also rehearse the rollback. Defaults to true. */
    readonly rollback: boolean;
    /** A write stalled longer than this fails the rehearsal. Defaults to 10000. */
    readonly maxStallMs: number;
}

export function parseRehearsalArgs(argv: string[]): RehearsalOptions {
    const o = { seconds: 4, clients: 4, deadlineMs: DEFAULT_DEADLINE_MS, rollback: true, maxStallMs: 10000 };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        const num = () => {
            const v = Number(argv[++i]);
            if (!Number.isFinite(v) || v <= 0) throw new Error(`${a} expects a positive number`);
            return v;
        };
        if (a === "--seconds") o.seconds = num();
        else if (a === "--clients") o.clients = Math.round(num());
        else if (a === "--deadline-ms") o.deadlineMs = num();
        else if (a === "--max-stall-ms") o.maxStallMs = num();
        else if (a === "--no-rollback") o.rollback = false;
        else throw new Error(`unknown argument ${a}`);
    }
    return o;
}

import { DB, OWNER, PASSWORDS, createSubscriptionSql, mintTls } from "./upgrade-fixtures";

/** The outcome of one switch. */
interface Switch {
    readonly pauseWindowMs: number;
    readonly pauseReturnedMs: number;
    readonly terminated: number;
    readonly sequences: number;
    /** ms since the PAUSE at the end of each phase. */
    readonly phases: Readonly<Record<string, number>>;
}

/** One side of a switch: a server and the PgBouncer (Pooler) in front of it. */
interface Side {
    readonly server: LocalPostgres;
    readonly bouncer: LocalPgBouncer;
}

/** The runbook's switch from `from` to `to` over `link`: the clients move to `to`'s PgBouncer. */
async function switchOver(
    from: Side,
    to: Side,
    load: WriteLoad,
    link: ReplicationLink,
    opts: { deadlineMs: number; openSlot?: ReplicationLink; serverMajor: number },
): Promise<Switch> {
    // Persistent sessions, opened before the pause: the window measures the procedure, not process starts.
    const s = {
        from: superuser(from.server),
        to: superuser(to.server),
        fromAdmin: from.bouncer.adminSession(),
        toAdmin: to.bouncer.adminSession(),
    };
    try {
        await Promise.all([s.from.query("SELECT 1"), s.to.query("SELECT 1")]);
        await Promise.all([s.fromAdmin.query("SHOW VERSION"), s.toAdmin.query("SHOW VERSION")]);
        return await switchWith(from, to, s, load, link, opts);
    } finally {
        for (const x of Object.values(s)) x.close();
    }
}

/** A superuser session on the application database over the server's socket. */
function superuser(s: LocalPostgres): PsqlSession {
    const psql = path.join(PG_BIN!, "psql");
    return new PsqlSession(AS_POSTGRES ? ["runuser", "-u", "postgres", "--", psql] : [psql], [
        "-h",
        s.dir,
        "-p",
        String(s.port),
        "-U",
        "postgres",
        "-d",
        DB,
    ]);
}

async function switchWith(
    fromSide: Side,
    toSide: Side,
    x: { from: PsqlSession; to: PsqlSession; fromAdmin: PsqlSession; toAdmin: PsqlSession },
    load: WriteLoad,
    link: ReplicationLink,
    opts: { deadlineMs: number; openSlot?: ReplicationLink; serverMajor: number },
): Promise<Switch> {
    const t0 = Date.now();
    const phases: Record<string, number> = {};
    const mark = (phase: string) => (phases[phase] = Date.now() - t0);
    const pause = fromSide.bouncer.adminAsync(`PAUSE ${DB}`);
    const early = await Promise.race([pause.done, sleep(opts.deadlineMs).then(() => undefined)]);
    const terminated = early ? 0 : Number((await x.from.query(terminateSessionsSql(DB)))[0]);
    const paused = await Promise.race([pause.done, sleep(10000).then(() => undefined)]);
    if (!paused || paused.code !== 0) throw new Error("PgBouncer PAUSE did not complete within 10 s");
    mark("paused");
    const [lsn] = await x.from.query("SELECT pg_current_wal_lsn()");
    await waitFor(
        `${link.subscription} to apply up to ${lsn}`,
        async () => ((await x.from.query(caughtUpSql(link, lsn)))[0] === "t" ? true : undefined),
        1000,
        5,
    );
    mark("caught-up");
    // Sequences, as `kubectl cnpg subscription sync-sequences --offset`: the source's value plus the offset.
    const seqs = await x.from.query(
        "SELECT format('%I.%I', schemaname, sequencename) || ' ' || coalesce(last_value, 0) FROM pg_sequences",
    );
    for (const line of seqs) {
        const [name, value] = line.split(" ");
        await x.to.query(`SELECT setval('${name}', ${Number(value) + SEQUENCE_OFFSET})`);
    }
    mark("sequences");
    await x.to.query(`ALTER SUBSCRIPTION ${link.subscription} DISABLE`);
    if (opts.openSlot) await x.to.query(rollbackSlotSql(opts.openSlot, opts.serverMajor));
    mark("slots");
    // The clients' switch (their pooler host), the new side resumed, the old side's waiting clients dropped
    // (KILL: they reconnect to the new host); the old side stays paused.
    load.setDsn(toSide.bouncer.dsn(OWNER, DB));
    await x.toAdmin.query(`RESUME ${DB}`);
    await x.fromAdmin.query(`KILL ${DB}`);
    mark("resumed");
    return { pauseWindowMs: Date.now() - t0, pauseReturnedMs: paused.ms, terminated, sequences: seqs.length, phases };
}

/** Runs the rehearsal; returns the report lines and whether it passed. */
export async function rehearse(o: RehearsalOptions, log: (l: string) => void = console.log): Promise<boolean> {
    const group = new ProcessGroup("upgrade");
    let oldSide: Side | undefined;
    let newSide: Side | undefined;
    let load: WriteLoad | undefined;
    try {
        const serverMajor = Number(/ (\d+)/.exec((await pgRun("postgres", ["--version"])).stdout)![1]);
        const plan = upgradePlan("pg", POSTGRES_MAJOR + 1);
        log(
            `servers: PostgreSQL ${serverMajor} for both ${plan.oldCluster} and ${plan.newCluster} (only one major is installable here; the program targets ${POSTGRES_MAJOR} → ${plan.major})`,
        );
        const tls = await mintTls(group);
        const parameters = {
            ...TLS_PARAMETERS,
            ssl: "on",
            ssl_ca_file: tls.ca,
            ssl_cert_file: tls.cert,
            ssl_key_file: tls.key,
            wal_level: "logical",
        };
        const hba = [...PG_HBA_RULES, "host all all all scram-sha-256"];
        const old = await LocalPostgres.init(group, plan.oldCluster, { parameters, hba });
        const next = await LocalPostgres.init(group, plan.newCluster, { parameters, hba });
        await Promise.all([old.start(), next.start()]);
        for (const s of [old, next]) {
            await s.sql(`CREATE ROLE ${OWNER} LOGIN PASSWORD '${PASSWORDS.app}'`);
            await s.sql(`CREATE DATABASE ${DB} OWNER ${OWNER}`);
            await s.sql(
                `CREATE ROLE ${UPGRADE_REPLICATION_ROLE} LOGIN REPLICATION IN ROLE pg_read_all_data PASSWORD '${PASSWORDS.replicator}'`,
            );
        }
        await old.sql(
            "CREATE TABLE writes (id bigserial PRIMARY KEY, client int NOT NULL, seq int NOT NULL, at timestamptz NOT NULL DEFAULT now(), UNIQUE (client, seq)); " +
                "INSERT INTO writes (client, seq) SELECT -1, g FROM generate_series(1, 1000) g",
            { db: DB, user: OWNER },
        );
        // The new cluster: the old one's schema only (what bootstrap.initdb.import with schemaOnly restores).
        const dump = await mustRun(
            path.join(PG_BIN!, "pg_dump"),
            [
                "--schema-only",
                "--no-owner",
                "--no-privileges",
                `host=127.0.0.1 port=${old.port} user=${UPGRADE_REPLICATION_ROLE} dbname=${DB} sslmode=verify-full sslrootcert=${tls.ca}`,
            ],
            { env: { PGPASSWORD: PASSWORDS.replicator } },
        );
        await mustRun(
            "psql",
            ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", next.dir, "-p", String(next.port), "-U", OWNER, "-d", DB],
            { input: dump.stdout, env: { PGHOST: next.dir } },
        );
        for (const [server, l] of [
            [old, plan.forward],
            [next, plan.rollback],
        ] as const) {
            const spec = publicationSpec(l, DB) as { target: { allTables: boolean } };
            await server.sql(`CREATE PUBLICATION ${l.publication} ${spec.target.allTables ? "FOR ALL TABLES" : ""}`, {
                db: DB,
            });
        }
        await next.sql(createSubscriptionSql(plan.forward, old, tls.ca, serverMajor), { db: DB });
        await waitFor(
            "the initial copy",
            async () =>
                (await next.sql("SELECT count(*) FROM pg_subscription_rel WHERE srsubstate <> 'r'", { db: DB })) === "0"
                    ? true
                    : undefined,
            300,
            100,
        );
        // PgBouncer as the rendered read-write Pooler configures it (defaults of the postgres keys).
        const pooler = poolerSpec(
            validatePoolerArgs({
                poolerName: "pg-pooler-rw",
                namespace: "local",
                clusterName: plan.oldCluster,
                type: "rw",
                poolMode: POSTGRES_KEYS.postgresPoolMode.default as "session",
                maxClientConn: POSTGRES_KEYS.postgresMaxClientConn.default,
                defaultPoolSize: POSTGRES_KEYS.postgresDefaultPoolSize.default,
            }),
        ) as { pgbouncer: { poolMode: string; parameters: Record<string, string> } };
        const settings = {
            database: DB,
            poolMode: pooler.pgbouncer.poolMode,
            maxClientConn: Number(pooler.pgbouncer.parameters.max_client_conn),
            defaultPoolSize: Number(pooler.pgbouncer.parameters.default_pool_size),
            users: { [OWNER]: PASSWORDS.app, admin: PASSWORDS.app },
            admin: "admin",
            tls,
        };
        // One PgBouncer per cluster, as the program renders one Pooler pair per cluster; the new cluster's is paused.
        oldSide = { server: old, bouncer: await LocalPgBouncer.start(group, settings, old.port) };
        newSide = { server: next, bouncer: await LocalPgBouncer.start(group, settings, next.port) };
        const held = await newSide.bouncer.admin(`PAUSE ${DB}`);
        if (held.code !== 0) throw new Error(`PAUSE of the new side's PgBouncer failed: ${held.stderr}`);
        log(
            `pgbouncer: one per cluster, pool_mode ${pooler.pgbouncer.poolMode}, TLS to clients, verify-full to the server; ${o.clients} writers, ${o.seconds}s per phase`,
        );
        load = new WriteLoad(
            oldSide.bouncer.dsn(OWNER, DB),
            PASSWORDS.app,
            (c, s) =>
                `INSERT INTO writes (client, seq) VALUES (${c}, ${s}) ON CONFLICT (client, seq) DO UPDATE SET seq = EXCLUDED.seq RETURNING id;`,
        );
        load.start(o.clients);
        await sleep(o.seconds * 1000);
        const cut = await switchOver(oldSide, newSide, load, plan.forward, {
            deadlineMs: o.deadlineMs,
            openSlot: plan.rollback,
            serverMajor,
        });
        log(
            `cutover ${plan.oldCluster} → ${plan.newCluster}: pause window ${cut.pauseWindowMs} ms (PAUSE returned after ${cut.pauseReturnedMs} ms, ${cut.terminated} session(s) terminated at the ${o.deadlineMs} ms deadline), ${cut.sequences} sequence(s) synced; ms after PAUSE: ${JSON.stringify(cut.phases)}`,
        );
        await old.sql(createSubscriptionSql(plan.rollback, next, tls.ca, serverMajor), { db: DB });
        await sleep(o.seconds * 1000);
        let final = next;
        if (o.rollback) {
            const back = await switchOver(newSide, oldSide, load, plan.rollback, {
                deadlineMs: o.deadlineMs,
                serverMajor,
            });
            log(
                `rollback ${plan.newCluster} → ${plan.oldCluster}: pause window ${back.pauseWindowMs} ms (${back.terminated} session(s) terminated), ${back.sequences} sequence(s) synced; ms after PAUSE: ${JSON.stringify(back.phases)}`,
            );
            final = old;
            await sleep(o.seconds * 1000);
        }
        await load.stop();
        if (!o.rollback) {
            // The rollback path: the old cluster follows the new one through rollback_from_v18.
            const lsn = await next.sql("SELECT pg_current_wal_lsn()");
            await waitFor(
                "the rollback subscription to catch up",
                async () => ((await next.sql(caughtUpSql(plan.rollback, lsn), { db: DB })) === "t" ? true : undefined),
                300,
                20,
            );
            const count = (s: LocalPostgres) => s.sql("SELECT count(*) FROM writes", { db: DB });
            const [a, b] = [await count(next), await count(old)];
            log(
                `rollback path: ${plan.oldCluster} holds ${b} rows, ${plan.newCluster} ${a}${a === b ? " (equal)" : " — DIFFERENT"}`,
            );
            if (a !== b) return false;
        }
        const rows = new Set(
            (await final.sql("SELECT client || ':' || seq FROM writes WHERE client >= 0", { db: DB }))
                .split("\n")
                .filter(Boolean),
        );
        const lost = load.acks.filter((a) => !rows.has(`${a.client}:${a.seq}`));
        const lat = load.acks.map((a) => a.latencyMs).sort((x, y) => x - y);
        const longest = lat[lat.length - 1] ?? 0;
        const p50 = lat[Math.floor(lat.length / 2)] ?? 0;
        log(
            `writes acknowledged: ${load.acks.length} (${load.failedAttempts} attempt(s) retried on a new session); median ${p50} ms, longest stall ${longest} ms`,
        );
        log(
            `lost acknowledged writes: ${lost.length} (every acknowledged (client, seq) checked in ${final.name}, which serves at the end)`,
        );
        const ok = lost.length === 0 && longest <= o.maxStallMs && load.acks.length > 0 && !load.errors.length;
        log(
            ok
                ? "upgrade rehearsal ok"
                : `upgrade rehearsal FAILED (lost ${lost.length}, longest stall ${longest} ms > ${o.maxStallMs} ms allowed?)`,
        );
        return ok;
    } catch (e) {
        const gone = [oldSide, newSide].map((x) => x?.bouncer.exited()).filter(Boolean);
        throw new Error(`${(e as Error).message}${gone.length ? `\n${gone.join("\n")}` : ""}`);
    } finally {
        await load?.stop(2000);
        await group.close();
    }
}

async function main(argv: string[]): Promise<number> {
    const missing = [
        PG_BIN ? undefined : "postgresql",
        installed("pgbouncer") ? undefined : "pgbouncer",
        installed("openssl") ? undefined : "openssl",
    ].filter(Boolean);
    if (missing.length) {
        console.error(`drill:upgrade needs ${missing.join(", ")}: run scripts/install-servers.sh`);
        return 1;
    }
    try {
        return (await rehearse(parseRehearsalArgs(argv))) ? 0 : 1;
    } catch (e) {
        console.error(`upgrade rehearsal FAILED: ${(e as Error).stack ?? e}`);
        return 1;
    }
}

if (require.main === module) void main(process.argv.slice(2)).then((s) => (process.exitCode = s));
