/**
 * promtool scenarios of the Redis alerts (components/redis/redis-monitoring.ts). Series carry the labels the
 * ServiceMonitor attaches (scope.ts) and redis_exporter's own (`role`, `redis_version`… on redis_instance_info).
 */
import { Scope } from "../scope";
import { AlertScenario, Series, on } from "./types";

const pods = (s: Scope) => [0, 1, 2].map((i) => `${s.podBase}-${i}`);
const info = (s: Scope, pod: string, role: "master" | "slave"): Series =>
    on(s, pod, "redis_instance_info", 1, { role, redis_version: "7.4.6", redis_mode: "standalone" });
/** One master (pod 0) and two replicas. */
const roles = (s: Scope, master = true): Series[] =>
    pods(s).map((p, i) => info(s, p, i === 0 && master ? "master" : "slave"));

export const REDIS_SCENARIOS: Record<string, AlertScenario> = {
    RedisDown: {
        failing: (s) => pods(s).map((p, i) => on(s, p, "redis_up", i === 1 ? 0 : 1)),
        fires: (s) => [{ labels: s.target(pods(s)[1]), value: 0 }],
        healthy: (s) => pods(s).map((p) => on(s, p, "redis_up", 1)),
    },
    RedisMemoryNearMaxmemory: {
        failing: (s) => [
            on(s, pods(s)[0], "redis_memory_used_bytes", 950),
            on(s, pods(s)[0], "redis_memory_max_bytes", 1000),
        ],
        fires: (s) => [{ labels: s.target(pods(s)[0]), value: 0.95 }],
        healthy: (s) => [
            on(s, pods(s)[0], "redis_memory_used_bytes", 100),
            on(s, pods(s)[0], "redis_memory_max_bytes", 1000),
            // maxmemory 0 (unlimited) never alerts.
            on(s, pods(s)[1], "redis_memory_used_bytes", 950),
            on(s, pods(s)[1], "redis_memory_max_bytes", 0),
        ],
    },
    RedisReplicationLinkDown: {
        failing: (s) => [on(s, pods(s)[1], "redis_master_link_up", 0), on(s, pods(s)[2], "redis_master_link_up", 1)],
        fires: (s) => [{ labels: s.target(pods(s)[1]), value: 0 }],
        healthy: (s) => [on(s, pods(s)[1], "redis_master_link_up", 1), on(s, pods(s)[2], "redis_master_link_up", 1)],
    },
    RedisClusterStateNotOk: {
        failing: (s) => [on(s, pods(s)[0], "redis_cluster_state", 0)],
        fires: (s) => [{ labels: s.target(pods(s)[0]), value: 0 }],
        healthy: (s) => [on(s, pods(s)[0], "redis_cluster_state", 1)],
    },
    RedisClusterSlotsNotCovered: {
        failing: (s) => [on(s, pods(s)[0], "redis_cluster_slots_ok", 10923)],
        fires: (s) => [{ labels: s.target(pods(s)[0]), value: 10923 }],
        healthy: (s) => [on(s, pods(s)[0], "redis_cluster_slots_ok", 16384)],
    },
    RedisClusterMasterWithoutReplica: {
        failing: (s) => [
            ...roles(s),
            on(s, pods(s)[0], "redis_connected_slaves", 0),
            on(s, pods(s)[1], "redis_connected_slaves", 0),
        ],
        fires: (s) => [{ labels: s.target(pods(s)[0]), value: 0 }],
        healthy: (s) => [
            ...roles(s),
            on(s, pods(s)[0], "redis_connected_slaves", 1),
            on(s, pods(s)[1], "redis_connected_slaves", 0),
        ],
    },
    RedisSessionsMasterCount: {
        // Primary region: exactly one master; secondary region: none (the rule differs per stack).
        failing: (s) => roles(s, !s.primary),
        fires: (s) => [{ labels: {}, value: s.primary ? 0 : 1 }],
        healthy: (s) => roles(s, s.primary),
    },
    RedisSessionsWritesRefused: {
        failing: (s) => [...roles(s), on(s, pods(s)[0], "redis_connected_slaves", 0)],
        fires: (s) => [{ labels: s.target(pods(s)[0]), value: 0 }],
        healthy: (s) => [...roles(s), on(s, pods(s)[0], "redis_connected_slaves", 2)],
    },
};
