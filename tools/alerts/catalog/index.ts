/**
 * Where each metric name of an alert or panel comes from, with the labels the exporter itself puts on it
 * (target labels come from the monitor: tools/alerts/scope.ts). Pinned lists taken from the operators'
 * source at the pinned versions (generated: generate.ts; hand-kept with a reference: the other JSON files);
 * Redis names come from a live scrape of redis_exporter instead (test/alerts-metrics.spec.ts).
 */
import * as fs from "fs";
import * as path from "path";

/** A pinned metric list: where it was taken from, and each metric's own labels. */
export interface Catalog {
    readonly source: string;
    readonly metrics: Readonly<Record<string, readonly string[]>>;
}

/** Every pinned catalog of this folder, by file name without `.json`. */
export function pinnedCatalogs(): Record<string, Catalog> {
    const out: Record<string, Catalog> = {};
    for (const f of fs
        .readdirSync(__dirname)
        .filter((f) => f.endsWith(".json"))
        .sort()) {
        out[f.slice(0, -5)] = JSON.parse(fs.readFileSync(path.join(__dirname, f), "utf8"));
    }
    return out;
}
