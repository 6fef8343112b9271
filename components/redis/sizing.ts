/**
 * Redis sizing facts shared by config.ts and the Redis components: the seed's container resources and the
 * conversion of Redis memory units to bytes (to check `maxmemory` against the container limit). Pure.
 */
import type { Resources } from "../shared/k8s";

/** The seed's resources of each Redis server container: requests 512Mi/250m, limits 1Gi/500m. */
export const REDIS_RESOURCES: Resources = Object.freeze({
    requests: { cpu: "250m", memory: "512Mi" },
    limits: { cpu: "500m", memory: "1Gi" },
});

/** The memory limit of {@link REDIS_RESOURCES} in bytes (1Gi). */
export const REDIS_MEMORY_LIMIT_BYTES = 1024 ** 3;

/**
 * The largest `maxmemory` allowed, as a fraction of the container's memory limit: the rest is headroom for
 * the copy-on-write of AOF rewrites/RDB snapshots, replication and client buffers, so the kernel never
 * OOM-kills Redis before Redis evicts.
 */
export const MAXMEMORY_LIMIT_FRACTION = 0.8;

/** Resources of the redis_exporter sidecar. */
export const EXPORTER_RESOURCES: Resources = Object.freeze({
    requests: { cpu: "10m", memory: "32Mi" },
    limits: { cpu: "100m", memory: "64Mi" },
});

/** Resources of each Sentinel container (tiny: Sentinel holds no data). */
export const SENTINEL_RESOURCES: Resources = Object.freeze({
    requests: { cpu: "50m", memory: "32Mi" },
    limits: { cpu: "200m", memory: "128Mi" },
});

/** Resources of short-lived helper containers (init steps, the cluster-forming Job). */
export const HELPER_RESOURCES: Resources = Object.freeze({
    requests: { cpu: "10m", memory: "16Mi" },
    limits: { cpu: "100m", memory: "64Mi" },
});

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

/** The sessions pods' role-label sidecar (kubectl, a Go binary, needs more than the shell helpers). */
export const ROLE_LABEL_RESOURCES: Resources = Object.freeze({
    requests: { cpu: "10m", memory: "32Mi" },
    limits: { cpu: "100m", memory: "128Mi" },
});
