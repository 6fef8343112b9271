/**
 * The PostgreSQL major-upgrade runbooks as data (`npm run upgrade -- plan|cutover|rollback`): ordered steps,
 * every command derived from the primary-role stack's config, and for each step that changes the deployment
 * the config it leaves behind (what `pulumi up` applies) and the fast-path `kubectl patch` of the Poolers
 * that applies the same fields inside the pause window (a `pulumi up` takes far longer than the stall the
 * cutover allows; the `pulumi up` after it then changes nothing on the Poolers). tools/upgrade.ts renders each
 * of those configs and checks the patches against the rendered Poolers.
 */
import { RegionConfig } from "../../config";
import { poolerName, serviceHost } from "../../components/postgres/naming";
import { CLUSTER_NAME } from "../../components/postgres/postgres";
import { ReplicationLink, UPGRADE_REPLICATION_ROLE, UpgradePlan, upgradePlan } from "../../components/postgres/upgrade";
import { StackCommands, commandsFor } from "./commands";
import { Procedure, Step, sh, sqlArg } from "./procedure";

/** The procedures `npm run upgrade` prints. */
export const UPGRADE_ACTIONS = ["plan", "cutover", "rollback"] as const;
export type UpgradeAction = (typeof UPGRADE_ACTIONS)[number];

/** A Pooler field change applied with `kubectl patch --type merge` (null removes the field). */
export interface PoolerPatch {
    readonly pooler: string;
    readonly patch: { readonly spec: Record<string, unknown> };
}

/** A step; `config` = the stack's upgrade keys after it, `patches` = what it changes on the Poolers directly. */
export interface UpgradeStep extends Step {
    readonly config?: Readonly<Record<string, string>>;
    readonly patches?: readonly PoolerPatch[];
}

/** Longest wait for in-flight transactions after the pause before their sessions are terminated (seed 002: 500 ms). */
export const DEFAULT_DEADLINE_MS = 500;
/** Sequence values skipped on the receiving side (`--offset`), so a missed nextval never collides. */
export const SEQUENCE_OFFSET = 1000;
/** Subscription lag (bytes of WAL not yet confirmed) below which the cutover may start. */
export const CUTOVER_MAX_LAG_BYTES = 16 * 1024 * 1024;

/** Options of the procedures. */
export interface UpgradeOptions {
    /** Target major version (defaults to the stack's postgresUpgradeTargetVersion). */
    readonly target?: number;
    /** In-flight deadline of the pause, ms. Defaults to DEFAULT_DEADLINE_MS. */
    readonly deadlineMs?: number;
}

const KEYS = {
    target: "postgresUpgradeTargetVersion",
    stage: "postgresUpgradeStage",
    paused: "postgresPoolerPaused",
} as const;

/** Builds the procedure `action` for the primary-role stack `c`. Pure. */
export function upgradeSteps(
    c: RegionConfig,
    action: UpgradeAction,
    opts: UpgradeOptions = {},
): Procedure & {
    readonly steps: readonly UpgradeStep[];
} {
    const target = opts.target ?? c.postgres.upgrade?.targetVersion;
    if (!target) throw new Error(`no target version: pass --to <major> or set ${KEYS.target} on ${c.stack}`);
    const p = upgradePlan(CLUSTER_NAME, target);
    const C = commandsFor(c);
    const deadline = opts.deadlineMs ?? DEFAULT_DEADLINE_MS;
    const steps =
        action === "plan"
            ? planSteps(c, C, p)
            : switchSteps(c, C, p, action === "cutover" ? "cutover" : "rollback", deadline);
    const title =
        action === "plan"
            ? `PostgreSQL ${c.region}: prepare the upgrade to ${target} — new cluster ${p.newCluster}, schema imported, fed by logical replication`
            : action === "cutover"
              ? `PostgreSQL ${c.region}: cut over from ${p.oldCluster} to ${p.newCluster} (PgBouncer pause, stall ≈ the pause window)`
              : `PostgreSQL ${c.region}: roll back from ${p.newCluster} to ${p.oldCluster} (the rollback subscription kept it current)`;
    return {
        title,
        preamble: [
            `Stack ${c.stack} (primary role), namespace ${c.namespaces.postgres}. Run the steps in order; each "config" line is what the stack holds after the step (pulumi up applies it).`,
            `Needs the kubectl cnpg plugin. Freeze schema changes (DDL) from the plan until the upgrade is finished: logical replication does not carry them.`,
        ],
        steps,
    };
}

