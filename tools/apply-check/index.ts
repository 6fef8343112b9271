/**
 * `npm run apply-check [-- --stack us-east] [--kubeconfig FILE] [--no-updates] [--out DIR]`
 *
 * Applies every rendered object of each stack to a real kube-apiserver (scripts/kube/up.sh: etcd +
 * kube-apiserver built from the pinned Go modules, started on 127.0.0.1 and stopped at the end; or the
 * loopback server of `--kubeconfig` / `$GEO_APPLY_KUBECONFIG`): the pinned CRDs first, then server-side
 * apply in dependency order, then the update pass (tools/apply-check/updates.ts). Writes
 * out/apply/<stack>.json and prints a table. Exit status 1 on any rejection, any Pod Security finding at a
 * namespace's enforce level, or any update the server refuses in place that the program did not declare.
 */
import * as fs from "fs";
import * as path from "path";
import { ROOT, RecordedResource } from "../harness";
import { StackPlan, addOverride, plan } from "../plan";
import { defaultCrdDir } from "../schema/crd-catalog";
import { stackNames } from "../stack-config";
import {
    ApplyResult,
    Entry,
    Finding,
    Skipped,
    applyAll,
    describe,
    enforceLevelsOf,
    entriesOf,
    installCrds,
    readCrds,
    removeAll,
} from "./apply";
import { ControlPlane, buildBinaries, startControlPlane } from "./control-plane";
import { KubeClient, loadKubeconfig } from "./kube";
import { SIZE_VARIANTS, UpdateReport, Variant, applyUpdate, switchoverVariant } from "./updates";

/** Parsed command line. */
export interface ApplyCheckArgs {
    stacks: string[];
    kubeconfig?: string;
    updates: boolean;
    out: string;
    /** Extra `--config` overrides for every render (base and variants). */
    overrides: Record<string, string>;
}

export function parseApplyCheckArgs(argv: string[], env = process.env): ApplyCheckArgs {
    const args: ApplyCheckArgs = {
        stacks: [],
        kubeconfig: env.GEO_APPLY_KUBECONFIG || undefined,
        updates: true,
        out: path.join(ROOT, "out", "apply"),
        overrides: {},
    };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        const next = () => {
            const v = argv[++i];
            if (v === undefined) throw new Error(`${a} needs a value`);
            return v;
        };
        if (a === "--stack") args.stacks.push(next());
        else if (a === "--kubeconfig") args.kubeconfig = path.resolve(next());
        else if (a === "--no-updates") args.updates = false;
        else if (a === "--out") args.out = path.resolve(next());
        else if (a === "--config") addOverride(args.overrides, next());
        else
            throw new Error(
                `unknown argument "${a}" (expected --stack NAME, --kubeconfig FILE, --no-updates, --config key=value, --out DIR)`,
            );
    }
    return args;
}

/** What the check found for one stack (written as out/apply/<stack>.json). */
export interface StackReport extends ApplyResult {
    stack: string;
    kubernetesVersion: string;
    skipped: Skipped[];
    updates: UpdateReport[];
    /** Why the stack fails; empty = passed. */
    failures: string[];
    timings: { applyMs: number; updatesMs: number };
}

/** The reasons a stack report fails the check. */
export function failuresOf(r: Omit<StackReport, "failures">): string[] {
    const out: string[] = [];
    const line = (what: string, f: Finding) => out.push(`${what}: ${describe(f)}: ${f.message}`);
    for (const f of r.rejected) line("rejected", f);
    for (const w of r.warnings.filter((x) => x.level === "enforce")) line("Pod Security (enforce level)", w);
    for (const u of r.updates) {
        for (const f of u.refused) line(`update ${u.variant}: refused in place`, f);
        for (const f of u.rejected) line(`update ${u.variant}: rejected`, f);
        for (const w of u.warnings.filter((x) => x.level === "enforce"))
            line(`update ${u.variant}: Pod Security (enforce level)`, w);
    }
    return out;
}

