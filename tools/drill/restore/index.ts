/**
 * `npm run drill:restore [-- options]`: backups that provably restore. Reads the rendered plan
 * (out/<stack>/manifests.yaml + resources.json; runs `npm run plan` first when missing), checks the
 * region-loss route and lifecycle against retention, then for each stack runs real barman-cloud tools
 * against s3rver on 127.0.0.1 and a local PostgreSQL: archive, base backups, point-in-time restore from the
 * stack's bucket and from the peer's replicated copy, retention; prints and writes the measured table.
 *
 *   --stack us-east|us-west   only this stack (default both)
 *   --plan DIR                rendered plan directory (default out)
 *   --rows N                  rows of the batch replayed after the backup (default 30000)
 *   --barman auto|pypi|debian which Barman (default auto: scripts/install-barman.sh, else Debian's)
 *   --backup-id ID            restore this backup (must exist)
 *   --target-time TIME        recovery target instead of the recorded one (must be after the first backup)
 *   --endpoint-url URL        point Barman at this S3 endpoint instead of the local one
 */
import * as fs from "fs";
import * as path from "path";
import { ProcessGroup, run } from "../processes";
import { PG_BIN } from "../postgres-local";
import { findBarman } from "./barman";
import { checkBackupPair, restoreRoute } from "./checks";
import { DrillOptions, drillStack } from "./drill";
import { StackBackupPlan, loadStackPlan } from "./plan";
import { markdownTable, summarize, writeReport } from "./report";
import { startS3 } from "./s3";

const ROOT = path.resolve(__dirname, "../../..");
const STACKS = ["us-east", "us-west"] as const;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
interface Args extends Mutable<DrillOptions> {
    stacks: string[];
    plan: string;
    barman: "auto" | "pypi" | "debian";
}

export function parseArgs(argv: readonly string[]): Args {
    const a: Args = { stacks: [...STACKS], plan: path.join(ROOT, "out"), rows: 30000, barman: "auto" };
    const allowed: Record<string, (v: string) => void> = {
        "--stack": (v) => {
            if (!(STACKS as readonly string[]).includes(v)) throw new Error(`--stack ${v}: use ${STACKS.join(" or ")}`);
            a.stacks = [v];
        },
        "--plan": (v) => (a.plan = path.resolve(v)),
        "--rows": (v) => {
            if (!/^[1-9][0-9]*$/.test(v) || Number(v) > 5_000_000) throw new Error(`--rows ${v}: use 1..5000000`);
            a.rows = Number(v);
        },
        "--barman": (v) => {
            if (!["auto", "pypi", "debian"].includes(v)) throw new Error(`--barman ${v}: use auto, pypi or debian`);
            a.barman = v as Args["barman"];
        },
        "--backup-id": (v) => (a.backupId = v),
        "--target-time": (v) => {
            if (Number.isNaN(new Date(v).getTime())) throw new Error(`--target-time ${v}: not a timestamp`);
            a.targetTime = v;
        },
        "--endpoint-url": (v) => {
            if (!/^https?:\/\/[^/\s]+\/?$/.test(v)) throw new Error(`--endpoint-url ${v}: use http(s)://host:port`);
            a.endpointUrl = v;
        },
    };
    for (let i = 0; i < argv.length; i++) {
        const [flag, inline] = argv[i].split(/=(.*)/s);
        const set = allowed[flag];
        if (!set) throw new Error(`unknown option ${argv[i]} (options: ${Object.keys(allowed).join(", ")})`);
        const v = inline ?? argv[++i];
        if (v === undefined) throw new Error(`${flag} needs a value`);
        set(v);
    }
    return a;
}

async function main(): Promise<void> {
    const started = performance.now();
    const args = parseArgs(process.argv.slice(2));
    if (!PG_BIN) throw new Error("PostgreSQL is not installed: run scripts/install-servers.sh");
    if (STACKS.some((s) => !fs.existsSync(path.join(args.plan, s, "manifests.yaml")))) {
        if (args.plan !== path.join(ROOT, "out")) throw new Error(`${args.plan} has no rendered plan for both stacks`);
        console.log("drill:restore: no rendered plan yet; running npm run plan");
        const r = await run("npm", ["run", "plan"], { cwd: ROOT, timeoutMs: 300000 });
        if (r.code !== 0) throw new Error(`npm run plan failed:\n${r.stdout}${r.stderr}`);
    }
    const plans: Record<string, StackBackupPlan> = Object.fromEntries(
        STACKS.map((s) => [s, loadStackPlan(args.plan, s)]),
    );
    const problems = checkBackupPair(plans["us-east"], plans["us-west"]);
    if (problems.length)
        throw new Error(`the rendered plan cannot be restored as rendered:\n  - ${problems.join("\n  - ")}`);
    const rules = [...plans["us-east"].replication, ...plans["us-west"].replication];
    console.log(
        "drill:restore: plan checks ok (serverName, destinationPath, replication prefix, lifecycle vs retention)",
    );

    const group = new ProcessGroup("restore");
    try {
        const b = await findBarman(args.barman, console.log);
        console.log(
            `drill:restore: Barman ${b.version} from ${b.source} (${b.bin}); snappy ${b.snappy ? "yes" : "no"}, --sse-kms-key-id ${b.sseKmsKeyId ? "yes" : "no"}`,
        );
        const buckets = STACKS.flatMap((s) => plans[s].objectStores.map((o) => o.bucket));
        const s3 = await startS3(group, buckets);
        console.log(`drill:restore: s3rver on ${s3.endpoint} serving ${[...new Set(buckets)].join(", ")}`);
        const summaries = [];
        const measuredAt = new Date().toISOString().replace(/\.\d+Z$/, "Z");
        for (const stack of args.stacks) {
            const peer = STACKS.find((s) => s !== stack)!;
            const route = restoreRoute(plans[stack], plans[peer], rules);
            const result = await drillStack(group, b, s3.endpoint, plans[stack], route, args, console.log);
            const s = summarize(result, measuredAt);
            const files = writeReport(args.plan, result, s);
            console.log(`  wrote ${files.map((f) => path.relative(ROOT, f)).join(", ")}`);
            summaries.push(s);
        }
        console.log(`\n${markdownTable(summaries)}RTO: ${summaries[0].rtoEstimateBasis}.`);
        console.log(`drill:restore ok in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    } finally {
        await group.close();
    }
}

if (require.main === module)
    main().catch((e) => {
        console.error(`drill:restore FAILED: ${(e as Error).message}`);
        process.exitCode = 1;
    });
