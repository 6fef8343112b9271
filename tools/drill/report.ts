/**
 * The drill report: one row per drill (service, scenario, RPO and RTO as measured, what the rendered
 * configuration promised, whether the promise held) and one per throughput run, printed as tables and written
 * to out/drills/<stack>.json and .md. Every number in it was measured in the run that wrote it.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** One failure drill. */
export interface DrillRow {
    readonly service: string;
    readonly scenario: string;
    /** Acknowledged writes lost, as measured ("0 of 1234 acknowledged"). */
    readonly rpo: string;
    /** Time until writes were accepted again, as measured. */
    readonly rto: string;
    /** What the rendered configuration promises for this failure. */
    readonly promise: string;
    /** True when the measurement keeps the promise. */
    readonly ok: boolean;
    /** The raw measurements (milliseconds, counts, settings used). */
    readonly measured: Record<string, number | string | boolean>;
}

/** One throughput run. */
export interface ThroughputRow {
    readonly service: string;
    readonly scenario: string;
    readonly opsPerSecond: number;
    readonly latencyMs: number;
    readonly notes: string;
}

/** The whole report. */
export interface DrillReport {
    readonly stack: string;
    readonly mode: "short" | "full";
    readonly startedAt: string;
    readonly durationS: number;
    readonly host: { readonly cpus: number; readonly loadAverage1m: number; readonly platform: string };
    readonly versions: Record<string, string>;
    readonly drills: DrillRow[];
    readonly throughput: ThroughputRow[];
}

/** Problems with a report's structure (empty when well-formed); the CLI and its spec both check it. */
export function reportProblems(r: DrillReport): string[] {
    const problems: string[] = [];
    if (!/^us-(east|west)$/.test(r.stack)) problems.push(`stack ${r.stack}`);
    if (Number.isNaN(Date.parse(r.startedAt))) problems.push(`startedAt ${r.startedAt}`);
    if (!(r.durationS > 0)) problems.push(`durationS ${r.durationS}`);
    if (r.drills.length === 0) problems.push("no drills");
    for (const d of r.drills) {
        for (const k of ["service", "scenario", "rpo", "rto", "promise"] as const)
            if (typeof d[k] !== "string" || d[k] === "") problems.push(`${d.service}/${d.scenario}: empty ${k}`);
        if (typeof d.ok !== "boolean") problems.push(`${d.service}/${d.scenario}: ok is not a boolean`);
        for (const [k, v] of Object.entries(d.measured))
            if (typeof v === "number" && !Number.isFinite(v)) problems.push(`${d.service}/${d.scenario}: ${k} = ${v}`);
    }
    for (const t of r.throughput)
        if (!(t.opsPerSecond > 0) || !(t.latencyMs >= 0)) problems.push(`${t.service}/${t.scenario}: no throughput`);
    return problems;
}

export const ms = (n: number) => (n >= 10000 ? `${(n / 1000).toFixed(1)} s` : `${Math.round(n)} ms`);

/** A markdown table. */
export function table(head: string[], rows: string[][]): string {
    const esc = (c: string) => c.replace(/\|/g, "\\|").replace(/\n/g, " ");
    return [head, head.map(() => "---"), ...rows].map((r) => `| ${r.map(esc).join(" | ")} |`).join("\n");
}

/** The report as markdown (also what is printed). */
export function toMarkdown(r: DrillReport): string {
    const when = r.startedAt.replace("T", " ").replace(/\.\d+Z$/, " UTC");
    return [
        `Drills of stack ${r.stack} (${r.mode} mode), run ${when} in ${r.durationS.toFixed(0)} s on ${r.host.cpus} CPUs ` +
            `(load average ${r.host.loadAverage1m.toFixed(1)}); ${Object.entries(r.versions)
                .map(([k, v]) => `${k} ${v}`)
                .join(", ")}.`,
        "",
        table(
            ["service", "scenario", "RPO measured", "RTO measured", "the configuration promised", "kept"],
            r.drills.map((d) => [d.service, d.scenario, d.rpo, d.rto, d.promise, d.ok ? "yes" : "**NO**"]),
        ),
        "",
        table(
            ["service", "throughput run", "ops/s", "mean latency", "notes"],
            r.throughput.map((t) => [
                t.service,
                t.scenario,
                t.opsPerSecond.toFixed(0),
                `${t.latencyMs.toFixed(2)} ms`,
                t.notes,
            ]),
        ),
        "",
    ].join("\n");
}

/** Writes `<dir>/<stack>.json` and `.md`; returns their paths. */
export function writeReport(dir: string, r: DrillReport): string[] {
    fs.mkdirSync(dir, { recursive: true });
    const json = path.join(dir, `${r.stack}.json`);
    const md = path.join(dir, `${r.stack}.md`);
    fs.writeFileSync(json, JSON.stringify(r, null, 2) + "\n");
    fs.writeFileSync(md, `# Drill results: ${r.stack}\n\n${toMarkdown(r)}`);
    return [json, md];
}

/** Host facts for the report. */
export function host(): DrillReport["host"] {
    return { cpus: os.cpus().length, loadAverage1m: os.loadavg()[0], platform: `${os.platform()} ${os.release()}` };
}
