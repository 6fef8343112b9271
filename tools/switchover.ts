/**
 * `npm run switchover -- --to us-west [--disaster] [--config key=value ...] [--out dir]`
 *
 * Moves the writable primaries (PostgreSQL, Redis sessions) to another region of the pair. It checks that
 * the committed stack files agree on `geo-data:primaryRegion`, rehearses the switched topology offline
 * (both stacks rendered with the target as primary — a rehearsal promotion token on the target, or
 * `disasterFailover` with `--disaster` — then CRD schemas and the policy pack, exactly as `npm run plan`),
 * and prints the ordered procedure: every step exact commands with the stacks, regions, namespaces and
 * kube contexts taken from config. It changes nothing itself.
 *
 * Planned switchover (no data loss): demote the current primary (primaryRegion = target, its promotion
 * token removed — CloudNativePG rejects a token on a replica cluster, cloudnative-pg#9273), read the
 * demotion token CloudNativePG writes to the demoted Cluster's status, promote the target with that token
 * (CloudNativePG waits until the target has replayed up to the demotion checkpoint). `--disaster`: the
 * current primary's region is lost; promote the survivor with `disasterFailover`, and rebuild the lost
 * region as a replica when it returns.
 */
import * as path from "path";
import { CONFIG_SCHEMA, RawConfig, RegionConfig, parseRegionConfig } from "../config";
import { BACKUP_PREFIX, distributedName, poolerHostnames } from "../components/postgres/naming";
import { CLUSTER_NAME } from "../components/postgres/postgres";
import { SENTINEL_PORT } from "../components/redis/workload";
import { regionalHostname } from "../components/shared/naming";
import { replicationRuleId } from "../components/backup/backup-replication";
import { checkConfigsAgree } from "../components/shared/pair";
import { encodePromotionToken } from "../components/shared/validate";
import { ROOT, StackOutputs } from "./harness";
import { StackPlan, addOverride, overridesFor, plan, removeRendered, summarize } from "./plan";
import { UNDECRYPTABLE, loadStackConfig, stackNames } from "./stack-config";

const TOKEN_KEY = "geo-data:postgresPromotionToken";
const DISASTER_KEY = "geo-data:disasterFailover";
const PRIMARY_KEY = "geo-data:primaryRegion";

/**
 * A promotion token in CloudNativePG's format (base64 of the JSON pkg/utils/parser.go reads) with
 * obviously fake values: what offline renders put where the real demotion token will go. Never deploy it.
 */
export const REHEARSAL_PROMOTION_TOKEN = encodePromotionToken({
    latestCheckpointTimelineID: "1",
    redoWalFile: "000000010000000000000000",
    databaseSystemIdentifier: "0000000000000000000",
    latestCheckpointREDOLocation: "0/0",
    timeOfLatestCheckpoint: "Thu 01 Jan 1970 00:00:00 UTC",
    operatorVersion: "rehearsal",
});

/** TTL of the writer CNAME: how long clients may keep resolving the old primary region after a switch. */
export const WRITER_TTL_SECONDS = 30;

/** The Sentinel-mode Redis instance that follows primaryRegion (components/region.ts: instance "sessions"). */
const REDIS_SESSIONS = "redis-sessions";
/** Its Sentinel master name (RedisReplicated's masterName defaults to the instance name). */
const REDIS_SESSIONS_MASTER = "sessions";

/** Parsed command line of switchover. */
export interface SwitchoverArgs {
    /** Target stack or region (`us-west`, `us-west-2`). */
    to: string;
    /** Print (and rehearse) the disaster-failover path: the current primary's region is lost. */
    disaster: boolean;
    /** `key=value` config overrides for every stack, `stack/key=value` for one (as in plan). */
    overrides: Record<string, string>;
    /** Where the rehearsal writes its renders. */
    out: string;
}

/** Parses switchover's arguments; throws on unknown flags or a missing --to. */
export function parseSwitchoverArgs(argv: string[]): SwitchoverArgs {
    let to: string | undefined;
    const args = {
        disaster: false,
        overrides: {} as Record<string, string>,
        out: path.join(ROOT, "out", "switchover"),
    };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        const next = () => {
            const v = argv[++i];
            if (v === undefined || v.startsWith("--")) throw new Error(`${a} needs a value`);
            return v;
        };
        if (a === "--to") to = next();
        else if (a === "--disaster") args.disaster = true;
        else if (a === "--out") args.out = path.resolve(next());
        else if (a === "--config") addOverride(args.overrides, next());
        else
            throw new Error(
                `unknown argument "${a}" (expected --to STACK|REGION, --disaster, --config key=value, --out DIR)`,
            );
    }
    if (to === undefined) throw new Error("missing --to STACK|REGION: the stack or region to make primary");
    return { to, ...args };
}

