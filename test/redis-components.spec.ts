/**
 * RedisCluster / RedisReplicated and their config: the `redis*` keys' defaults and errors, the components'
 * validators and documented defaults, and the objects the program renders for both stacks (names,
 * replicas, resources, storage, security, Secret-only password, ServiceMonitor selectors, Job, Sentinels,
 * cross-region wiring).
 */
import { strict as assert } from "assert";
import { parseRegionConfig } from "../config";
import { clusterCreateScript, renderRedisConf, renderSentinelConf } from "../components/redis/conf";
import { clusterHosts, clusterRedisConf, validateRedisClusterArgs } from "../components/redis/redis-cluster";
import { replicationEndpoint, validateRedisReplicatedArgs } from "../components/redis/redis-replicated";
import { REDIS_RESOURCES } from "../components/redis/sizing";
import { redisMemoryBytes } from "../config/redis";
import { selects } from "../components/monitoring/monitors";
import { images } from "../components/shared/versions";
import { RecordedResource, isSecretWrapper } from "../tools/harness";
import {
    EAST_RAW as EAST,
    configError as parseError,
    documentedDefaults,
    find,
    inputs,
    ofType,
    render,
    renderSwitched,
} from "./support";

const K8S = {
    sts: "kubernetes:apps/v1:StatefulSet",
    svc: "kubernetes:core/v1:Service",
    cm: "kubernetes:core/v1:ConfigMap",
    secret: "kubernetes:core/v1:Secret",
    pdb: "kubernetes:policy/v1:PodDisruptionBudget",
    job: "kubernetes:batch/v1:Job",
    sm: "kubernetes:monitoring.coreos.com/v1:ServiceMonitor",
    rule: "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
    netpol: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
};

/** TLS material for component args (PEM placeholders: the validators do not parse it). */
const TLS = { caCert: "ca", cert: "cert", key: "key", clientCert: "client-cert", clientKey: "client-key" };

/** Every Kubernetes object of the redis namespace. */
function redisObjects(r: { resources: RecordedResource[] }): RecordedResource[] {
    return r.resources.filter((x) => x.type.startsWith("kubernetes:") && x.inputs?.metadata?.namespace === "geo-redis");
}

