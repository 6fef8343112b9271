/**
 * `npm run drill [-- --stack us-east|us-west] [--short] [--out DIR]` (or GEO_DRILL_SHORT=1 for --short)
 *
 * Failover drills on real local servers (PostgreSQL, PgBouncer, Redis) started from the configuration the
 * program renders for the stack, all on 127.0.0.1, TLS only: breaks things, measures, prints a table per
 * drill and writes out/drills/<stack>.json and .md. Exit status 1 when a drill breaks the promise of the
 * rendered configuration or fails to run. --short (CI) scales the failure-detection timeouts down (and says
 * so in the report) and shortens the benchmarks; the full run uses the rendered timeouts.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { ROOT } from "../harness";
import { AS_POSTGRES, PG_BIN } from "./postgres-local";
import { failoverDrill } from "./postgres-drills";
import { poolerDrills } from "./pooler-drills";
import { mintTestPki } from "./pki";
import { ProcessGroup, installed, run } from "./processes";
import { clusterDrills } from "./redis-drills";
import { postgresPlan, redisPlan, renderPair } from "./rendered";
import { DrillReport, DrillRow, ThroughputRow, host, reportProblems, toMarkdown, writeReport } from "./report";
import { sessionsDrills } from "./sessions-drills";

/** Parsed command line. */
export interface DrillArgs {
    stack: "us-east" | "us-west";
    short: boolean;
    out: string;
}

export function parseDrillArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): DrillArgs {
    const args: DrillArgs = {
        stack: "us-east",
        short: !!env.GEO_DRILL_SHORT && env.GEO_DRILL_SHORT !== "0",
        out: path.join(ROOT, "out", "drills"),
    };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--short") args.short = true;
        else if (a === "--stack" && (argv[i + 1] === "us-east" || argv[i + 1] === "us-west"))
            args.stack = argv[++i] as DrillArgs["stack"];
        else if (a === "--out" && argv[i + 1]) args.out = path.resolve(argv[++i]);
        else throw new Error(`unknown argument "${a}" (expected --stack us-east|us-west, --short, --out DIR)`);
    }
    return args;
}

const PGBOUNCER = installed("/usr/sbin/pgbouncer") ? "/usr/sbin/pgbouncer" : "pgbouncer";
const BINARIES = ["redis-server", "redis-cli", "redis-benchmark", "openssl", PGBOUNCER];

/** Installs the servers with the project's script when any is missing (as root; otherwise says how). */
function ensureServers(): void {
    const missing = () => [...BINARIES.filter((b) => !installed(b)), ...(PG_BIN ? [] : ["postgresql"])];
    if (missing().length === 0) return;
    console.log(`drill: missing ${missing().join(", ")}: running scripts/install-servers.sh`);
    const r = spawnSync("sh", [path.join(ROOT, "scripts", "install-servers.sh")], {
        stdio: "inherit",
        timeout: 900000,
    });
    if (r.status !== 0 || missing().length)
        throw new Error(`servers missing (${missing().join(", ")}); run scripts/install-servers.sh as root`);
}

async function versions(): Promise<Record<string, string>> {
    const v = async (file: string, args: string[], re: RegExp) => re.exec((await run(file, args)).stdout)?.[1] ?? "?";
    return {
        PostgreSQL: await v(path.join(PG_BIN!, "postgres"), ["--version"], /(\d+\.\d+)/),
        PgBouncer: await v(PGBOUNCER, ["--version"], /PgBouncer (\S+)/),
        Redis: await v("redis-server", ["--version"], /v=(\S+)/),
    };
}

