/**
 * `npm run bench [-- --runs N] [--no-plan] [--no-scale]`
 *
 * 1. Times `npm run plan` (both stacks, written to a temporary directory) against a bare load of the Pulumi
 *    SDK (`node -e "require('@pulumi/pulumi')"`, the floor any Pulumi program pays), alternating the two,
 *    one warm-up each then N counted runs (default 5). Prints the medians and the plan/SDK ratio, as the
 *    median of each pair's ratio (robust when the machine's speed drifts during the run) and as the ratio
 *    of the medians.
 * 2. Renders us-east's component set at 1×, 4× and 16× the default resource count (tools/bench-program.ts:
 *    N copies of DataRegion in one stack) in this process, after a warm-up render, and prints the time per
 *    resource at each size, so growth that is not linear shows.
 *
 * Wall-clock times of whole processes: on a shared machine quote the ratio, not the seconds.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT, renderStack } from "./harness";
import { loadStackConfig } from "./stack-config";

/** Parsed command line of bench. */
export interface BenchArgs {
    runs: number;
    plan: boolean;
    scale: boolean;
}

/** Parses bench's arguments; throws on unknown ones. */
export function parseBenchArgs(argv: string[]): BenchArgs {
    const args: BenchArgs = { runs: 5, plan: true, scale: true };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--runs") {
            const n = Number(argv[++i]);
            if (!Number.isInteger(n) || n < 1 || n > 50) throw new Error(`--runs expects 1 to 50, got "${argv[i]}"`);
            args.runs = n;
        } else if (a === "--no-plan") args.plan = false;
        else if (a === "--no-scale") args.scale = false;
        else throw new Error(`unknown argument "${a}" (expected --runs N, --no-plan, --no-scale)`);
    }
    return args;
}

/** The median of a non-empty list. */
export function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    const mid = Math.floor(s.length / 2);
    return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Runs a command to completion with its output discarded; its wall time in seconds. Throws when it fails. */
function timed(command: string, args: string[]): number {
    const start = process.hrtime.bigint();
    const r = spawnSync(command, args, { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (r.status !== 0) throw new Error(`${command} ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
    return seconds;
}

function benchPlan(runs: number, log: (line: string) => void): void {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "geo-bench-"));
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const plan = () => timed(npm, ["run", "--silent", "plan", "--", "--out", out]);
    const sdk = () => timed(process.execPath, ["-e", "require('@pulumi/pulumi')"]);
    try {
        log(`npm run plan vs node -e "require('@pulumi/pulumi')": 1 warm-up + ${runs} runs each, alternating`);
        plan();
        sdk();
        const a: number[] = [];
        const b: number[] = [];
        for (let i = 0; i < runs; i++) {
            a.push(plan());
            b.push(sdk());
        }
        const ratios = a.map((x, i) => x / b[i]);
        const fmt = (xs: number[]) =>
            `median ${median(xs).toFixed(2)} s (min ${Math.min(...xs).toFixed(2)}, max ${Math.max(...xs).toFixed(2)})`;
        log(`  npm run plan        ${fmt(a)}`);
        log(`  require SDK         ${fmt(b)}`);
        log(
            `  ratio plan/SDK      ${median(ratios).toFixed(2)}× (median of pairs; ratio of medians ${(median(a) / median(b)).toFixed(2)}×)`,
        );
    } finally {
        fs.rmSync(out, { recursive: true, force: true });
    }
}

async function benchScale(log: (line: string) => void): Promise<void> {
    const { config, secretKeys } = loadStackConfig("us-east");
    const program = path.join(ROOT, "tools", "bench-program.ts");
    let round = 0;
    const renderCopies = async (copies: number) => {
        const start = process.hrtime.bigint();
        // a distinct round per render: renderStack would otherwise return the cached result of the same config
        const r = await renderStack({
            stack: "us-east",
            config: { ...config, "geo-bench:copies": String(copies), "geo-bench:round": String(round++) },
            secretKeys,
            program,
        });
        return { resources: r.resources.length, ms: Number(process.hrtime.bigint() - start) / 1e6 };
    };
    await renderCopies(1); // warm-up: loads the program's modules
    log("render cost per resource (us-east component set, in-process, after a warm-up render)");
    let base: number | undefined;
    for (const copies of [1, 4, 16]) {
        const { resources, ms } = await renderCopies(copies);
        const per = ms / resources;
        base ??= per;
        log(
            `  ${String(copies).padStart(2)}×  ${String(resources).padStart(5)} resources  ${(ms / 1000).toFixed(2).padStart(6)} s  ${per.toFixed(2)} ms/resource (${(per / base).toFixed(2)}× the 1× cost)`,
        );
    }
}

async function main(): Promise<void> {
    try {
        const args = parseBenchArgs(process.argv.slice(2));
        if (args.plan) benchPlan(args.runs, console.log);
        if (args.scale) await benchScale(console.log);
    } catch (err) {
        console.error(`error: ${(err as Error).message}`);
        process.exitCode = 1;
    }
}

if (require.main === module) void main();
