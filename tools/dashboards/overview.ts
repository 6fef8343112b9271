/**
 * geo-data overview: both regions side by side, one data source variable per region column (this Grafana's
 * own Prometheus, and the other region's through its `prometheus-peer` NLB; docs/monitoring.md).
 */
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import { datasourceVariable, series, single } from "./panels";
import { PEER_DATASOURCE_UID } from "../../components/monitoring/peer-datasource";

/** The panels of one region's column. */
function region(b: dashboard.DashboardBuilder, variable: string, x: number): dashboard.DashboardBuilder {
    const w = 12;
    return b
        .withPanel(
            single(
                "PostgreSQL role",
                "Is this region's cluster the primary or a replica cluster?",
                "none",
                variable,
                [{ expr: "max(cnpg_collector_replica_mode)", monitor: "cluster" }],
                { "0": "primary", "1": "replica" },
            ).gridPos({ x, y: 1, w: w / 2, h: 4 }),
        )
        .withPanel(
            single("Redis sessions masters here", "1 in the primary region, 0 in the other.", "none", variable, [
                {
                    expr: 'count(redis_instance_info{role="master", service=~".*sessions.*"}) or vector(0)',
                    monitor: "redis",
                },
            ]).gridPos({ x: x + w / 2, y: 1, w: w / 2, h: 4 }),
        )
        .withPanel(
            series(
                "PostgreSQL cross-region lag",
                "WAL written on the primary not yet flushed in the other region (bytes) and its flush lag (seconds).",
                "bytes",
                variable,
                [
                    {
                        expr: "max by (application_name) (cnpg_pg_stat_replication_flush_diff_bytes and on (namespace, pod) (cnpg_collector_replica_mode == 0))",
                        legend: "{{application_name}} bytes",
                        monitor: "cluster",
                    },
                ],
            ).gridPos({ x, y: 5, w, h: 7 }),
        )
        .withPanel(
            series("PostgreSQL cross-region flush lag", "Seconds until the other region confirms WAL.", "s", variable, [
                {
                    expr: "max by (application_name) (cnpg_pg_stat_replication_flush_lag_seconds and on (namespace, pod) (cnpg_collector_replica_mode == 0))",
                    legend: "{{application_name}}",
                    monitor: "cluster",
                },
            ]).gridPos({ x, y: 12, w, h: 7 }),
        )
        .withPanel(
            series(
                "Redis cross-region master link",
                "Sessions replicas' link to the primary region's master (1 = up).",
                "none",
                variable,
                [{ expr: 'min(redis_master_link_up{service=~".*sessions.*"})', legend: "sessions", monitor: "redis" }],
            ).gridPos({ x, y: 19, w, h: 6 }),
        )
        .withPanel(
            single("Last base backup age", "Age of the newest base backup.", "s", variable, [
                {
                    expr: "time() - max(barman_cloud_cloudnative_pg_io_last_available_backup_timestamp)",
                    monitor: "cluster",
                },
            ]).gridPos({ x, y: 25, w: w / 2, h: 4 }),
        )
        .withPanel(
            single(
                "Since last archived WAL",
                "Seconds since the primary archived WAL (a replica cluster archives nothing).",
                "s",
                variable,
                [
                    {
                        expr: "max(cnpg_pg_stat_archiver_seconds_since_last_archival and on (namespace, pod) (cnpg_collector_replica_mode == 0))",
                        monitor: "cluster",
                    },
                ],
            ).gridPos({ x: x + w / 2, y: 25, w: w / 2, h: 4 }),
        )
        .withPanel(
            single(
                "Other region reachable",
                "Share of the other region's endpoints that answer a TCP connect.",
                "percentunit",
                variable,
                [{ expr: "avg(probe_success)", monitor: "cross-region-watch" }],
            ).gridPos({ x, y: 29, w: w / 2, h: 4 }),
        )
        .withPanel(
            single("Alerts firing", "Critical and warning alerts firing in this region.", "none", variable, [
                { expr: 'count(ALERTS{alertstate="firing", severity=~"critical|warning"}) or vector(0)', monitor: "" },
            ]).gridPos({ x: x + w / 2, y: 29, w: w / 2, h: 4 }),
        );
}

