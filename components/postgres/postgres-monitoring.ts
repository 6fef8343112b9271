/**
 * Alerting rules for a CloudNativePG cluster and its PgBouncer poolers. Pure: they return rule lists for
 * components/monitoring/monitors.ts's `prometheusRuleSpec`. Metric names are those of CloudNativePG 1.30's
 * default queries and collectors and of the Barman Cloud plugin 0.14 (exported through the instance's
 * `metrics` port); series carry `cnpg_io_cluster` / `cnpg_io_poolerName` through the PodMonitors'
 * podTargetLabels.
 */
import { AlertRule } from "../monitoring/monitors";

/** Thresholds of the cluster alerts. */
export interface ClusterAlertArgs {
    readonly cluster: string;
    readonly namespace: string;
    /** Instances the cluster should have up. */
    readonly instances: number;
    /** Standby replay lag that alerts, in seconds. Defaults to 60. */
    readonly maxLagSeconds?: number;
    /** Age of the newest successful base backup that alerts, in hours. Defaults to 26 (daily + 2 h). */
    readonly maxBackupAgeHours?: number;
    /** Seconds without a successfully archived WAL on the primary that alert. Defaults to 900 (3 × archive_timeout). */
    readonly maxArchiveGapSeconds?: number;
}

/** Alerts of one cluster: instance down, replication lag, WAL archiving failures, stale backups. */
export function clusterAlertRules(a: ClusterAlertArgs): AlertRule[] {
    const sel = `namespace="${a.namespace}", cnpg_io_cluster="${a.cluster}"`;
    const lag = a.maxLagSeconds ?? 60;
    const backupHours = a.maxBackupAgeHours ?? 26;
    const gap = a.maxArchiveGapSeconds ?? 900;
    const runbook = "README.md#postgresql-runbooks";
    return [
        {
            alert: "PostgresInstanceDown",
            expr: `(count(cnpg_collector_up{${sel}} == 1) or vector(0)) < ${a.instances}`,
            for: "5m",
            severity: "critical",
            summary: `PostgreSQL cluster ${a.namespace}/${a.cluster} has fewer than ${a.instances} instances up`,
            description: `Fewer than ${a.instances} instances of ${a.cluster} report cnpg_collector_up == 1 (pod gone, unschedulable, or PostgreSQL down). One more failure may cost quorum.`,
            runbook,
        },
        {
            alert: "PostgresReplicationLagHigh",
            // A replica cluster's designated primary replays from the other region: its lag is not local HA.
            expr: `max by (namespace, cnpg_io_cluster, pod) (cnpg_pg_replication_lag{${sel}}) > ${lag} and on (namespace, pod) (cnpg_collector_replica_mode{${sel}} == 0)`,
            for: "5m",
            severity: "warning",
            summary: `Standby {{ $labels.pod }} of ${a.cluster} lags more than ${lag}s`,
            description: `{{ $labels.pod }} replays WAL {{ $value }}s behind the primary.`,
            runbook,
        },
        {
            alert: "PostgresWALArchivingFailing",
            expr:
                `(cnpg_pg_stat_archiver_last_failed_time{${sel}} > cnpg_pg_stat_archiver_last_archived_time{${sel}})` +
                ` or (cnpg_pg_stat_archiver_seconds_since_last_archival{${sel}} > ${gap})`,
            for: "5m",
            severity: "critical",
            summary: `WAL archiving of ${a.cluster} is failing`,
            description: `The primary {{ $labels.pod }} cannot archive WAL to the object store (last attempt failed, or nothing archived for ${gap}s). Point-in-time recovery stops at the last archived WAL and pg_wal fills up.`,
            runbook,
        },
        {
            alert: "PostgresBackupTooOld",
            expr: `(time() - max(barman_cloud_cloudnative_pg_io_last_available_backup_timestamp{${sel}})) > ${backupHours * 3600}`,
            for: "15m",
            severity: "critical",
            summary: `Last successful base backup of ${a.cluster} is older than ${backupHours}h`,
            description: `The newest base backup in the object store is older than ${backupHours} hours (daily schedule + margin): check the ScheduledBackup and the latest Backup objects.`,
            runbook,
        },
    ];
}

/** Thresholds of a pooler's alerts. */
export interface PoolerAlertArgs {
    readonly pooler: string;
    readonly namespace: string;
    /** PgBouncer max_client_conn of each pod. */
    readonly maxClientConn: number;
    /** Fraction of max_client_conn in use that alerts. Defaults to 0.8. */
    readonly saturation?: number;
    /** Longest a client may wait for a server connection, in seconds. Defaults to 5. */
    readonly maxWaitSeconds?: number;
}

/** Alerts of one pooler: PgBouncer down, client connections near max_client_conn, clients waiting. */
export function poolerAlertRules(a: PoolerAlertArgs): AlertRule[] {
    const sel = `namespace="${a.namespace}", cnpg_io_poolerName="${a.pooler}"`;
    const saturation = a.saturation ?? 0.8;
    const wait = a.maxWaitSeconds ?? 5;
    const runbook = "README.md#postgresql-runbooks";
    return [
        {
            alert: "PgBouncerDown",
            expr: `cnpg_pgbouncer_up{${sel}} == 0`,
            for: "5m",
            severity: "critical",
            summary: `PgBouncer {{ $labels.pod }} of ${a.pooler} is down`,
            description: `{{ $labels.pod }} cannot reach its PgBouncer process.`,
            runbook,
        },
        {
            alert: "PgBouncerClientsSaturated",
            expr: `sum by (namespace, cnpg_io_poolerName, pod) (cnpg_pgbouncer_pools_cl_active{${sel}} + cnpg_pgbouncer_pools_cl_waiting{${sel}}) > ${Math.floor(a.maxClientConn * saturation)}`,
            for: "10m",
            severity: "warning",
            summary: `PgBouncer {{ $labels.pod }} of ${a.pooler} uses over ${Math.round(saturation * 100)}% of max_client_conn`,
            description: `{{ $value }} client connections of ${a.maxClientConn} allowed: scale the pooler (postgresPoolerInstances) or raise postgresMaxClientConn.`,
            runbook,
        },
        {
            alert: "PgBouncerClientsWaiting",
            expr: `max by (namespace, cnpg_io_poolerName, pod) (cnpg_pgbouncer_pools_maxwait{${sel}}) > ${wait}`,
            for: "5m",
            severity: "warning",
            summary: `Clients of ${a.pooler} wait more than ${wait}s for a server connection`,
            description: `The pool is exhausted on {{ $labels.pod }}: raise postgresDefaultPoolSize (within max_connections) or find long transactions.`,
            runbook,
        },
    ];
}
