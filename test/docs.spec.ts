import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "../tools/harness";
import { generateDocs, planStacks, replaceSection } from "../tools/docs";
import type { StackPlan } from "../tools/plan";
import { REDIS_FENCE_MIN_REPLICAS } from "../tools/runbook/redis-sessions";

const read = (f: string) => fs.readFileSync(path.join(ROOT, f), "utf8");
const markdownFiles = () => ["README.md", ...fs.readdirSync(path.join(ROOT, "docs")).map((f) => `docs/${f}`)];

/** GitHub's anchor of a Markdown heading. */
function anchor(heading: string): string {
    return heading
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, "")
        .replace(/ /g, "-");
}

describe("documentation", () => {
    let generated: Record<string, string>;
    let plans: StackPlan[];
    before(async function () {
        this.timeout(60000);
        plans = await planStacks();
        generated = await generateDocs(plans);
    });
    const cluster = (stack: string) =>
        plans
            .find((p) => p.render.stack === stack)!
            .objects.find((o) => o.kind === "Cluster" && o.metadata.name === "pg")!;

    it("every generated section is current (run `npm run docs` if this fails)", () => {
        assert.deepEqual(Object.keys(generated).sort(), [
            "Pulumi.yaml",
            "README.md",
            "docs/configuration.md",
            "docs/network.md",
            "docs/policies.md",
        ]);
        for (const [file, text] of Object.entries(generated)) assert.equal(read(file), text, `${file} is stale`);
    });

    it("the README's deploy table says what each region runs, from the rendered program", () => {
        const row = (label: string) =>
            read("README.md")
                .split("\n")
                .find((l) => l.startsWith(`| ${label} |`));
        const [east, west] = row("PostgreSQL")!.split(" | ").slice(1);
        assert.match(east, /^Cluster `pg` \(3 instances, primary\); ScheduledBackup `pg-daily` \(`0 0 2 \* \* \*`\)/);
        assert.match(west, /^Cluster `pg` \(3 instances, replica of pg-use1\);/);
        assert.match(row("Backups (AWS S3)")!.split(" | ")[2], /S3 replications use1-to-usw2, usw2-to-use1/);
        assert.match(
            read("README.md"),
            /^\| service \| us-east \(us-east-1, primary\) \| us-west \(us-west-2, secondary\) \|$/m,
        );
    });

    it("the zone-loss RTO states the failover quorum the rendered Cluster really has", () => {
        const spec = cluster("us-east").spec;
        assert.deepEqual(spec.postgresql.synchronous, {
            method: "any",
            number: 1,
            dataDurability: "required",
            failoverQuorum: true,
        });
        const n = spec.instances - 1;
        const w = spec.postgresql.synchronous.number;
        const doc = read("docs/rpo-rto.md").replace(/\s+/g, " ");
        assert.ok(doc.includes(`(\`postgresInstances\` - 1 = ${n}), W = \`postgresSyncReplicas\` (${w})`));
        assert.ok(doc.includes(`With the defaults that means R must be ${n - w + 1}:`));
    });

    it("the Redis sessions figures follow from the rendered Sentinel config and the runbook's fence", () => {
        const sentinelConf = plans
            .find((p) => p.render.stack === "us-east")!
            .objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === "redis-sessions-sentinel-config")!;
        const conf = Object.values(sentinelConf.data as Record<string, string>).join("\n");
        const downAfter = Number(/sentinel down-after-milliseconds sessions (\d+)/.exec(conf)![1]);
        const doc = read("docs/rpo-rto.md");
        assert.ok(doc.includes(`Sentinel's \`down-after-milliseconds\` (${downAfter / 1000} s)`), `${downAfter}`);
        assert.ok(doc.includes(`(\`min-replicas-to-write ${REDIS_FENCE_MIN_REPLICAS}\`)`));
    });

    it("the archive paths the docs name are the rendered serverNames", () => {
        const doc = read("docs/postgres.md").replace(/\s+/g, " ");
        for (const [stack, region] of [
            ["us-east", "us-east"],
            ["us-west", "us-west"],
        ]) {
            const serverName = cluster(stack).spec.plugins[0].parameters.serverName;
            assert.ok(
                doc.includes(`${region}'s only under \`postgres/${serverName}/\``) ||
                    doc.includes(`${region}'s cluster writes only under \`postgres/${serverName}/\``),
                `${stack}: ${serverName}`,
            );
        }
    });

    it("a missing marker is an error naming the file", () => {
        assert.throws(() => replaceSection("no markers", "deploy-table", "x", "README.md"), {
            message:
                "README.md lacks the <!-- generated:deploy-table (npm run docs) --> … <!-- /generated:deploy-table --> markers",
        });
    });

    it("the README stays short and every relative link resolves to a file and heading", () => {
        assert.ok(read("README.md").split("\n").length <= 200, "README.md is over 200 lines: move depth to docs/");
        for (const file of markdownFiles()) {
            const text = read(file);
            for (const m of text.matchAll(/\]\(([^)#\s]*)(#[^)\s]+)?\)/g)) {
                const [, target, hash] = m;
                if (/^[a-z]+:/.test(target)) continue;
                const resolved = target ? path.join(path.dirname(file), target) : file;
                assert.ok(fs.existsSync(path.join(ROOT, resolved)), `${file}: link to ${target} does not resolve`);
                if (hash) {
                    const headings = read(resolved)
                        .split("\n")
                        .filter((l) => /^#{1,6} /.test(l))
                        .map((l) => anchor(l.replace(/^#+ /, "")));
                    assert.ok(headings.includes(hash.slice(1)), `${file}: no heading ${hash} in ${resolved}`);
                }
            }
        }
    });

    it("no page refers to what a reader cannot follow (seed section numbers, issue wording)", () => {
        for (const file of markdownFiles()) {
            const text = read(file);
            assert.doesNotMatch(text, /seeds\/|§|\bthe issue\b|issue's/i, file);
        }
    });
});
