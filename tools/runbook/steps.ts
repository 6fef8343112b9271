/**
 * The switchover runbooks as data: the planned switchover (demote, demotion token, promote) and the
 * disaster failover (promote the survivor, fence and rebuild the lost region), every command derived from
 * the stacks' config. The Redis steps come from redis-sessions.ts, the Kafka steps from kafka.ts.
 */
import { CONFIG_SCHEMA, RawConfig, RegionConfig } from "../../config";
import { BACKUP_PREFIX, distributedName, poolerHostnames } from "../../components/postgres/naming";
import { CLUSTER_NAME } from "../../components/postgres/postgres";
import { replicationRuleId } from "../../components/backup/backup-replication";
import { StackCommands, commandsFor, contextPlaceholder } from "./commands";
import { DISASTER_KEY, PRIMARY_KEY, TOKEN_KEY, parsePair } from "./config";
import { Procedure, Step, sh } from "./procedure";
import { redisSessionsSteps } from "./redis-sessions";
import { kafkaSteps } from "./kafka";
import { minioSteps } from "./minio";

/** TTL of the writer CNAME: how long clients may keep resolving the old primary region after a switch. */
export const WRITER_TTL_SECONDS = 30;

/** The bound on lost writes of a disaster failover, from the survivor's view of the pair's config. */
function dataLossBound(
    lost: RegionConfig,
    survivor: RegionConfig,
    all: RegionConfig[],
    redisLine: string,
    kafkaLine: string,
    minioLine: string,
): string[] {
    // The role: secondary stack owns both replication directions, so its setting is the one in force.
    const owner = all.find((c) => c.role === "secondary") ?? survivor;
    const s3 = owner.backup.replicationTimeControl
        ? "S3 replication of the archive (Replication Time Control: 99.99% of objects within 15 min)"
        : "S3 replication of the archive (backupReplicationTimeControl is off: no replication-time SLA)";
    return [
        `Data-loss bound (RPO): PostgreSQL transactions committed in ${lost.region} after the last one ${survivor.region} replayed are lost —`,
        `at most the cross-region streaming lag at the moment of the loss (alerted by PostgresCrossRegionLagBytes/Seconds);`,
        `if streaming was already down, archive_timeout (5 min) plus ${s3}.`,
        redisLine,
        kafkaLine,
        minioLine,
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
    const parsed = parsePair(configs);
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
    const redis = redisSessionsSteps(cur, tgt, C, T);
    const kafka = kafkaSteps(cur, tgt, C, T);
    const minio = minioSteps(cur, tgt, C, T);

    const verifyPostgres = (promoted: StackCommands, demoted: StackCommands, demotedCfg: RegionConfig): Step => ({
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
                    ...redis.lagPreflight.commands,
                    ...kafka.lagPreflight.commands,
                ],
                notes: [
                    `One row, state streaming, flush_lag_bytes and flush_lag far below the PostgresCrossRegionLagBytes/Seconds thresholds (128 MiB, 60 s by default); ${target} applies what it received (apply_lag_bytes near 0); ${redis.lagPreflight.note}`,
                    kafka.lagPreflight.note,
                ],
            },
            {
                title: "Preflight: no alerts firing in either region",
                commands: [C.alerts, T.alerts],
                notes: ["Both print nothing (Watchdog and other severity=none alerts are filtered out)."],
            },
            minio.preflight,
            redis.drain,
            kafka.drain,
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
            redis.prePromotionCheck,
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
            redis.verify(true),
            kafka.verify(true),
            minio.verify(true),
            commit(
                `switchover: primaryRegion ${tgt.region} (${current} demoted, ${target} promoted with its demotion token)`,
            ),
        ];
        return {
            title: `Switchover ${current} (${cur.region}) → ${target} (${tgt.region})`,
            preamble: [
                `Run the steps in order, in one shell, from the repository root: later steps use $MASTER, $REDIS_OFFSET, $OLD_TOKEN and $TOKEN.`,
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
        redis.verify(false),
        kafka.verify(false),
        minio.verify(false),
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
                redis.rebuildNote,
                kafka.rebuildNote,
                ...minio.rebuildNotes,
            ],
        },
        {
            title: `Verify ${current} replicates from ${target}`,
            commands: [
                T.psql("SELECT application_name, state, flush_lag FROM pg_stat_replication"),
                C.psql("SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()"),
                redis.rebuiltCheck,
                kafka.rebuiltCheck,
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
            ...dataLossBound(cur, tgt, Object.values(parsed), redis.dataLoss, kafka.dataLoss, minio.dataLoss),
            `Run the steps in order, in one shell, from the repository root.`,
            ...preamble,
        ],
        steps,
    };
}
