/**
 * The Redis server-set builder (components/redis/server-set.ts): redisStatefulSetSpec's exact fields for
 * the three kinds of set (cluster nodes, Sentinel-managed data pods, Sentinels), the Services' ports taken
 * from the containers, the documented defaults of its spec and options, and the objects and registration
 * order the program gets from createRedisServerSet.
 */
import { strict as assert } from "assert";
import { validateRedisReplicatedArgs } from "../components/redis/redis-replicated";
import { sentinelSetSpec } from "../components/redis/redis-sentinels";
import { REDIS_RESOURCES, EXPORTER_RESOURCES } from "../components/redis/sizing";
import {
    RedisServerSetSpec,
    redisServerSetLabels,
    redisServerSetPorts,
    redisStatefulSetSpec,
} from "../components/redis/server-set";
import { exporterContainer, redisServerContainer, redisServerVolumes, shortHash } from "../components/redis/workload";
import { images } from "../components/shared/versions";
import { documentedDefaults, find, inputs, render } from "./support";

const STS = "kubernetes:apps/v1:StatefulSet";

function names(base: string) {
    return {
        base,
        headless: `${base}-headless`,
        client: base,
        configMap: `${base}-config`,
        secret: `${base}-auth`,
    };
}

/** A set with the server and exporter containers; `over` changes what a case is about. */
function spec(over: Partial<RedisServerSetSpec> & { clusterBus?: boolean } = {}): RedisServerSetSpec {
    const { clusterBus, ...rest } = over;
    const n = names("redis-t");
    return {
        names: n,
        namespace: "ns",
        instance: "redis-t",
        component: "cluster",
        image: images.redis,
        replicas: 6,
        podManagementPolicy: "Parallel",
        clientRole: "client",
        containers: [
            redisServerContainer({
                image: images.redis,
                command: ["redis-server"],
                secretName: n.secret,
                resources: REDIS_RESOURCES,
                clusterBus,
            }),
            exporterContainer(n.secret, EXPORTER_RESOURCES),
        ],
        volumes: redisServerVolumes(n.configMap, n.secret, `${n.base}-tls`),
        files: { "redis.conf": "port 6379\n" },
        ...rest,
    };
}

const SENTINEL_ARGS = validateRedisReplicatedArgs({
    instance: "sessions",
    namespace: "geo-redis",
    region: "us-east-1",
    primaryRegion: "us-east-1",
    dnsZone: "data.internal",
    tls: { caCert: "ca", cert: "cert", key: "key", clientCert: "client-cert", clientKey: "client-key" },
});

const TAG = images.redis.split(":").pop()!;

interface Case {
    readonly name: string;
    readonly spec: RedisServerSetSpec;
    readonly replicas: number;
    readonly podManagementPolicy: string;
    /** The claim template's storage class and size, or the data emptyDir's size limit. */
    readonly data: { claim: [string, string] } | { emptyDir: string };
    readonly headlessPorts: string[];
    readonly clientPorts: string[];
    readonly component: string;
    readonly instance: string;
    readonly configHash: string;
    readonly serviceAccountName?: string;
    readonly initContainers: string[];
    readonly containers: string[];
    readonly volumes: string[];
}

const cases: Case[] = [
    {
        name: "cluster nodes: claim, cluster bus, started in parallel",
        spec: spec({ clusterBus: true, claim: { storageClass: "fast-ssd", size: "10Gi" } }),
        replicas: 6,
        podManagementPolicy: "Parallel",
        data: { claim: ["fast-ssd", "10Gi"] },
        headlessPorts: ["redis:6379", "cluster-bus:16379", "metrics:9121"],
        clientPorts: ["redis:6379"],
        component: "cluster",
        instance: "redis-t",
        configHash: shortHash("port 6379\n"),
        initContainers: [],
        containers: ["redis", "exporter"],
        volumes: ["config", "auth", "tls", "tmp"],
    },
    {
        name: "Sentinel-managed data pods: ordered, service account, init container, explicit hash",
        spec: spec({
            component: "server",
            replicas: 3,
            podManagementPolicy: "OrderedReady",
            clientRole: "read",
            serviceAccountName: "redis-t",
            initContainers: [{ name: "tools", image: images.kubectl }],
            files: { "redis.conf": "a", "role-label.sh": "b" },
            configHash: "0123456789",
            claim: { storageClass: "gp3", size: "20Gi" },
        }),
        replicas: 3,
        podManagementPolicy: "OrderedReady",
        data: { claim: ["gp3", "20Gi"] },
        headlessPorts: ["redis:6379", "metrics:9121"],
        clientPorts: ["redis:6379"],
        component: "server",
        instance: "redis-t",
        configHash: "0123456789",
        serviceAccountName: "redis-t",
        initContainers: ["tools"],
        containers: ["redis", "exporter"],
        volumes: ["config", "auth", "tls", "tmp"],
    },
    {
        name: "no claim: a data emptyDir of scratchSize, first among the volumes",
        spec: spec({ replicas: 2, scratchSize: "32Mi" }),
        replicas: 2,
        podManagementPolicy: "Parallel",
        data: { emptyDir: "32Mi" },
        headlessPorts: ["redis:6379", "metrics:9121"],
        clientPorts: ["redis:6379"],
        component: "cluster",
        instance: "redis-t",
        configHash: shortHash("port 6379\n"),
        initContainers: [],
        containers: ["redis", "exporter"],
        volumes: ["data", "config", "auth", "tls", "tmp"],
    },
    {
        name: "the Sentinels of redis-sessions (sentinelSetSpec)",
        spec: sentinelSetSpec(SENTINEL_ARGS),
        replicas: 3,
        podManagementPolicy: "Parallel",
        data: { emptyDir: "16Mi" },
        headlessPorts: ["sentinel:26379"],
        clientPorts: ["sentinel:26379"],
        component: "sentinel",
        instance: "redis-sessions",
        configHash: shortHash(...Object.values(sentinelSetSpec(SENTINEL_ARGS).files)),
        initContainers: ["init"],
        containers: ["sentinel"],
        volumes: ["data", "template", "auth", "tls"],
    },
];

