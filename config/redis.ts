/**
 * Redis keys `redis*`: the server software, the cluster-mode cache and the Sentinel-mode sessions store.
 * The constants their validation needs (eviction policies, the memory limit, Redis memory units) live here
 * and the Redis components import them, so config never depends on a component.
 */
import { Check, binaryQuantity, intBetween, oneOf } from "../components/shared/validate";
import { KeySpec, Reader } from "./reader";

/** The default `maxmemory` of every Redis server: 75% of the 1Gi limit. */
export const REDIS_DEFAULT_MAXMEMORY = "768mb";

/** The most Redis pods a Sentinel-mode store has per region (config and RedisReplicated; its certificates name them all). */
export const REDIS_MAX_SESSIONS_REPLICAS = 9;

/** Pods of a cluster-mode Redis: masters plus one replica each, at least 3 masters (config and RedisCluster). */
export const redisClusterPods: Check<number> = (v) =>
    intBetween(6, 60)(v) || v % 2 !== 0
        ? "expected an even integer from 6 to 60 (masters plus one replica each, at least 3 masters)"
        : undefined;

/** Sentinels of a Sentinel-mode Redis: odd, so a strict majority decides (config and RedisReplicated). */
export const sentinelCount: Check<number> = (v) =>
    intBetween(3, 9)(v) || v % 2 === 0
        ? "expected an odd integer from 3 to 9 (an even count tolerates no more Sentinel failures than one fewer)"
        : undefined;

/** The Redis keys, in docs order. */
export const REDIS_KEYS = {
    redisEngine: {
        type: "string",
        default: "redis",
        description:
            "Server software of every Redis workload: `redis` (Redis 7.4) or `valkey` (Valkey 8.1, BSD-licensed, protocol-compatible).",
    },
    redisClusterReplicas: {
        type: "integer",
        default: 6,
        description:
            "Pods of each region's cluster-mode cache (`redis-cache`): masters + one replica each, so an even number from 6 (3 masters + 3 replicas) to 60.",
    },
    redisMaxmemory: {
        type: "string",
        default: REDIS_DEFAULT_MAXMEMORY,
        description:
            "Redis `maxmemory` of every Redis server, in Redis units (`768mb`, `1gb`); at most 80% of the 1Gi container limit, leaving room for AOF-rewrite copy-on-write and buffers.",
    },
    redisMaxmemoryPolicy: {
        type: "string",
        default: "allkeys-lru",
        description:
            "Redis `maxmemory-policy` (eviction when maxmemory is reached): allkeys-lru, volatile-lru, allkeys-lfu, volatile-lfu, allkeys-random, volatile-random, volatile-ttl or noeviction.",
    },
    redisStorageSize: {
        type: "string",
        default: "10Gi",
        description:
            "Data volume (AOF + RDB) of each Redis server pod (binary units, e.g. 10Gi). Set at creation: a later change leaves running StatefulSets and their volumes as they are (volume claim templates are immutable); grow existing volumes as docs/redis.md describes.",
    },
    redisSentinels: {
        type: "integer",
        default: 3,
        description:
            "Sentinels of the sessions store in the primary region: an odd number from 3 to 9; the quorum (and the votes a failover needs) is a strict majority.",
    },
    redisSessionsReplicas: {
        type: "integer",
        default: 3,
        description:
            "Redis pods of the Sentinel-mode sessions store in each region, 2 to 9: in the primary region the master + local replicas, in the other region replicas of the primary region's endpoint.",
    },
    redisMinReplicasToWrite: {
        type: "integer",
        default: 1,
        description:
            "`min-replicas-to-write` of the sessions master: it refuses writes while fewer replicas are connected (lag <= 10 s), so a master cut off from all replicas stops accepting writes that would be lost. 0 to redisSessionsReplicas - 1.",
    },
    redisTlsAuthClients: {
        type: "string",
        default: "no",
        description:
            "Redis `tls-auth-clients` of every Redis server and Sentinel (all of them speak TLS only): `no` — clients verify the server's certificate and authenticate with the password; `optional` — a client certificate is verified when presented; `yes` — every client must also present a certificate signed by the instance's Redis CA (the program then writes one to `redis-<instance>-client-tls` for applications to copy). `no` by default: applications authenticate with the password over TLS and need only the CA, not a key of their own.",
    },
} as const satisfies Record<string, KeySpec>;

/** `tls-auth-clients`: whether TLS clients must present a certificate signed by the CA. */
export const TLS_AUTH_CLIENTS = ["no", "optional", "yes"] as const;
export type TlsAuthClients = (typeof TLS_AUTH_CLIENTS)[number];

/** Redis-compatible server software. */
export const REDIS_ENGINES = ["redis", "valkey"] as const;
export type RedisEngine = (typeof REDIS_ENGINES)[number];