/** Each stack's raw config (Pulumi.yaml defaults + Pulumi.<stack>.yaml + overrides), by stack name. */
export function loadPairConfigs(overrides: Record<string, string> = {}): Record<string, RawConfig> {
    return Object.fromEntries(stackNames().map((s) => [s, loadStackConfig(s, overridesFor(s, overrides)).config]));
}

/**
 * parseRegionConfig for the switchover's own use. An encrypted (`secure:`) promotion token cannot be read
 * offline; its format was checked when it was deployed, so it is parsed as the rehearsal token (which
 * still fails, as it should, on a stack that is not primary).
 */
export function parseStack(raw: RawConfig, stack: string): RegionConfig {
    const readable = raw[TOKEN_KEY] === UNDECRYPTABLE ? { ...raw, [TOKEN_KEY]: REHEARSAL_PROMOTION_TOKEN } : raw;
    return parseRegionConfig(readable, stack);
}

/** The stack a `--to` names: a stack name or a stack's region. Throws listing the valid targets. */
export function resolveTarget(to: string, configs: Record<string, RegionConfig>): string {
    const hit = Object.values(configs).find((c) => c.stack === to || c.region === to);
    if (hit) return hit.stack;
    const valid = Object.values(configs).flatMap((c) => [c.stack, c.region]);
    throw new Error(`unknown switchover target "${to}"; valid targets: ${valid.join(", ")}`);
}

/** One numbered step of a procedure: what it does, the commands, what to look for. */
export interface Step {
    readonly title: string;
    /** Copy-pasteable shell commands, in order. */
    readonly commands: readonly string[];
    /** What to check in the output, or why. */
    readonly notes?: readonly string[];
}

/** A printed runbook. */
export interface Procedure {
    readonly title: string;
    /** Lines printed before the steps (how to run them, the data-loss bound, missing kube contexts). */
    readonly preamble: readonly string[];
    readonly steps: readonly Step[];
}

