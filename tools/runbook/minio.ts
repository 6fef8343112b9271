/**
 * Every MinIO step of the switchover runbooks, in one place. The tenants replicate each bucket both ways
 * (components/minio/mc-script.ts; configured once by the `role: secondary` stack's setup Job), so a
 * switchover reconfigures nothing: applications stop writing objects in the demoted region with everything
 * else, and from then on the promoted region's writes replicate back. What the runbook adds is checking
 * replication before (nothing failed, nothing lagging) and after (the new direction carries writes), through
 * the metrics Prometheus scrapes from each tenant (components/minio/minio-monitoring.ts).
 */
import { RegionConfig } from "../../config";
import { APP_USER } from "../../components/minio/minio-tenant";
import { TIER_NAME } from "../../components/minio/mc-script";
import { minioNames, serviceFqdn } from "../../components/minio/naming";
import { StackCommands } from "./commands";
import { Step, sh } from "./procedure";

/** The MinIO pieces of the runbooks that move the primary from `cur` to `tgt`. */
export interface MinioSteps {
    /** Planned switchover preflight: replication healthy in both directions. */
    readonly preflight: Step;
    /** After the switch: the promoted region's tenant replicates to the other (or, after a disaster, serves). */
    verify(demotedReplicates: boolean): Step;
    /** Disaster failover: the MinIO line of the data-loss bound. */
    readonly dataLoss: string;
    /** Disaster failover, rebuild of the returning region: what its update does to MinIO and what to run. */
    readonly rebuildNotes: readonly string[];
}

/** A Prometheus instant query through the API server's service proxy, printed as `labels value` lines. */
function promQuery(c: StackCommands, cfg: RegionConfig, expr: string): string {
    const url = `/api/v1/namespaces/${cfg.namespaces.monitoring}/services/prometheus-operated:web/proxy/api/v1/query?query=${encodeURIComponent(expr)}`;
    return `${c.kubectl(cfg.namespaces.monitoring)} get --raw ${sh(url)} | jq -r '.data.result[] | "\\(.metric.bucket // .metric.set) \\(.value[1])"'`;
}

/** The MinIO steps for moving the primary from `cur` (commands `C`) to `tgt` (commands `T`). */
export function minioSteps(cur: RegionConfig, tgt: RegionConfig, C: StackCommands, T: StackCommands): MinioSteps {
    const failed = (cfg: RegionConfig) =>
        `max by (bucket) (minio_bucket_replication_last_hour_failed_count{namespace="${cfg.namespaces.minio}"})`;
    const latency = (cfg: RegionConfig) =>
        `max by (bucket) (minio_bucket_replication_latency_ms{namespace="${cfg.namespaces.minio}"})`;
    const sent = (cfg: RegionConfig) =>
        `max by (bucket) (minio_bucket_replication_sent_count{namespace="${cfg.namespaces.minio}"})`;
    const endpoint = `https://${serviceFqdn(minioNames(tgt.namespaces.minio).api, tgt.namespaces.minio)}:9000`;
    return {
        preflight: {
            title: `Preflight: MinIO replicates both ways without failures (${cur.region} ⇄ ${tgt.region})`,
            commands: [promQuery(C, cur, failed(cur)), promQuery(C, cur, latency(cur)), promQuery(T, tgt, failed(tgt))],
            notes: [
                `Every bucket prints 0 failed objects in the last hour in both regions and a latency far below 60000 ms (MinioReplicationLag). Nothing to reconfigure: both directions stay configured through the switchover.`,
            ],
        },
        verify: (demotedReplicates) => ({
            title: demotedReplicates
                ? `Verify MinIO: applications write objects in ${tgt.region}; ${tgt.region} replicates to ${cur.region}`
                : `Verify MinIO: applications write objects in ${tgt.region}`,
            commands: [
                promQuery(
                    T,
                    tgt,
                    `min by (bucket) (minio_cluster_health_erasure_set_status{namespace="${tgt.namespaces.minio}"})`,
                ),
                ...(demotedReplicates ? [promQuery(T, tgt, sent(tgt)), promQuery(T, tgt, failed(tgt))] : []),
            ],
            notes: [
                `Applications in ${tgt.region} use ${endpoint} as ${APP_USER} (the same credentials in both regions; stack output minio.endpoint).`,
                ...(demotedReplicates
                    ? [
                          `The sent count grows as ${tgt.region} writes and the failed count stays 0: the ${tgt.region} → ${cur.region} rule, configured since the first deployment, carries the new writes.`,
                      ]
                    : [
                          `Rules towards ${cur.region} fail while it is gone (MinioReplicationFailures fires in ${tgt.region}): expected until it is rebuilt.`,
                      ]),
            ],
        }),
        dataLoss: `MinIO objects: those written in ${cur.region} that bucket replication had not yet copied (asynchronous, typically seconds; MinioReplicationLag alerts above 60 s). Objects older than minioTransitionDays live in ${cur.region}'s AWS tier bucket, readable only through ${cur.region}'s tenant metadata.`,
        rebuildNotes: [
            `MinIO: the rebuilt ${C.stack} tenant starts empty and its setup Job re-creates buckets, users and the ${TIER_NAME} tier (if \`mc ilm tier add\` reports the tier bucket in use, move the old ${minioNames(cur.namespaces.minio).tenant}/ prefix of ${cur.region}'s tier bucket aside first). The role: secondary stack's next pulumi up re-adds the rules on the rebuilt side; then copy what ${tgt.region} holds: mc replicate resync start <${tgt.region} alias>/<bucket> --remote-bucket <ARN from mc replicate ls --json>, once per bucket.`,
        ],
    };
}
