import { strict as assert } from "assert";
import { render } from "./support";
import { redact } from "../tools/harness";
import { DiffResource, diffLines, diffResources } from "../tools/diff/resource-diff";
import { buildReview, reviewMarkdown, scorecards } from "../tools/diff/review";
import { renderAtRef } from "../tools/diff/at-ref";

const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_VAL = "1b47061264138c4ac30d75fd1eb44270";

describe("manifest diff (npm run plan -- --diff <ref>)", () => {
    let east: DiffResource[];
    let west: DiffResource[];
    before(async () => {
        east = (await render("us-east")).resources;
        west = (await render("us-west")).resources;
    });
    const find = (rs: DiffResource[], kind: string, name: string) =>
        rs.find((r) => r.inputs?.kind === kind && r.inputs?.metadata?.name === name)!;

    it("lists exactly the one field a one-field change touches", () => {
        const after = structuredClone(east);
        find(after, "Cluster", "pg").inputs.spec.instances = 4;
        const d = diffResources("us-east", east, after);
        assert.deepEqual(d.added, []);
        assert.deepEqual(d.removed, []);
        assert.deepEqual(d.changed, [
            {
                key: "kubernetes:postgresql.cnpg.io/v1:Cluster::geo-postgres-main-cluster",
                label: "Cluster geo-postgres/pg",
                fields: [{ path: "spec.instances", before: 3, after: 4 }],
            },
        ]);
        assert.deepEqual(diffLines(d), ["~ Cluster geo-postgres/pg", "    spec.instances: 3 → 4"]);
    });

    it("matches containers by name and reports options (protect) as fields", () => {
        const after = structuredClone(east);
        const sts = find(after, "StatefulSet", "redis-cache");
        sts.inputs.spec.template.spec.containers.reverse();
        sts.inputs.spec.template.spec.containers.find((c: any) => c.name === "redis").image = "redis:7.4.7-alpine";
        sts.options = { ...sts.options, protect: false };
        const fields = diffResources("us-east", east, after).changed.flatMap((c) => c.fields.map((f) => f.path));
        assert.deepEqual(fields, ["spec.template.spec.containers[name=redis].image", "(options).protect"]);
    });

    it("lists added and removed resources", () => {
        const after = east.filter((r) => r.inputs?.kind !== "ScheduledBackup");
        after.push({
            type: "kubernetes:core/v1:ConfigMap",
            name: "geo-extra",
            inputs: { kind: "ConfigMap", metadata: { name: "extra", namespace: "geo-redis" } },
        });
        assert.deepEqual(diffLines(diffResources("us-east", east, after)), [
            "+ ConfigMap geo-redis/extra  (kubernetes:core/v1:ConfigMap::geo-extra)",
            "- ScheduledBackup geo-postgres/pg-daily  (kubernetes:postgresql.cnpg.io/v1:ScheduledBackup::geo-postgres-main-scheduled-backup)",
        ]);
    });

    it("never shows a secret value: wrapped secrets, Secret payloads, private keys", () => {
        const before: DiffResource[] = [
            {
                type: "kubernetes:core/v1:Secret",
                name: "s",
                inputs: { kind: "Secret", metadata: { name: "s" }, stringData: { password: "old-pw" } },
            },
            {
                type: "random:index/randomPassword:RandomPassword",
                name: "p",
                inputs: { keepers: { [SECRET_SIG]: SECRET_VAL, value: "old-keeper" } },
            },
            {
                type: "kubernetes:core/v1:ConfigMap",
                name: "c",
                inputs: { kind: "ConfigMap", metadata: { name: "c" }, data: { k: "x" } },
            },
        ];
        const after = structuredClone(before);
        after[0].inputs.stringData.password = "NEW-PLAIN-PW";
        after[0].inputs.stringData.token = "NEW-TOKEN";
        after[1].inputs.keepers.value = "NEW-KEEPER";
        after[2].inputs.data.k = "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----";
        const d = diffResources("us-east", before, after);
        const text = JSON.stringify(d) + diffLines(d).join("\n");
        for (const leak of ["NEW-PLAIN-PW", "NEW-TOKEN", "NEW-KEEPER", "old-pw", "MIIE"])
            assert.ok(!text.includes(leak), leak);
        assert.deepEqual(diffLines(d), [
            "~ Secret s",
            '    stringData.token: (absent) → "[secret]"',
            "~ ConfigMap c",
            '    data.k: "x" → "[secret]"',
        ]);
    });

    it("builds the PR comment: the scorecard change and the diff of each stack", () => {
        const before = { "us-east": redact(east), "us-west": redact(west) };
        const after = structuredClone(before);
        find(after["us-east"], "StatefulSet", "redis-sessions-sentinel").inputs.spec.replicas = 2;
        const review = buildReview("main", "0123456789abcdef", before, after, scorecards(after));
        assert.deepEqual(
            review.scoreChanges.map((c) => `${c.stack} ${c.service} ${c.domain}`),
            ["us-east Redis sessions (Sentinel) node", "us-east Redis sessions (Sentinel) zone"],
        );
        const md = reviewMarkdown(review);
        assert.match(md, /\| us-east \| Redis sessions \(Sentinel\) \| zone \| yes; .* \| no; /);
        assert.match(md, /~ StatefulSet geo-redis\/redis-sessions-sentinel\n {4}spec.replicas: 3 → 2\n/);
        assert.match(md, /us-west: 0 added, 0 removed, 0 changed/);
    });

    it("names a ref git does not know, and leaves no worktree behind", () => {
        assert.throws(() => renderAtRef("no-such-ref-for-geo-data"), /no-such-ref-for-geo-data/);
    });
});