/** Everything one run needs besides the server: the base render and the variants' renders. */
export interface Renders {
    base: StackPlan[];
    variants: { variant: Variant; plans: StackPlan[] }[];
}

/** Renders the base and every variant with the plan machinery (config validation included) into `out/render/`. */
export async function renderAll(args: ApplyCheckArgs, variants: Variant[]): Promise<Renders> {
    const renderDir = path.join(args.out, "render");
    const base = await plan({ stacks: [], overrides: args.overrides, out: path.join(renderDir, "base") });
    const out: Renders["variants"] = [];
    for (const variant of variants) {
        const plans = await plan({
            stacks: [],
            overrides: { ...args.overrides, ...variant.overrides },
            out: path.join(renderDir, variant.name),
        });
        out.push({ variant, plans });
    }
    return { base, variants: out };
}

/** One stack's objects to check: its base render and, per update, the render to apply over it. */
export interface StackInput {
    stack: string;
    resources: RecordedResource[];
    variants: { variant: Variant; resources: RecordedResource[] }[];
}

/** The inputs of each stack of `renders`. */
export function stackInputs(renders: Renders): StackInput[] {
    return renders.base.map((p) => ({
        stack: p.render.stack,
        resources: p.render.resources,
        variants: renders.variants.map(({ variant, plans }) => ({
            variant,
            resources: plans.find((x) => x.render.stack === p.render.stack)!.render.resources,
        })),
    }));
}

/** Applies one stack's base render, then each variant over it; leaves the cluster as it found it. */
export async function checkStack(client: KubeClient, input: StackInput, version: string): Promise<StackReport> {
    const { entries, skipped } = entriesOf(input.resources);
    const levels = enforceLevelsOf(entries.map((e) => e.obj));
    const t0 = Date.now();
    const result = await applyAll(client, entries, levels);
    const t1 = Date.now();
    const updates: UpdateReport[] = [];
    for (const { variant, resources } of input.variants) {
        const next: Entry[] = entriesOf(resources).entries;
        const nextLevels = new Map([...levels, ...enforceLevelsOf(next.map((e) => e.obj))]);
        updates.push(await applyUpdate(client, variant, entries, next, nextLevels));
    }
    const t2 = Date.now();
    await removeAll(
        client,
        entries.map((e) => e.obj),
    );
    const report = {
        stack: input.stack,
        kubernetesVersion: version,
        ...result,
        skipped,
        updates,
        timings: { applyMs: t1 - t0, updatesMs: t2 - t1 },
    };
    return { ...report, failures: failuresOf(report) };
}

function pad(cells: (string | number)[], widths: number[]): string {
    return cells
        .map((c, i) => String(c).padEnd(widths[i]))
        .join("  ")
        .trimEnd();
}

/** The short table (and every finding below it). */
export function formatReports(reports: StackReport[]): string[] {
    const head = [
        "stack",
        "applied",
        "rejected",
        "PSA enforce",
        "PSA warn",
        "other warnings",
        "skipped",
        "updates",
        "refused",
        "replaced",
        "time",
    ];
    const widths = head.map((h) => Math.max(h.length, 8));
    const lines = [pad(head, widths)];
    for (const r of reports) {
        const all = [...r.warnings, ...r.updates.flatMap((u) => u.warnings)];
        lines.push(
            pad(
                [
                    r.stack,
                    r.applied.length,
                    r.rejected.length + r.updates.reduce((n, u) => n + u.rejected.length, 0),
                    all.filter((w) => w.level === "enforce").length,
                    all.filter((w) => w.level === "warn").length,
                    all.filter((w) => w.level === "other").length,
                    r.skipped.length,
                    r.updates.length,
                    r.updates.reduce((n, u) => n + u.refused.length, 0),
                    r.updates.reduce((n, u) => n + u.replaced.length, 0),
                    `${((r.timings.applyMs + r.timings.updatesMs) / 1000).toFixed(1)}s`,
                ],
                widths,
            ),
        );
    }
    for (const r of reports) {
        for (const f of r.failures) lines.push(`  ${r.stack} FAIL ${f}`);
        for (const w of [...r.warnings, ...r.updates.flatMap((u) => u.warnings)].filter((x) => x.level !== "enforce"))
            lines.push(`  ${r.stack} warning (${w.level}) ${describe(w)}: ${w.message}`);
        for (const u of r.updates) {
            for (const f of u.replaced) lines.push(`  ${r.stack} update ${u.variant}: ${describe(f)} ${f.message}`);
            for (const i of u.ignored)
                lines.push(
                    `  ${r.stack} update ${u.variant}: ${describe(i)} unchanged (ignoreChanges ${i.paths.join(", ")})`,
                );
        }
        for (const s of r.skipped) lines.push(`  ${r.stack} skipped ${s.type} ${s.resource}: ${s.reason}`);
    }
    return lines;
}