describe("redis config keys", () => {
    it("resolves the documented defaults", () => {
        assert.deepEqual(parseRegionConfig(EAST, "us-east").redis, {
            engine: "redis",
            clusterReplicas: 6,
            maxmemory: "768mb",
            maxmemoryPolicy: "allkeys-lru",
            storageSize: "10Gi",
            sentinels: 3,
            sessionsReplicas: 3,
            minReplicasToWrite: 1,
            tlsAuthClients: "no",
        });
    });

    const bad: [Record<string, string>, string][] = [
        [{ redisEngine: "keydb" }, 'geo-data:redisEngine: "keydb" is not allowed; expected one of: redis, valkey'],
        [
            { redisClusterReplicas: "5" },
            "geo-data:redisClusterReplicas: 5 is not allowed; expected an even integer from 6 to 60 (masters plus one replica each, at least 3 masters)",
        ],
        [
            { redisClusterReplicas: "7" },
            "geo-data:redisClusterReplicas: 7 is not allowed; expected an even integer from 6 to 60 (masters plus one replica each, at least 3 masters)",
        ],
        [
            { redisClusterReplicas: "4" },
            "geo-data:redisClusterReplicas: 4 is not allowed; expected an even integer from 6 to 60 (masters plus one replica each, at least 3 masters)",
        ],
        [
            { redisMaxmemory: "768Mi" },
            'geo-data:redisMaxmemory: "768Mi" is not allowed; expected a Redis memory size such as 768mb or 1gb (units b, k, kb, m, mb, g, gb; Kubernetes quantities like 768Mi are not Redis units)',
        ],
        [
            { redisMaxmemory: "1gb" },
            'geo-data:redisMaxmemory: "1gb" is not allowed; expected from 1mb to 819mb (80% of the 1Gi container limit)',
        ],
        [
            { redisMaxmemory: "0" },
            'geo-data:redisMaxmemory: "0" is not allowed; expected from 1mb to 819mb (80% of the 1Gi container limit)',
        ],
        [
            { redisMaxmemoryPolicy: "lru" },
            'geo-data:redisMaxmemoryPolicy: "lru" is not allowed; expected one of: allkeys-lru, volatile-lru, allkeys-lfu, volatile-lfu, allkeys-random, volatile-random, volatile-ttl, noeviction',
        ],
        [
            { redisStorageSize: "10GB" },
            'geo-data:redisStorageSize: "10GB" is not allowed; expected a positive whole number with a binary unit Ki, Mi, Gi, Ti, Pi or Ei (for example 100Gi)',
        ],
        [
            { redisSentinels: "4" },
            "geo-data:redisSentinels: 4 is not allowed; expected an odd integer from 3 to 9 (an even count tolerates no more Sentinel failures than one fewer)",
        ],
        [
            { redisSentinels: "1" },
            "geo-data:redisSentinels: 1 is not allowed; expected an odd integer from 3 to 9 (an even count tolerates no more Sentinel failures than one fewer)",
        ],
        [
            { redisSessionsReplicas: "1" },
            "geo-data:redisSessionsReplicas: 1 is not allowed; expected an integer from 2 to 9",
        ],
        [
            { redisMinReplicasToWrite: "3" },
            "geo-data:redisMinReplicasToWrite: 3 is not allowed; expected an integer from 0 to 2 (redisSessionsReplicas - 1)",
        ],
        [
            { redisSessionsReplicas: "2", redisMinReplicasToWrite: "2" },
            "geo-data:redisMinReplicasToWrite: 2 is not allowed; expected an integer from 0 to 1 (redisSessionsReplicas - 1)",
        ],
    ];
    for (const [overrides, message] of bad) {
        it(`rejects ${JSON.stringify(overrides)}`, () => assert.equal(parseError(overrides), message));
    }

    it("accepts valkey, 8 cluster pods, 512mb noeviction, 5 sentinels", () => {
        const raw = {
            ...EAST,
            "geo-data:redisEngine": "valkey",
            "geo-data:redisClusterReplicas": "8",
            "geo-data:redisMaxmemory": "512mb",
            "geo-data:redisMaxmemoryPolicy": "noeviction",
            "geo-data:redisSentinels": "5",
            "geo-data:redisMinReplicasToWrite": "0",
        };
        const r = parseRegionConfig(raw, "us-east").redis;
        assert.deepEqual(
            [r.engine, r.clusterReplicas, r.maxmemory, r.maxmemoryPolicy, r.sentinels, r.minReplicasToWrite],
            ["valkey", 8, "512mb", "noeviction", 5, 0],
        );
    });

    it("converts Redis memory units as redis.conf does", () => {
        const table: [string, number | undefined][] = [
            ["768mb", 768 * 1024 ** 2],
            ["1k", 1000],
            ["1KB", 1024],
            ["2g", 2e9],
            ["100", 100],
            ["768Mi", undefined],
            ["-1", undefined],
        ];
        for (const [v, bytes] of table) assert.equal(redisMemoryBytes(v), bytes, v);
    });
});

