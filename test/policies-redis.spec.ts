/**
 * The Redis policies and workload-require-resources: each passes the program's own output for both stacks
 * and fails a copy of that output in which exactly one field was changed, with the exact message.
 */
import { strict as assert } from "assert";
import { workloadRequireResources } from "../policies/kubernetes/workload-require-resources";
import { redisClusterRequireMinReplicas } from "../policies/redis/redis-cluster-require-min-replicas";
import { redisClusterRequirePdb } from "../policies/redis/redis-cluster-require-pdb";
import { redisRequireAofPersistence } from "../policies/redis/redis-require-aof-persistence";
import { redisRequireTls } from "../policies/redis/redis-require-tls";
import { RecordedResource } from "../tools/harness";
import { runPolicies } from "../tools/policy-runner";
import { itIsInThePack, render } from "./support";

type Policy = Parameters<typeof runPolicies>[0][number];

/** A deep copy of us-east's resources with `edit` applied to the named resource's inputs. */
async function mutated(name: string, edit: (inputs: Record<string, any>) => void): Promise<RecordedResource[]> {
    const r = await render("us-east");
    const copy: RecordedResource[] = JSON.parse(JSON.stringify(r.resources));
    const target = copy.find((x) => x.name === name);
    if (!target) throw new Error(`no resource ${name}`);
    edit(target.inputs);
    return copy;
}

async function violations(policy: Policy, resources: RecordedResource[]) {
    return (await runPolicies([policy], resources, { stack: "us-east" })).map((v) => [
        v.enforcementLevel,
        v.name,
        v.message,
    ]);
}

const STS =
    "urn:pulumi:us-east::geo-data::geo:index:DataRegion$geo:redis:RedisCluster$kubernetes:apps/v1:StatefulSet::geo-redis-cache-statefulset";