/** psql against one cluster's primary through the cnpg plugin, in the application database. */
function psqlOn(C: StackCommands, c: RegionConfig, cluster: string, sql: string, quoted?: string): string {
    return `kubectl cnpg psql ${cluster} -n ${c.namespaces.postgres} --context ${C.kubectlPg.split(" ")[2]} -- ${c.postgres.database} -Atc ${quoted ?? sqlArg(sql)}`;
}

/** Ends the application sessions on a cluster (the pause's force-disconnect); the rehearsal runs the same SQL. */
export function terminateSessionsSql(database: string): string {
    return `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '${database}' AND backend_type = 'client backend' AND usename <> '${UPGRADE_REPLICATION_ROLE}' AND pid <> pg_backend_pid()`;
}

/** True once the link's slot has confirmed `lsn` (everything the publisher wrote up to it is applied). */
export function caughtUpSql(l: ReplicationLink, lsn: string): string {
    return `SELECT confirmed_flush_lsn >= '${lsn}' FROM pg_replication_slots WHERE slot_name = '${l.slot}'`;
}

/** Creates the rollback slot (failover flag where the server has it: PostgreSQL 17 and later). */
export function rollbackSlotSql(l: ReplicationLink, serverMajor: number): string {
    return `SELECT lsn FROM pg_create_logical_replication_slot('${l.slot}', 'pgoutput', false, false${serverMajor >= 17 ? ", true" : ""})`;
}

/** WAL of the publisher not yet confirmed by the link's subscriber, in bytes. */
export function lagSql(l: ReplicationLink): string {
    return `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn) FROM pg_replication_slots WHERE slot_name = '${l.slot}'`;
}

function patchCommand(C: StackCommands, p: PoolerPatch): string {
    return `${C.kubectlPg} patch pooler ${p.pooler} --type merge -p ${sh(JSON.stringify(p.patch))}`;
}

function planSteps(c: RegionConfig, C: StackCommands, p: UpgradePlan): UpgradeStep[] {
    const f = p.forward;
    return [
        {
            title: `Preflight on ${p.oldCluster}: every table has a primary key (or a replica identity), no large objects`,
            commands: [
                psqlOn(
                    C,
                    c,
                    p.oldCluster,
                    "SELECT c.oid::regclass FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r','p') AND n.nspname NOT IN ('pg_catalog','information_schema') AND c.relreplident IN ('d','n') AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary)",
                ),
                psqlOn(C, c, p.oldCluster, "SELECT count(*) FROM pg_largeobject_metadata"),
            ],
            notes: [
                "The first query prints nothing and the second prints 0: UPDATE/DELETE of a table without a key cannot be replicated, large objects are not replicated at all.",
            ],
        },
        {
            title: `Render the new cluster ${p.newCluster}, the Publications and the Subscription ${f.subscriptionResource}`,
            commands: [C.set(KEYS.target, String(p.major)), C.up],
            notes: [
                `${p.newCluster} initdb's and imports ${p.oldCluster}'s schema (bootstrap.initdb.import, schemaOnly), then the Subscription copies every table and streams. ${p.oldCluster} only gains the replication role, a Publication and failover slots: its data is not touched.`,
            ],
            config: { [KEYS.target]: String(p.major), [KEYS.stage]: "replicate", [KEYS.paused]: "false" },
        },
        {
            title: `Wait until ${p.newCluster} is ready and the initial copy is done`,
            commands: [
                `${C.kubectlPg} wait cluster/${p.newCluster} --for=condition=Ready --timeout=1800s`,
                `${C.kubectlPg} get subscription ${f.subscriptionResource} -o jsonpath='{.status.applied}'`,
                psqlOn(C, c, p.newCluster, "SELECT count(*) FROM pg_subscription_rel WHERE srsubstate <> 'r'"),
            ],
            notes: ["applied is true and the count is 0 (every table copied and streaming)."],
        },
        {
            title: `Verify: lag, row counts, a read-only canary against ${p.newCluster}`,
            commands: [
                psqlOn(C, c, p.oldCluster, lagSql(f)),
                psqlOn(C, c, p.oldCluster, "SELECT relname, n_live_tup FROM pg_stat_user_tables ORDER BY relname"),
                psqlOn(C, c, p.newCluster, "SELECT relname, n_live_tup FROM pg_stat_user_tables ORDER BY relname"),
            ],
            notes: [
                `Lag stays small under load (alert PostgresSubscriptionLagHigh); point read-only canaries at ${p.newCluster}-ro. Then run \`npm run upgrade -- cutover\`.`,
            ],
        },
    ];
}

