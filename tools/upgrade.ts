/**
 * `npm run upgrade -- <plan|cutover|rollback> [--to 18] [--deadline-ms 500] [--config key=value ...] [--out dir]`
 *
 * Prints the ordered steps of a PostgreSQL major-version upgrade by logical replication on the primary-role
 * stack, and checks them first: the stack's current upgrade keys allow the action (cutover needs stage
 * `replicate`, rollback needs `switched`), every config a step leaves behind renders through `npm run plan`'s
 * pipeline (config validation, CRD schemas, policy pack), and every `kubectl patch` the pause window applies
 * to the Poolers sets exactly what that step's config renders — so the `pulumi up` after it changes nothing on
 * them. It changes nothing itself. The steps are built in tools/runbook/upgrade.ts.
 */
import * as path from "path";
import { RegionConfig } from "../config";
import { checkConfigsAgree } from "../components/shared/pair";
import { ROOT } from "./harness";
import { StackPlan, addOverride, plan, summarize } from "./plan";
import { loadPairConfigs, parsePair } from "./runbook/config";
import { formatProcedure } from "./runbook/procedure";
import { UPGRADE_ACTIONS, UpgradeAction, UpgradeStep, upgradeSteps } from "./runbook/upgrade";

/** Parsed command line of upgrade. */
export interface UpgradeArgs {
    action: UpgradeAction;
    /** Target major (plan only; later actions read postgresUpgradeTargetVersion). */
    to?: number;
    deadlineMs?: number;
    overrides: Record<string, string>;
    out: string;
}

/** Parses upgrade's arguments; throws on unknown flags or a missing action. */
export function parseUpgradeArgs(argv: string[]): UpgradeArgs {
    const args: UpgradeArgs = { action: "plan", overrides: {}, out: path.join(ROOT, "out", "upgrade") };
    let action: string | undefined;
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        const next = () => {
            const v = argv[++i];
            if (v === undefined || v.startsWith("--")) throw new Error(`${a} needs a value`);
            return v;
        };
        const int = (v: string) => {
            if (!/^[0-9]+$/.test(v)) throw new Error(`${a} expects a whole number, got ${JSON.stringify(v)}`);
            return Number(v);
        };
        if (a === "--to") args.to = int(next());
        else if (a === "--deadline-ms") args.deadlineMs = int(next());
        else if (a === "--config") addOverride(args.overrides, next());
        else if (a === "--out") args.out = path.resolve(next());
        else if (!a.startsWith("--") && action === undefined) action = a;
        else
            throw new Error(
                `unknown argument "${a}" (expected ${UPGRADE_ACTIONS.join("|")}, --to N, --deadline-ms N, --config key=value, --out DIR)`,
            );
    }
    if (!action || !(UPGRADE_ACTIONS as readonly string[]).includes(action))
        throw new Error(`expected an action: ${UPGRADE_ACTIONS.join(", ")}`);
    return { ...args, action: action as UpgradeAction };
}

/** Why `action` cannot run from the stack's current upgrade keys, or undefined. */
export function refusal(c: RegionConfig, action: UpgradeAction, to?: number): string | undefined {
    const u = c.postgres.upgrade;
    if (action === "plan") {
        if (!u && !to) return "pass --to <major> (e.g. --to 18)";
        if (u && to && u.targetVersion !== to)
            return `${c.stack} is already upgrading to ${u.targetVersion} (postgresUpgradeTargetVersion)`;
        if (u && u.stage !== "replicate") return `${c.stack} is at stage ${u.stage}: the plan is behind it`;
        return undefined;
    }
    if (!u) return `${c.stack} has no postgresUpgradeTargetVersion: run \`npm run upgrade -- plan --to <major>\` first`;
    if (c.postgres.poolerPaused)
        return `postgresPoolerPaused is already true on ${c.stack}: a cutover or rollback is half done`;
    const needs = action === "cutover" ? "replicate" : "switched";
    if (u.stage !== needs) return `${action} needs postgresUpgradeStage ${needs}; ${c.stack} is at ${u.stage}`;
    return undefined;
}

/** Reads `a.b.c` of an object. */
function at(o: unknown, keys: string[]): unknown {
    return keys.reduce<unknown>(
        (v, k) => (v && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined),
        o,
    );
}