/** Quotes a shell word when it needs it. */
function sh(word: string): string {
    return /^[A-Za-z0-9_.:/@%+=,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A psql -c argument: double-quoted when the SQL has single quotes (and nothing the shell expands). */
function sqlArg(sql: string): string {
    return sql.includes("'") && !/["$`\\]/.test(sql) ? `"${sql}"` : sh(sql);
}

/** The placeholder printed for a stack without `kubeContext`; deliberately not valid shell. */
export function contextPlaceholder(stack: string): string {
    return `<SET-ME:${stack}-kube-context>`;
}

/** Command builders for one stack, from its parsed config. */
function commandsFor(c: RegionConfig) {
    const ctx = c.kubernetes.context ? sh(c.kubernetes.context) : contextPlaceholder(c.stack);
    const pgNs = c.namespaces.postgres;
    const redisNs = c.namespaces.redis;
    const kubectl = (ns: string) => `kubectl --context ${ctx} -n ${ns}`;
    const cnpg = (sub: string) => `kubectl cnpg ${sub} ${CLUSTER_NAME} -n ${pgNs} --context ${ctx}`;
    const sentinel = (pod: string, cmd: string) =>
        `${kubectl(redisNs)} exec ${pod} -c sentinel -- redis-cli -p ${SENTINEL_PORT} ${cmd}`;
    return {
        stack: c.stack,
        status: cnpg("status"),
        psql: (sql: string) => `${cnpg("psql")} -- -Atc ${sqlArg(sql)}`,
        clusterField: (jsonpath: string) =>
            `${kubectl(pgNs)} get cluster ${CLUSTER_NAME} -o jsonpath=${sh(`{${jsonpath}}`)}`,
        kubectlPg: kubectl(pgNs),
        redis: (pod: string, cmd: string) => `${kubectl(redisNs)} exec ${pod} -c redis -- redis-cli ${cmd}`,
        sentinel,
        alerts:
            `kubectl --context ${ctx} get --raw ` +
            `/api/v1/namespaces/${c.namespaces.monitoring}/services/prometheus-operated:web/proxy/api/v1/alerts ` +
            `| jq -r '.data.alerts[] | select(.state == "firing" and .labels.severity != "none") | .labels.alertname'`,
        up: `pulumi up --stack ${c.stack} --policy-pack policies`,
        set: (key: string, value: string, secret = false) =>
            `pulumi config set ${secret ? "--secret " : ""}${key} ${value} --stack ${c.stack}`,
        rm: (key: string) => `pulumi config rm ${key} --stack ${c.stack}`,
    };
}

/** The bound on lost writes of a disaster failover, from the survivor's view of the pair's config. */
function dataLossBound(lost: RegionConfig, survivor: RegionConfig, all: RegionConfig[]): string[] {
    // The role: secondary stack owns both replication directions, so its setting is the one in force.
    const owner = all.find((c) => c.role === "secondary") ?? survivor;
    const s3 = owner.backup.replicationTimeControl
        ? "S3 replication of the archive (Replication Time Control: 99.99% of objects within 15 min)"
        : "S3 replication of the archive (backupReplicationTimeControl is off: no replication-time SLA)";
    return [
        `Data-loss bound (RPO): PostgreSQL transactions committed in ${lost.region} after the last one ${survivor.region} replayed are lost —`,
        `at most the cross-region streaming lag at the moment of the loss (alerted by PostgresCrossRegionLagBytes/Seconds);`,
        `if streaming was already down, archive_timeout (5 min) plus ${s3}.`,
        `Redis sessions: writes ${lost.region} acknowledged but had not shipped (asynchronous, typically under a second).`,
        `If ${lost.region} may come back soon, waiting for it and running the planned switchover loses nothing.`,
    ];
}

/**
 * The ordered procedure that makes `target` primary instead of `current` (both stack names), with every
 * command derived from the stacks' raw configs. Pure: renders nothing, runs nothing.
 */
export function switchoverSteps(
    current: string,
    target: string,
    configs: Record<string, RawConfig>,
    opts: { disaster?: boolean } = {},
): Procedure {
    const parsed = Object.fromEntries(Object.entries(configs).map(([s, raw]) => [s, parseStack(raw, s)]));
    const cur = parsed[current];
    const tgt = parsed[target];
    if (!cur || !tgt) throw new Error(`switchoverSteps: unknown stack ${cur ? target : current}`);
    const C = commandsFor(cur);
    const T = commandsFor(tgt);
    const stacks = Object.keys(parsed);
    const stackFiles = stacks.map((s) => `Pulumi.${s}.yaml`).join(" ");
    const preamble: string[] = [];
    const missing = [cur, tgt].filter((c) => !c.kubernetes.context).map((c) => c.stack);
    if (missing.length) {
        preamble.push(
            `kubeContext is not set for ${missing.join(", ")}: replace ${missing.map(contextPlaceholder).join(", ")} ` +
                `with the kubeconfig context of that region's cluster (or set it: pulumi config set geo-data:kubeContext <context> --stack <stack>, then run this again).`,
        );
    }
    const zone = tgt.dnsZone;
    const { writer, regional: regionalWriter } = poolerHostnames(CLUSTER_NAME, tgt);
    const redisEndpoint = regionalHostname(REDIS_SESSIONS, tgt.region, zone);
    const range = (n: number) => Array.from({ length: n }, (_, i) => i).join(" ");
    const sentinelOf = (c: ReturnType<typeof commandsFor>) =>
        c.sentinel(`${REDIS_SESSIONS}-sentinel-0`, `SENTINEL get-master-addr-by-name ${REDIS_SESSIONS_MASTER}`);
    const replicaInfo = (c: ReturnType<typeof commandsFor>, pod: string) =>
        `${c.redis(pod, "INFO replication")} | grep -E '^(role|master_host|master_link_status):'`;

    const verifyPostgres = (promoted: typeof T, demoted: typeof C, demotedCfg: RegionConfig): Step => ({
        title: `Verify PostgreSQL: ${promoted.stack} is primary, ${demoted.stack} replicates from it`,
        commands: [
            promoted.status,
            promoted.psql("SELECT pg_is_in_recovery()"),
            promoted.psql("SELECT application_name, state, flush_lag FROM pg_stat_replication"),
            `${demoted.clusterField(".status.currentPrimary")}; echo`,
            demoted.psql("SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()"),
        ],
        notes: [
            `${promoted.stack}: "f" (not in recovery); pg_stat_replication lists its local standbys and ${distributedName(CLUSTER_NAME, demotedCfg.region)} (${demoted.stack}'s designated primary), state streaming.`,
            `${demoted.stack}: "t" (in recovery) and a replay LSN that advances as ${promoted.stack} writes.`,
        ],
    });
    // The writer name is a CNAME to the primary region's regional pooler name, changed here rather than by
    // either region's external-dns: external-dns's ownership records would stop the survivor from taking
    // over a name the lost region published.
    const change = JSON.stringify({
        Comment: `geo-data: writer follows ${tgt.region}`,
        Changes: [
            {
                Action: "UPSERT",
                ResourceRecordSet: {
                    Name: `${writer}.`,
                    Type: "CNAME",
                    TTL: WRITER_TTL_SECONDS,
                    ResourceRecords: [{ Value: regionalWriter }],
                },
            },
        ],
    });
    const verifyDns: Step = {
        title: `Point the writer name ${writer} at ${regionalWriter}`,
        commands: [
            `ZONE_ID=$(aws route53 list-hosted-zones-by-name --dns-name ${zone}. --query "HostedZones[?Name=='${zone}.'].Id | [0]" --output text); echo "$ZONE_ID"`,
            `aws route53 change-resource-record-sets --hosted-zone-id "$ZONE_ID" --change-batch '${change}'`,
            `dig +short ${writer}`,
        ],
        notes: [
            `Applications connect to ${writer}; the CNAME moves them to ${tgt.region}'s read-write pooler within its ${WRITER_TTL_SECONDS} s TTL. dig (from a host that resolves the private zone ${zone}) prints ${regionalWriter} first.`,
        ],
    };
    const verifyRedis = (demoted?: typeof C): Step => ({
        title: `Verify Redis sessions: the master is in ${tgt.region}${demoted ? `, ${demoted.stack} replicates from ${redisEndpoint}` : ""}`,
        commands: [sentinelOf(T), ...(demoted ? [replicaInfo(demoted, `${REDIS_SESSIONS}-0`)] : [])],
        notes: [
            `${target}'s Sentinels name a ${REDIS_SESSIONS}-N pod of ${tgt.region}` +
                (demoted
                    ? `; ${demoted.stack} shows role:slave, master_host:${redisEndpoint}, master_link_status:up.`
                    : "."),
            `Session clients use ${target}'s Sentinel Service (stack output redis.sessions).`,
        ],
    });
    const commit = (message: string): Step => ({
        title: "Commit both stack files (they must agree again)",
        commands: [
            `git diff -- ${stackFiles}`,
            `npm run switchover -- --to ${target}`,
            `git add ${stackFiles}`,
            `git commit -m ${sh(message)}`,
        ],
        notes: [
            `The switchover command must now say ${target} is already the primary; commit before anyone else deploys either stack.`,
        ],
    });

    if (!opts.disaster) {
        const tokenSecret = Boolean((CONFIG_SCHEMA.postgresPromotionToken as { secret?: boolean }).secret);
        const sentinels = range(cur.redis.sentinels);
        const steps: Step[] = [
            {
                title: "Preflight: both stacks deployed as committed, both PostgreSQL clusters healthy",
                commands: [
                    `pulumi preview --stack ${current} --expect-no-changes`,
                    `pulumi preview --stack ${target} --expect-no-changes`,
                    C.status,
                    T.status,
                ],
                notes: [
                    `Both clusters "Cluster in healthy state" with all instances ready; ${target} is a replica cluster following ${distributedName(CLUSTER_NAME, cur.region)}.`,
                ],
            },
            {
                title: `Preflight: cross-region lag ${cur.region} → ${tgt.region} is small`,
                commands: [
                    C.psql(
                        `SELECT application_name, state, pg_wal_lsn_diff(pg_current_wal_lsn(), flush_lsn) AS flush_lag_bytes, flush_lag FROM pg_stat_replication WHERE application_name = '${distributedName(CLUSTER_NAME, tgt.region)}'`,
                    ),
                    T.psql(
                        "SELECT pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()) AS apply_lag_bytes, now() - pg_last_xact_replay_timestamp() AS replay_age",
                    ),
                    replicaInfo(T, `${REDIS_SESSIONS}-0`),
                ],
                notes: [
                    `One row, state streaming, flush_lag_bytes and flush_lag far below the PostgresCrossRegionLagBytes/Seconds thresholds (128 MiB, 60 s by default); ${target} applies what it received (apply_lag_bytes near 0); Redis master_link_status:up.`,
                ],
            },
            {
                title: "Preflight: no alerts firing in either region",
                commands: [C.alerts, T.alerts],
                notes: ["Both print nothing (Watchdog and other severity=none alerts are filtered out)."],
            },
            {
                title: `Redis sessions: pause writes on the ${cur.region} master until ${tgt.region} has caught up; stop its Sentinels from failing over`,
                commands: [
                    `MASTER=$(${C.sentinel(`${REDIS_SESSIONS}-sentinel-0`, `--raw SENTINEL get-master-addr-by-name ${REDIS_SESSIONS_MASTER}`)} | head -n 1 | cut -d. -f1); echo "$MASTER"`,
                    C.redis('"$MASTER"', "CLIENT PAUSE 60000 WRITE"),
                    `${C.redis('"$MASTER"', "INFO replication")} | grep '^master_repl_offset:'`,
                    `for i in ${range(tgt.redis.sessionsReplicas)}; do ${T.redis(`${REDIS_SESSIONS}-$i`, "INFO replication")} | grep -E '^(master_link_status|slave_repl_offset):'; done`,
                    `for i in ${sentinels}; do ${C.sentinel(`${REDIS_SESSIONS}-sentinel-$i`, `SENTINEL REMOVE ${REDIS_SESSIONS_MASTER}`)}; done`,
                ],
                notes: [
                    `Every ${tgt.region} replica's slave_repl_offset equals the master's master_repl_offset before the Sentinels are removed (the pause lasts 60 s; repeat it if needed).`,
                ],
            },
            {
                title: `Demote ${current} (${cur.region}): primaryRegion = ${tgt.region}, its promotion token removed`,
                commands: [
                    `OLD_TOKEN=$(${C.clusterField(".status.demotionToken")})`,
                    C.set(PRIMARY_KEY, tgt.region),
                    C.rm(TOKEN_KEY),
                    ...(cur.disasterFailover ? [C.rm(DISASTER_KEY)] : []),
                    C.up,
                ],
                notes: [
                    `The token must go in this same change: CloudNativePG rejects a promotionToken on a replica cluster ("promotionToken is only allowed for primary clusters", cloudnative-pg#9273).`,
                    ...(cur.disasterFailover
                        ? [`disasterFailover is only allowed while ${current} is primary: it goes in this change too.`]
                        : []),
                    `From here until the promotion, no region accepts PostgreSQL or Redis sessions writes.`,
                ],
            },
            {
                title: `Wait for ${current}'s demotion token (at most 10 min)`,
                commands: [
                    `TOKEN=; for i in $(seq 1 60); do TOKEN=$(${C.clusterField(".status.demotionToken")}); [ -n "$TOKEN" ] && [ "$TOKEN" != "$OLD_TOKEN" ] && break; TOKEN=; sleep 10; done; [ -n "$TOKEN" ] && echo "demotion token read" || echo "no new demotion token on ${current} after 10 min: check ${C.status}" >&2`,
                    `echo "$TOKEN" | base64 -d; echo`,
                    C.status,
                ],
                notes: [
                    `The decoded token names the demotion checkpoint (latestCheckpointREDOLocation, timeline); ${current} is now a replica cluster waiting for ${distributedName(CLUSTER_NAME, tgt.region)}.`,
                ],
            },
            {
                title: `Promote ${target} (${tgt.region}) with the demotion token`,
                commands: [
                    T.set(TOKEN_KEY, '"$TOKEN"', tokenSecret),
                    T.set(PRIMARY_KEY, tgt.region),
                    T.up,
                    `for i in $(seq 1 90); do [ "$(${T.clusterField(".status.lastPromotionToken")})" = "$TOKEN" ] && break; sleep 10; done; ${T.clusterField(".status.currentPrimary")}; echo`,
                ],
                notes: [
                    `CloudNativePG promotes ${target} only after it has replayed up to the token's checkpoint, so no committed write is lost; .status.lastPromotionToken equals $TOKEN when done.`,
                ],
            },
            verifyPostgres(T, C, cur),
            verifyDns,
            verifyRedis(C),
            commit(
                `switchover: primaryRegion ${tgt.region} (${current} demoted, ${target} promoted with its demotion token)`,
            ),
        ];
        return {
            title: `Switchover ${current} (${cur.region}) → ${target} (${tgt.region})`,
            preamble: [
                `Run the steps in order, in one shell, from the repository root: later steps use $MASTER, $OLD_TOKEN and $TOKEN.`,
                `Between the demote and promote steps the stack files disagree on ${PRIMARY_KEY}; do not push or deploy from CI until the last step.`,
                ...preamble,
            ],
            steps,
        };
    }

    // Disaster failover: `current` (the primary's region) is lost; `target` survives.
    const bucketOf = (c: RegionConfig) => c.backup.bucketName ?? `${c.namespacePrefix}-pg-backups-$ACCOUNT-${c.region}`;
    const lostServer = distributedName(CLUSTER_NAME, cur.region);
    const moveAside = (bucket: string, region: string) =>
        `aws s3 mv s3://${bucket}/${BACKUP_PREFIX}/${lostServer}/ s3://${bucket}/$ASIDE/ --recursive --region ${region}`;
    const steps: Step[] = [
        {
            title: `Confirm ${current} (${cur.region}) is lost and note what ${target} has replayed`,
            commands: [
                T.status,
                T.psql("SELECT pg_last_wal_replay_lsn(), pg_last_xact_replay_timestamp()"),
                `pulumi stack output primaryRegion --stack ${current}`,
            ],
            notes: [
                `Transactions ${cur.region} committed after pg_last_xact_replay_timestamp are lost by this failover. ${current}'s last deployed outputs still say ${cur.region}: disasterFailover lets ${target} deploy anyway.`,
            ],
        },
        {
            title: `Promote ${target} (${tgt.region}) without a token: disasterFailover`,
            commands: [
                T.set(PRIMARY_KEY, tgt.region),
                T.set(DISASTER_KEY, "true"),
                T.up,
                `for i in $(seq 1 60); do [ "$(${T.psql("SELECT pg_is_in_recovery()")})" = f ] && break; sleep 10; done; ${T.clusterField(".status.currentPrimary")}; echo`,
            ],
            notes: [
                tgt.primaryStack?.split("/").pop() === current
                    ? `${target} reads ${current}'s last deployed outputs (the Pulumi backend is not in ${cur.region}); they still claim primary, which disasterFailover allows.`
                    : `${target} reads no other stack's outputs; disasterFailover records that this promotion had no demotion token.`,
            ],
        },
        {
            title: `Record the switch in ${current}'s stack file (do NOT deploy ${current} yet)`,
            commands: [
                C.set(PRIMARY_KEY, tgt.region),
                C.rm(TOKEN_KEY),
                ...(cur.disasterFailover ? [C.rm(DISASTER_KEY)] : []),
            ],
            notes: [
                `When ${cur.region} returns, its next pulumi up demotes it; its old primary must be fenced and rebuilt first (steps below), because its timeline diverged.`,
            ],
        },
        {
            title: `Verify PostgreSQL: ${target} is primary`,
            commands: [T.status, T.psql("SELECT pg_is_in_recovery()")],
            notes: [`"f": ${target} accepts writes.`],
        },
        verifyDns,
        verifyRedis(),
        commit(`disaster failover: primaryRegion ${tgt.region} (${cur.region} lost, ${target} promoted)`),
        {
            title: `When ${cur.region} is back: fence its old primary before anything else`,
            commands: [
                `${C.kubectlPg} annotate cluster ${CLUSTER_NAME} --overwrite 'cnpg.io/fencedInstances=["*"]'`,
                C.status,
            ],
            notes: [
                `Fencing stops PostgreSQL on every instance of ${current}'s old primary, so nothing writes to it; it must never serve again.`,
            ],
        },
        {
            title: `Rebuild ${current}'s PostgreSQL as a replica of ${target} (its timeline diverged)`,
            commands: [
                `${C.kubectlPg} delete cluster ${CLUSTER_NAME} --wait=true`,
                `${C.kubectlPg} delete pvc -l cnpg.io/cluster=${CLUSTER_NAME}`,
                ...(cur.backup.bucketName && tgt.backup.bucketName
                    ? []
                    : [`ACCOUNT=$(aws sts get-caller-identity --query Account --output text)`]),
                // Replication of the old archive that was still pending when the region went away resumes
                // when it returns: let it drain first, or it refills the folder just moved aside.
                `aws cloudwatch get-metric-statistics --region ${cur.region} --namespace AWS/S3 --metric-name OperationsPendingReplication --dimensions Name=SourceBucket,Value=${bucketOf(cur)} Name=DestinationBucket,Value=${bucketOf(tgt)} Name=RuleId,Value=${replicationRuleId(BACKUP_PREFIX, tgt.region)} --statistics Maximum --period 300 --start-time "$(date -u -d '-15 min' +%FT%TZ)" --end-time "$(date -u +%FT%TZ)" --query 'Datapoints[].Maximum' --output text`,
                `ASIDE=diverged/$(date -u +%Y%m%dT%H%M%SZ)-${lostServer}`,
                moveAside(bucketOf(cur), cur.region),
                moveAside(bucketOf(tgt), tgt.region),
                `pulumi up --refresh --stack ${current} --policy-pack policies`,
                C.status,
            ],
            notes: [
                `Run the aws s3 mv commands only once the CloudWatch query prints nothing but 0: replication of ${current}'s old archive that was pending when the region was lost resumes when it returns, and would refill ${target}'s ${BACKUP_PREFIX}/${lostServer}/ after the move.`,
                `The Cluster is protected in Pulumi, not in Kubernetes: kubectl deletes it, --refresh drops it from the state and the update re-creates it as a replica of ${distributedName(CLUSTER_NAME, tgt.region)}, bootstrapped with pg_basebackup from ${target}.`,
                `The old ${lostServer} archive moves out of ${BACKUP_PREFIX}/ in both buckets (there it is neither replicated nor read; the bucket lifecycle expires it): the new cluster's empty-archive check passes (plugin-barman-cloud#842), and ${target}'s copy, which it reads when it is a replica again, does not mix the diverged timeline with the rebuilt one. If archiving still fails with "Expected empty archive": ${C.kubectlPg} annotate cluster ${CLUSTER_NAME} cnpg.io/skipEmptyWalArchiveCheck=enabled --overwrite`,
                `The same update turns ${current}'s Redis sessions pods into replicas of ${redisEndpoint} (a full resync discards their old data).`,
            ],
        },
        {
            title: `Verify ${current} replicates from ${target}`,
            commands: [
                T.psql("SELECT application_name, state, flush_lag FROM pg_stat_replication"),
                C.psql("SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()"),
                replicaInfo(C, `${REDIS_SESSIONS}-0`),
            ],
        },
        {
            // Its last deployment is primary now and the lost region's deployed outputs follow it again: neither
            // the promotion check nor the pair check needs the waiver any more.
            title: `Turn disasterFailover off on ${target} and commit`,
            commands: [
                T.rm(DISASTER_KEY),
                T.up,
                `git add ${stackFiles}`,
                `git commit -m ${sh(`${target}: disasterFailover off (${current} rebuilt as a replica)`)}`,
            ],
        },
    ];
    return {
        title: `Disaster failover: ${target} (${tgt.region}) takes over from lost ${current} (${cur.region})`,
        preamble: [
            ...dataLossBound(cur, tgt, Object.values(parsed)),
            `Run the steps in order, in one shell, from the repository root.`,
            ...preamble,
        ],
        steps,
    };
}

/** Prints a procedure as numbered steps with indented commands. */
/** The steps as the README's Markdown runbook: a numbered list, each step's commands in an sh block, then its notes. */
export function procedureMarkdown(p: Procedure): string {
    const lines: string[] = [];
    p.steps.forEach((s, i) => {
        const head = `${i + 1}. `;
        const pad = " ".repeat(head.length);
        lines.push(`${head}${s.title}:`, `${pad}\`\`\`sh`, ...s.commands.map((c) => `${pad}${c}`), `${pad}\`\`\``);
        for (const n of s.notes ?? []) lines.push(`${pad}${n}`);
    });
    return lines.join("\n") + "\n";
}

export function formatProcedure(p: Procedure): string[] {
    const lines = [p.title, ...p.preamble, ""];
    p.steps.forEach((s, i) => {
        lines.push(`${i + 1}. ${s.title}`);
        for (const c of s.commands) lines.push(`     ${c}`);
        for (const n of s.notes ?? []) lines.push(`   → ${n}`);
        lines.push("");
    });
    return lines;
}

/**
 * The config overrides of the switched topology, per stack (`stack/key`): every stack names the target's
 * region primary; the target gets the rehearsal token (or disasterFailover); the demoted stack neither.
 * User overrides apply first; these win over them.
 */
export function rehearsalOverrides(
    target: string,
    configs: Record<string, RegionConfig>,
    disaster: boolean,
    user: Record<string, string> = {},
): Record<string, string> {
    const out: Record<string, string> = { ...user };
    for (const s of Object.keys(configs)) {
        out[`${s}/primaryRegion`] = configs[target].region;
        out[`${s}/postgresPromotionToken`] = "";
        out[`${s}/disasterFailover`] = "false";
    }
    if (disaster) out[`${target}/disasterFailover`] = "true";
    else out[`${target}/postgresPromotionToken`] = REHEARSAL_PROMOTION_TOKEN;
    return out;
}

/**
 * Renders both stacks in the switched topology through `plan` (config validation, CRD schemas, policies).
 * For a disaster failover whose survivor reads the lost stack through a StackReference, that reference is
 * fed from the lost stack's *deployed* outputs (its committed config), which still claim primary.
 */
export async function rehearse(
    current: string,
    target: string,
    raw: Record<string, RawConfig>,
    opts: {
        disaster: boolean;
        overrides: Record<string, string>;
        out: string;
        /** The lost stack's deployed outputs, when already known; otherwise rendered from its committed config. */
        deployed?: StackOutputs;
    },
): Promise<StackPlan[]> {
    const configs = Object.fromEntries(Object.entries(raw).map(([s, r]) => [s, parseStack(r, s)]));
    const overrides = rehearsalOverrides(target, configs, opts.disaster, opts.overrides);
    const referenced = configs[target].primaryStack;
    if (!opts.disaster || !referenced || referenced.split("/").pop() !== current) {
        return plan({ stacks: [], overrides, out: opts.out });
    }
    let deployed = opts.deployed;
    if (!deployed) {
        const readable = { ...opts.overrides };
        for (const [s, r] of Object.entries(raw))
            if (r[TOKEN_KEY] === UNDECRYPTABLE) readable[`${s}/postgresPromotionToken`] = REHEARSAL_PROMOTION_TOKEN;
        const [lost] = await plan({ stacks: [current], overrides: readable, out: deployedOut(opts.out) });
        deployed = { outputs: lost.render.outputs, secretOutputNames: lost.render.secretOutputNames };
    }
    return plan({ stacks: [], overrides, out: opts.out, stackReferences: { [referenced]: deployed } });
}

/** Where a disaster rehearsal writes the lost stack's render from its committed config (its deployed outputs). */
function deployedOut(out: string): string {
    return path.join(out, "deployed");
}

/** What `switchover` did. */
export interface SwitchoverResult {
    /** Process exit status. */
    status: number;
    /** The rehearsal's plans, when it ran. */
    plans?: StackPlan[];
    /** The printed procedure, when the rehearsal passed. */
    procedure?: Procedure;
}

/** The whole command: checks, rehearsal, procedure. `log` gets stdout lines, `err` stderr lines. */
export async function switchover(
    args: SwitchoverArgs,
    log: (line: string) => void = console.log,
    err: (line: string) => void = console.error,
): Promise<SwitchoverResult> {
    // A run that refuses or fails leaves no rehearsal output that looks current: an earlier run's goes first.
    for (const dir of [args.out, deployedOut(args.out)]) removeRendered(dir, stackNames());
    let raw: Record<string, RawConfig>;
    let configs: Record<string, RegionConfig>;
    let primaryRegion: string;
    try {
        raw = loadPairConfigs(args.overrides);
        configs = Object.fromEntries(Object.entries(raw).map(([s, r]) => [s, parseStack(r, s)]));
        primaryRegion = checkConfigsAgree(Object.values(configs));
    } catch (e) {
        err(`refusing to switch over: ${(e as Error).message}`);
        err(
            `A switchover may be half done: compare with what is deployed (pulumi stack output primaryRegion --stack <stack>) and finish or revert it in the stack files first.`,
        );
        return { status: 1 };
    }
    let target: string;
    try {
        target = resolveTarget(args.to, configs);
    } catch (e) {
        err(`error: ${(e as Error).message}`);
        return { status: 1 };
    }
    const tgt = configs[target];
    if (tgt.region === primaryRegion) {
        const stacks = Object.keys(configs).join(", ");
        log(
            `${target} (${tgt.region}) is already the primary: ${PRIMARY_KEY} is ${primaryRegion} in every stack file (${stacks}); nothing to switch.`,
        );
        return { status: 0 };
    }
    const current = Object.values(configs).find((c) => c.region === primaryRegion)!.stack;

    const started = Date.now();
    log(
        args.disaster
            ? `rehearsal: disaster failover to ${target} — ${PRIMARY_KEY}=${tgt.region} in every stack, disasterFailover=true on ${target}, ${target} reading ${current}'s deployed outputs`
            : `rehearsal: switchover to ${target} — ${PRIMARY_KEY}=${tgt.region} in every stack, a rehearsal promotion token on ${target}, none on ${current}`,
    );
    let plans: StackPlan[];
    try {
        plans = await rehearse(current, target, raw, {
            disaster: args.disaster,
            overrides: args.overrides,
            out: args.out,
        });
    } catch (e) {
        err(`rehearsal FAILED: ${(e as Error).message}`);
        return { status: 1 };
    }
    const status = summarize(plans, log);
    const took = ((Date.now() - started) / 1000).toFixed(1);
    if (status !== 0) {
        err(`rehearsal FAILED in ${took}s: the switched topology does not pass schema validation or the policy pack`);
        return { status, plans };
    }
    log(`rehearsal ok in ${took}s`);
    log("");
    const procedure = switchoverSteps(current, target, raw, { disaster: args.disaster });
    for (const line of formatProcedure(procedure)) log(line);
    return { status: 0, plans, procedure };
}

/** The command line: parses `argv`, runs switchover, returns the exit status. */
export async function main(
    argv: string[],
    log: (line: string) => void = console.log,
    err: (line: string) => void = console.error,
): Promise<number> {
    let args: SwitchoverArgs;
    try {
        args = parseSwitchoverArgs(argv);
    } catch (e) {
        err(`error: ${(e as Error).message}`);
        return 1;
    }
    try {
        return (await switchover(args, log, err)).status;
    } catch (e) {
        err(`error: ${(e as Error).message}`);
        return 1;
    }
}

if (require.main === module) void main(process.argv.slice(2)).then((status) => (process.exitCode = status));
