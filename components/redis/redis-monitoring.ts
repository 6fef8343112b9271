/**
 * Alerting rules of the Redis workloads. Pure: they return rule lists for
 * components/monitoring/monitors.ts's `prometheusRuleSpec`. Metric names are those of redis_exporter
 * (v1.80): every series scraped through a ServiceMonitor carries `namespace`, `service` and `pod`.
 */
import { AlertRule } from "../monitoring/monitors";

/** What the alerts of one Redis workload select. */
export interface RedisAlertScope {
    readonly namespace: string;
    /** The Service the ServiceMonitor scrapes (the `service` label of every series). */
    readonly service: string;
    /** Human name of the workload in messages, e.g. "redis-cache". */
    readonly workload: string;
    /** Fraction of maxmemory in use that alerts. Defaults to 0.9. */
    readonly memoryFraction?: number;
}

const RUNBOOK = "README.md#redis-runbooks";

function selector(s: RedisAlertScope): string {
    return `namespace="${s.namespace}", service="${s.service}"`;
}

/** Alerts every Redis workload has: exporter cannot reach Redis, memory near maxmemory, replica link down. */
export function commonRedisAlertRules(s: RedisAlertScope): AlertRule[] {
    const sel = selector(s);
    const fraction = s.memoryFraction ?? 0.9;
    return [
        {
            alert: "RedisDown",
            expr: `redis_up{${sel}} == 0`,
            for: "2m",
            severity: "critical",
            summary: `Redis {{ $labels.pod }} of ${s.workload} is down`,
            description: `redis_exporter on {{ $labels.pod }} cannot reach its Redis server.`,
            runbook: RUNBOOK,
        },
        {
            alert: "RedisMemoryNearMaxmemory",
            expr: `(redis_memory_used_bytes{${sel}} / redis_memory_max_bytes{${sel}} > ${fraction}) and (redis_memory_max_bytes{${sel}} > 0)`,
            for: "10m",
            severity: "warning",
            summary: `Redis {{ $labels.pod }} of ${s.workload} uses over ${Math.round(fraction * 100)}% of maxmemory`,
            description: `{{ $labels.pod }} is close to maxmemory: keys are being evicted (or writes refused with noeviction). Raise redisMaxmemory within the container limit, add cluster nodes, or check for unbounded keys.`,
            runbook: RUNBOOK,
        },
        {
            alert: "RedisReplicationLinkDown",
            expr: `redis_master_link_up{${sel}} == 0`,
            for: "2m",
            severity: "critical",
            summary: `Replica {{ $labels.pod }} of ${s.workload} lost its link to the master`,
            description: `master_link_status is down on {{ $labels.pod }}: it serves stale data and is not a failover candidate that keeps recent writes.`,
            runbook: RUNBOOK,
        },
    ];
}

/** Cluster-mode alerts: cluster state, slot coverage, masters without a replica. */
export function clusterAlertRules(s: RedisAlertScope): AlertRule[] {
    const sel = selector(s);
    return [
        ...commonRedisAlertRules(s),
        {
            alert: "RedisClusterStateNotOk",
            expr: `redis_cluster_state{${sel}} == 0`,
            for: "2m",
            severity: "critical",
            summary: `Redis Cluster ${s.workload}: {{ $labels.pod }} reports cluster_state:fail`,
            description: `{{ $labels.pod }} sees the cluster as failed (slots uncovered or a majority of masters unreachable); clients get CLUSTERDOWN for the affected slots.`,
            runbook: RUNBOOK,
        },
        {
            alert: "RedisClusterSlotsNotCovered",
            expr: `redis_cluster_slots_ok{${sel}} < 16384`,
            for: "2m",
            severity: "critical",
            summary: `Redis Cluster ${s.workload}: only {{ $value }} of 16384 slots are served`,
            description: `Some hash slots have no healthy master (a master and its replica are both down, or the cluster was never formed: check the create Job).`,
            runbook: RUNBOOK,
        },
        {
            alert: "RedisClusterMasterWithoutReplica",
            expr: `(redis_connected_slaves{${sel}} < 1) and on (namespace, pod) (redis_instance_info{${sel}, role="master"})`,
            for: "10m",
            severity: "warning",
            summary: `Redis Cluster ${s.workload}: master {{ $labels.pod }} has no replica`,
            description: `A failure of {{ $labels.pod }} would leave its slots uncovered. Usually a replica pod is down or was promoted elsewhere; check redis-cli --cluster check.`,
            runbook: RUNBOOK,
        },
    ];
}

/** Sentinel-mode alerts; `primary` says whether this region holds the master. */
export function replicatedAlertRules(
    s: RedisAlertScope & { readonly primary: boolean; readonly minReplicasToWrite: number },
): AlertRule[] {
    const sel = selector(s);
    const masters = `count(redis_instance_info{${sel}, role="master"})`;
    return [
        ...commonRedisAlertRules(s),
        s.primary
            ? {
                  alert: "RedisSessionsMasterCount",
                  expr: `(${masters} or vector(0)) != 1`,
                  for: "2m",
                  severity: "critical",
                  summary: `${s.workload}: {{ $value }} masters in the primary region (expected 1)`,
                  description: `No master means Sentinel has not (yet) failed over; more than one means a split brain whose minority side loses its writes. Check SENTINEL MASTERS.`,
                  runbook: RUNBOOK,
              }
            : {
                  alert: "RedisSessionsMasterCount",
                  expr: `${masters} > 0`,
                  for: "2m",
                  severity: "critical",
                  summary: `${s.workload}: a pod in the secondary region is a master`,
                  description: `Pods here must replicate from the primary region; a master here accepts writes that the next sync discards. Check primaryRegion in both stacks.`,
                  runbook: RUNBOOK,
              },
        ...(s.primary && s.minReplicasToWrite > 0
            ? [
                  {
                      alert: "RedisSessionsWritesRefused",
                      expr: `(redis_connected_slaves{${sel}} < ${s.minReplicasToWrite}) and on (namespace, pod) (redis_instance_info{${sel}, role="master"})`,
                      for: "1m",
                      severity: "critical" as const,
                      summary: `${s.workload}: master {{ $labels.pod }} has fewer than ${s.minReplicasToWrite} replica(s) and refuses writes`,
                      description: `min-replicas-to-write is ${s.minReplicasToWrite}: the master answers NOREPLICAS until enough replicas are connected with lag <= 10s.`,
                      runbook: RUNBOOK,
                  },
              ]
            : []),
    ];
}
