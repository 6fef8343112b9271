/**
 * Every Redis step of the switchover runbooks, in one place: the Sentinel-mode Redis instance "sessions"
 * follows primaryRegion (components/region.ts). steps.ts only places these pieces in the PostgreSQL
 * procedure; what the runbooks run or say about Redis is written here.
 */
import { RegionConfig } from "../../config";
import { CLI_TLS, SENTINEL_PORT } from "../../components/redis/workload";
import { regionalHostname } from "../../components/shared/naming";
import { StackCommands } from "./commands";
import { Step } from "./procedure";

/** The Sentinel-mode Redis instance that follows primaryRegion (components/region.ts: instance "sessions"). */
const REDIS_SESSIONS = "redis-sessions";
/** Its Sentinel master name (RedisReplicated's masterName defaults to the instance name). */
const REDIS_SESSIONS_MASTER = "sessions";
/**
 * `min-replicas-to-write` that fences the old Redis master: more replicas than the pair can have (9 per
 * region), so it refuses every write (NOREPLICAS) until it restarts with its rendered config — unlike
 * CLIENT PAUSE, it does not expire while the demotion runs.
 */
export const REDIS_FENCE_MIN_REPLICAS = 1000;

/** The Redis pieces of the runbooks that move the primary from `cur` to `tgt`. */
export interface RedisSessionsSteps {
    /** Planned switchover: appended to the cross-region lag preflight (commands, then the end of its note). */
    readonly lagPreflight: { readonly commands: readonly string[]; readonly note: string };
    /** Planned switchover, before the demotion: fence the current master and drain it into the target region. */
    readonly drain: Step;
    /** Planned switchover, right before the promotion: the target's replicas still hold the fenced master's last write. */
    readonly prePromotionCheck: Step;
    /** After the switch: the master is in the target region (and, with `demotedReplicates`, `cur` follows it). */
    verify(demotedReplicates: boolean): Step;
    /** Disaster failover: the Redis line of the data-loss bound. */
    readonly dataLoss: string;
    /** Disaster failover, rebuild of the returning region: what its update does to Redis. */
    readonly rebuildNote: string;
    /** Disaster failover, once rebuilt: the command showing the returning region replicates. */
    readonly rebuiltCheck: string;
}

