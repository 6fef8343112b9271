import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ruleFiles } from "../tools/alerts/rule-files";
import { Scope, holdsPrimary, scopeOf } from "../tools/alerts/scope";
import { checkAndTestRules, expandTemplate, humanize1024, promtoolPath } from "../tools/alerts/promtool";
import { RuleFile } from "../tools/alerts/rule-files";
import { manifestObjects } from "../tools/manifests";
import { render, renderSwitched } from "./support";

const STACKS = ["us-east", "us-west"] as const;

/** Every rule file of both stacks with its scope, as `npm run plan` renders them (or after a switchover). */
async function renderedRuleFiles(switched = false): Promise<{ stack: string; file: RuleFile; scope: Scope }[]> {
    const out: { stack: string; file: RuleFile; scope: Scope }[] = [];
    for (const stack of STACKS) {
        const r = await (switched ? renderSwitched(stack) : render(stack));
        const objects = manifestObjects(r.resources);
        const primary = holdsPrimary(r.outputs);
        for (const file of ruleFiles(objects)) out.push({ stack, file, scope: scopeOf(file, objects, stack, primary) });
    }
    return out;
}

describe("alert rules under promtool (Prometheus's own rule engine)", function () {
    this.timeout(60_000);
    const promtool = promtoolPath();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "geo-promtool-"));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    before(function () {
        if (!promtool) {
            if (process.env.GEO_REQUIRE_SERVERS) throw new Error("promtool missing: run scripts/install-servers.sh");
            this.skip();
        }
    });

    it("checks and tests every rendered rule of both stacks: fires after for, silent when healthy, silent on the other role", async () => {
        const files = await renderedRuleFiles();
        const alerts = new Set(
            files.flatMap((f) =>
                f.file.groups.flatMap((g) => g.rules.map((r) => `${f.stack} ${f.file.name} ${r.alert}`)),
            ),
        );
        const result = checkAndTestRules(
            dir,
            files.map((f) => ({ file: { ...f.file, file: `${f.stack}--${f.file.file}` }, scope: f.scope })),
            promtool,
        );
        assert.equal(result.check.status, 0, result.check.output);
        assert.equal(result.test.status, 0, result.test.output);
        // 2 or 3 cases per alert (fires / healthy / other role): none left out.
        assert.ok(result.cases >= 2 * alerts.size, `${result.cases} cases for ${alerts.size} alerts`);
        // A us-west file equal to its us-east twin (groups and scope) is covered by the twin's run; the
        // role-dependent ones (PostgreSQL, Redis sessions) differ and run for both stacks.
        const twins = Object.entries(result.sameAs);
        assert.ok(twins.length > 0);
        for (const [file, first] of twins) assert.equal(file, first.replace(/^us-east--/, "us-west--"));
        assert.deepEqual(
            twins.filter(([file]) => /--(pg|redis-sessions)-alerts\.yaml$/.test(file)),
            [],
        );
        assert.ok(result.ranCases < result.cases);
        assert.ok(alerts.size >= 60, `only ${alerts.size} alerts rendered`);
    });

    it("after a switchover the role-dependent rules (PostgreSQL, Redis sessions) still fire and stay silent as they should", async () => {
        const files = (await renderedRuleFiles(true)).filter((f) => /^(pg|redis-sessions)-alerts$/.test(f.file.name));
        assert.equal(files.length, 4);
        assert.deepEqual(
            files.map((f) => [f.stack, f.scope.primary]),
            [
                ["us-east", false],
                ["us-east", false],
                ["us-west", true],
                ["us-west", true],
            ],
        );
        const result = checkAndTestRules(
            dir,
            files.map((f) => ({ file: { ...f.file, file: `switched-${f.stack}--${f.file.file}` }, scope: f.scope })),
            promtool,
        );
        assert.equal(result.check.status, 0, result.check.output);
        assert.equal(result.test.status, 0, result.test.output);
    });

    it("fails a rule that lost its primary-only guard, or whose matcher no longer matches its monitor's labels", async () => {
        const files = await renderedRuleFiles();
        const pg = files.find((f) => f.stack === "us-east" && f.file.name === "pg-alerts")!;
        // The file cut to the mutated alert (its group, its rule): its cases are the ones that must fail.
        const mutate = (alert: string, fn: (expr: string) => string): RuleFile => ({
            ...pg.file,
            file: "mutated.yaml",
            groups: pg.file.groups
                .map((g) => ({
                    ...g,
                    rules: g.rules.filter((r) => r.alert === alert).map((r) => ({ ...r, expr: fn(r.expr) })),
                }))
                .filter((g) => g.rules.length > 0),
        });
        const unguarded = checkAndTestRules(
            dir,
            [{ file: mutate("PostgresReplicationLagHigh", (e) => e.slice(0, e.indexOf(" and on"))), scope: pg.scope }],
            promtool,
        );
        assert.equal(unguarded.check.status, 0, unguarded.check.output);
        assert.notEqual(unguarded.test.status, 0, unguarded.test.output);
        assert.match(unguarded.test.output, /PostgresReplicationLagHigh: silent on a cluster of the other role/);
        const drifted = checkAndTestRules(
            dir,
            [
                {
                    file: mutate("PostgresInstanceDown", (e) =>
                        e.replace('cnpg_io_cluster="pg"', 'cnpg_io_cluster="main"'),
                    ),
                    scope: pg.scope,
                },
            ],
            promtool,
        );
        assert.notEqual(drifted.test.status, 0, drifted.test.output);
        assert.match(drifted.test.output, /PostgresInstanceDown: silent when healthy/);
    });
});

describe("annotation templates as Prometheus expands them", () => {
    it("expands $labels, $value and humanize1024, and refuses other forms", () => {
        assert.equal(
            expandTemplate("{{ $labels.pod }} is {{ $value }}s behind", { pod: "pg-2" }, 120),
            "pg-2 is 120s behind",
        );
        assert.equal(expandTemplate("{{ $value | humanize1024 }}B", {}, 268435456), "256MiB");
        assert.equal(humanize1024(1536), "1.5Ki");
        assert.equal(humanize1024(512), "512");
        assert.throws(() => expandTemplate("{{ $value | humanizeDuration }}", {}, 1), /humanizeDuration/);
    });
});
