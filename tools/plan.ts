/**
 * `npm run plan [-- --stack us-west] [--config key=value ...] [--out dir]`
 *
 * Renders the stacks offline under Pulumi's runtime mocks — the same program `pulumi up` runs — and writes
 * out/<stack>/manifests.yaml, resources.json and outputs.json; then validates every Kubernetes object
 * against the pinned CRD schemas and runs the policy pack. Exit status 1 on invalid config, a schema error
 * or a mandatory policy violation.
 */
import * as fs from "fs";
import * as path from "path";
import { parseRegionConfig } from "../config";
import { checkConfigsAgree } from "../components/shared/pair";
import { policies } from "../policies/policies";
import { RecordedResource, ROOT, RenderResult, StackOutputs, redact, renderStack } from "./harness";
import { manifestObjects } from "./manifests";
import { Violation, groupByPolicy, loadPolicyConfig, runPolicies } from "./policy-runner";
import type { SchemaIssue } from "./schema";
import { ManifestChecker, defaultChecker, inlineChecker } from "./schema/thread";
import { loadStackConfig, stackNames } from "./stack-config";
import { checkovSummary } from "./checkov";
import { Scorecard, scorecard, toMarkdown, toText } from "./ha/scorecard";
import { readDrills } from "./ha/drills";
import { ruleFiles, writeRuleFiles } from "./alerts/rule-files";

/** Parsed command line of plan. */
export interface PlanArgs {
    /** Stacks to write (default: all). Stacks they reference are rendered first in memory. */
    stacks: string[];
    /** `key=value` config overrides applied to every stack; `stack/key=value` to one stack. */
    overrides: Record<string, string>;
    /** Output directory. */
    out: string;
    /**
     * Outputs to serve for `StackReference`s, by fully qualified stack name, instead of rendering the
     * referenced stack with this plan's config: its deployed state (e.g. a lost region's last outputs).
     */
    stackReferences?: Record<string, StackOutputs>;
    /** `--diff REF`: also render REF (a git ref) and print the scorecard change and per-resource diff. */
    diff?: string;
    /** `--json`: print one JSON document on stdout instead of the summary (progress stays on stderr). */
    json?: boolean;
    /** Called as each stack passes a phase (render, schema, policies, scorecard), with its duration. */
    progress?: (stack: string, phase: string, seconds: number) => void;
    /**
     * Check the manifests (schema, YAML) on a worker thread beside the render (tools/schema/thread.ts): the
     * command line's default; library callers check inline unless they ask.
     */
    threaded?: boolean;
}

/** The result of planning one stack. */
export interface StackPlan {
    render: RenderResult;
    objects: Record<string, any>[];
    schemaIssues: SchemaIssue[];
    /** manifests.yaml, as the manifest check wrote it (set before plan() writes or returns). */
    manifestsYaml?: string;
    violations: Violation[];
    /** What the rendered resources survive (pod, node, zone, region), with RPO/RTO: tools/ha. */
    scorecard?: Scorecard;
    /** Where the files were written (relative to the working directory), once written. */
    outDir?: string;
}

/** Adds one `--config` value (`key=value` or `stack/key=value`) to `overrides`; throws on anything else. */
export function addOverride(overrides: Record<string, string>, kv: string): void {
    const eq = kv.indexOf("=");
    if (eq <= 0) throw new Error(`--config expects key=value, got "${kv}"`);
    overrides[kv.slice(0, eq)] = kv.slice(eq + 1);
}

/** Parses plan's arguments; throws on unknown flags. */
export function parsePlanArgs(argv: string[]): PlanArgs {
    const args: PlanArgs = { stacks: [], overrides: {}, out: path.join(ROOT, "out") };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        const next = () => {
            const v = argv[++i];
            if (v === undefined) throw new Error(`${a} needs a value`);
            return v;
        };
        if (a === "--stack") args.stacks.push(next());
        else if (a === "--out") args.out = path.resolve(next());
        else if (a === "--config") addOverride(args.overrides, next());
        else if (a === "--diff") args.diff = next();
        else if (a === "--json") args.json = true;
        else
            throw new Error(
                `unknown argument "${a}" (expected --stack NAME, --config key=value, --out DIR, --diff REF, --json)`,
            );
    }
    return args;
}

