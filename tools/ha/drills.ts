/**
 * A tolerant reader of the drill results `npm run drill` writes to out/drills/<stack>.json, so the
 * scorecard can put measured figures beside the promised ones. The file is optional and its shape is
 * owned by the drills; this reader accepts (documented in docs/review.md):
 *
 * - a top-level array of results, or an object with an array under `results`, `drills` or `rows`
 *   (one level of nesting: a drill object with its own `results` array is flattened);
 * - per result: `service` (or `name`/`drill`) naming the service — matched to a scorecard row by words
 *   (`pgbouncer`/`pooler`, `sentinel`/`sessions`, `redis`/`cluster`, `postgres`, `kafka`, `minio`);
 *   `scenario` (or `description`/`case`); RPO as `rpo`/`rpoMeasured`/`lostWrites`/`acknowledgedLost`/
 *   `rpoSeconds`; RTO as `rto`/`rtoMeasured`/`rtoSeconds`/`rtoMs`; optional boolean `ok`/`passed`.
 *
 * Anything else is ignored; an unreadable file is reported as a warning, never an error.
 */
import * as fs from "fs";
import * as path from "path";
import { Measured, ScoreRow } from "./model";

/** A drill result the reader understood, with the row key it belongs to. */
export interface DrillResult extends Measured {
    rowKey: string;
}

/** The row key a drill's service name belongs to, or undefined. */
export function rowKeyFor(service: string): string | undefined {
    const s = service.toLowerCase();
    if (/pgbouncer|pooler/.test(s)) return /\bro\b|read-only|-ro/.test(s) ? "pooler-ro" : "pooler-rw";
    if (/backup|restore|pitr/.test(s)) return "backups";
    if (/postgres|\bpg\b|cnpg/.test(s)) return "postgres";
    if (/sentinel|session/.test(s)) return "redis-sessions";
    if (/redis|cache|cluster-mode/.test(s)) return "redis-cache";
    if (/kafka|mirror/.test(s)) return "kafka";
    if (/minio|object/.test(s)) return "minio";
    return undefined;
}

function text(v: unknown, unit = ""): string | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v === "number") return `${Math.round(v * 100) / 100}${unit}`;
    if (typeof v === "string") return v;
    return JSON.stringify(v);
}

function first(o: Record<string, any>, keys: [string, string][]): string | undefined {
    for (const [k, unit] of keys) if (o[k] !== undefined) return text(o[k], unit);
    return undefined;
}

function entries(doc: unknown): Record<string, any>[] {
    const list = Array.isArray(doc)
        ? doc
        : doc && typeof doc === "object"
          ? ((doc as any).results ?? (doc as any).drills ?? (doc as any).rows ?? [])
          : [];
    if (!Array.isArray(list)) return [];
    const flat: Record<string, any>[] = [];
    for (const e of list) {
        if (!e || typeof e !== "object") continue;
        if (Array.isArray(e.results))
            for (const r of e.results)
                if (r && typeof r === "object") flat.push({ service: e.service ?? e.name ?? e.drill, ...r });
        flat.push(e);
    }
    return flat;
}

/** Parses a drill document (already JSON-decoded). */
export function parseDrills(doc: unknown): DrillResult[] {
    const out: DrillResult[] = [];
    for (const e of entries(doc)) {
        const service = String(e.service ?? e.name ?? e.drill ?? "");
        const rowKey = rowKeyFor(service);
        if (!rowKey) continue;
        const rpo = first(e, [
            ["rpo", ""],
            ["rpoMeasured", ""],
            ["lostWrites", " lost"],
            ["acknowledgedLost", " lost"],
            ["rpoSeconds", " s"],
        ]);
        const rto = first(e, [
            ["rto", ""],
            ["rtoMeasured", ""],
            ["rtoSeconds", " s"],
            ["rtoMs", " ms"],
        ]);
        if (rpo === undefined && rto === undefined) continue;
        const ok = typeof e.ok === "boolean" ? e.ok : typeof e.passed === "boolean" ? e.passed : undefined;
        out.push({ rowKey, scenario: String(e.scenario ?? e.description ?? e.case ?? service), rpo, rto, ok });
    }
    return out;
}

/** Reads `<outDir>/drills/<stack>.json` if present: the results, or a warning, or nothing. */
export function readDrills(outDir: string, stack: string): { file?: string; results: DrillResult[]; warning?: string } {
    const file = path.join(outDir, "drills", `${stack}.json`);
    if (!fs.existsSync(file)) return { results: [] };
    try {
        return { file, results: parseDrills(JSON.parse(fs.readFileSync(file, "utf8"))) };
    } catch (err) {
        return { file, results: [], warning: `${file}: ${(err as Error).message} (measured figures left out)` };
    }
}

/** Attaches drill results to the rows they belong to. */
export function attachMeasured(rows: ScoreRow[], results: DrillResult[]): void {
    for (const r of results) {
        const row = rows.find((x) => x.key === r.rowKey);
        if (!row) continue;
        const { rowKey: _k, ...m } = r;
        (row.measured ??= []).push(m);
    }
}