/** The whole check against a running server; returns the reports (written to `args.out`). */
export async function applyCheck(args: ApplyCheckArgs, kubeconfig: string, renders: Renders): Promise<StackReport[]> {
    const client = new KubeClient(loadKubeconfig(kubeconfig));
    try {
        const version = (await client.request("GET", "/version")).body?.gitVersion ?? "unknown";
        const crdDir = defaultCrdDir();
        const crds = readCrds(crdDir);
        if (!crds.length) throw new Error(`no CRDs in ${crdDir}: set GEO_CRD_DIR or run npm run fetch-crds`);
        const crdRejections = await installCrds(client, crds);
        if (crdRejections.length)
            throw new Error(`pinned CRDs rejected: ${crdRejections.map((f) => `${f.name}: ${f.message}`).join("; ")}`);
        const reports: StackReport[] = [];
        for (const input of stackInputs(renders)) reports.push(await checkStack(client, input, version));
        fs.mkdirSync(args.out, { recursive: true });
        for (const r of reports)
            fs.writeFileSync(path.join(args.out, `${r.stack}.json`), JSON.stringify(r, null, 2) + "\n");
        return reports;
    } finally {
        client.close();
    }
}

async function main(): Promise<void> {
    const started = Date.now();
    let cp: ControlPlane | undefined;
    try {
        const args = parseApplyCheckArgs(process.argv.slice(2));
        for (const s of args.stacks) if (!stackNames().includes(s)) throw new Error(`unknown stack "${s}"`);
        const variants = args.updates ? [switchoverVariant(), ...SIZE_VARIANTS] : [];
        const renders = await renderAll(args, variants);
        if (args.stacks.length) renders.base = renders.base.filter((p) => args.stacks.includes(p.render.stack));
        console.log(
            `rendered ${renders.base.length} stack(s) and ${variants.length} update(s) in ${((Date.now() - started) / 1000).toFixed(1)}s`,
        );
        let kubeconfig = args.kubeconfig;
        if (!kubeconfig) {
            buildBinaries();
            cp = await startControlPlane();
            kubeconfig = cp.kubeconfig;
            console.log(`control plane ready in ${(cp.startupMs / 1000).toFixed(1)}s`);
        }
        const reports = await applyCheck(args, kubeconfig, renders);
        console.log(`kube-apiserver ${reports[0]?.kubernetesVersion}; CRDs from ${defaultCrdDir()}`);
        for (const line of formatReports(reports)) console.log(line);
        const failed = reports.some((r) => r.failures.length);
        console.log(
            `apply-check ${failed ? "FAILED" : "ok"} in ${((Date.now() - started) / 1000).toFixed(1)}s; wrote ${path.relative(process.cwd(), args.out)}/<stack>.json`,
        );
        process.exitCode = failed ? 1 : 0;
    } catch (err) {
        console.error(`error: ${(err as Error).message}`);
        process.exitCode = 1;
    } finally {
        await cp?.stop();
    }
}

if (require.main === module) void main();