/** The overrides that apply to `stack`: unprefixed ones, then `stack/key` ones. */
export function overridesFor(stack: string, overrides: Record<string, string>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(overrides)) if (!k.includes("/")) out[k] = v;
    for (const [k, v] of Object.entries(overrides)) if (k.startsWith(`${stack}/`)) out[k.slice(stack.length + 1)] = v;
    return out;
}

/** The stack a `primaryStack` reference (`org/project/stack`) points at. */
function referencedStack(config: Record<string, string>): string | undefined {
    const ref = config["geo-data:primaryStack"];
    return ref ? ref.split("/").pop() : undefined;
}

/** Renders, validates and checks the requested stacks (and, in memory, the stacks they reference). */
export async function plan(args: PlanArgs): Promise<StackPlan[]> {
    const all = stackNames();
    const wanted = [...new Set(args.stacks.length ? args.stacks : all)];
    // A failed run must leave no output that looks current: what an earlier run wrote for these stacks goes
    // first, and this run writes only once every stack has rendered.
    removeRendered(
        args.out,
        wanted.filter((s) => all.includes(s)),
    );
    for (const s of wanted) if (!all.includes(s)) throw new Error(`unknown stack "${s}" (stacks: ${all.join(", ")})`);
    const configs = new Map(all.map((s) => [s, loadStackConfig(s, overridesFor(s, args.overrides))]));
    // Split brain by config fails here, before anything renders: every stack must name the same primary.
    checkConfigsAgree(all.map((stack) => parseRegionConfig(configs.get(stack)!.config, stack)));
    const checker: ManifestChecker = args.threaded ? defaultChecker() : inlineChecker();
    try {
        return await planWith(args, wanted, configs, checker);
    } finally {
        await checker.close();
    }
}

async function planWith(
    args: PlanArgs,
    wanted: string[],
    configs: Map<string, ReturnType<typeof loadStackConfig>>,
    checker: ManifestChecker,
): Promise<StackPlan[]> {
    const rendered = new Map<string, StackPlan>();
    /** Each stack's manifest check, settling in the background while the next stack renders. */
    const checks: Promise<void>[] = [];
    const renderOne = async (stack: string, chain: string[] = []): Promise<StackPlan> => {
        const done = rendered.get(stack);
        if (done) return done;
        if (chain.includes(stack)) throw new Error(`stack references form a cycle: ${[...chain, stack].join(" -> ")}`);
        const { config, secretKeys } = configs.get(stack)!;
        const stackReferences: Record<string, StackOutputs> = {};
        const ref = referencedStack(config);
        const deployed = args.stackReferences?.[config["geo-data:primaryStack"]];
        if (deployed) {
            stackReferences[config["geo-data:primaryStack"]] = deployed;
        } else if (ref) {
            if (!configs.has(ref))
                throw new Error(`${stack}: geo-data:primaryStack points at "${ref}", which has no Pulumi.${ref}.yaml`);
            const peer = await renderOne(ref, [...chain, stack]);
            stackReferences[config["geo-data:primaryStack"]] = {
                outputs: peer.render.outputs,
                secretOutputNames: peer.render.secretOutputNames,
            };
        }
        const t = Date.now();
        const render = await renderStack({ stack, config, secretKeys, stackReferences });
        args.progress?.(stack, "render", (Date.now() - t) / 1000);
        const objects = manifestObjects(render.resources);
        // Policies run below, once every stack is rendered (each sees the others' outputs).
        const result: StackPlan = { render, objects, schemaIssues: [], violations: [] };
        const checked = checker.check(objects).then((c) => {
            result.schemaIssues = c.schemaIssues;
            result.manifestsYaml = c.yaml;
            args.progress?.(stack, "schema", c.seconds);
        });
        checked.catch(() => undefined); // awaited below; a failure must not count as unhandled meanwhile
        checks.push(checked);
        rendered.set(stack, result);
        return result;
    };

    const plans: StackPlan[] = [];
    for (const stack of wanted) plans.push(await renderOne(stack));
    // The policy pack, each stack with the pack's default config and the other rendered stacks' outputs as its
    // peers (the pairwise view: the cross-region policies check both directions; tools/policy-runner.ts).
    const config = loadPolicyConfig();
    for (const p of rendered.values()) {
        const t = Date.now();
        const peers = Object.fromEntries(
            [...rendered.values()]
                .filter((o) => o !== p)
                .map((o) => [o.render.stack, o.render.outputs as Record<string, unknown>]),
        );
        p.violations = await runPolicies(policies, p.render.resources, { stack: p.render.stack, config, peers });
        args.progress?.(p.render.stack, "policies", (Date.now() - t) / 1000);
    }
    for (const p of plans) {
        const t = Date.now();
        const stack = p.render.stack;
        const peer = [...rendered.values()].find((o) => o.render.stack !== stack);
        p.scorecard = scorecard(stack, p.render.resources, {
            peer: peer?.render.resources,
            drills: readDrills(args.out, stack),
        });
        args.progress?.(stack, "scorecard", (Date.now() - t) / 1000);
    }
    await Promise.all(checks);
    writeAll(args.out, plans);
    return plans;
}

