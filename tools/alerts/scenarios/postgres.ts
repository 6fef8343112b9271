/**
 * promtool scenarios of the CloudNativePG cluster and PgBouncer pooler alerts
 * (components/postgres/postgres-monitoring.ts). Series carry the labels the PodMonitors attach (scope.ts).
 */
import { Scope } from "../scope";
import { AlertScenario, Series, on, pick } from "./types";

const pods = (s: Scope) => Array.from({ length: s.cluster!.instances }, (_, i) => `${s.cluster!.name}-${i + 1}`);
const key = (s: Scope, pod?: string) =>
    pick(s.target(pod ?? ""), "namespace", "cnpg_io_cluster", ...(pod ? ["pod"] : []));
/** cnpg_collector_replica_mode of every instance: 0 in the primary cluster, 1 in a replica cluster. */
const mode = (s: Scope, replica: boolean): Series[] =>
    pods(s).map((p) => on(s, p, "cnpg_collector_replica_mode", replica ? 1 : 0));
/** pg_stat_replication rows of the local standbys (application_name = pod name) on the primary pod. */
const localRows = (s: Scope, metric: string, value: number): Series[] =>
    pods(s)
        .slice(1)
        .map((p) => on(s, pods(s)[0], metric, value, { application_name: p }));
const peerRow = (s: Scope, metric: string, value: number): Series =>
    on(s, pods(s)[0], metric, value, { application_name: s.cluster!.peer });

const GIB_QUARTER = 268435456;

export const POSTGRES_SCENARIOS: Record<string, AlertScenario> = {
    PostgresInstanceDown: {
        failing: (s) => pods(s).map((p, i) => on(s, p, "cnpg_collector_up", i === 0 ? 0 : 1)),
        fires: (s) => [{ labels: {}, value: s.cluster!.instances - 1 }],
        healthy: (s) => pods(s).map((p) => on(s, p, "cnpg_collector_up", 1)),
    },
    PostgresReplicationLagHigh: {
        failing: (s) => [
            ...mode(s, false),
            ...pods(s).map((p, i) => on(s, p, "cnpg_pg_replication_lag", i === 1 ? 120 : 0)),
        ],
        fires: (s) => [{ labels: key(s, pods(s)[1]), value: 120 }],
        healthy: (s) => [...mode(s, false), ...pods(s).map((p) => on(s, p, "cnpg_pg_replication_lag", 1))],
        // A replica cluster's designated primary replays from the other region: not local HA lag.
        otherRole: (s) => [
            ...mode(s, true),
            ...pods(s).map((p, i) => on(s, p, "cnpg_pg_replication_lag", i === 1 ? 120 : 0)),
        ],
    },
    PostgresWALArchivingFailing: {
        failing: (s) => [
            ...mode(s, false),
            on(s, pods(s)[0], "cnpg_pg_stat_archiver_last_failed_time", 2000),
            on(s, pods(s)[0], "cnpg_pg_stat_archiver_last_archived_time", 1000),
            on(s, pods(s)[0], "cnpg_pg_stat_archiver_seconds_since_last_archival", 10),
        ],
        fires: (s) => [{ labels: s.target(pods(s)[0]), value: 2000 }],
        healthy: (s) => [
            ...mode(s, false),
            on(s, pods(s)[0], "cnpg_pg_stat_archiver_last_failed_time", 1000),
            on(s, pods(s)[0], "cnpg_pg_stat_archiver_last_archived_time", 2000),
            on(s, pods(s)[0], "cnpg_pg_stat_archiver_seconds_since_last_archival", 10),
        ],
        otherRole: (s) => [
            ...mode(s, true),
            on(s, pods(s)[0], "cnpg_pg_stat_archiver_last_failed_time", 2000),
            on(s, pods(s)[0], "cnpg_pg_stat_archiver_last_archived_time", 1000),
            on(s, pods(s)[0], "cnpg_pg_stat_archiver_seconds_since_last_archival", 5000),
        ],
    },
    PostgresBackupTooOld: {
        failing: (s) => [
            on(s, pods(s)[0], "barman_cloud_cloudnative_pg_io_last_available_backup_timestamp", { age: 100000 }),
        ],
        fires: () => [{ labels: {}, value: 100000 }],
        healthy: (s) => [
            on(s, pods(s)[0], "barman_cloud_cloudnative_pg_io_last_available_backup_timestamp", { age: 3600 }),
        ],
    },
    PostgresCrossRegionLagBytes: {
        failing: (s) => [...mode(s, false), peerRow(s, "cnpg_pg_stat_replication_flush_diff_bytes", GIB_QUARTER)],
        fires: (s) => [{ labels: key(s, pods(s)[0]), value: GIB_QUARTER }],
        healthy: (s) => [
            ...mode(s, false),
            peerRow(s, "cnpg_pg_stat_replication_flush_diff_bytes", 1024),
            // A local standby far behind is PostgresReplicationLagHigh's business, not a cross-region alert.
            ...localRows(s, "cnpg_pg_stat_replication_flush_diff_bytes", GIB_QUARTER),
        ],
        otherRole: (s) => [...mode(s, true), peerRow(s, "cnpg_pg_stat_replication_flush_diff_bytes", GIB_QUARTER)],
    },
    PostgresCrossRegionLagSeconds: {
        failing: (s) => [...mode(s, false), peerRow(s, "cnpg_pg_stat_replication_flush_lag_seconds", 120)],
        fires: (s) => [{ labels: key(s, pods(s)[0]), value: 120 }],
        healthy: (s) => [
            ...mode(s, false),
            peerRow(s, "cnpg_pg_stat_replication_flush_lag_seconds", 2),
            ...localRows(s, "cnpg_pg_stat_replication_flush_lag_seconds", 120),
        ],
        otherRole: (s) => [...mode(s, true), peerRow(s, "cnpg_pg_stat_replication_flush_lag_seconds", 120)],
    },
    PostgresCrossRegionReplicaNotStreaming: {
        // Only the local standbys stream: the other region's member has no row.
        failing: (s) => [...mode(s, false), ...localRows(s, "cnpg_pg_stat_replication_sent_diff_bytes", 0)],
        fires: (s) => [{ labels: key(s), value: 0 }],
        healthy: (s) => [
            ...mode(s, false),
            ...localRows(s, "cnpg_pg_stat_replication_sent_diff_bytes", 0),
            peerRow(s, "cnpg_pg_stat_replication_sent_diff_bytes", 0),
        ],
        otherRole: (s) => [...mode(s, true), ...localRows(s, "cnpg_pg_stat_replication_sent_diff_bytes", 0)],
    },
    PostgresReplicaClusterNotStreaming: {
        failing: (s) => [
            ...mode(s, true),
            ...pods(s).map((p, i) => on(s, p, "cnpg_pg_replication_is_wal_receiver_up", i === 0 ? 0 : 1)),
        ],
        fires: (s) => [{ labels: key(s, pods(s)[0]), value: 0 }],
        healthy: (s) => [
            ...mode(s, true),
            ...pods(s).map((p) => on(s, p, "cnpg_pg_replication_is_wal_receiver_up", 1)),
        ],
        // The primary cluster's primary has no WAL receiver by design.
        otherRole: (s) => [
            ...mode(s, false),
            ...pods(s).map((p, i) => on(s, p, "cnpg_pg_replication_is_wal_receiver_up", i === 0 ? 0 : 1)),
        ],
    },
};

