/**
 * geo-data / MinIO: one region's tenant. Every server serves the cluster metrics of all servers (each with its
 * `server` label) and the cluster-wide bucket replication totals, and the ServiceMonitor scrapes every server:
 * the same series arrive once per scraped pod, so queries take max over pods (per `server` for per-server
 * counters) before they sum (minio RELEASE.2025-09-07T16-13-09Z cmd/metrics-v2.go; catalog minio.json).
 */
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import { datasourceVariable, labelVariable, series, single } from "./panels";

/** The operator's `minio` Service is what the ServiceMonitor scrapes (its `service` label). */
const sel = 'namespace="$namespace", service="minio"';
/** Replication series of the selected buckets. */
const bkt = `${sel}, bucket=~"$bucket"`;

export function minioDashboard(): dashboard.DashboardBuilder {
    return new dashboard.DashboardBuilder("geo-data / MinIO")
        .uid("geo-data-minio")
        .tags(["geo-data", "minio"])
        .refresh("1m")
        .time({ from: "now-6h", to: "now" })
        .withVariable(datasourceVariable("datasource", "Region (Prometheus)"))
        .withVariable(labelVariable("namespace", "datasource", "minio_cluster_drive_total", "namespace"))
        .withVariable(
            labelVariable("bucket", "datasource", "minio_bucket_replication_latency_ms", "bucket")
                .multi(true)
                .includeAll(true),
        )
        .withRow(new dashboard.RowBuilder("Servers and drives").gridPos({ x: 0, y: 0, w: 24, h: 1 }))
        .withPanel(
            single("Servers online", "How many MinIO servers do the servers see online?", "none", "datasource", [
                { expr: `min(minio_cluster_nodes_online_total{${sel}})`, monitor: "files" },
            ]).gridPos({ x: 0, y: 1, w: 4, h: 4 }),
        )
        .withPanel(
            single(
                "Servers offline",
                "How many servers are offline (one is within parity, a second stops writes)?",
                "none",
                "datasource",
                [{ expr: `max(minio_cluster_nodes_offline_total{${sel}})`, monitor: "files" }],
            ).gridPos({ x: 4, y: 1, w: 4, h: 4 }),
        )
        .withPanel(
            single("Drives online", "Drives online out of all drives of the tenant.", "none", "datasource", [
                { expr: `min(minio_cluster_drive_online_total{${sel}})`, legend: "online", monitor: "files" },
                { expr: `max(minio_cluster_drive_total{${sel}})`, legend: "total", monitor: "files" },
            ]).gridPos({ x: 8, y: 1, w: 4, h: 4 }),
        )
        .withPanel(
            single(
                "Drives offline",
                "How many drives are offline (objects are served from parity)?",
                "none",
                "datasource",
                [{ expr: `max(minio_cluster_drive_offline_total{${sel}})`, monitor: "files" }],
            ).gridPos({ x: 12, y: 1, w: 4, h: 4 }),
        )
        .withPanel(
            single(
                "Erasure sets with quorum",
                "Do all erasure sets keep read and write quorum (1 = all healthy)?",
                "none",
                "datasource",
                [{ expr: `min(minio_cluster_health_erasure_set_status{${sel}})`, monitor: "files" }],
                { "0": "quorum lost", "1": "healthy" },
            ).gridPos({ x: 16, y: 1, w: 4, h: 4 }),
        )
        .withPanel(
            single(
                "Capacity used",
                "Share of the usable (after parity) capacity in use.",
                "percentunit",
                "datasource",
                [
                    {
                        expr: `max(1 - minio_cluster_capacity_usable_free_bytes{${sel}} / minio_cluster_capacity_usable_total_bytes{${sel}})`,
                        monitor: "files",
                    },
                ],
            ).gridPos({ x: 20, y: 1, w: 4, h: 4 }),
        )
        .withPanel(
            series(
                "Capacity: used vs total",
                "Usable capacity in use against all usable capacity.",
                "bytes",
                "datasource",
                [
                    {
                        expr: `max(minio_cluster_capacity_usable_total_bytes{${sel}} - minio_cluster_capacity_usable_free_bytes{${sel}})`,
                        legend: "used",
                        monitor: "files",
                    },
                    {
                        expr: `max(minio_cluster_capacity_usable_total_bytes{${sel}})`,
                        legend: "total",
                        monitor: "files",
                    },
                ],
            ).gridPos({ x: 0, y: 5, w: 12, h: 8 }),
        )
        .withPanel(
            series(
                "Healing",
                "Drives healing per erasure set, and objects healed / failing to heal in the current healing run.",
                "none",
                "datasource",
                [
                    {
                        expr: `max by (pool, set) (minio_cluster_health_erasure_set_healing_drives{${sel}})`,
                        legend: "drives healing pool {{pool}} set {{set}}",
                        monitor: "files",
                    },
                    {
                        expr: `sum(max by (server, type) (minio_heal_objects_heal_total{${sel}}))`,
                        legend: "objects healed",
                        monitor: "files",
                    },
                    {
                        expr: `sum(max by (server, type) (minio_heal_objects_errors_total{${sel}}))`,
                        legend: "objects failed to heal",
                        monitor: "files",
                    },
                ],
            ).gridPos({ x: 12, y: 5, w: 12, h: 8 }),
        )
        .withRow(new dashboard.RowBuilder("S3 requests").gridPos({ x: 0, y: 13, w: 24, h: 1 }))
        .withPanel(
            series("S3 request rate", "Requests per second by S3 API, over all servers.", "reqps", "datasource", [
                {
                    expr: `sum by (api) (max by (server, api) (rate(minio_s3_requests_total{${sel}}[5m])))`,
                    legend: "{{api}}",
                    monitor: "files",
                },
            ]).gridPos({ x: 0, y: 14, w: 12, h: 8 }),
        )
        .withPanel(
            series(
                "S3 errors",
                "Failed requests per second: 5xx (server side, alarming) and 4xx (client side).",
                "reqps",
                "datasource",
                [
                    {
                        expr: `sum(max by (server, api) (rate(minio_s3_requests_5xx_errors_total{${sel}}[5m])))`,
                        legend: "5xx",
                        monitor: "files",
                    },
                    {
                        expr: `sum(max by (server, api) (rate(minio_s3_requests_4xx_errors_total{${sel}}[5m])))`,
                        legend: "4xx",
                        monitor: "files",
                    },
                ],
            ).gridPos({ x: 12, y: 14, w: 12, h: 8 }),
        )
        .withRow(new dashboard.RowBuilder("Replication to the other region").gridPos({ x: 0, y: 22, w: 24, h: 1 }))
        .withPanel(
            series(
                "Replication latency",
                "How late do objects reach the other region (upload latency per object size range)?",
                "ms",
                "datasource",
                [
                    {
                        expr: `max by (bucket, range) (minio_bucket_replication_latency_ms{${bkt}})`,
                        legend: "{{bucket}} {{range}}",
                        monitor: "files",
                    },
                ],
            ).gridPos({ x: 0, y: 23, w: 12, h: 8 }),
        )
        .withPanel(
            series(
                "Replication failures",
                "Objects that failed to replicate in the last hour (retried), and all failures since the servers started.",
                "none",
                "datasource",
                [
                    {
                        expr: `max by (bucket) (minio_bucket_replication_last_hour_failed_count{${bkt}})`,
                        legend: "{{bucket}} last hour",
                        monitor: "files",
                    },
                    {
                        expr: `max by (bucket) (minio_bucket_replication_total_failed_count{${bkt}})`,
                        legend: "{{bucket}} since start",
                        monitor: "files",
                    },
                ],
            ).gridPos({ x: 12, y: 23, w: 12, h: 8 }),
        )
        .withPanel(
            series(
                "Replicated bytes",
                "Bytes per second copied to the other region, per bucket.",
                "Bps",
                "datasource",
                [
                    {
                        expr: `max by (bucket) (rate(minio_bucket_replication_sent_bytes{${bkt}}[5m]))`,
                        legend: "{{bucket}}",
                        monitor: "files",
                    },
                ],
            ).gridPos({ x: 0, y: 31, w: 24, h: 6 }),
        );
}
