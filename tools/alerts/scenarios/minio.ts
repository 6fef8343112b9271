/**
 * promtool scenarios of the MinIO alerts (components/minio/minio-monitoring.ts). Series carry the labels the
 * ServiceMonitor attaches to the operator's `minio` Service (scope.ts).
 */
import { Scope } from "../scope";
import { AlertScenario, on } from "./types";

const pod = (s: Scope) => `${s.podBase}-0`;
const ns = (s: Scope) => ({ namespace: s.namespace });
const set = { pool: "0", set: "0" };
const bucket = { bucket: "assets" };

/** A constant-gauge scenario: `metric` at `bad` fires with `labels`; at `good` it is silent. */
function gauge(
    metric: string,
    bad: number,
    good: number,
    extra: Record<string, string> = {},
    keys: string[] = [],
): AlertScenario {
    const labels = (s: Scope) => ({ ...ns(s), ...Object.fromEntries(keys.map((k) => [k, extra[k]])) });
    return {
        failing: (s) => [on(s, pod(s), metric, bad, extra)],
        fires: (s) => [{ labels: labels(s), value: bad }],
        healthy: (s) => [on(s, pod(s), metric, good, extra)],
    };
}

export const MINIO_SCENARIOS: Record<string, AlertScenario> = {
    MinioDrivesOffline: gauge("minio_cluster_drive_offline_total", 1, 0),
    MinioNodesOffline: gauge("minio_cluster_nodes_offline_total", 1, 0),
    MinioErasureSetUnhealthy: gauge("minio_cluster_health_erasure_set_status", 0, 1, set, ["pool", "set"]),
    MinioCapacityHigh: {
        failing: (s) => [
            on(s, pod(s), "minio_cluster_capacity_usable_free_bytes", 100),
            on(s, pod(s), "minio_cluster_capacity_usable_total_bytes", 1000),
        ],
        fires: (s) => [{ labels: ns(s), value: 0.9 }],
        healthy: (s) => [
            on(s, pod(s), "minio_cluster_capacity_usable_free_bytes", 900),
            on(s, pod(s), "minio_cluster_capacity_usable_total_bytes", 1000),
        ],
    },
    MinioHealingBacklog: gauge("minio_cluster_health_erasure_set_healing_drives", 1, 0, set, ["pool", "set"]),
    MinioHealErrors: gauge("minio_heal_objects_errors_total", 3, 0),
    MinioSetupJobFailed: {
        // kube-state-metrics' series (honorLabels: the Job's namespace, job_name).
        failing: (s) => [ksm(s, 1)],
        fires: (s) => [{ labels: { ...ns(s), job_name: `${s.monitor.name}-setup-1a2b3c` }, value: 1 }],
        healthy: (s) => [ksm(s, 0)],
    },
    MinioReplicationFailures: gauge("minio_bucket_replication_last_hour_failed_count", 2, 0, bucket, ["bucket"]),
    MinioReplicationLag: gauge("minio_bucket_replication_latency_ms", 120000, 300, bucket, ["bucket"]),
};

function ksm(s: Scope, failed: number) {
    return {
        metric: "kube_job_status_failed",
        labels: {
            namespace: s.namespace,
            job_name: `${s.monitor.name}-setup-1a2b3c`,
            job: "kube-state-metrics",
            service: "kube-prometheus-stack-kube-state-metrics",
            instance: "10.0.0.9:8080",
        },
        value: failed,
    };
}