describe("RedisCluster args", () => {
    it("applies exactly the documented defaults", () => {
        const docs = {
            ...documentedDefaults("components/redis/server-args.ts", "RedisServerArgs"),
            ...documentedDefaults("components/redis/redis-cluster.ts", "RedisClusterArgs"),
        };
        const a = validateRedisClusterArgs({ instance: "cache", namespace: "geo-redis", tls: TLS });
        assert.deepEqual(docs, {
            engine: '"redis"',
            replicas: "6",
            maxmemory: '"768mb"',
            maxmemoryPolicy: '"allkeys-lru"',
            storageSize: '"10Gi"',
            storageClass: '"fast-ssd"',
            resources: "REDIS_RESOURCES (512Mi/250m, 1Gi/500m)",
            protect: "true",
            dependsOn: "none",
            tlsAuthClients: '"no"',
        });
        assert.equal(a.tlsAuthClients, "no");
        assert.deepEqual(
            {
                engine: a.engine,
                replicas: a.replicas,
                maxmemory: a.maxmemory,
                maxmemoryPolicy: a.maxmemoryPolicy,
                storageSize: a.storageSize,
                storageClass: a.storageClass,
                protect: a.protect,
            },
            {
                engine: "redis",
                replicas: 6,
                maxmemory: "768mb",
                maxmemoryPolicy: "allkeys-lru",
                storageSize: "10Gi",
                storageClass: "fast-ssd",
                protect: true,
            },
        );
        assert.equal(a.resources, REDIS_RESOURCES);
        assert.deepEqual(REDIS_RESOURCES, {
            requests: { cpu: "250m", memory: "512Mi" },
            limits: { cpu: "500m", memory: "1Gi" },
        });
    });

    const bad: [Record<string, unknown>, string][] = [
        [
            { replicas: 5 },
            "RedisCluster.replicas: 5 is not allowed; expected an even integer from 6 to 60 (masters plus one replica each, at least 3 masters)",
        ],
        [
            { instance: "Cache" },
            `RedisCluster.instance: "Cache" is not allowed; expected a DNS-1123 label: at most 63 characters of a-z, 0-9 and '-', starting and ending with a letter or digit`,
        ],
        [{ engine: "keydb" }, 'RedisCluster.engine: "keydb" is not allowed; expected one of: redis, valkey'],
        [
            { storageSize: "10G" },
            'RedisCluster.storageSize: "10G" is not allowed; expected a positive whole number with a binary unit Ki, Mi, Gi, Ti, Pi or Ei (for example 100Gi)',
        ],
        [
            { maxmemoryPolicy: "lru" },
            'RedisCluster.maxmemoryPolicy: "lru" is not allowed; expected one of: allkeys-lru, volatile-lru, allkeys-lfu, volatile-lfu, allkeys-random, volatile-random, volatile-ttl, noeviction',
        ],
    ];
    for (const [over, message] of bad) {
        it(`rejects ${JSON.stringify(over)}`, () =>
            assert.throws(
                () => validateRedisClusterArgs({ instance: "cache", namespace: "geo-redis", ...over } as any),
                { message },
            ));
    }

    it("lists every node by stable pod DNS name, masters first", () => {
        assert.deepEqual(
            clusterHosts({ instance: "cache", namespace: "geo-redis", replicas: 6 }),
            [0, 1, 2, 3, 4, 5].map((i) => `redis-cache-${i}.redis-cache-headless.geo-redis.svc.cluster.local:6379`),
        );
    });
});

