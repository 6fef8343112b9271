import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { ROOT } from "../tools/harness";
import { StackPlan, parsePlanArgs, plan, summarize } from "../tools/plan";
import { SAMPLE_PROMOTION_TOKEN } from "./support";

describe("npm run plan", () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "geo-plan-"));
    let plans: StackPlan[];

    before(async () => {
        plans = await plan({ stacks: [], overrides: { kubeconfig: "TOP-SECRET-KUBECONFIG" }, out });
    });
    after(() => fs.rmSync(out, { recursive: true, force: true }));

    it("renders both stacks, east first, with no schema errors or violations", () => {
        assert.deepEqual(
            plans.map((p) => p.render.stack),
            ["us-east", "us-west"],
        );
        for (const p of plans) {
            assert.deepEqual(p.schemaIssues, [], p.render.stack);
            assert.deepEqual(p.violations, [], p.render.stack);
            assert.deepEqual(p.render.warnings, [], p.render.stack);
        }
        const lines: string[] = [];
        assert.equal(
            summarize(plans, (l) => lines.push(l)),
            0,
        );
        assert.match(lines[0], /^us-east: us-east-1 role=primary primaryRegion=us-east-1$/);
        assert.ok(lines.some((l) => /^us-west: us-west-2 role=secondary primaryRegion=us-east-1$/.test(l)));
    });

    it("writes manifests.yaml with apiVersion, kind, metadata first and explicit names", () => {
        for (const stack of ["us-east", "us-west"]) {
            const docs = yaml.loadAll(fs.readFileSync(path.join(out, stack, "manifests.yaml"), "utf8")) as any[];
            assert.equal(docs.length, plans.find((p) => p.render.stack === stack)!.objects.length);
            for (const d of docs) {
                assert.deepEqual(Object.keys(d).slice(0, 3), ["apiVersion", "kind", "metadata"]);
                assert.match(d.metadata.name, /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
            }
        }
    });

    it("writes resources.json with type, name, parent, inputs, options and no secret values", () => {
        const text = fs.readFileSync(path.join(out, "us-east", "resources.json"), "utf8");
        assert.ok(!text.includes("TOP-SECRET-KUBECONFIG"), "secret config leaked into resources.json");
        const resources = JSON.parse(text);
        const provider = resources.find((r: any) => r.type === "pulumi:providers:kubernetes");
        assert.equal(provider.inputs.kubeconfig, "[secret]");
        assert.deepEqual(Object.keys(provider), ["type", "name", "parent", "custom", "inputs", "options"]);
        const plugin = resources.find((r: any) => r.name === "geo-operators-barman-cloud-plugin");
        assert.equal(plugin.parent, "geo:platform:Operators::geo-operators");
        assert.equal(plugin.options.dependsOn.length, 2);
    });

    it("feeds us-west's StackReference from us-east's rendered outputs", () => {
        const west = plans[1].render;
        const ref = west.resources.find((r) => r.type === "pulumi:pulumi:StackReference" && r.name === "primary-stack");
        assert.ok(ref, "us-west has a StackReference");
        assert.equal(ref.inputs.name, "organization/geo-data/us-east");
        assert.deepEqual((west.outputs.pair as any).peerRegion, (plans[0].render.outputs.pair as any).region);
    });

    describe("a failed run leaves no rendered output that looks current", () => {
        const cases: {
            what: string;
            stacks: string[];
            overrides: Record<string, string>;
            message: string;
            left: string[];
        }[] = [
            {
                what: "a primaryStack that names a missing stack file (after rendering us-east)",
                stacks: [],
                overrides: { "us-west/primaryStack": "organization/geo-data/us-central" },
                message: 'us-west: geo-data:primaryStack points at "us-central", which has no Pulumi.us-central.yaml',
                left: [],
            },
            {
                what: "stacks whose configs disagree on the primary region (us-west only: us-east is not this run's)",
                stacks: ["us-west"],
                overrides: { "us-east/primaryRegion": "us-west-2" },
                message:
                    "geo-data:primaryRegion: the stacks disagree (us-east: us-west-2, us-west: us-east-1); set the same primaryRegion in every stack — two stacks that each think they are primary is split brain",
                left: ["us-east"],
            },
        ];
        for (const c of cases) {
            it(c.what, async () => {
                const dir = fs.mkdtempSync(path.join(out, "failed-"));
                // the previous, successful run (the same renders as above, cached)
                await plan({ stacks: [], overrides: { kubeconfig: "TOP-SECRET-KUBECONFIG" }, out: dir });
                assert.deepEqual(fs.readdirSync(dir).sort(), ["us-east", "us-west"]);
                await assert.rejects(
                    plan({
                        stacks: c.stacks,
                        overrides: { kubeconfig: "TOP-SECRET-KUBECONFIG", ...c.overrides },
                        out: dir,
                    }),
                    { message: c.message },
                );
                assert.deepEqual(fs.readdirSync(dir).sort(), c.left);
            });
        }
    });

    it("renders the switched topology when both stacks name us-west-2 primary", async () => {
        const switched = await plan({
            stacks: ["us-west"],
            overrides: { primaryRegion: "us-west-2", "us-west/postgresPromotionToken": SAMPLE_PROMOTION_TOKEN },
            out: path.join(out, "switched"),
        });
        assert.equal(switched[0].render.outputs.primaryRegion, "us-west-2");
        assert.deepEqual(switched[0].schemaIssues, []);
        assert.deepEqual(switched[0].violations, []);
    });

    it("parses its arguments and rejects unknown ones", () => {
        assert.deepEqual(parsePlanArgs(["--stack", "us-west", "--config", "protect=false", "--out", "/tmp/x"]), {
            stacks: ["us-west"],
            overrides: { protect: "false" },
            out: "/tmp/x",
        });
        assert.throws(() => parsePlanArgs(["--stak", "x"]), {
            message:
                'unknown argument "--stak" (expected --stack NAME, --config key=value, --out DIR, --diff REF, --json)',
        });
        assert.throws(() => parsePlanArgs(["--config", "novalue"]), {
            message: '--config expects key=value, got "novalue"',
        });
    });

    it("exits non-zero on invalid config, naming the key, and removes the stack's earlier output", () => {
        const dir = path.join(out, "invalid");
        fs.cpSync(path.join(out, "us-east"), path.join(dir, "us-east"), { recursive: true });
        const r = spawnSync(
            process.execPath,
            [
                "-r",
                "./tools/register.js",
                "tools/plan.ts",
                "--stack",
                "us-east",
                "--config",
                "namespacePrefix=Geo",
                "--out",
                dir,
            ],
            {
                cwd: ROOT,
                encoding: "utf8",
            },
        );
        assert.equal(r.status, 1);
        assert.match(r.stderr, /^error: geo-data:namespacePrefix: "Geo" is not allowed; expected a DNS-1123 label/m);
        assert.deepEqual(fs.readdirSync(dir), []);
    });

    it("npm run policy exits 1 on a mandatory violation and prints it in CLI form", () => {
        const file = path.join(out, "us-east", "resources.json");
        const ok = execFileSync(process.execPath, ["-r", "./tools/register.js", "tools/policy.ts", file], {
            cwd: ROOT,
            encoding: "utf8",
        });
        assert.match(ok, /resources, 0 violation\(s\), 0 mandatory$/m);
        const resources = JSON.parse(fs.readFileSync(file, "utf8"));
        resources.push({
            type: "kubernetes:apps/v1:Deployment",
            name: "rogue",
            custom: true,
            inputs: {
                apiVersion: "apps/v1",
                kind: "Deployment",
                metadata: { name: "rogue" },
                spec: { template: { spec: { containers: [{ name: "app", image: "nginx:latest" }] } } },
            },
            options: {},
        });
        const bad = path.join(out, "bad", "resources.json");
        fs.mkdirSync(path.dirname(bad), { recursive: true });
        fs.writeFileSync(bad, JSON.stringify(resources));
        const r = spawnSync(process.execPath, ["-r", "./tools/register.js", "tools/policy.ts", bad], {
            cwd: ROOT,
            encoding: "utf8",
        });
        assert.equal(r.status, 1);
        assert.match(
            r.stdout,
            /^mandatory workload-disallow-unpinned-images kubernetes:apps\/v1:Deployment rogue: pod\[0\]\.containers\[app\]\.image "nginx:latest" uses the floating tag :latest; pin it to an exact version or digest in components\/shared\/versions\.ts\.$/m,
        );
    });
});
