/**
 * The PrometheusRules of a rendered stack as Prometheus rule files: what prometheus-operator hands to
 * Prometheus (one file per PrometheusRule, its `spec` verbatim). `npm run plan` writes them to
 * out/<stack>/rules/; test/alerts-promtool.spec.ts runs `promtool check rules` and `promtool test rules` on
 * exactly these.
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";

/** One rule file: a PrometheusRule's groups. */
export interface RuleFile {
    /** File name: `<namespace>--<name>.yaml`. */
    readonly file: string;
    readonly namespace: string;
    /** metadata.name of the PrometheusRule. */
    readonly name: string;
    readonly groups: readonly RuleGroup[];
}

export interface RuleGroup {
    readonly name: string;
    readonly rules: readonly Rule[];
}

export interface Rule {
    readonly alert: string;
    readonly expr: string;
    readonly for?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
}

/** The rule files of a stack's Kubernetes objects (manifests.yaml), sorted by file name. */
export function ruleFiles(objects: readonly Record<string, any>[]): RuleFile[] {
    return objects
        .filter((o) => o.kind === "PrometheusRule")
        .map((o) => ({
            file: `${o.metadata.namespace}--${o.metadata.name}.yaml`,
            namespace: o.metadata.namespace,
            name: o.metadata.name,
            groups: o.spec.groups,
        }))
        .sort((a, b) => a.file.localeCompare(b.file));
}

/** Writes each rule file into `dir` (created); returns their paths. */
export function writeRuleFiles(dir: string, files: readonly RuleFile[]): string[] {
    fs.mkdirSync(dir, { recursive: true });
    return files.map((f) => {
        const p = path.join(dir, f.file);
        fs.writeFileSync(p, yaml.dump({ groups: f.groups }, { lineWidth: -1, noRefs: true }));
        return p;
    });
}

/** Go duration of a rule's `for` ("5m", "1h30m", "90s") in seconds; 0 when absent. */
export function durationSeconds(d: string | undefined): number {
    if (!d) return 0;
    const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };
    let total = 0;
    let rest = d;
    while (rest.length) {
        const m = /^(\d+)(ms|s|m|h|d|w|y)/.exec(rest);
        if (!m) throw new Error(`not a Prometheus duration: "${d}"`);
        total += Number(m[1]) * units[m[2]];
        rest = rest.slice(m[0].length);
    }
    return total;
}