function switchSteps(
    c: RegionConfig,
    C: StackCommands,
    p: UpgradePlan,
    action: "cutover" | "rollback",
    deadline: number,
): UpgradeStep[] {
    const [from, to, link] =
        action === "cutover" ? [p.oldCluster, p.newCluster, p.forward] : [p.newCluster, p.oldCluster, p.rollback];
    const db = c.postgres.database;
    const fromRw = poolerName(from, "rw");
    const toRw = poolerName(to, "rw");
    const pause: PoolerPatch = { pooler: fromRw, patch: { spec: { pgbouncer: { paused: true } } } };
    const resume: PoolerPatch = { pooler: toRw, patch: { spec: { pgbouncer: { paused: null } } } };
    const host = (pooler: string) => serviceHost(pooler, c.namespaces.postgres);
    const kill = `for p in $(${C.kubectlPg} get pods -l cnpg.io/poolerName=${fromRw} -o name); do ${C.kubectlPg} exec $p -c pgbouncer -- psql -c ${sh(`KILL ${db}`)}; done`;
    const stageAfter = action === "cutover" ? "switched" : "rolled-back";
    const target = String(p.major);
    const terminate = terminateSessionsSql(db);
    const steps: UpgradeStep[] = [
        {
            title: `Preflight: ${link.subscription} on ${to} has caught up with ${from}`,
            commands: [psqlOn(C, c, from, lagSql(link))],
            notes: [
                `Below ${CUTOVER_MAX_LAG_BYTES} bytes, and no PostgresSubscription* alert firing; otherwise wait (the stall below includes the catch-up).`,
                ...(action === "cutover"
                    ? [
                          `The rollback slot must not exist yet: ${psqlOn(C, c, p.newCluster, `SELECT count(*) FROM pg_replication_slots WHERE slot_name = '${p.rollback.slot}'`)} prints 0.`,
                      ]
                    : []),
            ],
        },
        {
            title: `Pause ${fromRw} (t = 0: applications queue from here)`,
            commands: [patchCommand(C, pause), C.set(KEYS.paused, "true")],
            notes: [
                "PgBouncer stops handing out server connections; queued queries wait, nothing fails. The config records it, so no pulumi up resumes it behind your back.",
            ],
            patches: [pause],
            config: {
                [KEYS.target]: target,
                [KEYS.stage]: action === "cutover" ? "replicate" : "switched",
                [KEYS.paused]: "true",
            },
        },
        {
            title: `Deadline ${deadline} ms for in-flight transactions on ${from}, then terminate the stragglers`,
            commands: [`sleep ${(deadline / 1000).toFixed(3)}`, psqlOn(C, c, from, terminate)],
            notes: [
                "In session pool mode PAUSE completes only when the clients' server sessions end: terminating them rolls back their open transactions (never acknowledged, so nothing acknowledged is lost); the clients reconnect and queue.",
            ],
        },
        {
            title: `Wait until ${to} has applied everything ${from} wrote`,
            commands: [
                `LSN=$(${psqlOn(C, c, from, "SELECT pg_current_wal_lsn()")})`,
                `for i in $(seq 1 100); do [ "$(${psqlOn(C, c, from, "", `"${caughtUpSql(link, "$LSN")}"`)})" = t ] && break; sleep 0.1; done`,
            ],
            notes: [
                "Bounded at 10 s: if it does not print t in time, resume the pooler unchanged (patch paused: null) and investigate.",
            ],
        },
        {
            title: `Sync sequences ${from} → ${to} (logical replication does not carry them)`,
            commands: [
                `kubectl cnpg subscription sync-sequences ${to} --subscription=${link.subscription} --offset ${SEQUENCE_OFFSET} -n ${c.namespaces.postgres} --context ${C.kubectlPg.split(" ")[2]}`,
            ],
            notes: [
                `Every sequence on ${to} is set to ${from}'s value + ${SEQUENCE_OFFSET}: done while paused, so no value can be handed out twice.`,
            ],
        },
        action === "cutover"
            ? {
                  title: `Stop the forward subscription and open the rollback slot on ${p.newCluster}`,
                  commands: [
                      psqlOn(C, c, p.newCluster, `ALTER SUBSCRIPTION ${p.forward.subscription} DISABLE`),
                      psqlOn(C, c, p.newCluster, rollbackSlotSql(p.rollback, p.major)),
                  ],
                  notes: [
                      `Nothing has been written to ${p.newCluster} by applications yet, so the slot starts exactly where the old cluster stands; the rollback Subscription (next pulumi up) streams from it with copy_data false.`,
                  ],
              }
            : {
                  title: `Stop the rollback subscription on ${p.oldCluster}`,
                  commands: [psqlOn(C, c, p.oldCluster, `ALTER SUBSCRIPTION ${p.rollback.subscription} DISABLE`)],
                  notes: [`${p.oldCluster} becomes writable for applications again; ${p.newCluster} is left as it is.`],
              },
        {
            title: `Switch clients to ${toRw} and resume it (end of the stall)`,
            commands: [patchCommand(C, resume), kill],
            notes: [
                `Applications take their pooler host from config: switch it now to ${host(toRw)} (read-only: ${host(poolerName(to, "ro"))}), the way you roll a config flag. A Pooler's spec.cluster is immutable (the CRD's CEL rule), so ${to} has Poolers of its own, started with the upgrade and held paused until now.`,
                `KILL on ${fromRw}'s pods drops the clients still waiting there: they reconnect to the switched host. ${fromRw} stays paused (the stack renders it paused from now on), so a client that was missed waits (query_wait_timeout) instead of writing to ${from}.`,
            ],
            patches: [resume, { pooler: fromRw, patch: pause.patch }],
            config: { [KEYS.target]: target, [KEYS.stage]: stageAfter, [KEYS.paused]: "false" },
        },
        {
            title: `Record it in the stack and apply the rest (${action === "cutover" ? "rollback Subscription on " + p.oldCluster : "rollback Subscription removed"})`,
            commands: [C.set(KEYS.stage, stageAfter), C.rm(KEYS.paused), C.up],
            notes: [
                `pulumi up moves the regional DNS name (${c.peerRegion} clients, external-dns) and the stack output postgres hosts to ${toRw}, shows no other change on the Poolers (already patched), and ${action === "cutover" ? `creates ${p.rollback.subscriptionResource} (copy_data false, create_slot false, slot ${p.rollback.slot}) and deletes ${p.forward.subscriptionResource}` : `deletes ${p.rollback.subscriptionResource} (its slot on ${p.newCluster} goes with it)`}.`,
            ],
            config: { [KEYS.target]: target, [KEYS.stage]: stageAfter, [KEYS.paused]: "false" },
        },
        {
            title: `Verify: writes reach ${to}${action === "cutover" ? `, ${p.oldCluster} follows through the rollback slot` : ""}`,
            commands: [
                psqlOn(
                    C,
                    c,
                    to,
                    `SELECT count(*) FROM pg_stat_activity WHERE datname = '${db}' AND backend_type = 'client backend'`,
                ),
                ...(action === "cutover" ? [psqlOn(C, c, p.newCluster, lagSql(p.rollback))] : []),
                C.alerts,
            ],
            notes: [
                action === "cutover"
                    ? `Client sessions on ${p.newCluster}, rollback lag small. ${c.peerRegion} still follows ${p.oldCluster} physically, which the rollback subscription keeps current. Roll back with \`npm run upgrade -- rollback\` while that holds.`
                    : `Client sessions on ${p.oldCluster}. To try again later: remove ${KEYS.target} (unprotect ${p.newCluster} first: pulumi state unprotect) and start from \`npm run upgrade -- plan\`.`,
            ],
        },
    ];
    return steps;
}
