/**
 * `npm run switchover -- --to us-west [--disaster] [--config key=value ...] [--out dir]`
 *
 * Moves the writable primaries (PostgreSQL, Redis sessions) to another region of the pair. It checks that
 * the committed stack files agree on `geo-data:primaryRegion`, rehearses the switched topology offline
 * (both stacks rendered with the target as primary — a rehearsal promotion token on the target, or
 * `disasterFailover` with `--disaster` — then CRD schemas and the policy pack, exactly as `npm run plan`),
 * and prints the ordered procedure: every step exact commands with the stacks, regions, namespaces and
 * kube contexts taken from config. It changes nothing itself.
 *
 * Planned switchover (no data loss): demote the current primary (primaryRegion = target, its promotion
 * token removed — CloudNativePG rejects a token on a replica cluster, cloudnative-pg#9273), read the
 * demotion token CloudNativePG writes to the demoted Cluster's status, promote the target with that token
 * (CloudNativePG waits until the target has replayed up to the demotion checkpoint). `--disaster`: the
 * current primary's region is lost; promote the survivor with `disasterFailover`, and rebuild the lost
 * region as a replica when it returns.
 *
 * This file is the command (arguments, checks, rehearsal); the procedure it prints is built in
 * tools/runbook/ (steps.ts, with every Redis step in redis-sessions.ts).
 */
import * as path from "path";
import { RawConfig, RegionConfig } from "../config";
import { checkConfigsAgree } from "../components/shared/pair";
import { ROOT, StackOutputs } from "./harness";
import { StackPlan, addOverride, plan, removeRendered, summarize } from "./plan";
import { UNDECRYPTABLE, stackNames } from "./stack-config";
import { PRIMARY_KEY, REHEARSAL_PROMOTION_TOKEN, TOKEN_KEY, loadPairConfigs, parsePair } from "./runbook/config";
import { Procedure, formatProcedure } from "./runbook/procedure";
import { switchoverSteps } from "./runbook/steps";

/** Parsed command line of switchover. */
export interface SwitchoverArgs {
    /** Target stack or region (`us-west`, `us-west-2`). */
    to: string;
    /** Print (and rehearse) the disaster-failover path: the current primary's region is lost. */
    disaster: boolean;
    /** `key=value` config overrides for every stack, `stack/key=value` for one (as in plan). */
    overrides: Record<string, string>;
    /** Where the rehearsal writes its renders. */
    out: string;
}

/** Parses switchover's arguments; throws on unknown flags or a missing --to. */
export function parseSwitchoverArgs(argv: string[]): SwitchoverArgs {
    let to: string | undefined;
    const args = {
        disaster: false,
        overrides: {} as Record<string, string>,
        out: path.join(ROOT, "out", "switchover"),
    };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        const next = () => {
            const v = argv[++i];
            if (v === undefined || v.startsWith("--")) throw new Error(`${a} needs a value`);
            return v;
        };
        if (a === "--to") to = next();
        else if (a === "--disaster") args.disaster = true;
        else if (a === "--out") args.out = path.resolve(next());
        else if (a === "--config") addOverride(args.overrides, next());
        else
            throw new Error(
                `unknown argument "${a}" (expected --to STACK|REGION, --disaster, --config key=value, --out DIR)`,
            );
    }
    if (to === undefined) throw new Error("missing --to STACK|REGION: the stack or region to make primary");
    return { to, ...args };
}

/** The stack a `--to` names: a stack name or a stack's region. Throws listing the valid targets. */
export function resolveTarget(to: string, configs: Record<string, RegionConfig>): string {
    const hit = Object.values(configs).find((c) => c.stack === to || c.region === to);
    if (hit) return hit.stack;
    const valid = Object.values(configs).flatMap((c) => [c.stack, c.region]);
    throw new Error(`unknown switchover target "${to}"; valid targets: ${valid.join(", ")}`);
}

/**
 * The config overrides of the switched topology, per stack (`stack/key`): every stack names the target's
 * region primary; the target gets the rehearsal token (or disasterFailover); the demoted stack neither.
 * User overrides apply first; these win over them.
 */
export function rehearsalOverrides(
    target: string,
    configs: Record<string, RegionConfig>,
    disaster: boolean,
    user: Record<string, string> = {},
): Record<string, string> {
    const out: Record<string, string> = { ...user };
    for (const s of Object.keys(configs)) {
        out[`${s}/primaryRegion`] = configs[target].region;
        out[`${s}/postgresPromotionToken`] = "";
        out[`${s}/disasterFailover`] = "false";
    }
    if (disaster) out[`${target}/disasterFailover`] = "true";
    else out[`${target}/postgresPromotionToken`] = REHEARSAL_PROMOTION_TOKEN;
    return out;
}

/**
 * Renders both stacks in the switched topology through `plan` (config validation, CRD schemas, policies).
 * For a disaster failover whose survivor reads the lost stack through a StackReference, that reference is
 * fed from the lost stack's *deployed* outputs (its committed config), which still claim primary.
 */
