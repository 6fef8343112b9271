/**
 * tools/checkov: every accepted finding has a check id and a one-line reason, skips become the annotations
 * checkov reads on exactly the objects they name, and plan's summary line says whether a result is current.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { annotate, checkovSummary, loadSkips, sha256 } from "../tools/checkov";

describe("checkov skips and summary", () => {
    it("tools/checkov/skips.yaml: each skip names a check and gives a one-line reason", () => {
        const skips = loadSkips();
        assert.ok(skips.length > 0);
        for (const s of skips) assert.ok(s.reason.length >= 20, `${s.check}: reason too short`);
        const bad = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "geo-ck-")), "skips.yaml");
        fs.writeFileSync(bad, "- check: CKV_K8S_8\n  reason: ''\n");
        assert.throws(() => loadSkips(bad), /CKV_K8S_8\): a one-line reason is required/);
    });

    it("annotates only the objects a skip's patterns match", () => {
        const skips = [
            { check: "CKV_K8S_40", objects: ["StatefulSet/*/redis-*"], reason: "UID 999 is the image's user" },
        ];
        const [sts, job] = annotate(
            [
                { kind: "StatefulSet", metadata: { name: "redis-cache", namespace: "geo-redis" } },
                { kind: "Job", metadata: { name: "redis-cache-create-1", namespace: "geo-redis" } },
            ],
            skips,
        );
        assert.deepEqual(sts.metadata.annotations, { "checkov.io/skip1": "CKV_K8S_40=UID 999 is the image's user" });
        assert.equal(job.metadata.annotations, undefined);
    });

    it("plan's line: current count, stale result, not run, not installed", () => {
        const out = fs.mkdtempSync(path.join(os.tmpdir(), "geo-ck-"));
        assert.match(
            checkovSummary(out, "us-east", "x", () => false),
            /^checkov: not installed \(scripts\/install-checkov\.sh\)/,
        );
        assert.match(
            checkovSummary(out, "us-east", "x", () => true),
            /^checkov: not run for this render; run npm run checkov$/,
        );
        fs.mkdirSync(path.join(out, "checkov"));
        const result = {
            stack: "us-east",
            manifestsSha256: sha256("x"),
            checkovVersion: "3.3.30",
            passed: 9,
            failed: [],
            skipped: [{}, {}],
        };
        fs.writeFileSync(path.join(out, "checkov", "us-east.json"), JSON.stringify(result));
        assert.equal(
            checkovSummary(out, "us-east", "x", () => true),
            "checkov 3.3.30: 0 finding(s), 2 skipped (tools/checkov/skips.yaml), 9 passed",
        );
        assert.match(
            checkovSummary(out, "us-east", "y", () => true),
            /earlier render; run npm run checkov$/,
        );
    });
});