describe("redis policies", () => {
    const mine = [
        workloadRequireResources,
        redisClusterRequireMinReplicas,
        redisClusterRequirePdb,
        redisRequireAofPersistence,
        redisRequireTls,
    ];

    itIsInThePack(() => mine);

    it("pass the program's own output for both stacks (and with 8 cluster pods, valkey)", async () => {
        for (const [stack, overrides] of [
            ["us-east", {}],
            ["us-west", {}],
            ["us-east", { redisClusterReplicas: "8", redisEngine: "valkey" }],
        ] as const) {
            const r = await render(stack, overrides);
            assert.deepEqual(await runPolicies(mine, r.resources, { stack }), [], stack);
        }
    });

    it("redis-cluster-require-min-replicas fails 5 replicas", async () => {
        const res = await mutated("geo-redis-cache-statefulset", (i) => (i.spec.replicas = 5));
        assert.deepEqual(await violations(redisClusterRequireMinReplicas, res), [
            [
                "mandatory",
                "geo-redis-cache-statefulset",
                "Redis Cluster StatefulSet geo-redis/redis-cache has spec.replicas 5; it needs at least 6 (masters plus one replica each). Set geo-data:redisClusterReplicas to 6 or more.",
            ],
        ]);
    });

    it("redis-cluster-require-min-replicas reads its threshold from config", async () => {
        const r = await render("us-east");
        const v = await runPolicies([redisClusterRequireMinReplicas], r.resources, {
            stack: "us-east",
            config: { [redisClusterRequireMinReplicas.name]: { minReplicas: 8 } },
        });
        assert.equal(v.length, 1);
        assert.match(v[0].message, /has spec\.replicas 6; it needs at least 8/);
    });

    it("redis-cluster-require-pdb fails when the PDB no longer selects the pods", async () => {
        const res = await mutated(
            "geo-redis-cache-pdb",
            (i) => (i.spec.selector.matchLabels["app.kubernetes.io/component"] = "server"),
        );
        const v = await runPolicies([redisClusterRequirePdb], res, { stack: "us-east" });
        assert.deepEqual(
            v.map((x) => [x.enforcementLevel, x.urn, x.message]),
            [
                [
                    "mandatory",
                    STS,
                    "Redis Cluster StatefulSet geo-redis/redis-cache has no PodDisruptionBudget selecting its pods; add one with maxUnavailable: 1.",
                ],
            ],
        );
    });

    it("redis-cluster-require-pdb fails maxUnavailable 2", async () => {
        const res = await mutated("geo-redis-cache-pdb", (i) => (i.spec.maxUnavailable = 2));
        const v = await runPolicies([redisClusterRequirePdb], res, { stack: "us-east" });
        assert.deepEqual(
            v.map((x) => x.message),
            [
                "Redis Cluster StatefulSet geo-redis/redis-cache: PodDisruptionBudget geo-redis/redis-cache must set maxUnavailable to at most 1.",
            ],
        );
    });

    it("redis-require-aof-persistence fails appendonly no", async () => {
        const res = await mutated(
            "geo-redis-cache-config",
            (i) => (i.data["redis.conf"] = i.data["redis.conf"].replace("appendonly yes", "appendonly no")),
        );
        const v = await runPolicies([redisRequireAofPersistence], res, { stack: "us-east" });
        assert.deepEqual(
            v.map((x) => [x.urn, x.message]),
            [[STS, "Redis StatefulSet geo-redis/redis-cache: its redis.conf has appendonly no; set appendonly yes."]],
        );
    });

    it("redis-require-aof-persistence fails appendfsync no and a missing redis.conf", async () => {
        const fsync = await mutated(
            "geo-redis-sessions-config",
            (i) => (i.data["redis.conf"] = i.data["redis.conf"].replace("appendfsync everysec", "appendfsync no")),
        );
        assert.deepEqual(
            (await runPolicies([redisRequireAofPersistence], fsync, { stack: "us-east" })).map((x) => x.message),
            ["Redis StatefulSet geo-redis/redis-sessions: its redis.conf has appendfsync no; use everysec or always."],
        );
        const missing = await mutated(
            "geo-redis-cache-statefulset",
            (i) => (i.spec.template.spec.volumes[0].configMap.name = "other"),
        );
        assert.deepEqual(
            (await runPolicies([redisRequireAofPersistence], missing, { stack: "us-east" })).map((x) => x.message),
            [
                "Redis StatefulSet geo-redis/redis-cache mounts no ConfigMap with a redis.conf key; persistence cannot be verified.",
            ],
        );
    });

    const FIX =
        "render it with components/redis/conf.ts (renderRedisConf/renderSentinelConf always emit port 0, tls-port and the tls-* lines) and mount the instance's TLS Secret.";

    it("redis-require-tls fails a plaintext port (port 6379) in the cache's redis.conf", async () => {
        const res = await mutated(
            "geo-redis-cache-config",
            (i) => (i.data["redis.conf"] = i.data["redis.conf"].replace(/^port 0$/m, "port 6379")),
        );
        assert.deepEqual(
            (await runPolicies([redisRequireTls], res, { stack: "us-east" })).map((x) => [
                x.enforcementLevel,
                x.urn,
                x.message,
            ]),
            [
                [
                    "mandatory",
                    STS,
                    `Redis StatefulSet geo-redis/redis-cache: its redis.conf has port 6379, so Redis accepts or sends plaintext; it needs port 0 (no plaintext listener): ${FIX}`,
                ],
            ],
        );
    });

    it("redis-require-tls fails plaintext replication, a cluster bus without TLS and a Sentinel without TLS", async () => {
        const replication = await mutated(
            "geo-redis-sessions-config",
            (i) => (i.data["redis.conf"] = i.data["redis.conf"].replace("tls-replication yes", "tls-replication no")),
        );
        assert.deepEqual(
            (await runPolicies([redisRequireTls], replication, { stack: "us-east" })).map((x) => x.message),
            [
                `Redis StatefulSet geo-redis/redis-sessions: its redis.conf has tls-replication no, so Redis accepts or sends plaintext; it needs tls-replication yes: ${FIX}`,
            ],
        );
        const bus = await mutated(
            "geo-redis-cache-config",
            (i) => (i.data["redis.conf"] = i.data["redis.conf"].replace("tls-cluster yes\n", "")),
        );
        assert.deepEqual(
            (await runPolicies([redisRequireTls], bus, { stack: "us-east" })).map((x) => x.message),
            [
                `Redis StatefulSet geo-redis/redis-cache: its redis.conf has tls-cluster unset, so Redis accepts or sends plaintext; it needs tls-cluster yes (the cluster bus): ${FIX}`,
            ],
        );
        const sentinel = await mutated(
            "geo-redis-sessions-sentinel-config",
            (i) => (i.data["sentinel.conf"] = i.data["sentinel.conf"].replace(/^tls-ca-cert-file .*\n/m, "")),
        );
        assert.deepEqual(
            (await runPolicies([redisRequireTls], sentinel, { stack: "us-east" })).map((x) => x.message),
            [
                `Redis StatefulSet geo-redis/redis-sessions-sentinel: its sentinel.conf has tls-ca-cert-file unset, so Redis accepts or sends plaintext; it needs tls-ca-cert-file: ${FIX}`,
            ],
        );
    });

    it("redis-require-tls fails a command line that re-opens a plaintext port", async () => {
        const res = await mutated("geo-redis-cache-statefulset", (i) =>
            i.spec.template.spec.containers[0].args.push("--port", "6379"),
        );
        assert.deepEqual(
            (await runPolicies([redisRequireTls], res, { stack: "us-east" })).map((x) => x.message),
            [
                "Redis StatefulSet geo-redis/redis-cache: a container's command line sets --port 6379, which re-opens plaintext; remove it (redis.conf sets port 0 and TLS).",
            ],
        );
    });

    it("workload-require-resources fails a container without limits.memory", async () => {
        const res = await mutated(
            "geo-redis-cache-statefulset",
            (i) => delete i.spec.template.spec.containers[1].resources.limits.memory,
        );
        assert.deepEqual(await violations(workloadRequireResources, res), [
            [
                "mandatory",
                "geo-redis-cache-statefulset",
                "StatefulSet geo-redis/redis-cache pod[0].containers[exporter] has no resources.limits.memory; set cpu and memory requests and limits on every container.",
            ],
        ]);
    });

    it("workload-require-resources checks init containers and Jobs", async () => {
        const init = await mutated(
            "geo-redis-sessions-sentinel",
            (i) => delete i.spec.template.spec.initContainers[0].resources,
        );
        assert.deepEqual(
            (await violations(workloadRequireResources, init)).map((v) => v[2]),
            [
                "StatefulSet geo-redis/redis-sessions-sentinel pod[0].initContainers[init] has no resources.requests.cpu, resources.requests.memory, resources.limits.cpu, resources.limits.memory; set cpu and memory requests and limits on every container.",
            ],
        );
        const job = await mutated(
            "geo-redis-cache-create",
            (i) => delete i.spec.template.spec.containers[0].resources.requests.cpu,
        );
        assert.match(
            (await violations(workloadRequireResources, job))[0][2] as string,
            /^Job geo-redis\/redis-cache-create-[0-9a-f]{10} pod\[0\]\.containers\[create\] has no resources\.requests\.cpu;/,
        );
    });
});