const poolerPods = (s: Scope) => [`${s.podBase}-7d9f8-abcde`, `${s.podBase}-7d9f8-fghij`];
const poolerKey = (s: Scope, pod: string) => pick(s.target(pod), "namespace", "cnpg_io_poolerName", "pod");
const pool = { database: "app", user: "app" };

export const POOLER_SCENARIOS: Record<string, AlertScenario> = {
    PgBouncerDown: {
        // Pod 0 runs but cannot query PgBouncer; pod 1's metrics endpoint does not answer (only up is left).
        failing: (s) => {
            const [a, b] = poolerPods(s);
            return [on(s, a, "cnpg_pgbouncer_last_collection_error", 1), on(s, a, "up", 1), on(s, b, "up", 0)];
        },
        fires: (s) => [
            { labels: poolerKey(s, poolerPods(s)[0]), value: 1 },
            { labels: poolerKey(s, poolerPods(s)[1]), value: 0 },
        ],
        healthy: (s) =>
            poolerPods(s).flatMap((p) => [on(s, p, "cnpg_pgbouncer_last_collection_error", 0), on(s, p, "up", 1)]),
    },
    PgBouncerAbsent: {
        // Another pooler is scraped; this one has no target.
        failing: (s) => [
            { metric: "up", labels: { ...s.target("other-pooler-0"), job: `${s.namespace}/other` }, value: 1 },
        ],
        fires: (s) => [{ labels: { namespace: s.namespace, job: s.job }, value: 1 }],
        healthy: (s) => poolerPods(s).map((p) => on(s, p, "up", 1)),
    },
    PgBouncerClientsSaturated: {
        failing: (s) => [
            on(s, poolerPods(s)[0], "cnpg_pgbouncer_pools_cl_active", 700, pool),
            on(s, poolerPods(s)[0], "cnpg_pgbouncer_pools_cl_waiting", 150, pool),
        ],
        fires: (s) => [{ labels: poolerKey(s, poolerPods(s)[0]), value: 850 }],
        healthy: (s) => [
            on(s, poolerPods(s)[0], "cnpg_pgbouncer_pools_cl_active", 10, pool),
            on(s, poolerPods(s)[0], "cnpg_pgbouncer_pools_cl_waiting", 0, pool),
        ],
    },
    PgBouncerClientsWaiting: {
        failing: (s) => [on(s, poolerPods(s)[0], "cnpg_pgbouncer_pools_maxwait", 12, pool)],
        fires: (s) => [{ labels: poolerKey(s, poolerPods(s)[0]), value: 12 }],
        healthy: (s) => [on(s, poolerPods(s)[0], "cnpg_pgbouncer_pools_maxwait", 0, pool)],
    },
};