/** Removes `<outDir>/<stack>/` of each stack, as written by an earlier plan. */
export function removeRendered(outDir: string, stacks: string[]): void {
    for (const stack of stacks) fs.rmSync(path.join(outDir, stack), { recursive: true, force: true });
}

/**
 * Writes each plan to a temporary directory beside its `<outDir>/<stack>/`, then moves them all into place;
 * when anything fails, none of them is left behind.
 */
function writeAll(outDir: string, plans: StackPlan[]): void {
    const staged: { tmp: string; dir: string }[] = [];
    try {
        for (const p of plans) {
            const dir = path.join(outDir, p.render.stack);
            const tmp = path.join(outDir, `.${p.render.stack}.partial-${process.pid}`);
            staged.push({ tmp, dir });
            fs.rmSync(tmp, { recursive: true, force: true });
            writeFiles(tmp, p);
        }
        for (const { tmp, dir } of staged) {
            fs.rmSync(dir, { recursive: true, force: true });
            fs.renameSync(tmp, dir);
        }
    } catch (err) {
        for (const { tmp, dir } of staged) {
            fs.rmSync(tmp, { recursive: true, force: true });
            fs.rmSync(dir, { recursive: true, force: true });
        }
        throw err;
    }
    for (const p of plans) p.outDir = path.relative(process.cwd(), path.join(outDir, p.render.stack)) || ".";
}

function writeFiles(dir: string, p: StackPlan): void {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "manifests.yaml"), p.manifestsYaml!);
    // The PrometheusRules as Prometheus rule files (promtool check/test rules read these).
    writeRuleFiles(path.join(dir, "rules"), ruleFiles(p.objects));
    fs.writeFileSync(path.join(dir, "resources.json"), JSON.stringify(redact(p.render.resources), null, 2) + "\n");
    const outputs = Object.fromEntries(
        Object.entries(p.render.outputs).map(([k, v]) => [
            k,
            p.render.secretOutputNames.includes(k) ? "[secret]" : redact(v),
        ]),
    );
    fs.writeFileSync(path.join(dir, "outputs.json"), JSON.stringify(outputs, null, 2) + "\n");
    if (p.scorecard) {
        fs.writeFileSync(path.join(dir, "ha.md"), toMarkdown(p.scorecard));
        fs.writeFileSync(path.join(dir, "ha.json"), JSON.stringify(p.scorecard, null, 2) + "\n");
    }
}

/** Resource counts by kind, most first: "Namespace 9, Chart 5". */
export function countByKind(resources: RecordedResource[]): string {
    const counts = new Map<string, number>();
    for (const r of resources) {
        const kind = r.type.slice(r.type.lastIndexOf(":") + 1);
        counts.set(kind, (counts.get(kind) ?? 0) + 1);
    }
    return [...counts]
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .map(([k, n]) => `${k} ${n}`)
        .join(", ");
}

