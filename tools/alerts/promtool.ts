/**
 * Unit tests for Prometheus's own rule engine (`promtool test rules`), generated from the rendered rule
 * files and a scenario per alert (scenarios/*.ts): the failure fires once its `for` has passed (and not
 * before), healthy series stay silent, and an alert meant for one role of a cross-region pair stays silent
 * on the other. One `promtool check rules` and one `promtool test rules` run cover every file.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { Rule, RuleFile, durationSeconds, writeRuleFiles } from "./rule-files";
import { Scope } from "./scope";
import { SCENARIOS } from "./scenarios";
import { AlertScenario, Series } from "./scenarios/types";

/** Seconds between samples and between evaluations in every test. */
export const STEP = 60;

/**
 * Expands an annotation template as Prometheus does for the forms the rules use: `{{ $labels.x }}`,
 * `{{ $value }}` (Go's %v of a float64: JavaScript's String for the values the scenarios use) and
 * `{{ $value | humanize1024 }}`. Throws on any other template, so a new form gets a new case here.
 */
export function expandTemplate(text: string, labels: Record<string, string>, value: number): string {
    return text.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (_m, inner: string) => {
        const l = /^\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)$/.exec(inner);
        if (l) return labels[l[1]] ?? "";
        if (inner === "$value") return String(value);
        if (inner === "$value | humanize1024") return humanize1024(value);
        throw new Error(`template form not handled by the test generator: {{ ${inner} }}`);
    });
}

/** Prometheus's humanize1024 (`%.4g` plus Ki/Mi/Gi/… suffix). */
export function humanize1024(v: number): string {
    const suffixes = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"];
    let i = 0;
    while (Math.abs(v) >= 1024 && i < suffixes.length - 1) {
        v /= 1024;
        i++;
    }
    return `${Number(v.toPrecision(4))}${suffixes[i]}`;
}

/** A series for promtool: `metric{labels}` and its values over `steps` samples. */
function inputSeries(s: Series, steps: number): { series: string; values: string } {
    const labels = Object.entries(s.labels)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(", ");
    const v = s.value;
    const values =
        v === "now"
            ? `0+${STEP}x${steps}`
            : typeof v === "number"
              ? `${v}x${steps}`
              : typeof v === "object"
                ? `${-v.age}+${STEP}x${steps}`
                : v;
    return { series: `${s.metric}{${labels}}`, values };
}

const minutes = (seconds: number) => `${Math.round(seconds / 60)}m`;

/** The promtool test cases of one rule in one scope. */
export function ruleTests(rule: Rule, scope: Scope, file: string): Record<string, unknown>[] {
    const scenario: AlertScenario | undefined = SCENARIOS[rule.alert];
    if (!scenario)
        throw new Error(`no promtool scenario for alert ${rule.alert} (${file}): add one in tools/alerts/scenarios`);
    const forS = durationSeconds(rule.for);
    const fireAt = forS + STEP;
    const steps = Math.ceil(fireAt / STEP) + 2;
    const series = (list: Series[]) => list.map((s) => inputSeries(s, steps));
    const silent = (at: number) => ({ eval_time: minutes(at), alertname: rule.alert, exp_alerts: [] });
    const expected = scenario.fires(scope).map((f) => ({
        exp_labels: { ...f.labels, ...(rule.labels ?? {}) },
        exp_annotations: Object.fromEntries(
            Object.entries(rule.annotations ?? {}).map(([k, v]) => [k, expandTemplate(v, f.labels, f.value)]),
        ),
    }));
    const name = (what: string) => `${file} ${rule.alert}: ${what}`;
    const tests: Record<string, unknown>[] = [
        {
            name: name("fires on the failure once its for has passed"),
            interval: `${STEP}s`,
            input_series: series(scenario.failing(scope)),
            alert_rule_test: [
                ...(forS >= STEP ? [silent(forS - STEP)] : []),
                { eval_time: minutes(fireAt), alertname: rule.alert, exp_alerts: expected },
            ],
        },
        {
            name: name("silent when healthy"),
            interval: `${STEP}s`,
            input_series: series(scenario.healthy(scope)),
            alert_rule_test: [silent(fireAt)],
        },
    ];
    if (scenario.otherRole) {
        tests.push({
            name: name("silent on a cluster of the other role"),
            interval: `${STEP}s`,
            input_series: series(scenario.otherRole(scope)),
            alert_rule_test: [silent(fireAt)],
        });
    }
    return tests;
}

/** A promtool test file for one rule file (`rule_files` relative to the test file). */
export function unitTestFile(file: RuleFile, scope: Scope): Record<string, unknown> {
    const tests = file.groups.flatMap((g) => g.rules.flatMap((r) => ruleTests(r, scope, file.file)));
    return { rule_files: [file.file], evaluation_interval: `${STEP}s`, tests };
}

/** Result of one promtool invocation. */
export interface ToolRun {
    readonly status: number | null;
    readonly output: string;
}

function run(cmd: string, args: string[], cwd: string): ToolRun {
    const r = spawnSync(cmd, args, { cwd, encoding: "utf8", timeout: 60_000 });
    if (r.error) throw r.error;
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** Path of promtool, or undefined when it is not installed (scripts/install-servers.sh installs it). */
export function promtoolPath(): string | undefined {
    for (const p of ["/usr/bin/promtool", "/usr/local/bin/promtool"]) if (fs.existsSync(p)) return p;
    return undefined;
}

/**
 * Writes the rule files and their unit tests into `dir` and runs `promtool check rules` over all rule files
 * and `promtool test rules` over all test files (one invocation each). A rule file whose groups and scope
 * equal an earlier file's (the same alerts rendered for both stacks) gets the same unit tests, so only the
 * first is tested: `sameAs` maps each file left out to the file whose run covers it; `cases` counts every
 * file's cases, `ranCases` those promtool ran.
 */
export function checkAndTestRules(
    dir: string,
    files: readonly { file: RuleFile; scope: Scope }[],
    promtool = promtoolPath() ?? "promtool",
): {
    check: ToolRun;
    test: ToolRun;
    testFiles: string[];
    cases: number;
    ranCases: number;
    sameAs: Record<string, string>;
} {
    const rulePaths = writeRuleFiles(
        dir,
        files.map((f) => f.file),
    );
    let cases = 0;
    let ranCases = 0;
    const tested = new Map<string, string>();
    const sameAs: Record<string, string> = {};
    const testFiles: string[] = [];
    for (const { file, scope } of files) {
        const doc = unitTestFile(file, scope);
        const n = (doc.tests as unknown[]).length;
        cases += n;
        const key = JSON.stringify([file.groups, unitTestFile({ ...file, file: "" }, scope)]);
        const first = tested.get(key);
        if (first !== undefined) {
            sameAs[file.file] = first;
            continue;
        }
        tested.set(key, file.file);
        ranCases += n;
        const p = path.join(dir, file.file.replace(/\.yaml$/, ".test.yaml"));
        fs.writeFileSync(p, yaml.dump(doc, { lineWidth: -1, noRefs: true }));
        testFiles.push(path.basename(p));
    }
    const check = run(promtool, ["check", "rules", ...rulePaths.map((p) => path.basename(p))], dir);
    const test = run(promtool, ["test", "rules", ...testFiles], dir);
    return { check, test, testFiles, cases, ranCases, sameAs };
}