describe("RedisReplicated args", () => {
    const base = {
        instance: "sessions",
        namespace: "geo-redis",
        region: "us-east-1",
        primaryRegion: "us-east-1",
        dnsZone: "data.internal",
        tls: TLS,
    };
    it("applies exactly the documented defaults", () => {
        const docs = {
            ...documentedDefaults("components/redis/server-args.ts", "RedisServerArgs"),
            ...documentedDefaults("components/redis/redis-replicated-args.ts", "RedisReplicatedArgs"),
        };
        const a = validateRedisReplicatedArgs(base);
        assert.deepEqual(docs, {
            password: "a newly generated RandomPassword",
            engine: '"redis"',
            replicas: "3",
            sentinels: "3",
            minReplicasToWrite: "1",
            masterName: "the instance name",
            maxmemory: '"768mb"',
            maxmemoryPolicy: '"allkeys-lru"',
            storageSize: '"10Gi"',
            storageClass: '"fast-ssd"',
            resources: "REDIS_RESOURCES (512Mi/250m, 1Gi/500m)",
            protect: "true",
            dependsOn: "none",
            loadBalancerSourceRanges: "none (every address that routes to the VPC)",
            tlsAuthClients: '"no"',
        });
        assert.equal(a.tlsAuthClients, "no");
        assert.deepEqual(
            [
                a.password,
                a.engine,
                a.replicas,
                a.sentinels,
                a.minReplicasToWrite,
                a.masterName,
                a.maxmemory,
                a.maxmemoryPolicy,
                a.storageSize,
                a.storageClass,
                a.resources,
                a.protect,
                a.primary,
                a.loadBalancerSourceRanges,
            ],
            [
                undefined,
                "redis",
                3,
                3,
                1,
                "sessions",
                "768mb",
                "allkeys-lru",
                "10Gi",
                "fast-ssd",
                REDIS_RESOURCES,
                true,
                true,
                [],
            ],
        );
        assert.equal(validateRedisReplicatedArgs({ ...base, region: "us-west-2" }).primary, false);
    });

    const bad: [Record<string, unknown>, string][] = [
        [
            { sentinels: 2 },
            "RedisReplicated.sentinels: 2 is not allowed; expected an odd integer from 3 to 9 (an even count tolerates no more Sentinel failures than one fewer)",
        ],
        [
            { sentinels: 4 },
            "RedisReplicated.sentinels: 4 is not allowed; expected an odd integer from 3 to 9 (an even count tolerates no more Sentinel failures than one fewer)",
        ],
        [{ replicas: 1 }, "RedisReplicated.replicas: 1 is not allowed; expected an integer from 2 to 9"],
        [
            { minReplicasToWrite: 3 },
            "RedisReplicated.minReplicasToWrite: 3 is not allowed; expected an integer from 0 to 2 (replicas - 1)",
        ],
        [
            { masterName: "my master" },
            `RedisReplicated.masterName: "my master" is not allowed; expected letters, digits, '.', '_' and '-'`,
        ],
        [
            { dnsZone: "Data_Internal" },
            `RedisReplicated.dnsZone: "Data_Internal" is not allowed; expected a DNS name: dot-separated DNS-1123 labels (a-z, 0-9, '-'), at most 253 characters`,
        ],
    ];
    for (const [over, message] of bad) {
        it(`rejects ${JSON.stringify(over)}`, () =>
            assert.throws(() => validateRedisReplicatedArgs({ ...base, ...over } as any), { message }));
    }

    it("derives the cross-region endpoint from config", () => {
        assert.equal(
            replicationEndpoint("sessions", "us-east-1", "data.internal"),
            "redis-sessions.us-east-1.data.internal",
        );
    });
});

