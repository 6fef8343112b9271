/**
 * The drill's pure parts (no servers: `npm run drill` runs them, CI runs it separately): CloudNativePG's
 * synchronous_standby_names for the rendered stanza, the command line, and the report structure check.
 */
import { strict as assert } from "assert";
import { parseDrillArgs } from "../tools/drill/index";
import { postgresPlan, synchronousStandbyNames } from "../tools/drill/rendered";
import { DrillReport, reportProblems, toMarkdown } from "../tools/drill/report";
import { render } from "./support";

const three = (healthy: string[]) =>
    ["pg-1", "pg-2", "pg-3"].map((name) => ({ name, primary: name === "pg-1", healthy: healthy.includes(name) }));

describe("drill: synchronous_standby_names as CloudNativePG computes it", () => {
    const cases = [
        {
            sync: { method: "any", number: 1, dataDurability: "required" },
            healthy: ["pg-2", "pg-3"],
            want: 'ANY 1 ("pg-2","pg-3","pg-1")',
        },
        { sync: { method: "any", number: 1 }, healthy: ["pg-3"], want: 'ANY 1 ("pg-3","pg-2","pg-1")' },
        {
            sync: { method: "first", number: 2, dataDurability: "required" },
            healthy: [],
            want: 'FIRST 2 ("pg-2","pg-3","pg-1")',
        },
        {
            sync: { method: "any", number: 1, dataDurability: "preferred" },
            healthy: ["pg-2", "pg-3"],
            want: 'ANY 1 ("pg-2","pg-3")',
        },
        { sync: { method: "any", number: 2, dataDurability: "preferred" }, healthy: ["pg-3"], want: 'ANY 1 ("pg-3")' },
        { sync: { method: "any", number: 1, dataDurability: "preferred" }, healthy: [], want: "" },
        { sync: undefined, healthy: ["pg-2"], want: "" },
    ] as const;
    for (const c of cases)
        it(`${JSON.stringify(c.sync)} with ${c.healthy.join(",") || "no"} healthy standbys → ${c.want || "''"}`, () => {
            assert.equal(synchronousStandbyNames(c.sync as any, "pg", three([...c.healthy])), c.want);
        });

    it("reads the rendered us-east Cluster and Pooler", async () => {
        const plan = postgresPlan(await render("us-east"));
        assert.deepEqual(plan.synchronous, {
            method: "any",
            number: 1,
            dataDurability: "required",
            failoverQuorum: true,
        });
        assert.equal(plan.pooler.poolMode, "session");
        assert.equal(plan.pooler.parameters.default_pool_size, "25");
        assert.equal(plan.parameters.ssl_min_protocol_version, "TLSv1.3");
    });
});

describe("drill: command line and report", () => {
    it("parses --stack, --short and GEO_DRILL_SHORT; rejects unknown flags", () => {
        assert.deepEqual(
            { ...parseDrillArgs(["--stack", "us-west", "--short"], {}), out: "" },
            { stack: "us-west", short: true, out: "" },
        );
        assert.equal(parseDrillArgs([], { GEO_DRILL_SHORT: "1" }).short, true);
        assert.equal(parseDrillArgs([], {}).short, false);
        assert.throws(() => parseDrillArgs(["--stack", "eu"], {}), /unknown argument "--stack"/);
    });

    const report: DrillReport = {
        stack: "us-east",
        mode: "short",
        startedAt: "2026-12-01T15:37:50.000Z",
        durationS: 67,
        host: { cpus: 2, loadAverage1m: 10.1, platform: "linux" },
        versions: { Redis: "7.0.15" },
        drills: [
            {
                service: "PostgreSQL",
                scenario: "primary crash",
                rpo: "0 of 77 acknowledged rows lost",
                rto: "1444 ms",
                promise: "RPO 0",
                ok: true,
                measured: { lost: 0 },
            },
        ],
        throughput: [{ service: "Redis", scenario: "SET", opsPerSecond: 70671, latencyMs: 0.15, notes: "" }],
    };

    it("accepts a well-formed report and names what is wrong with a broken one", () => {
        assert.deepEqual(reportProblems(report), []);
        const broken = {
            ...report,
            drills: [{ ...report.drills[0], rto: "", measured: { lost: NaN } }],
            throughput: [],
        };
        assert.deepEqual(reportProblems(broken), [
            "PostgreSQL/primary crash: empty rto",
            "PostgreSQL/primary crash: lost = NaN",
        ]);
        assert.deepEqual(reportProblems({ ...report, drills: [] }), ["no drills"]);
    });

    it("renders the dated tables", () => {
        const md = toMarkdown(report);
        assert.match(md, /^Drills of stack us-east \(short mode\), run 2026-12-01 15:37:50 UTC in 67 s on 2 CPUs/);
        assert.match(
            md,
            /\| PostgreSQL \| primary crash \| 0 of 77 acknowledged rows lost \| 1444 ms \| RPO 0 \| yes \|/,
        );
        assert.match(md, /\| Redis \| SET \| 70671 \| 0\.15 ms \|/);
    });
});