/** The checkov count for the manifests just written (not run here: npm run checkov; see tools/checkov). */
function checkovLine(outDir: string, stack: string): string {
    const dir = path.resolve(outDir);
    return checkovSummary(path.dirname(dir), stack, fs.readFileSync(path.join(dir, "manifests.yaml"), "utf8"));
}

/** Prints the per-stack summary; returns the process exit status. */
export function summarize(plans: StackPlan[], log: (line: string) => void = console.log): number {
    let failed = false;
    for (const p of plans) {
        const o = p.render.outputs as Record<string, unknown>;
        const mandatory = p.violations.filter((v) => v.enforcementLevel === "mandatory");
        log(`${p.render.stack}: ${o.awsRegion} role=${o.role} primaryRegion=${o.primaryRegion}`);
        for (const w of p.render.warnings) log(`  warning: ${w}`);
        log(`  resources: ${p.render.resources.length} (${countByKind(p.render.resources)})`);
        log(`  kubernetes objects: ${p.objects.length}; schema: ${p.schemaIssues.length} error(s)`);
        for (const s of p.schemaIssues) log(`    schema ${s.apiVersion}/${s.kind} ${s.name}: ${s.path} ${s.message}`);
        log(
            `  policies: ${mandatory.length} mandatory, ${p.violations.length - mandatory.length} advisory violation(s)`,
        );
        for (const g of groupByPolicy(p.violations)) {
            log(`    ${g.policyName} (${g.enforcementLevel}): ${g.violations.length}`);
            for (const v of g.violations) log(`      ${v.type} ${v.name}: ${v.message}`);
        }
        if (p.scorecard) {
            log(`  HA scorecard (survives losing one pod / node / zone / the region):`);
            for (const l of toText(p.scorecard)) log(`  ${l}`);
        }
        if (p.outDir) log(`  wrote ${p.outDir}/{manifests.yaml,resources.json,outputs.json,ha.md,ha.json}`);
        if (p.outDir) log(`  ${checkovLine(p.outDir, p.render.stack)}`);
        if (p.schemaIssues.length || mandatory.length) failed = true;
    }
    return failed ? 1 : 0;
}

/** The machine-readable result of `--json`. */
function planJson(plans: StackPlan[], status: number, review?: unknown): unknown {
    return {
        ok: status === 0,
        stacks: plans.map((p) => ({
            stack: p.render.stack,
            outputs: { role: p.render.outputs.role, primaryRegion: p.render.outputs.primaryRegion },
            resources: p.render.resources.length,
            objects: p.objects.length,
            warnings: p.render.warnings,
            schemaIssues: p.schemaIssues,
            violations: p.violations,
            scorecard: p.scorecard,
            outDir: p.outDir,
        })),
        ...(review ? { review } : {}),
    };
}

async function main(): Promise<void> {
    const started = Date.now();
    // Progress goes to stderr, so `--json` keeps stdout one JSON document.
    const progress = (stack: string, phase: string, seconds: number) =>
        process.stderr.write(
            `[plan ${((Date.now() - started) / 1000).toFixed(1)}s] ${stack}: ${phase} ${seconds.toFixed(2)}s\n`,
        );
    try {
        const args = { ...parsePlanArgs(process.argv.slice(2)), progress, threaded: true };
        const plans = await plan(args);
        const lines: string[] = [];
        const status = summarize(plans, (l) => lines.push(l));
        let review: import("./diff/review").Review | undefined;
        if (args.diff) {
            const { runDiff } = await import("./diff");
            review = runDiff(args.diff, plans, args.out, progress);
            const { reviewLines } = await import("./diff/review");
            lines.push(
                ...reviewLines(review),
                `  wrote ${path.relative(process.cwd(), args.out) || "."}/review.{md,json}`,
            );
        }
        if (args.json) console.log(JSON.stringify(planJson(plans, status, review), null, 2));
        else {
            for (const l of lines) console.log(l);
            console.log(`plan ${status === 0 ? "ok" : "FAILED"} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
        }
        process.exitCode = status;
    } catch (err) {
        console.error(`error: ${(err as Error).message}`);
        process.exitCode = 1;
    }
}

if (require.main === module) void main();
