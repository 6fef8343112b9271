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
            // Only a primary cluster must archive continuously; a replica cluster has nothing new to archive.
            expr:
                `((cnpg_pg_stat_archiver_last_failed_time{${sel}} > cnpg_pg_stat_archiver_last_archived_time{${sel}})` +
                ` or (cnpg_pg_stat_archiver_seconds_since_last_archival{${sel}} > ${gap}))` +
                ` and on (namespace, pod) (cnpg_collector_replica_mode{${sel}} == 0)`,
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
    /** Name of the pooler's PodMonitor (its scrape job is `<namespace>/<name>`). Defaults to the pooler's name. */
    readonly podMonitor?: string;
}

/** Alerts of one pooler: PgBouncer down or not scraped at all, client connections near max_client_conn, clients waiting. */
export function poolerAlertRules(a: PoolerAlertArgs): AlertRule[] {
    const sel = `namespace="${a.namespace}", cnpg_io_poolerName="${a.pooler}"`;
    const job = `namespace="${a.namespace}", job="${a.namespace}/${a.podMonitor ?? a.pooler}"`;
    const saturation = a.saturation ?? 0.8;
    const wait = a.maxWaitSeconds ?? 5;
    const runbook = "README.md#postgresql-runbooks";
    return [
        {
            // CloudNativePG 1.30 declares cnpg_pgbouncer_up but never exports it (its collector's Describe and
            // Collect leave it out). What it does export: cnpg_pgbouncer_last_collection_error = 1 when the
            // instance manager cannot query PgBouncer's admin console; and a dead pod fails its scrape (up = 0).
            alert: "PgBouncerDown",
            expr: `(max by (namespace, cnpg_io_poolerName, pod) (cnpg_pgbouncer_last_collection_error{${sel}}) == 1) or (max by (namespace, cnpg_io_poolerName, pod) (up{${job}}) == 0)`,
            for: "5m",
            severity: "critical",
            summary: `PgBouncer {{ $labels.pod }} of ${a.pooler} is down`,
            description: `{{ $labels.pod }} cannot query its PgBouncer process, or its metrics endpoint does not answer.`,
            runbook,
        },
        {
            alert: "PgBouncerAbsent",
            expr: `absent(up{${job}})`,
            for: "10m",
            severity: "critical",
            summary: `No PgBouncer pod of ${a.pooler} is scraped`,
            description: `Prometheus has no target for ${a.pooler} (no pod running, or the PodMonitor ${job} selects none): clients of this pooler's Service cannot connect.`,
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

/** Thresholds of the cross-region alerts of a member of a distributed topology. */
export interface CrossRegionAlertArgs {
    readonly cluster: string;
    readonly namespace: string;
    /** The other member's name: its application_name in this cluster's pg_stat_replication. */
    readonly peer: string;
    /** WAL not yet flushed in the other region that alerts, in bytes. Defaults to 134217728 (128 MiB, 8 segments). */
    readonly maxLagBytes?: number;
    /** Flush lag of the other region that alerts, in seconds. Defaults to 60. */
    readonly maxLagSeconds?: number;
    /** How long the other region may be disconnected before alerting. Defaults to "10m". */
    readonly notStreamingFor?: string;
}

/**
 * Cross-region replication alerts. On the primary cluster (replica_mode 0) they read pg_stat_replication's
 * row of the other region (application_name = its member name): WAL not yet flushed there, in bytes and in
 * seconds — the data a region loss would cost right now — and its absence. On a replica cluster
 * (replica_mode 1) they fire when its designated primary has no WAL receiver, i.e. it only follows the
 * object store. Each region's Prometheus evaluates them, so the survivor still alerts when the other is gone.
 */
export function crossRegionAlertRules(a: CrossRegionAlertArgs): AlertRule[] {
    const sel = `namespace="${a.namespace}", cnpg_io_cluster="${a.cluster}"`;
    const link = `${sel}, application_name="${a.peer}"`;
    const bytes = a.maxLagBytes ?? 134217728;
    const seconds = a.maxLagSeconds ?? 60;
    const runbook = "README.md#switchover-failback-and-disaster-recovery";
    const primaryOnly = `and on (namespace, pod) (cnpg_collector_replica_mode{${sel}} == 0)`;
    return [
        {
            alert: "PostgresCrossRegionLagBytes",
            expr: `max by (namespace, cnpg_io_cluster, pod) (cnpg_pg_stat_replication_flush_diff_bytes{${link}}) > ${bytes} ${primaryOnly}`,
            for: "5m",
            severity: "warning",
            summary: `${a.peer} has not flushed more than ${bytes / 1048576} MiB of ${a.cluster}'s WAL`,
            description: `{{ $value | humanize1024 }}B of WAL written on the primary are not yet durable in ${a.peer}'s region: a region loss now would lose them (unless they reached the object store). Check the network path and the replica cluster's load.`,
            runbook,
        },
        {
            alert: "PostgresCrossRegionLagSeconds",
            expr: `max by (namespace, cnpg_io_cluster, pod) (cnpg_pg_stat_replication_flush_lag_seconds{${link}}) > ${seconds} ${primaryOnly}`,
            for: "5m",
            severity: "warning",
            summary: `${a.peer} flushes ${a.cluster}'s WAL more than ${seconds}s late`,
            description: `The cross-region replica confirms WAL {{ $value }}s after it was written: the recovery point of a region loss is that far behind.`,
            runbook,
        },
        {
            alert: "PostgresCrossRegionReplicaNotStreaming",
            expr: `(max by (namespace, cnpg_io_cluster) (cnpg_collector_replica_mode{${sel}}) == 0) unless on (namespace, cnpg_io_cluster) (count by (namespace, cnpg_io_cluster) (cnpg_pg_stat_replication_sent_diff_bytes{${link}}))`,
            for: a.notStreamingFor ?? "10m",
            severity: "critical",
            summary: `${a.peer} is not streaming from ${a.cluster}`,
            description: `The primary has no replication connection from ${a.peer}: the other region only follows the object store (RPO grows to archive_timeout plus S3 replication). Check the replica cluster's status, pg-rw endpoint DNS and certificates.`,
            runbook,
        },
        {
            alert: "PostgresReplicaClusterNotStreaming",
            expr: `max by (namespace, cnpg_io_cluster, pod) (cnpg_pg_replication_is_wal_receiver_up{${sel}} == 0) and on (namespace, pod) (cnpg_collector_replica_mode{${sel}} == 1)`,
            for: a.notStreamingFor ?? "10m",
            severity: "critical",
            summary: `Replica cluster ${a.cluster} pod {{ $labels.pod }} has no WAL receiver`,
            description: `{{ $labels.pod }} of the replica cluster is not streaming (from ${a.peer} or from its designated primary): it replays only what reaches the object store.`,
            runbook,
        },
    ];
}