/** Runs every drill; returns the report (not yet written). */
export async function drill(args: DrillArgs, log: (line: string) => void = console.log): Promise<DrillReport> {
    const startedAt = new Date();
    const t0 = Date.now();
    const pair = await renderPair();
    const standard = await renderPair({ postgresDurability: "standard" });
    const self = (p: typeof pair) => (args.stack === "us-east" ? p.east : p.west);
    const pg = postgresPlan(self(pair));
    const pgStandard = postgresPlan(self(standard));
    const redis = redisPlan(pair, args.stack);
    const s = args.short
        ? { writeMs: 1000, benchS: 2, scaleMs: 2000, benchRequests: 20000, observeMs: 3000 }
        : { writeMs: 5000, benchS: 10, scaleMs: undefined, benchRequests: 100000, observeMs: 20000 };
    const drills: DrillRow[] = [];
    const throughput: ThroughputRow[] = [];
    const group = new ProcessGroup("drill");
    try {
        const pkiDir = group.tempDir("pki");
        const pki = mintTestPki(path.join(pkiDir, "pki"));
        if (AS_POSTGRES) spawnSync("chown", ["-R", "postgres:postgres", pkiDir]);
        const step = async <T>(what: string, f: () => Promise<T>): Promise<T> => {
            const t = Date.now();
            const r = await f();
            log(`drill: ${what} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
            return r;
        };
        const sync = pg.synchronous;
        drills.push(
            await step("PostgreSQL critical failover", () =>
                failoverDrill(group, pg, pki, {
                    scenario: `primary crash under writes, durability ${pg.durability} (${sync?.method} ${sync?.number}, ${sync?.dataDurability ?? "required"})`,
                    sync,
                    promise:
                        "RPO 0: a commit is acknowledged only once a standby has it (quorum sync, dataDurability required)",
                    rpoZero: true,
                    writeMs: s.writeMs,
                }),
            ),
        );
        drills.push(
            await step("PostgreSQL standard failover", () =>
                failoverDrill(group, pgStandard, pki, {
                    scenario: `primary crash under writes, durability standard (${pgStandard.synchronous?.method} ${pgStandard.synchronous?.number}, preferred)`,
                    sync: pgStandard.synchronous,
                    promise:
                        "RPO 0 while a standby is healthy; writes never wait for a missing standby (the lost tail is reported)",
                    rpoZero: false,
                    writeMs: s.writeMs,
                }),
            ),
        );
        drills.push(
            await step("PostgreSQL asynchronous (cross-region replica) failover", () =>
                failoverDrill(group, pg, pki, {
                    scenario:
                        "primary lost, promotion of an asynchronous standby (as the us-west replica cluster streams)",
                    sync: undefined,
                    promise: "RPO > 0 possible: the unreplicated tail is lost (loopback has no WAN lag: a lower bound)",
                    rpoZero: false,
                    writeMs: s.writeMs,
                }),
            ),
        );
        const pooled = await step("PgBouncer and pgbench", () => poolerDrills(group, pg, pki, { benchS: s.benchS }));
        drills.push(...pooled.drills);
        throughput.push(...pooled.throughput);
        const cluster = await step("Redis cluster", () => clusterDrills(group, pki, redis, s));
        drills.push(...cluster.drills);
        throughput.push(...cluster.throughput);
        drills.push(...(await step("Redis sessions across regions", () => sessionsDrills(group, pki, redis, s))));
    } finally {
        await group.close();
    }
    return {
        stack: args.stack,
        mode: args.short ? "short" : "full",
        startedAt: startedAt.toISOString(),
        durationS: (Date.now() - t0) / 1000,
        host: host(),
        versions: await versions(),
        drills,
        throughput,
    };
}

async function main(): Promise<void> {
    try {
        const args = parseDrillArgs(process.argv.slice(2));
        ensureServers();
        const report = await drill(args);
        console.log(`\n${toMarkdown(report)}`);
        const files = writeReport(args.out, report);
        console.log(`wrote ${files.map((f) => path.relative(process.cwd(), f)).join(", ")}`);
        const problems = reportProblems(report);
        const broken = report.drills.filter((d) => !d.ok);
        for (const p of problems) console.error(`report: ${p}`);
        for (const d of broken) console.error(`promise broken: ${d.service} / ${d.scenario}: ${d.rpo}; ${d.rto}`);
        console.log(`drill ${problems.length || broken.length ? "FAILED" : "ok"} in ${report.durationS.toFixed(0)} s`);
        process.exitCode = problems.length || broken.length ? 1 : 0;
    } catch (err) {
        console.error(`drill: ${(err as Error).stack ?? err}`);
        process.exitCode = 1;
    }
}

if (require.main === module) void main();