describe("redis objects rendered by the program", () => {
    it("renders the cache cluster in both regions with the seed's settings", async () => {
        for (const stack of ["us-east", "us-west"]) {
            const r = await render(stack);
            const sts = inputs(find(r, K8S.sts, "geo-redis-cache-statefulset"));
            assert.equal(sts.metadata.name, "redis-cache");
            assert.equal(sts.metadata.namespace, "geo-redis");
            assert.equal(sts.spec.replicas, 6);
            assert.equal(sts.spec.serviceName, "redis-cache-headless");
            assert.deepEqual(sts.spec.volumeClaimTemplates[0].spec, {
                accessModes: ["ReadWriteOnce"],
                storageClassName: "fast-ssd",
                resources: { requests: { storage: "10Gi" } },
            });
            const redis = sts.spec.template.spec.containers.find((c: any) => c.name === "redis");
            assert.equal(redis.image, images.redis);
            assert.deepEqual(redis.resources, {
                requests: { cpu: "250m", memory: "512Mi" },
                limits: { cpu: "500m", memory: "1Gi" },
            });
            assert.deepEqual(redis.args, [
                "/etc/redis/redis.conf",
                "--cluster-announce-hostname",
                "$(POD_NAME).redis-cache-headless.geo-redis.svc.cluster.local",
            ]);
            assert.equal(
                sts.spec.template.spec.topologySpreadConstraints[0].topologyKey,
                "topology.kubernetes.io/zone",
            );
            assert.equal(sts.spec.template.spec.topologySpreadConstraints[0].whenUnsatisfiable, "DoNotSchedule");
            assert.deepEqual(sts.spec.persistentVolumeClaimRetentionPolicy, {
                whenDeleted: "Retain",
                whenScaled: "Retain",
            });
            assert.equal(find(r, K8S.sts, "geo-redis-cache-statefulset").options.protect, true);
            const cm = inputs(find(r, K8S.cm, "geo-redis-cache-config"));
            assert.deepEqual(cm.data, {
                "redis.conf": clusterRedisConf({
                    maxmemory: "768mb",
                    maxmemoryPolicy: "allkeys-lru",
                    tlsAuthClients: "no",
                }),
            });
            for (const line of [
                "cluster-enabled yes",
                "cluster-node-timeout 15000",
                "appendonly yes",
                "appendfsync everysec",
                "save 900 1",
                "save 300 10",
                "save 60 10000",
                "maxmemory 768mb",
                "maxmemory-policy allkeys-lru",
                "include /etc/redis-secret/auth.conf",
            ]) {
                assert.ok(cm.data["redis.conf"].split("\n").includes(line), line);
            }
            const pdb = inputs(find(r, K8S.pdb, "geo-redis-cache-pdb"));
            assert.deepEqual(pdb.spec, { maxUnavailable: 1, selector: { matchLabels: sts.spec.selector.matchLabels } });
        }
    });

    it("keeps the password in the Secret only, exported as a secret", async () => {
        const r = await render("us-east");
        const secret = find(r, K8S.secret, "geo-redis-cache-auth");
        const data = inputs(secret).stringData;
        assert.match(data.password, /^[A-Za-z0-9]{32}$/);
        assert.equal(data["auth.conf"], `requirepass "${data.password}"\nmasterauth "${data.password}"\n`);
        // The serialized input is a secret wrapper, not a plain string.
        assert.ok(isSecretWrapper(secret.inputs.stringData));
        const text = JSON.stringify(
            redisObjects(r)
                .filter((x) => x.type !== K8S.secret)
                .map(inputs),
        );
        assert.ok(!text.includes(data.password), "no object but the Secret holds the password");
        assert.ok(r.secretOutputNames.includes("redisSessionsPassword"));
        // Containers take it from the Secret (secretKeyRef), never as a literal.
        const sts = inputs(find(r, K8S.sts, "geo-redis-cache-statefulset"));
        for (const c of sts.spec.template.spec.containers) {
            for (const e of c.env ?? []) assert.ok(e.valueFrom || !/PASS|AUTH/.test(e.name), `${c.name} ${e.name}`);
        }
    });

    it("forms the cluster with an idempotent, hash-named Job run after the StatefulSet", async () => {
        const r = await render("us-east");
        const job = find(r, K8S.job, "geo-redis-cache-create");
        const j = inputs(job);
        assert.match(j.metadata.name, /^redis-cache-create-[0-9a-f]{10}$/);
        assert.equal(j.spec.backoffLimit, 4);
        assert.equal(j.spec.ttlSecondsAfterFinished, 86400);
        const c = j.spec.template.spec.containers[0];
        assert.deepEqual(c.command, [
            "sh",
            "-c",
            clusterCreateScript({
                hosts: clusterHosts({ instance: "cache", namespace: "geo-redis", replicas: 6 }),
                replicas: 1,
            }),
        ]);
        assert.deepEqual(c.env, [
            { name: "REDISCLI_AUTH", valueFrom: { secretKeyRef: { name: "redis-cache-auth", key: "password" } } },
        ]);
        assert.deepEqual(job.options.dependsOn, ["kubernetes:apps/v1:StatefulSet::geo-redis-cache-statefulset"]);
        assert.equal(job.options.deleteBeforeReplace, true);
        // A different cluster size is a different Job.
        const eight = inputs(
            find(await render("us-east", { redisClusterReplicas: "8" }), K8S.job, "geo-redis-cache-create"),
        );
        assert.notEqual(eight.metadata.name, j.metadata.name);
    });

    it("ServiceMonitors select exactly the headless Service with the metrics port, after the monitoring operator", async () => {
        const r = await render("us-east");
        for (const [sm, headless] of [
            ["geo-redis-cache-servicemonitor", "redis-cache-headless"],
            ["geo-redis-sessions-servicemonitor", "redis-sessions-headless"],
        ]) {
            const mon = find(r, K8S.sm, sm);
            const spec = inputs(mon).spec;
            const services = ofType(r, K8S.svc)
                .map(inputs)
                .filter(
                    (s) =>
                        s.metadata.namespace === "geo-redis" && selects(spec.selector.matchLabels, s.metadata.labels),
                );
            assert.deepEqual(
                services.map((s) => s.metadata.name),
                [headless],
            );
            assert.ok(services[0].spec.ports.some((p: any) => p.name === spec.endpoints[0].port));
            assert.deepEqual(mon.options.dependsOn, [
                "kubernetes:helm.sh/v4:Chart::geo-operators-kube-prometheus-stack",
            ]);
        }
        const rule = inputs(find(r, K8S.rule, "geo-redis-cache-alerts"));
        assert.deepEqual(
            rule.spec.groups[0].rules.map((x: any) => x.alert),
            [
                "RedisDown",
                "RedisMemoryNearMaxmemory",
                "RedisReplicationLinkDown",
                "RedisClusterStateNotOk",
                "RedisClusterSlotsNotCovered",
                "RedisClusterMasterWithoutReplica",
            ],
        );
    });

    it("every redis container is non-root, read-only, resource-limited; pods mount no token", async () => {
        for (const stack of ["us-east", "us-west"]) {
            const r = await render(stack);
            for (const w of redisObjects(r)
                .filter((x) => x.type === K8S.sts || x.type === K8S.job)
                .map(inputs)) {
                const pod = w.spec.template.spec;
                assert.equal(pod.automountServiceAccountToken, false, w.metadata.name);
                assert.equal(pod.securityContext.runAsNonRoot, true);
                assert.equal(pod.securityContext.seccompProfile.type, "RuntimeDefault");
                for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
                    assert.equal(c.securityContext.readOnlyRootFilesystem, true, `${w.metadata.name}/${c.name}`);
                    assert.equal(c.securityContext.allowPrivilegeEscalation, false);
                    assert.deepEqual(c.securityContext.capabilities, { drop: ["ALL"] });
                    assert.ok(
                        c.resources.requests.cpu &&
                            c.resources.requests.memory &&
                            c.resources.limits.cpu &&
                            c.resources.limits.memory,
                    );
                    assert.ok(Object.values(images).includes(c.image), c.image);
                }
            }
            for (const o of redisObjects(r).map(inputs))
                assert.equal(o.metadata.labels["app.kubernetes.io/part-of"], "geo-data", o.metadata.name);
        }
    });

    it("us-east runs the sessions master, its replicas and 3 Sentinels with a majority quorum", async () => {
        const r = await render("us-east");
        const sts = inputs(find(r, K8S.sts, "geo-redis-sessions-statefulset"));
        assert.equal(sts.spec.replicas, 3);
        const cm = inputs(find(r, K8S.cm, "geo-redis-sessions-config"));
        assert.equal(cm.data["redis.conf"], renderRedisConf({ mode: "replica-source", minReplicasToWrite: 1 }));
        assert.match(cm.data["start.sh"], /sentinel get-master-addr-by-name sessions/);
        const sentinel = inputs(find(r, K8S.sts, "geo-redis-sessions-sentinel"));
        assert.equal(sentinel.spec.replicas, 3);
        const scm = inputs(find(r, K8S.cm, "geo-redis-sessions-sentinel-config"));
        assert.equal(
            scm.data["sentinel.conf"],
            renderSentinelConf({
                masterName: "sessions",
                masterHost: "redis-sessions-us-east-1-0.geo-redis.svc.cluster.local",
                sentinels: 3,
            }),
        );
        // The init script seeds the pod that reports master, among the region-qualified names.
        assert.match(
            scm.data["init.sh"],
            /^candidates='redis-sessions-us-east-1-0\.geo-redis\.svc\.cluster\.local:6379 redis-sessions-us-east-1-1\.geo-redis\.svc\.cluster\.local:6379 redis-sessions-us-east-1-2\.geo-redis\.svc\.cluster\.local:6379'$/m,
        );
        const sentinelEnv = (c: { env: { name: string; valueFrom?: { secretKeyRef: object } }[] }) =>
            c.env.find((e) => e.name === "REDISCLI_AUTH")?.valueFrom?.secretKeyRef;
        const passwordRef = { name: "redis-sessions-auth", key: "password" };
        assert.deepEqual(sentinelEnv(sentinel.spec.template.spec.initContainers[0]), passwordRef);
        assert.deepEqual(sentinelEnv(sentinel.spec.template.spec.containers[0]), passwordRef);
        assert.deepEqual(sentinel.spec.template.spec.volumes[2].secret.items, [
            { key: "sentinel-auth.conf", path: "auth.conf" },
        ]);
        const sentinelAuth = inputs(find(r, K8S.secret, "geo-redis-sessions-auth")).stringData["sentinel-auth.conf"];
        assert.match(sentinelAuth, /^requirepass "[^"]+"\nsentinel sentinel-pass "[^"]+"$/m);
        assert.doesNotMatch(JSON.stringify(scm.data), /requirepass|sentinel-pass|auth-pass/);
        assert.deepEqual(sentinel.spec.template.spec.containers[0].command, [
            "sh",
            "-c",
            'umask 077 && exec redis-server /data/sentinel.conf --sentinel --sentinel announce-ip "$POD_NAME.redis-sessions-sentinel-headless.geo-redis.svc.cluster.local"',
        ]);
        assert.deepEqual(sentinel.spec.template.spec.volumes[0], { name: "data", emptyDir: { sizeLimit: "16Mi" } });
        const lb = inputs(find(r, K8S.svc, "geo-redis-sessions-primary"));
        assert.equal(lb.spec.type, "LoadBalancer");
        assert.equal(lb.metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-scheme"], "internal");
        assert.equal(
            lb.metadata.annotations["external-dns.alpha.kubernetes.io/hostname"],
            "redis-sessions.us-east-1.data.internal",
        );
        // The cross-region endpoint selects the current master only: the label the role-label sidecar sets.
        assert.deepEqual(lb.spec.selector, { ...sts.spec.selector.matchLabels, "geo-data/redis-role": "master" });
        assert.ok(!("geo-data/redis-role" in sts.spec.template.metadata.labels));
        const sidecar = sts.spec.template.spec.containers.find((c: { name: string }) => c.name === "role-label");
        assert.deepEqual(sidecar.command, ["sh", "/etc/redis/role-label.sh"]);
        assert.match(cm.data["role-label.sh"], /\/tools\/kubectl label pod "\$POD_NAME" --overwrite "\$label"/);
        assert.deepEqual(
            sidecar.volumeMounts.map((m: { name: string }) => m.name),
            ["config", "tools", "tls", "tmp", "kube-api-access"],
        );
        // Only the sidecar holds the service-account token; the pod does not automount it.
        assert.equal(sts.spec.template.spec.automountServiceAccountToken, false);
        assert.equal(sts.spec.template.spec.serviceAccountName, "redis-sessions");
        for (const c of sts.spec.template.spec.containers.filter((c: { name: string }) => c.name !== "role-label"))
            assert.ok(!c.volumeMounts?.some((m: { name: string }) => m.name === "kube-api-access"), c.name);
        const role = inputs(find(r, "kubernetes:rbac.authorization.k8s.io/v1:Role", "geo-redis-sessions-role-label"));
        assert.equal(role.metadata.namespace, "geo-redis");
        assert.deepEqual(role.rules, [
            {
                apiGroups: [""],
                resources: ["pods"],
                resourceNames: ["redis-sessions-0", "redis-sessions-1", "redis-sessions-2"],
                verbs: ["get", "patch"],
            },
        ]);
        const binding = inputs(
            find(r, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "geo-redis-sessions-role-label-binding"),
        );
        assert.deepEqual(binding.subjects, [
            { kind: "ServiceAccount", name: "redis-sessions", namespace: "geo-redis" },
        ]);
        // Every pod announces a region-qualified name: its own ClusterIP Service.
        assert.match(
            cm.data["start.sh"],
            /^self="redis-sessions-us-east-1-\$\{POD_NAME##\*-\}\.geo-redis\.svc\.cluster\.local"$/m,
        );
        for (const i of [0, 1, 2]) {
            const svc = inputs(find(r, K8S.svc, `geo-redis-sessions-pod-${i}`));
            assert.equal(svc.metadata.name, `redis-sessions-us-east-1-${i}`);
            assert.equal(svc.spec.selector["statefulset.kubernetes.io/pod-name"], `redis-sessions-${i}`);
            assert.equal(svc.spec.publishNotReadyAddresses, true);
        }
        // The network fence's Sentinel policy selects exactly these pods, on 26379 only.
        const np = inputs(find(r, K8S.netpol, "geo-network-policies-geo-redis-redis-sessions-sentinel-ingress"));
        assert.deepEqual(np.spec.podSelector.matchLabels, sentinel.spec.selector.matchLabels);
        assert.deepEqual(np.spec.ingress[0].ports, [{ port: 26379, protocol: "TCP" }]);
    });

    it("us-west runs replicas of the us-east endpoint, no Sentinels, with us-east's password", async () => {
        const east = await render("us-east");
        const west = await render("us-west");
        const cm = inputs(find(west, K8S.cm, "geo-redis-sessions-config"));
        assert.equal(
            cm.data["redis.conf"],
            renderRedisConf({
                mode: "replica",
                replicaOf: { host: "redis-sessions.us-east-1.data.internal" },
                replicaPriority: 0,
            }),
        );
        assert.match(cm.data["redis.conf"], /^replica-priority 0$/m);
        // us-west's pods announce us-west names, which us-east's Sentinels cannot mistake for their own pods.
        assert.deepEqual(
            inputs(find(west, K8S.sts, "geo-redis-sessions-statefulset")).spec.template.spec.containers[0].command,
            [
                "sh",
                "-c",
                'exec redis-server /etc/redis/redis.conf --replica-announce-ip "redis-sessions-us-west-2-${POD_NAME##*-}.geo-redis.svc.cluster.local"',
            ],
        );
        assert.equal(
            inputs(find(west, K8S.svc, "geo-redis-sessions-pod-0")).metadata.name,
            "redis-sessions-us-west-2-0",
        );
        assert.equal(ofType(west, K8S.sts).filter((s) => s.name.includes("sentinel")).length, 0);
        assert.equal(ofType(west, K8S.svc).filter((s) => s.name === "geo-redis-sessions-primary").length, 0);
        assert.ok(
            !west.resources.some((x) => x.name === "geo-redis-sessions-password"),
            "us-west generates no sessions password",
        );
        const eastPw = inputs(find(east, K8S.secret, "geo-redis-sessions-auth")).stringData.password;
        const westSecret = find(west, K8S.secret, "geo-redis-sessions-auth");
        assert.equal(inputs(westSecret).stringData.password, eastPw);
        assert.ok(isSecretWrapper(westSecret.inputs.stringData), "still a secret in us-west");
        assert.ok(
            !west.secretOutputNames.includes("redisSessionsPassword") && !("redisSessionsPassword" in west.outputs),
        );
    });

    it("a switchover (primaryRegion us-west-2 in both stacks) moves master, Sentinels and endpoint to us-west", async () => {
        const west = await renderSwitched("us-west");
        const east = await renderSwitched("us-east");
        assert.equal(find(west, K8S.sts, "geo-redis-sessions-sentinel").inputs.spec.replicas, 3);
        assert.equal(
            inputs(find(west, K8S.svc, "geo-redis-sessions-primary")).metadata.annotations[
                "external-dns.alpha.kubernetes.io/hostname"
            ],
            "redis-sessions.us-west-2.data.internal",
        );
        assert.match(
            inputs(find(east, K8S.cm, "geo-redis-sessions-config")).data["redis.conf"],
            /^replicaof redis-sessions\.us-west-2\.data\.internal 6379$/m,
        );
        assert.equal(ofType(east, K8S.sts).filter((s) => s.name.includes("sentinel")).length, 0);
        // The password still comes from us-east (the primary-role stack), so it does not change.
        assert.equal(
            inputs(find(west, K8S.secret, "geo-redis-sessions-auth")).stringData.password,
            inputs(find(east, K8S.secret, "geo-redis-sessions-auth")).stringData.password,
        );
    });

    it("uses the Valkey image when redisEngine is valkey", async () => {
        const r = await render("us-east", { redisEngine: "valkey" });
        for (const name of [
            "geo-redis-cache-statefulset",
            "geo-redis-sessions-statefulset",
            "geo-redis-sessions-sentinel",
        ]) {
            assert.equal(inputs(find(r, K8S.sts, name)).spec.template.spec.containers[0].image, images.valkey, name);
        }
    });
});
