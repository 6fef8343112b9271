/** geo-data / PostgreSQL: one region's CloudNativePG cluster, its PgBouncer poolers and its backups. */
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import { datasourceVariable, labelVariable, series, single } from "./panels";

const sel = 'namespace="$namespace", cnpg_io_cluster="$cluster"';
const pool = 'namespace="$namespace", cnpg_io_poolerName=~"$pooler"';

export function postgresDashboard(): dashboard.DashboardBuilder {
    return new dashboard.DashboardBuilder("geo-data / PostgreSQL")
        .uid("geo-data-postgres")
        .tags(["geo-data", "postgresql"])
        .refresh("1m")
        .time({ from: "now-6h", to: "now" })
        .withVariable(datasourceVariable("datasource", "Region (Prometheus)"))
        .withVariable(labelVariable("namespace", "datasource", "cnpg_collector_up", "namespace"))
        .withVariable(labelVariable("cluster", "datasource", "cnpg_collector_up", "cnpg_io_cluster"))
        .withVariable(
            labelVariable("pooler", "datasource", "cnpg_pgbouncer_last_collection_error", "cnpg_io_poolerName")
                .multi(true)
                .includeAll(true),
        )
        .withRow(new dashboard.RowBuilder("Cluster"))
        .withPanel(
            single(
                "Role in the pair",
                "Is this region's cluster the primary (replica_mode 0) or a replica cluster (1)?",
                "none",
                "datasource",
                [{ expr: `max(cnpg_collector_replica_mode{${sel}})`, monitor: "cluster" }],
                { "0": "primary", "1": "replica cluster" },
            ).gridPos({ x: 0, y: 1, w: 6, h: 4 }),
        )
        .withPanel(
            single("Instances up", "How many instances report cnpg_collector_up = 1?", "none", "datasource", [
                { expr: `count(cnpg_collector_up{${sel}} == 1)`, monitor: "cluster" },
            ]).gridPos({ x: 6, y: 1, w: 6, h: 4 }),
        )
        .withPanel(
            single(
                "Last base backup age",
                "How old is the newest base backup in the object store?",
                "s",
                "datasource",
                [
                    {
                        expr: `time() - max(barman_cloud_cloudnative_pg_io_last_available_backup_timestamp{${sel}})`,
                        monitor: "cluster",
                    },
                ],
            ).gridPos({ x: 12, y: 1, w: 6, h: 4 }),
        )
        .withPanel(
            single("Since last archived WAL", "How long since the primary archived a WAL file?", "s", "datasource", [
                {
                    expr: `max(cnpg_pg_stat_archiver_seconds_since_last_archival{${sel}} and on (namespace, pod) (cnpg_collector_replica_mode{${sel}} == 0))`,
                    monitor: "cluster",
                },
            ]).gridPos({ x: 18, y: 1, w: 6, h: 4 }),
        )
        .withPanel(
            series("Standby replay lag", "How far behind the primary does each standby replay?", "s", "datasource", [
                { expr: `max by (pod) (cnpg_pg_replication_lag{${sel}})`, legend: "{{pod}}", monitor: "cluster" },
            ]).gridPos({ x: 0, y: 5, w: 12, h: 8 }),
        )
        .withPanel(
            series(
                "Cross-region: WAL not yet flushed in the other region",
                "What would a region loss cost right now?",
                "bytes",
                "datasource",
                [
                    {
                        expr: `max by (application_name) (cnpg_pg_stat_replication_flush_diff_bytes{${sel}})`,
                        legend: "{{application_name}}",
                        monitor: "cluster",
                    },
                ],
            ).gridPos({ x: 12, y: 5, w: 12, h: 8 }),
        )
        .withPanel(
            series(
                "Replication flush lag",
                "How late does each replica (local or the other region) confirm WAL?",
                "s",
                "datasource",
                [
                    {
                        expr: `max by (application_name) (cnpg_pg_stat_replication_flush_lag_seconds{${sel}})`,
                        legend: "{{application_name}}",
                        monitor: "cluster",
                    },
                ],
            ).gridPos({ x: 0, y: 13, w: 12, h: 8 }),
        )
        .withPanel(
            series("WAL archiving failures", "Is the last archive attempt a failure (1)?", "none", "datasource", [
                {
                    expr: `max by (pod) (cnpg_pg_stat_archiver_last_failed_time{${sel}} > bool cnpg_pg_stat_archiver_last_archived_time{${sel}})`,
                    legend: "{{pod}}",
                    monitor: "cluster",
                },
            ]).gridPos({ x: 12, y: 13, w: 12, h: 8 }),
        )
        .withRow(new dashboard.RowBuilder("PgBouncer poolers"))
        .withPanel(
            series(
                "Client connections",
                "Active and waiting clients per pooler pod (compare with max_client_conn).",
                "none",
                "datasource",
                [
                    {
                        expr: `sum by (cnpg_io_poolerName, pod) (cnpg_pgbouncer_pools_cl_active{${pool}} + cnpg_pgbouncer_pools_cl_waiting{${pool}})`,
                        legend: "{{pod}}",
                        monitor: "pooler",
                    },
                ],
            ).gridPos({ x: 0, y: 22, w: 12, h: 8 }),
        )
        .withPanel(
            series(
                "Longest client wait",
                "How long has the oldest waiting client waited for a server connection?",
                "s",
                "datasource",
                [
                    {
                        expr: `max by (cnpg_io_poolerName, pod) (cnpg_pgbouncer_pools_maxwait{${pool}})`,
                        legend: "{{pod}}",
                        monitor: "pooler",
                    },
                ],
            ).gridPos({ x: 12, y: 22, w: 12, h: 8 }),
        )
        .withPanel(
            series(
                "PgBouncer reachable",
                "Can each pooler pod query its PgBouncer (1 = collection error)?",
                "none",
                "datasource",
                [
                    {
                        expr: `max by (pod) (cnpg_pgbouncer_last_collection_error{${pool}})`,
                        legend: "{{pod}}",
                        monitor: "pooler",
                    },
                ],
            ).gridPos({ x: 0, y: 30, w: 24, h: 6 }),
        );
}