export async function rehearse(
    current: string,
    target: string,
    raw: Record<string, RawConfig>,
    opts: {
        disaster: boolean;
        overrides: Record<string, string>;
        out: string;
        /** The lost stack's deployed outputs, when already known; otherwise rendered from its committed config. */
        deployed?: StackOutputs;
    },
): Promise<StackPlan[]> {
    const configs = parsePair(raw);
    const overrides = rehearsalOverrides(target, configs, opts.disaster, opts.overrides);
    const referenced = configs[target].primaryStack;
    if (!opts.disaster || !referenced || referenced.split("/").pop() !== current) {
        return plan({ stacks: [], overrides, out: opts.out });
    }
    let deployed = opts.deployed;
    if (!deployed) {
        const readable = { ...opts.overrides };
        for (const [s, r] of Object.entries(raw))
            if (r[TOKEN_KEY] === UNDECRYPTABLE) readable[`${s}/postgresPromotionToken`] = REHEARSAL_PROMOTION_TOKEN;
        const [lost] = await plan({ stacks: [current], overrides: readable, out: deployedOut(opts.out) });
        deployed = { outputs: lost.render.outputs, secretOutputNames: lost.render.secretOutputNames };
    }
    return plan({ stacks: [], overrides, out: opts.out, stackReferences: { [referenced]: deployed } });
}

/** Where a disaster rehearsal writes the lost stack's render from its committed config (its deployed outputs). */
function deployedOut(out: string): string {
    return path.join(out, "deployed");
}

/** What `switchover` did. */
export interface SwitchoverResult {
    /** Process exit status. */
    status: number;
    /** The rehearsal's plans, when it ran. */
    plans?: StackPlan[];
    /** The printed procedure, when the rehearsal passed. */
    procedure?: Procedure;
}

/** The whole command: checks, rehearsal, procedure. `log` gets stdout lines, `err` stderr lines. */
export async function switchover(
    args: SwitchoverArgs,
    log: (line: string) => void = console.log,
    err: (line: string) => void = console.error,
): Promise<SwitchoverResult> {
    // A run that refuses or fails leaves no rehearsal output that looks current: an earlier run's goes first.
    for (const dir of [args.out, deployedOut(args.out)]) removeRendered(dir, stackNames());
    let raw: Record<string, RawConfig>;
    let configs: Record<string, RegionConfig>;
    let primaryRegion: string;
    try {
        raw = loadPairConfigs(args.overrides);
        configs = parsePair(raw);
        primaryRegion = checkConfigsAgree(Object.values(configs));
    } catch (e) {
        err(`refusing to switch over: ${(e as Error).message}`);
        err(
            `A switchover may be half done: compare with what is deployed (pulumi stack output primaryRegion --stack <stack>) and finish or revert it in the stack files first.`,
        );
        return { status: 1 };
    }
    let target: string;
    try {
        target = resolveTarget(args.to, configs);
    } catch (e) {
        err(`error: ${(e as Error).message}`);
        return { status: 1 };
    }
    const tgt = configs[target];
    if (tgt.region === primaryRegion) {
        const stacks = Object.keys(configs).join(", ");
        log(
            `${target} (${tgt.region}) is already the primary: ${PRIMARY_KEY} is ${primaryRegion} in every stack file (${stacks}); nothing to switch.`,
        );
        return { status: 0 };
    }
    const current = Object.values(configs).find((c) => c.region === primaryRegion)!.stack;

    const started = Date.now();
    log(
        args.disaster
            ? `rehearsal: disaster failover to ${target} — ${PRIMARY_KEY}=${tgt.region} in every stack, disasterFailover=true on ${target}, ${target} reading ${current}'s deployed outputs`
            : `rehearsal: switchover to ${target} — ${PRIMARY_KEY}=${tgt.region} in every stack, a rehearsal promotion token on ${target}, none on ${current}`,
    );
    let plans: StackPlan[];
    try {
        plans = await rehearse(current, target, raw, {
            disaster: args.disaster,
            overrides: args.overrides,
            out: args.out,
        });
    } catch (e) {
        err(`rehearsal FAILED: ${(e as Error).message}`);
        return { status: 1 };
    }
    const status = summarize(plans, log);
    const took = ((Date.now() - started) / 1000).toFixed(1);
    if (status !== 0) {
        err(`rehearsal FAILED in ${took}s: the switched topology does not pass schema validation or the policy pack`);
        return { status, plans };
    }
    log(`rehearsal ok in ${took}s`);
    log("");
    const procedure = switchoverSteps(current, target, raw, { disaster: args.disaster });
    for (const line of formatProcedure(procedure)) log(line);
    return { status: 0, plans, procedure };
}

/** The command line: parses `argv`, runs switchover, returns the exit status. */
export async function main(
    argv: string[],
    log: (line: string) => void = console.log,
    err: (line: string) => void = console.error,
): Promise<number> {
    let args: SwitchoverArgs;
    try {
        args = parseSwitchoverArgs(argv);
    } catch (e) {
        err(`error: ${(e as Error).message}`);
        return 1;
    }
    try {
        return (await switchover(args, log, err)).status;
    } catch (e) {
        err(`error: ${(e as Error).message}`);
        return 1;
    }
}

if (require.main === module) void main(process.argv.slice(2)).then((status) => (process.exitCode = status));