/** The Redis sessions steps for moving the primary from `cur` (commands `C`) to `tgt` (commands `T`). */
export function redisSessionsSteps(
    cur: RegionConfig,
    tgt: RegionConfig,
    C: StackCommands,
    T: StackCommands,
): RedisSessionsSteps {
    const redisEndpoint = regionalHostname(REDIS_SESSIONS, tgt.region, tgt.dnsZone);
    const range = (n: number) => Array.from({ length: n }, (_, i) => i).join(" ");
    // Redis speaks TLS only: redis-cli in the pod uses the pod's mounted certificate and CA.
    const redis = (c: StackCommands, cfg: RegionConfig, pod: string, cmd: string) =>
        `${c.kubectl(cfg.namespaces.redis)} exec ${pod} -c redis -- redis-cli ${CLI_TLS} ${cmd}`;
    const sentinel = (c: StackCommands, cfg: RegionConfig, pod: string, cmd: string) =>
        `${c.kubectl(cfg.namespaces.redis)} exec ${pod} -c sentinel -- redis-cli ${CLI_TLS} -p ${SENTINEL_PORT} ${cmd}`;
    const replicaInfo = (c: StackCommands, cfg: RegionConfig, pod: string) =>
        `${redis(c, cfg, pod, "INFO replication")} | grep -E '^(role|master_host|master_link_status):'`;
    const sentinels = range(cur.redis.sentinels);
    // How many of the target's replicas have not yet received the fenced master's last offset ($REDIS_OFFSET).
    const targetBehind = `$(for i in ${range(tgt.redis.sessionsReplicas)}; do off=$(${redis(T, tgt, `${REDIS_SESSIONS}-$i`, "INFO replication")} | sed -n 's/^slave_repl_offset://p' | tr -d '\\r'); [ "\${off:-0}" -ge "$REDIS_OFFSET" ] || echo ${REDIS_SESSIONS}-$i; done | wc -l | tr -d ' ')`;
    return {
        lagPreflight: {
            commands: [replicaInfo(T, tgt, `${REDIS_SESSIONS}-0`)],
            note: "Redis master_link_status:up.",
        },
        drain: {
            title: `Redis sessions: stop ${cur.region}'s Sentinels from failing over, fence the master (it refuses writes until it restarts), wait until ${tgt.region} has its last write`,
            commands: [
                `for i in ${sentinels}; do ${sentinel(C, cur, `${REDIS_SESSIONS}-sentinel-$i`, `SENTINEL REMOVE ${REDIS_SESSIONS_MASTER}`)}; done`,
                `MASTER=$(for i in ${range(cur.redis.sessionsReplicas)}; do [ "$(${redis(C, cur, `${REDIS_SESSIONS}-$i`, "ROLE")} | head -n 1)" = master ] && echo ${REDIS_SESSIONS}-$i; done); echo "$MASTER"`,
                redis(C, cur, '"$MASTER"', `CONFIG SET min-replicas-to-write ${REDIS_FENCE_MIN_REPLICAS}`),
                `REDIS_OFFSET=$(${redis(C, cur, '"$MASTER"', "INFO replication")} | sed -n 's/^master_repl_offset://p' | tr -d '\\r'); echo "$REDIS_OFFSET"`,
                `for j in $(seq 1 30); do behind=${targetBehind}; [ "$behind" = 0 ] && break; sleep 2; done; echo "${tgt.region} replicas behind offset $REDIS_OFFSET: $behind"`,
            ],
            notes: [
                `$MASTER is exactly one pod name. From the CONFIG SET on it refuses every write with NOREPLICAS (min-replicas-to-write ${REDIS_FENCE_MIN_REPLICAS} cannot be met) until the demotion restarts it; nothing it acknowledged after $REDIS_OFFSET exists.`,
                `The last line must say 0 replicas behind. To abort instead: ${redis(C, cur, '"$MASTER"', `CONFIG SET min-replicas-to-write ${cur.redis.minReplicasToWrite}`)}, then ${C.kubectl(cur.namespaces.redis)} rollout restart statefulset ${REDIS_SESSIONS}-sentinel (the Sentinels find the master by its ROLE).`,
            ],
        },
        prePromotionCheck: {
            title: `Redis sessions: right before the promotion, check that every ${tgt.region} replica still has the fenced master's last write`,
            commands: [`behind=${targetBehind}; echo "${tgt.region} replicas behind offset $REDIS_OFFSET: $behind"`],
            notes: [
                `Promote only when it says 0: the promotion makes ${REDIS_SESSIONS}-0 of ${tgt.region} the master with the data it holds now.`,
            ],
        },
        verify: (demotedReplicates) => ({
            title: `Verify Redis sessions: the master is in ${tgt.region}${demotedReplicates ? `, ${C.stack} replicates from ${redisEndpoint}` : ""}`,
            commands: [
                sentinel(
                    T,
                    tgt,
                    `${REDIS_SESSIONS}-sentinel-0`,
                    `SENTINEL get-master-addr-by-name ${REDIS_SESSIONS_MASTER}`,
                ),
                ...(demotedReplicates ? [replicaInfo(C, cur, `${REDIS_SESSIONS}-0`)] : []),
            ],
            notes: [
                `${T.stack}'s Sentinels name a ${REDIS_SESSIONS}-N pod of ${tgt.region}` +
                    (demotedReplicates
                        ? `; ${C.stack} shows role:slave, master_host:${redisEndpoint}, master_link_status:up.`
                        : "."),
                `Session clients use ${T.stack}'s Sentinel Service (stack output redis.sessions).`,
            ],
        }),
        dataLoss: `Redis sessions: writes ${cur.region} acknowledged but had not shipped (asynchronous, typically under a second).`,
        rebuildNote: `The same update turns ${C.stack}'s Redis sessions pods into replicas of ${redisEndpoint} (a full resync discards their old data).`,
        rebuiltCheck: replicaInfo(C, cur, `${REDIS_SESSIONS}-0`),
    };
}
