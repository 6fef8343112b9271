import { strict as assert } from "assert";
import { render } from "./support";
import { redact } from "../tools/harness";
import { Res, compareScorecards, scorecard, toMarkdown } from "../tools/ha/scorecard";
import { placement, worstPerDomain } from "../tools/ha/placement";
import { erasureAfter, erasureSetSize } from "../tools/ha/minio";
import { parseDrills } from "../tools/ha/drills";

/** Deep copies of both stacks' rendered resources (resources.json form). */
async function both(): Promise<{ east: Res[]; west: Res[] }> {
    const east = await render("us-east");
    const west = await render("us-west");
    return { east: redact(east.resources), west: redact(west.resources) };
}

function obj(resources: Res[], kind: string, name: string): Record<string, any> {
    const r = resources.find((x) => x.inputs?.kind === kind && x.inputs?.metadata?.name === name);
    assert.ok(r, `${kind} ${name} rendered`);
    return r.inputs;
}

function conf(resources: Res[], name: string, file: string, from: RegExp, to: string): void {
    const cm = obj(resources, "ConfigMap", name);
    assert.match(cm.data[file], from);
    cm.data[file] = cm.data[file].replace(from, to);
}

describe("HA scorecard (tools/ha)", () => {
    let base: { east: Res[]; west: Res[] };
    before(async () => {
        base = await both();
    });
    const card = (s: { east: Res[]; west: Res[] }) => scorecard("us-east", s.east, { peer: s.west });

    it("scores the program's own us-east render: each service, each failure domain", () => {
        const verdicts = Object.fromEntries(
            card(base).rows.map((r) => [
                r.key,
                [r.domains.pod, r.domains.node, r.domains.zone, r.domains.region].map((d) => d.verdict).join(" "),
            ]),
        );
        assert.deepEqual(verdicts, {
            postgres: "yes yes yes manual",
            backups: "yes yes yes yes",
            "pooler-rw": "yes yes yes manual",
            "pooler-ro": "yes yes yes manual",
            "redis-cache": "yes partial partial no",
            "redis-sessions": "yes yes yes manual",
            // 4 servers over 3 zones: one zone holds 2 servers = 8 of 16 drives > EC:4.
            minio: "yes yes no manual",
            kafka: "yes yes yes manual",
        });
        const pg = card(base).rows.find((r) => r.key === "postgres")!;
        assert.equal(pg.domains.zone.rpo, "0");
        assert.equal(
            pg.domains.region.rpo,
            "the cross-region streaming lag; streaming down: ≤ archive_timeout (5min) + S3 replication (RTC 15 min, 99.99%)",
        );
    });

    it("scores us-west as the follower: replicas survive losing its region", () => {
        const west = scorecard("us-west", base.west, { peer: base.east });
        const region = Object.fromEntries(west.rows.map((r) => [r.key, r.domains.region.verdict]));
        assert.deepEqual(region, {
            postgres: "yes",
            backups: "yes",
            "pooler-rw": "yes",
            "pooler-ro": "yes",
            "redis-cache": "no",
            "redis-sessions": "yes",
            minio: "manual",
            kafka: "yes",
        });
    });

    // Each weakening changes exactly the cells it should: [service key, domain] → new verdict (or "=" when only
    // the RPO/RTO changes).
    const cases: {
        what: string;
        mutate: (s: { east: Res[]; west: Res[] }) => void;
        changed: Record<string, string>;
    }[] = [
        {
            what: "PostgreSQL instances 3 → 2 (required quorum sync: writes wait after any loss)",
            mutate: (s) => (obj(s.east, "Cluster", "pg").spec.instances = 2),
            changed: { "PostgreSQL pod": "no", "PostgreSQL node": "no", "PostgreSQL zone": "no" },
        },
        {
            what: "PostgreSQL sync → async",
            mutate: (s) => delete obj(s.east, "Cluster", "pg").spec.postgresql.synchronous,
            changed: { "PostgreSQL pod": "=", "PostgreSQL node": "=", "PostgreSQL zone": "=" },
        },
        {
            what: "PostgreSQL without zone anti-affinity",
            mutate: (s) => delete obj(s.east, "Cluster", "pg").spec.affinity,
            changed: { "PostgreSQL node": "no", "PostgreSQL zone": "no" },
        },
        {
            what: "PgBouncer rw 2 → 1 pod",
            mutate: (s) => (obj(s.east, "Pooler", "pg-pooler-rw").spec.instances = 1),
            changed: { "PgBouncer rw pod": "no", "PgBouncer rw node": "no", "PgBouncer rw zone": "no" },
        },
        {
            what: "no S3 replication of us-east's backups (rendered by us-west)",
            mutate: (s) => (s.west = s.west.filter((r) => r.name !== "geo-replication-use1-to-usw2-config")),
            changed: { "PostgreSQL region": "=", "PostgreSQL backups region": "no" },
        },
        {
            what: "Redis cache cluster-node-timeout 15000 → 5000",
            mutate: (s) =>
                conf(
                    s.east,
                    "redis-cache-config",
                    "redis.conf",
                    /cluster-node-timeout 15000/,
                    "cluster-node-timeout 5000",
                ),
            changed: {
                "Redis cache (cluster) pod": "=",
                "Redis cache (cluster) node": "=",
                "Redis cache (cluster) zone": "=",
            },
        },
        {
            what: "Sentinels 3 → 2",
            mutate: (s) => (obj(s.east, "StatefulSet", "redis-sessions-sentinel").spec.replicas = 2),
            changed: { "Redis sessions (Sentinel) node": "no", "Redis sessions (Sentinel) zone": "no" },
        },
        {
            what: "Sentinel quorum 2 → 3",
            mutate: (s) =>
                conf(
                    s.east,
                    "redis-sessions-sentinel-config",
                    "sentinel.conf",
                    /(sentinel monitor sessions \S+ 6379) 2/,
                    "$1 3",
                ),
            changed: { "Redis sessions (Sentinel) node": "no", "Redis sessions (Sentinel) zone": "no" },
        },
        {
            what: "min-replicas-to-write 1 → 0",
            mutate: (s) =>
                conf(
                    s.east,
                    "redis-sessions-config",
                    "redis.conf",
                    /min-replicas-to-write 1/,
                    "min-replicas-to-write 0",
                ),
            changed: {
                "Redis sessions (Sentinel) pod": "=",
                "Redis sessions (Sentinel) node": "=",
                "Redis sessions (Sentinel) zone": "=",
            },
        },
        {
            what: "MinIO parity EC:4 → EC:2",
            mutate: (s) =>
                (obj(s.east, "Tenant", "files").spec.env.find(
                    (e: any) => e.name === "MINIO_STORAGE_CLASS_STANDARD",
                ).value = "EC:2"),
            changed: { "MinIO pod": "no", "MinIO node": "no" },
        },
        {
            what: "MinIO servers no longer one per node (the required anti-affinity dropped)",
            mutate: (s) => delete obj(s.east, "Tenant", "files").spec.pools[0].affinity,
            changed: { "MinIO node": "no" },
        },
        {
            what: "Kafka min.insync.replicas 2 → 1 on every topic",
            mutate: (s) => {
                for (const r of s.east)
                    if (r.inputs?.kind === "KafkaTopic") r.inputs.spec.config["min.insync.replicas"] = 1;
            },
            changed: { "Kafka pod": "=", "Kafka node": "=", "Kafka zone": "=" },
        },
        {
            what: "Kafka topic orders replicas 3 → 2",
            mutate: (s) => (obj(s.east, "KafkaTopic", "orders").spec.replicas = 2),
            changed: { "Kafka pod": "partial", "Kafka node": "partial", "Kafka zone": "partial" },
        },
        {
            what: "no MirrorMaker 2 in us-west",
            mutate: (s) => (s.west = s.west.filter((r) => r.inputs?.kind !== "KafkaMirrorMaker2")),
            changed: { "Kafka region": "no" },
        },
    ];
    for (const c of cases) {
        it(`a weaker guarantee changes its row: ${c.what}`, () => {
            const s = structuredClone(base);
            c.mutate(s);
            const before = card(base);
            const after = card(s);
            const changes = compareScorecards(before, after);
            const got = Object.fromEntries(
                changes.map((x) => {
                    const verdict = after.rows.find((r) => r.service === x.service)!.domains[x.domain as "pod"].verdict;
                    const old = before.rows.find((r) => r.service === x.service)!.domains[x.domain as "pod"].verdict;
                    return [`${x.service} ${x.domain}`, verdict === old ? "=" : verdict];
                }),
            );
            assert.deepEqual(got, c.changed);
        });
    }

    it("computes worst-case placement from hard constraints only", () => {
        assert.equal(worstPerDomain(4, 1, 3), 2);
        assert.equal(worstPerDomain(6, 1, 3), 2);
        assert.equal(worstPerDomain(3, 1, 3), 1);
        const zoneSpread = { topologySpreadConstraints: [{ topologyKey: "topology.kubernetes.io/zone", maxSkew: 1 }] };
        assert.deepEqual([placement(6, zoneSpread).perZone, placement(6, zoneSpread).perNode], [2, 2]);
        const soft = {
            topologySpreadConstraints: [
                { topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway" },
            ],
        };
        assert.equal(placement(3, soft).perZone, 3);
        const cnpg = {
            affinity: {
                enablePodAntiAffinity: true,
                podAntiAffinityType: "required",
                topologyKey: "topology.kubernetes.io/zone",
            },
        };
        assert.deepEqual([placement(5, cnpg).perZone, placement(5, cnpg).unschedulable], [1, 2]);
    });

    it("knows MinIO's erasure quorums", () => {
        assert.equal(erasureSetSize(16), 16);
        assert.equal(erasureSetSize(24), 12);
        assert.deepEqual(erasureAfter(16, 4, 4), { reads: true, writes: true });
        assert.deepEqual(erasureAfter(16, 2, 4), { reads: false, writes: false });
        assert.deepEqual(erasureAfter(16, 8, 8), { reads: true, writes: false });
    });

    it("puts measured drill figures beside the promised ones, tolerating unknown shapes", () => {
        const results = parseDrills({
            stack: "us-east",
            drills: [
                { service: "postgresql", scenario: "kill the primary", lostWrites: 0, rtoSeconds: 4.21, ok: true },
                { name: "Redis Sentinel", results: [{ scenario: "kill master", rpo: "0 lost", rto: "17.2 s" }] },
                { service: "throughput", tps: 1200 },
                "garbage",
            ],
        });
        assert.deepEqual(results, [
            { rowKey: "postgres", scenario: "kill the primary", rpo: "0 lost", rto: "4.21 s", ok: true },
            { rowKey: "redis-sessions", scenario: "kill master", rpo: "0 lost", rto: "17.2 s", ok: undefined },
        ]);
        assert.deepEqual(parseDrills({ unexpected: true }), []);
        const c = scorecard("us-east", base.east, {
            peer: base.west,
            drills: { file: "out/drills/us-east.json", results },
        });
        const md = toMarkdown(c);
        assert.match(md, /\| measured \(drills\) \|/);
        assert.match(md, /kill the primary: RPO 0 lost, RTO 4.21 s/);
    });
});
