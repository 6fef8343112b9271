/**
 * Every metric name and label matcher of an alert (and, later, a dashboard panel) checked against where it
 * comes from. Expressions are parsed with Prometheus's own PromQL grammar (@prometheus-io/lezer-promql), not
 * with regular expressions: each vector selector's metric must be in a catalog (tools/alerts/catalog, or a
 * live scrape), each matcher's label must be one the monitor attaches to the target (scope.ts) or one the
 * exporter puts on that metric, and a matcher on a target label must ask for the value the monitor attaches.
 */
import { RuleFile } from "./rule-files";
import { Scope } from "./scope";

/** One label matcher of a selector. */
export interface Matcher {
    readonly label: string;
    readonly op: string;
    readonly value: string;
}

/** One vector selector: its metric name (undefined for `{…}` without a name) and matchers. */
export interface Selector {
    readonly metric?: string;
    readonly matchers: readonly Matcher[];
}

/** The parts of a lezer syntax tree used here (@lezer/common's SyntaxNode and TreeCursor). */
interface Node {
    readonly from: number;
    readonly to: number;
    getChild(name: string): Node | null;
    getChildren(name: string): Node[];
}
interface Cursor {
    readonly name: string;
    readonly from: number;
    readonly type: { readonly isError: boolean };
    readonly node: Node;
    next(): boolean;
}

/** Prometheus's PromQL grammar for lezer (a devDependency; loaded on first use). */
function promqlParser(): { parse(text: string): { cursor(): Cursor } } {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require("@prometheus-io/lezer-promql").parser;
}

/** The vector selectors of a PromQL expression; throws on a syntax error. */
export function selectorsOf(expr: string): Selector[] {
    const tree = promqlParser().parse(expr);
    const out: Selector[] = [];
    const text = (from: number, to: number) => expr.slice(from, to);
    const cursor = tree.cursor();
    do {
        if (cursor.type.isError) throw new Error(`PromQL syntax error at ${cursor.from} in: ${expr}`);
        if (cursor.name !== "VectorSelector") continue;
        const node = cursor.node;
        const metric = node.getChild("Identifier");
        const matchers: Matcher[] = [];
        const list = node.getChild("LabelMatchers");
        for (const m of list
            ? [...list.getChildren("UnquotedLabelMatcher"), ...list.getChildren("QuotedLabelMatcher")]
            : []) {
            const label = m.getChild("LabelName") ?? m.getChild("QuotedLabelName");
            const op = m.getChild("MatchOp");
            const value = m.getChild("StringLiteral");
            if (!label || !op || !value) throw new Error(`cannot read matcher "${text(m.from, m.to)}" in: ${expr}`);
            matchers.push({
                label: text(label.from, label.to).replace(/^"|"$/g, ""),
                op: text(op.from, op.to),
                value: JSON.parse(text(value.from, value.to).replace(/^'|'$/g, '"')),
            });
        }
        out.push({ metric: metric ? text(metric.from, metric.to) : undefined, matchers });
    } while (cursor.next());
    return out;
}

/** Labels that identify the target (their values are fixed by the monitor). */
const FIXED = ["namespace", "job", "service", "cnpg_io_cluster", "cnpg_io_poolerName", "strimzi_io_cluster"];

/** Metrics scraped by another job than the rule file's monitor: their target labels are checked loosely. */
const OTHER_JOB = new Set(["kube_job_status_failed", "kafka_consumergroup_lag"]);

/**
 * Problems of one expression in one scope: unknown metrics, labels no series carries, target labels asking for
 * a value the monitor does not attach. `known` maps each known metric to the labels its exporter adds.
 */
export function checkExpr(
    expr: string,
    scope: Scope,
    known: Readonly<Record<string, readonly string[]>>,
    where: string,
): string[] {
    const problems: string[] = [];
    const target = scope.target("pod");
    for (const s of selectorsOf(expr)) {
        if (!s.metric) {
            problems.push(`${where}: a selector without a metric name`);
            continue;
        }
        const own = known[s.metric];
        if (!own) {
            problems.push(`${where}: unknown metric ${s.metric} (in no catalog and no scrape)`);
            continue;
        }
        for (const m of s.matchers) {
            const fromTarget = m.label in target;
            if (!fromTarget && !own.includes(m.label)) {
                problems.push(
                    `${where}: ${s.metric} has no label ${m.label} (target: ${Object.keys(target).join(", ")}; own: ${own.join(", ") || "none"})`,
                );
            } else if (
                fromTarget &&
                FIXED.includes(m.label) &&
                m.op === "=" &&
                // A dashboard variable ($namespace) takes the monitors' values at view time.
                !m.value.includes("$") &&
                !OTHER_JOB.has(s.metric) &&
                target[m.label] !== m.value
            ) {
                problems.push(
                    `${where}: ${s.metric}{${m.label}="${m.value}"} but ${scope.monitor.kind} ${scope.monitor.name} attaches ${m.label}="${target[m.label]}"`,
                );
            }
        }
    }
    return problems;
}

/** Problems of every alert of a rule file. */
export function checkRuleFile(
    file: RuleFile,
    scope: Scope,
    known: Readonly<Record<string, readonly string[]>>,
): string[] {
    return file.groups.flatMap((g) =>
        g.rules.flatMap((r) => checkExpr(r.expr, scope, known, `${scope.stack} ${file.name} ${r.alert}`)),
    );
}

/** Metric names and their labels from a Prometheus text exposition (a scrape). */
export function scrapedMetrics(exposition: string): Record<string, string[]> {
    const out: Record<string, Set<string>> = {};
    for (const line of exposition.split("\n")) {
        if (!line || line.startsWith("#")) continue;
        const brace = line.indexOf("{");
        const space = line.indexOf(" ");
        const name = line.slice(0, brace >= 0 && brace < space ? brace : space);
        const labels = out[name] ?? (out[name] = new Set());
        if (brace >= 0 && brace < space) {
            const body = line.slice(brace + 1, line.lastIndexOf("}"));
            for (const pair of body.split(/,(?=[a-zA-Z_][a-zA-Z0-9_]*=")/)) {
                const eq = pair.indexOf("=");
                if (eq > 0) labels.add(pair.slice(0, eq));
            }
        }
    }
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, [...v].sort()]));
}

/** Every panel query (`targets[].expr`) of a Grafana dashboard JSON, with its panel's title. */
export function panelQueries(dashboardJson: string): { panel: string; expr: string }[] {
    const d = JSON.parse(dashboardJson);
    const panels: any[] = (d.panels ?? []).flatMap((p: any) => [p, ...(p.panels ?? [])]);
    return panels.flatMap((p) =>
        (p.targets ?? []).map((t: any) => ({ panel: p.title as string, expr: t.expr as string })),
    );
}
