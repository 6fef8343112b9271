/**
 * Redis sizing: the seed's container resources. The memory limit, the `maxmemory` fraction and Redis memory
 * units are config-side facts (config/redis.ts, which validates `redisMaxmemory` against them). Pure.
 */
import { REDIS_MEMORY_LIMIT } from "../../config/redis";
import type { Resources } from "../shared/k8s";

/** The seed's resources of each Redis server container: requests 512Mi/250m, limits 1Gi/500m. */
export const REDIS_RESOURCES: Resources = Object.freeze({
    requests: { cpu: "250m", memory: "512Mi" },
    limits: { cpu: "500m", memory: REDIS_MEMORY_LIMIT },
});

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

/** The sessions pods' role-label sidecar (kubectl, a Go binary, needs more than the shell helpers). */
export const ROLE_LABEL_RESOURCES: Resources = Object.freeze({
    requests: { cpu: "10m", memory: "32Mi" },
    limits: { cpu: "100m", memory: "128Mi" },
});