/** Differences between a merge patch and a rendered object: `path: patch sets X, render has Y`. */
export function patchMismatches(patch: Record<string, unknown>, rendered: unknown, prefix: string[] = []): string[] {
    const out: string[] = [];
    for (const [k, v] of Object.entries(patch)) {
        const keys = [...prefix, k];
        if (v && typeof v === "object" && !Array.isArray(v))
            out.push(...patchMismatches(v as Record<string, unknown>, rendered, keys));
        else {
            const have = at(rendered, keys);
            const want = v === null ? undefined : v;
            if (JSON.stringify(have) !== JSON.stringify(want))
                out.push(
                    `${keys.join(".")}: the patch sets ${JSON.stringify(v)}, the config renders ${JSON.stringify(have)}`,
                );
        }
    }
    return out;
}

/** The whole command. `log` gets stdout lines, `err` stderr lines; returns the exit status. */
export async function upgrade(
    args: UpgradeArgs,
    log: (line: string) => void = console.log,
    err: (line: string) => void = console.error,
): Promise<number> {
    const raw = loadPairConfigs(args.overrides);
    const configs = parsePair(raw);
    const primaryRegion = checkConfigsAgree(Object.values(configs));
    const c = Object.values(configs).find((x) => x.region === primaryRegion)!;
    const why = refusal(c, args.action, args.to);
    if (why) {
        err(`refusing to print the ${args.action}: ${why}`);
        return 1;
    }
    const procedure = upgradeSteps(c, args.action, { target: args.to, deadlineMs: args.deadlineMs });
    const steps = procedure.steps as readonly UpgradeStep[];
    // Every distinct config the steps leave behind, rendered once.
    const states = new Map<string, StackPlan>();
    const started = Date.now();
    for (const s of steps) {
        if (!s.config) continue;
        const key = JSON.stringify(s.config);
        if (states.has(key)) continue;
        const overrides = { ...args.overrides };
        for (const [k, v] of Object.entries(s.config)) overrides[`${c.stack}/${k}`] = v;
        log(
            `check: ${c.stack} with ${Object.entries(s.config)
                .map(([k, v]) => `${k}=${v}`)
                .join(" ")}`,
        );
        const [rendered] = await plan({ stacks: [c.stack], overrides, out: path.join(args.out, String(states.size)) });
        if (summarize([rendered], log) !== 0) {
            err(`check FAILED: the config after "${s.title}" does not pass schema validation or the policy pack`);
            return 1;
        }
        states.set(key, rendered);
    }
    const problems: string[] = [];
    for (const s of steps) {
        for (const p of s.patches ?? []) {
            const rendered = states.get(JSON.stringify(s.config))!;
            const pooler = rendered.objects.find((o) => o.kind === "Pooler" && o.metadata?.name === p.pooler);
            if (!pooler) problems.push(`${s.title}: no Pooler ${p.pooler} rendered`);
            else for (const m of patchMismatches(p.patch, pooler)) problems.push(`${s.title}: ${p.pooler} ${m}`);
        }
    }
    if (problems.length) {
        for (const p of problems) err(`check FAILED: ${p}`);
        return 1;
    }
    log(
        `checks ok in ${((Date.now() - started) / 1000).toFixed(1)}s: ${states.size} config state(s) rendered, Pooler patches match them`,
    );
    log("");
    for (const line of formatProcedure(procedure)) log(line);
    steps.forEach((s, i) => {
        if (s.config)
            log(
                `config after step ${i + 1}: ${Object.entries(s.config)
                    .map(([k, v]) => `${k}=${v}`)
                    .join(" ")}`,
            );
    });
    return 0;
}

/** The command line: parses `argv`, runs upgrade, returns the exit status. */
export async function main(
    argv: string[],
    log: (line: string) => void = console.log,
    err: (line: string) => void = console.error,
): Promise<number> {
    try {
        return await upgrade(parseUpgradeArgs(argv), log, err);
    } catch (e) {
        err(`error: ${(e as Error).message}`);
        return 1;
    }
}

if (require.main === module) void main(process.argv.slice(2)).then((status) => (process.exitCode = status));
