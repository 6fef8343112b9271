/**
 * Every Redis step of the switchover runbooks, in one place: the Sentinel-mode Redis instance "sessions"
 * follows primaryRegion (components/region.ts). steps.ts only places these pieces in the PostgreSQL
 * procedure; what the runbooks run or say about Redis is written here.
 */
import { RegionConfig } from "../../config";
import { SENTINEL_PORT } from "../../components/redis/workload";
import { regionalHostname } from "../../components/shared/naming";
import { StackCommands } from "./commands";
import { Step } from "./procedure";

/** The Sentinel-mode Redis instance that follows primaryRegion (components/region.ts: instance "sessions"). */
const REDIS_SESSIONS = "redis-sessions";
/** Its Sentinel master name (RedisReplicated's masterName defaults to the instance name). */
const REDIS_SESSIONS_MASTER = "sessions";

/** The Redis pieces of the runbooks that move the primary from `cur` to `tgt`. */
export interface RedisSessionsSteps {
    /** Planned switchover: appended to the cross-region lag preflight (commands, then the end of its note). */
    readonly lagPreflight: { readonly commands: readonly string[]; readonly note: string };
    /** Planned switchover, before the demotion: drain the current master into the target region. */
    readonly drain: Step;
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
    const redis = (c: StackCommands, cfg: RegionConfig, pod: string, cmd: string) =>
        `${c.kubectl(cfg.namespaces.redis)} exec ${pod} -c redis -- redis-cli ${cmd}`;
    const sentinel = (c: StackCommands, cfg: RegionConfig, pod: string, cmd: string) =>
        `${c.kubectl(cfg.namespaces.redis)} exec ${pod} -c sentinel -- redis-cli -p ${SENTINEL_PORT} ${cmd}`;
    const replicaInfo = (c: StackCommands, cfg: RegionConfig, pod: string) =>
        `${redis(c, cfg, pod, "INFO replication")} | grep -E '^(role|master_host|master_link_status):'`;
    const sentinels = range(cur.redis.sentinels);
    return {
        lagPreflight: {
            commands: [replicaInfo(T, tgt, `${REDIS_SESSIONS}-0`)],
            note: "Redis master_link_status:up.",
        },
        drain: {
            title: `Redis sessions: pause writes on the ${cur.region} master until ${tgt.region} has caught up; stop its Sentinels from failing over`,
            commands: [
                `MASTER=$(${sentinel(C, cur, `${REDIS_SESSIONS}-sentinel-0`, `--raw SENTINEL get-master-addr-by-name ${REDIS_SESSIONS_MASTER}`)} | head -n 1 | cut -d. -f1); echo "$MASTER"`,
                redis(C, cur, '"$MASTER"', "CLIENT PAUSE 60000 WRITE"),
                `${redis(C, cur, '"$MASTER"', "INFO replication")} | grep '^master_repl_offset:'`,
                `for i in ${range(tgt.redis.sessionsReplicas)}; do ${redis(T, tgt, `${REDIS_SESSIONS}-$i`, "INFO replication")} | grep -E '^(master_link_status|slave_repl_offset):'; done`,
                `for i in ${sentinels}; do ${sentinel(C, cur, `${REDIS_SESSIONS}-sentinel-$i`, `SENTINEL REMOVE ${REDIS_SESSIONS_MASTER}`)}; done`,
            ],
            notes: [
                `Every ${tgt.region} replica's slave_repl_offset equals the master's master_repl_offset before the Sentinels are removed (the pause lasts 60 s; repeat it if needed).`,
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