/** The MinIO replication row's panels of one region's column (the buckets replicate both ways). */
function minioReplication(
    b: dashboard.DashboardBuilder,
    variable: string,
    x: number,
    y: number,
): dashboard.DashboardBuilder {
    return b
        .withPanel(
            series(
                "MinIO replication latency",
                "How late do this region's objects reach the other region, per bucket?",
                "ms",
                variable,
                [
                    {
                        expr: "max by (bucket) (minio_bucket_replication_latency_ms)",
                        legend: "{{bucket}}",
                        monitor: "files",
                    },
                ],
            ).gridPos({ x, y, w: 8, h: 7 }),
        )
        .withPanel(
            single(
                "MinIO replication failures (last hour)",
                "Objects that failed to replicate to the other region in the last hour (retried).",
                "none",
                variable,
                [
                    {
                        expr: "sum(max by (bucket) (minio_bucket_replication_last_hour_failed_count)) or vector(0)",
                        monitor: "files",
                    },
                ],
            ).gridPos({ x: x + 8, y, w: 4, h: 7 }),
        );
}

/** The MirrorMaker 2 row's panels of one region's column (only the non-primary region runs MirrorMaker 2). */
function mirrorMaker(
    b: dashboard.DashboardBuilder,
    variable: string,
    x: number,
    y: number,
): dashboard.DashboardBuilder {
    return b
        .withPanel(
            series(
                "MirrorMaker 2 replication latency",
                "How late do the primary region's records arrive in this region (max per topic)? Empty in the primary region.",
                "ms",
                variable,
                [
                    {
                        expr: "max by (topic) (kafka_connect_mirror_mirrorsourceconnector_replication_latency_ms_max)",
                        legend: "{{topic}}",
                        monitor: "events-mirror",
                    },
                ],
            ).gridPos({ x, y, w: 8, h: 7 }),
        )
        .withPanel(
            single(
                "MirrorMaker 2 failed tasks",
                "Failed connector tasks (they copy nothing until restarted).",
                "none",
                variable,
                [
                    {
                        expr: "sum(kafka_connect_worker_connector_failed_task_count) or vector(0)",
                        monitor: "events-mirror",
                    },
                ],
            ).gridPos({ x: x + 8, y, w: 4, h: 7 }),
        );
}

export function overviewDashboard(): dashboard.DashboardBuilder {
    let b = new dashboard.DashboardBuilder("geo-data overview")
        .uid("geo-data-overview")
        .tags(["geo-data"])
        .refresh("1m")
        .time({ from: "now-6h", to: "now" });
    const columns = [
        ["region0", "This region"],
        ["region1", "Other region"],
    ] as const;
    b = b.withVariable(datasourceVariable("region0", "This region (Prometheus)"));
    // The other region's Prometheus: the data source kube-prometheus-stack's Grafana gets from
    // grafana.additionalDataSources (components/monitoring/peer-datasource.ts).
    b = b.withVariable(
        datasourceVariable("region1", "Other region (Prometheus)").current({
            text: "Prometheus (other region)",
            value: PEER_DATASOURCE_UID,
        }),
    );
    b = b.withRow(new dashboard.RowBuilder("This region | Other region"));
    columns.forEach(([name], i) => {
        b = region(b, name, i * 12);
    });
    b = b.withRow(new dashboard.RowBuilder("MinIO replication").gridPos({ x: 0, y: 33, w: 24, h: 1 }));
    columns.forEach(([name], i) => {
        b = minioReplication(b, name, i * 12, 34);
    });
    b = b.withRow(new dashboard.RowBuilder("MirrorMaker 2 lag").gridPos({ x: 0, y: 41, w: 24, h: 1 }));
    columns.forEach(([name], i) => {
        b = mirrorMaker(b, name, i * 12, 42);
    });
    return b;
}