describe("redisStatefulSetSpec", () => {
    for (const c of cases) {
        it(c.name, () => {
            const s = redisStatefulSetSpec(c.spec) as any;
            const selector = {
                "app.kubernetes.io/name": "redis",
                "app.kubernetes.io/instance": c.instance,
                "app.kubernetes.io/component": c.component,
            };
            const labels = {
                ...selector,
                "app.kubernetes.io/part-of": "geo-data",
                "app.kubernetes.io/managed-by": "pulumi",
                "app.kubernetes.io/version": TAG,
            };
            assert.equal(s.replicas, c.replicas);
            assert.equal(s.serviceName, c.spec.names.headless);
            assert.equal(s.podManagementPolicy, c.podManagementPolicy);
            assert.deepEqual(s.updateStrategy, { type: "RollingUpdate" });
            assert.deepEqual(s.selector, { matchLabels: selector });
            assert.deepEqual(s.template.metadata, {
                labels,
                annotations: { "geo-data/config-hash": c.configHash },
            });
            assert.deepEqual(redisServerSetLabels(c.spec), { labels, selector });
            const pod = s.template.spec;
            assert.deepEqual(pod.topologySpreadConstraints[0].labelSelector, { matchLabels: selector });
            assert.equal(pod.serviceAccountName, c.serviceAccountName);
            assert.deepEqual(
                (pod.initContainers ?? []).map((x: any) => x.name),
                c.initContainers,
            );
            assert.deepEqual(
                pod.containers.map((x: any) => x.name),
                c.containers,
            );
            assert.deepEqual(
                pod.volumes.map((v: any) => v.name),
                c.volumes,
            );
            if ("claim" in c.data) {
                assert.deepEqual(s.persistentVolumeClaimRetentionPolicy, {
                    whenDeleted: "Retain",
                    whenScaled: "Retain",
                });
                assert.deepEqual(s.volumeClaimTemplates, [
                    {
                        metadata: { name: "data", labels: selector },
                        spec: {
                            accessModes: ["ReadWriteOnce"],
                            storageClassName: c.data.claim[0],
                            resources: { requests: { storage: c.data.claim[1] } },
                        },
                    },
                ]);
            } else {
                assert.equal("volumeClaimTemplates" in s, false);
                assert.equal("persistentVolumeClaimRetentionPolicy" in s, false);
                assert.deepEqual(pod.volumes[0], { name: "data", emptyDir: { sizeLimit: c.data.emptyDir } });
            }
            const ports = redisServerSetPorts(c.spec.containers);
            const show = (ps: any[]) => ps.map((p) => `${p.name}:${p.port}`);
            assert.deepEqual(show(ports.headless), c.headlessPorts);
            assert.deepEqual(show(ports.client), c.clientPorts);
            for (const p of [...ports.headless, ...ports.client]) {
                assert.deepEqual([p.targetPort, p.protocol], [p.name, "TCP"]);
            }
        });
    }
});