/** Redis eviction policies (`maxmemory-policy`). */
export type MaxmemoryPolicy =
    | "allkeys-lru"
    | "volatile-lru"
    | "allkeys-lfu"
    | "volatile-lfu"
    | "allkeys-random"
    | "volatile-random"
    | "volatile-ttl"
    | "noeviction";
/** Every {@link MaxmemoryPolicy}. */
export const MAXMEMORY_POLICIES: readonly MaxmemoryPolicy[] = [
    "allkeys-lru",
    "volatile-lru",
    "allkeys-lfu",
    "volatile-lfu",
    "allkeys-random",
    "volatile-random",
    "volatile-ttl",
    "noeviction",
];

/** The memory limit of each Redis server container (the seed's 1Gi). */
export const REDIS_MEMORY_LIMIT = "1Gi";
/** {@link REDIS_MEMORY_LIMIT} in bytes. */
export const REDIS_MEMORY_LIMIT_BYTES = 1024 ** 3;

/**
 * The largest `maxmemory` allowed, as a fraction of the container's memory limit: the rest is headroom for
 * the copy-on-write of AOF rewrites/RDB snapshots, replication and client buffers, so the kernel never
 * OOM-kills Redis before Redis evicts.
 */
export const MAXMEMORY_LIMIT_FRACTION = 0.8;

const UNITS: Record<string, number> = {
    "": 1,
    b: 1,
    k: 1000,
    kb: 1024,
    m: 1000 ** 2,
    mb: 1024 ** 2,
    g: 1000 ** 3,
    gb: 1024 ** 3,
};

/**
 * Bytes of a Redis memory size as redis.conf reads it (`1k` = 1000, `1kb` = 1024, `768mb` = 768 × 1024²,
 * case-insensitive). Returns undefined for anything Redis would reject (e.g. the Kubernetes `768Mi`).
 */
export function redisMemoryBytes(value: string): number | undefined {
    const m = /^(0|[1-9][0-9]*)(b|k|kb|m|mb|g|gb)?$/i.exec(value);
    if (!m) return undefined;
    return Number(m[1]) * UNITS[(m[2] ?? "").toLowerCase()];
}

/** Redis settings (keys `redis*`). */
export interface RedisConfig {
    readonly engine: RedisEngine;
    /** Pods of the cluster-mode cache (even, >= 6). */
    readonly clusterReplicas: number;
    /** `maxmemory` in Redis units. */
    readonly maxmemory: string;
    readonly maxmemoryPolicy: MaxmemoryPolicy;
    /** PVC size of each Redis server pod. */
    readonly storageSize: string;
    /** Sentinels of the sessions store (primary region only). */
    readonly sentinels: number;
    /** Redis pods of the sessions store in this region. */
    readonly sessionsReplicas: number;
    /** `min-replicas-to-write` of the sessions master. */
    readonly minReplicasToWrite: number;
    /** `tls-auth-clients` of every Redis server and Sentinel. */
    readonly tlsAuthClients: TlsAuthClients;
}

export function parseRedis(r: Reader<keyof typeof REDIS_KEYS>): RedisConfig {
    const maxBytes = Math.floor(REDIS_MEMORY_LIMIT_BYTES * MAXMEMORY_LIMIT_FRACTION);
    const sessionsReplicas = r.int("redisSessionsReplicas", intBetween(2, REDIS_MAX_SESSIONS_REPLICAS));
    return Object.freeze({
        engine: r.str("redisEngine", oneOf(REDIS_ENGINES)) as RedisEngine,
        clusterReplicas: r.int("redisClusterReplicas", redisClusterPods),
        maxmemory: r.str("redisMaxmemory", (v) => {
            const bytes = redisMemoryBytes(v);
            if (bytes === undefined) {
                return "expected a Redis memory size such as 768mb or 1gb (units b, k, kb, m, mb, g, gb; Kubernetes quantities like 768Mi are not Redis units)";
            }
            return bytes < 1024 ** 2 || bytes > maxBytes
                ? `expected from 1mb to ${Math.floor(maxBytes / 1024 ** 2)}mb (${MAXMEMORY_LIMIT_FRACTION * 100}% of the ${REDIS_MEMORY_LIMIT} container limit)`
                : undefined;
        }),
        maxmemoryPolicy: r.str("redisMaxmemoryPolicy", oneOf(MAXMEMORY_POLICIES)) as MaxmemoryPolicy,
        storageSize: r.str("redisStorageSize", binaryQuantity),
        sentinels: r.int("redisSentinels", sentinelCount),
        sessionsReplicas,
        minReplicasToWrite: r.int(
            "redisMinReplicasToWrite",
            (v) =>
                intBetween(0, sessionsReplicas - 1)(v) &&
                `expected an integer from 0 to ${sessionsReplicas - 1} (redisSessionsReplicas - 1)`,
        ),
        tlsAuthClients: r.str("redisTlsAuthClients", oneOf(TLS_AUTH_CLIENTS)) as TlsAuthClients,
    });
}
