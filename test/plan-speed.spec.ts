/**
 * The plan's speed paths do what the slow ones do: the harness's lean mock registerResource renders
 * exactly what the SDK's own MockMonitor renders, the manifest-check thread returns exactly what the
 * inline check returns (issues and YAML), rejecting when it cannot check, and the SDK's deferred modules
 * (tools/lazy-sdk.js) load when first used.
 */
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { LEAN_MONITOR_SDK, ROOT, renderUncached } from "../tools/harness";
import { manifestObjects } from "../tools/manifests";
import { checkManifests, threadChecker } from "../tools/schema/thread";
import { loadStackConfig } from "../tools/stack-config";
import { render, serial } from "./support";

describe("the lean mock monitor", function () {
    this.timeout(30_000);

    it("is written for the pinned SDK version (a bump must re-check it against MockMonitor.registerResource)", () => {
        const pinned = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).dependencies[
            "@pulumi/pulumi"
        ];
        assert.equal(LEAN_MONITOR_SDK, pinned);
    });

    it("renders us-east exactly as the SDK's MockMonitor does: every resource, input and output", async () => {
        const lean = await render("us-east");
        const { config, secretKeys } = loadStackConfig("us-east");
        const sdk = await serial(() =>
            renderUncached({ stack: "us-east", config, secretKeys, stackReferences: {} }, { leanMonitor: false }),
        );
        assert.ok(sdk.resources.length > 100);
        assert.equal(JSON.stringify(lean), JSON.stringify(sdk));
    });
});

describe("the manifest-check thread", function () {
    this.timeout(30_000);

    it("finds the same issues and writes the same YAML as the inline check", async () => {
        const objects = manifestObjects((await render("us-east")).resources);
        const cluster = objects.find((o) => o.kind === "Cluster" && o.apiVersion === "postgresql.cnpg.io/v1")!;
        const broken = { ...cluster, spec: { ...cluster.spec, instances: "3", unknownField: true } };
        const objs = [...objects, broken];
        const checker = threadChecker();
        try {
            const threaded = await checker.check(objs);
            const inline = checkManifests(objs);
            assert.deepEqual(threaded.schemaIssues, inline.schemaIssues);
            assert.equal(threaded.yaml, inline.yaml);
            assert.deepEqual(
                threaded.schemaIssues.map((i) => [i.kind, i.name, i.message]),
                [
                    ["Cluster", "pg", "/spec/unknownField is an unknown field (not in the schema)"],
                    ["Cluster", "pg", "/spec/instances must be integer"],
                ],
            );
        } finally {
            await checker.close();
        }
    });

    it("rejects a check it cannot run, naming why", async () => {
        const checker = threadChecker();
        try {
            await assert.rejects(checker.check([{ kind: "ConfigMap", data: () => 1 }]), /could not be cloned/);
        } finally {
            await checker.close();
        }
    });
});

describe("the lazily loaded SDK modules (tools/lazy-sdk.js)", function () {
    this.timeout(30_000);

    it("loads neither the Automation API nor closure serialisation with the SDK; the Automation API on first use", () => {
        const script = `
            const loaded = (dir) => Object.keys(require.cache).some((f) => f.includes("/@pulumi/pulumi/" + dir));
            const pulumi = require("@pulumi/pulumi");
            const before = [loaded("automation/"), loaded("runtime/closure/serializeClosure")];
            const esModule = pulumi.automation.__esModule;
            const marked = loaded("automation/");
            const workspace = typeof pulumi.automation.LocalWorkspace;
            const serialize = typeof pulumi.runtime.serializeFunction;
            console.log(JSON.stringify({ before, esModule, marked, workspace, serialize, after: loaded("automation/") }));
        `;
        const out = execFileSync(process.execPath, ["-r", "./tools/register.js", "-e", script], {
            cwd: ROOT,
            encoding: "utf8",
            env: { ...process.env, NODE_OPTIONS: "" },
        });
        assert.deepEqual(JSON.parse(out), {
            before: [false, false],
            esModule: true,
            marked: false,
            workspace: "function",
            serialize: "function",
            after: true,
        });
    });
});