describe("server set: documented defaults", () => {
    it("RedisServerSetSpec documents the defaults redisStatefulSetSpec applies", () => {
        assert.deepEqual(documentedDefaults("components/redis/server-set.ts", "RedisServerSetSpec"), {
            serviceAccountName: "none",
            initContainers: "none",
            configHash: "the shortHash of the files, in order",
            tlsHash: "none (no annotation)",
            claim: "none (an emptyDir)",
            scratchSize: '"16Mi"',
        });
        const s = redisStatefulSetSpec(spec({ files: { a: "1", b: "2" } })) as any;
        assert.equal("serviceAccountName" in s.template.spec, false);
        assert.equal("initContainers" in s.template.spec, false);
        assert.equal(s.template.metadata.annotations["geo-data/config-hash"], shortHash("1", "2"));
        assert.equal("volumeClaimTemplates" in s, false);
        assert.equal("geo-data/tls-hash" in s.template.metadata.annotations, false);
        assert.deepEqual(s.template.spec.volumes[0], { name: "data", emptyDir: { sizeLimit: "16Mi" } });
    });

    it("RedisServerSetOptions documents the defaults createRedisServerSet applies", async () => {
        assert.deepEqual(documentedDefaults("components/redis/server-set.ts", "RedisServerSetOptions"), {
            statefulSetName: "`<name>-statefulset`",
            protect: "none (not protected)",
            dependsOn: "none",
            beforeStatefulSet: "none",
            afterPdb: "none",
            monitor: "none",
        });
        const r = await render("us-east");
        // The Sentinels name their StatefulSet, set no protect, add no dependencies of their own but the
        // data set and no monitor; the cache takes the default name.
        find(r, STS, "geo-redis-cache-statefulset");
        const sentinel = find(r, STS, "geo-redis-sessions-sentinel");
        assert.equal("protect" in sentinel.options, false);
        assert.deepEqual(sentinel.options.dependsOn, [
            "kubernetes:core/v1:ConfigMap::geo-redis-sessions-sentinel-config",
            "kubernetes:core/v1:Secret::geo-redis-sessions-auth",
            "kubernetes:core/v1:Secret::geo-redis-sessions-tls-server",
            "kubernetes:core/v1:Service::geo-redis-sessions-sentinel-headless",
            "kubernetes:apps/v1:StatefulSet::geo-redis-sessions-statefulset",
        ]);
        assert.ok(!r.resources.some((x) => x.name.startsWith("geo-redis-sessions-sentinel-servicemonitor")));
        assert.ok(!r.resources.some((x) => x.name === "geo-redis-sessions-sentinel-auth"));
    });
});

describe("createRedisServerSet in the program", () => {
    /** Pulumi names of a component's children, in registration order. */
    async function children(stack: string, parent: string): Promise<string[]> {
        const r = await render(stack);
        return r.resources.filter((x) => x.parent === parent).map((x) => x.name);
    }

    it("registers the cache's objects in the fixed order, the create Job before the monitor", async () => {
        assert.deepEqual(await children("us-east", "geo:redis:RedisCluster::geo-redis-cache"), [
            "geo-redis-cache-password",
            "geo-redis-cache-auth",
            "geo-redis-cache-tls-server",
            "geo-redis-cache-tls-ca",
            "geo-redis-cache-config",
            "geo-redis-cache-headless",
            "geo-redis-cache-client",
            "geo-redis-cache-statefulset",
            "geo-redis-cache-pdb",
            "geo-redis-cache-create",
            "geo-redis-cache-servicemonitor",
            "geo-redis-cache-alerts",
        ]);
    });

    it("registers the sessions objects: pod Services and RBAC before the StatefulSet, Sentinels before the monitor", async () => {
        const set = (p: string) => [`${p}-config`, `${p}-headless`];
        assert.deepEqual(await children("us-east", "geo:redis:RedisReplicated::geo-redis-sessions"), [
            "geo-redis-sessions-password",
            "geo-redis-sessions-auth",
            "geo-redis-sessions-tls-server",
            "geo-redis-sessions-tls-ca",
            ...set("geo-redis-sessions"),
            "geo-redis-sessions-read",
            "geo-redis-sessions-pod-0",
            "geo-redis-sessions-pod-1",
            "geo-redis-sessions-pod-2",
            "geo-redis-sessions-serviceaccount",
            "geo-redis-sessions-role-label",
            "geo-redis-sessions-role-label-binding",
            "geo-redis-sessions-statefulset",
            "geo-redis-sessions-pdb",
            "geo-redis-sessions-primary",
            ...set("geo-redis-sessions-sentinel"),
            "geo-redis-sessions-sentinel-client",
            "geo-redis-sessions-sentinel",
            "geo-redis-sessions-sentinel-pdb",
            "geo-redis-sessions-servicemonitor",
            "geo-redis-sessions-alerts",
        ]);
        const west = await children("us-west", "geo:redis:RedisReplicated::geo-redis-sessions");
        assert.ok(!west.some((x) => x.includes("sentinel") || x.endsWith("-primary") || x.endsWith("-password")));
        assert.equal(west[0], "geo-redis-sessions-auth");
    });

    it("the Services take their ports from the containers", async () => {
        const r = await render("us-east");
        const svc = (name: string) => inputs(find(r, "kubernetes:core/v1:Service", name)).spec.ports;
        const sts = inputs(find(r, STS, "geo-redis-cache-statefulset"));
        assert.deepEqual(
            svc("geo-redis-cache-headless"),
            redisServerSetPorts(sts.spec.template.spec.containers).headless,
        );
        assert.deepEqual(svc("geo-redis-sessions-sentinel-client"), [
            { name: "sentinel", port: 26379, targetPort: "sentinel", protocol: "TCP" },
        ]);
    });
});
