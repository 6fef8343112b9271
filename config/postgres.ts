/**
 * PostgreSQL (CloudNativePG) keys `postgres*`: instances, durability, storage, backups, PgBouncer, the
 * application database, point-in-time restore, the switchover's promotion token and a major-version upgrade by
 * logical replication (`postgresUpgrade*`, `postgresPoolerPaused`).
 */
import {
    Check,
    ConfigError,
    binaryQuantity,
    cnpgPromotionToken,
    cron6,
    intBetween,
    notAfter,
    oneOf,
    retention,
    rfc3339,
} from "../components/shared/validate";
import { POSTGRES_MAJOR, postgresUpgradeImages } from "../components/shared/versions";
import { KeySpec, PROJECT, Reader } from "./reader";
import type { PairConfig } from "./region";

/** The PostgreSQL keys, in docs order. */
export const POSTGRES_KEYS = {
    postgresInstances: {
        type: "integer",
        default: 3,
        description:
            "PostgreSQL instances of the region's CloudNativePG Cluster (1 primary + standbys, spread over zones); 3 to 9.",
    },
    postgresDurability: {
        type: "string",
        default: "critical",
        description:
            "`critical`: quorum synchronous replication with dataDurability required (no committed write lost on a zone loss; writes wait while no standby can confirm). `standard`: synchronous when possible (dataDurability preferred), never blocks writes.",
    },
    postgresSyncReplicas: {
        type: "integer",
        default: 1,
        description:
            "Standbys that must confirm each commit (quorum `ANY n`), from 1 to postgresInstances - 1. 1 keeps writes available while one standby is down.",
    },
    postgresStorageSize: {
        type: "string",
        default: "100Gi",
        description: "Data volume of each PostgreSQL instance (binary units, e.g. 100Gi).",
    },
    postgresWalStorageSize: {
        type: "string",
        default: "20Gi",
        description: "Separate WAL volume of each PostgreSQL instance (binary units, e.g. 20Gi).",
    },
    postgresBackupSchedule: {
        type: "string",
        default: "0 0 2 * * *",
        description: "Base backup schedule: 6-field cron with seconds first (CloudNativePG). Default daily at 02:00.",
    },
    postgresBackupRetention: {
        type: "string",
        default: "30d",
        description:
            "Barman recovery window (`30d`, `4w`, `1m`): base backups and WAL needed to restore to any point inside it are kept, older ones deleted.",
    },
    postgresPoolerInstances: {
        type: "integer",
        default: 2,
        description: "PgBouncer pods of each Pooler (read-write and read-only); 2 to 20.",
    },
    postgresPoolMode: {
        type: "string",
        default: "session",
        description: "PgBouncer pool mode: `session` or `transaction`.",
    },
    postgresMaxClientConn: {
        type: "integer",
        default: 1000,
        description: "PgBouncer max_client_conn (client connections per pooler pod).",
    },
    postgresDefaultPoolSize: {
        type: "integer",
        default: 25,
        description:
            "PgBouncer default_pool_size (server connections per database/user pair per pod); pooler pods × size must fit under max_connections 200 minus 20 reserved.",
    },
    postgresDatabase: { type: "string", default: "app", description: "Application database created at bootstrap." },
    postgresOwner: {
        type: "string",
        default: "app",
        description: "Owner role of the application database (password generated, stored in a Secret).",
    },
    postgresRecoveryTargetTime: {
        type: "string",
        default: "",
        description:
            "Point-in-time restore: an RFC 3339 time (not in the future) renders a recovery Cluster restored to that time from this region's backups, next to the running one. Empty = no restore.",
    },
    postgresPromotionToken: {
        type: "string",
        default: "",
        description:
            "Switchover: the other region's CloudNativePG demotion token (`.status.demotionToken` of its Cluster), set together with primaryRegion = this region. Only allowed while this region is primary: remove it in the change that demotes this stack (cloudnative-pg#9273).",
    },
    postgresUpgradeTargetVersion: {
        type: "integer",
        default: 0,
        description:
            "Major-version upgrade by logical replication (docs/operations.md): the target PostgreSQL major (18), rendered as a second Cluster `pg-v<major>` beside the running one, schema imported, fed by a Publication/Subscription. Primary-role stack only. 0 = no upgrade.",
    },
    postgresUpgradeImage: {
        type: "string",
        default: "",
        description:
            "Operand image of the upgrade's new Cluster; its tag must start with postgresUpgradeTargetVersion (CloudNativePG reads the major from it). Empty = the pinned image of that major.",
    },
    postgresUpgradeStage: {
        type: "string",
        default: "replicate",
        description:
            "Where the upgrade stands: `replicate` (the Poolers serve the running cluster; the new one subscribes to it), `switched` (the Poolers serve the new cluster; the old one subscribes back to it, the rollback path), `rolled-back` (the Poolers serve the old cluster again). Set by the steps of `npm run upgrade`.",
    },
    postgresPoolerPaused: {
        type: "boolean",
        default: false,
        description:
            "Pauses the read-write Pooler (`spec.pgbouncer.paused`): PgBouncer holds new queries until unpaused. The upgrade's cutover and rollback set it around the switch; applications see a stall, not errors.",
    },
} as const satisfies Record<string, KeySpec>;

/** Stages of a major-version upgrade (`postgresUpgradeStage`). */
export const UPGRADE_STAGES = ["replicate", "switched", "rolled-back"] as const;
export type UpgradeStage = (typeof UPGRADE_STAGES)[number];

/** A major-version upgrade by logical replication (keys `postgresUpgrade*`). */
export interface PostgresUpgradeConfig {
    /** Target PostgreSQL major version. */
    readonly targetVersion: number;
    /** Operand image of the new cluster. */
    readonly image: string;
    readonly stage: UpgradeStage;
}

/** Durability classes of a PostgreSQL cluster. */
export const DURABILITY_CLASSES = ["critical", "standard"] as const;
/** `critical`: quorum sync with dataDurability required; `standard`: sync when possible (preferred). */
export type Durability = (typeof DURABILITY_CLASSES)[number];
/** PgBouncer pool modes the CloudNativePG Pooler accepts (its CRD has no `statement`). */
export const POOL_MODES = ["session", "transaction"] as const;
export type PoolMode = (typeof POOL_MODES)[number];

/** PostgreSQL settings (keys `postgres*`). */
export interface PostgresConfig {
    readonly instances: number;
    readonly durability: Durability;
    readonly syncReplicas: number;
    readonly storageSize: string;
    readonly walStorageSize: string;
    readonly backupSchedule: string;
    readonly backupRetention: string;
    readonly poolerInstances: number;
    readonly poolMode: PoolMode;
    readonly maxClientConn: number;
    readonly defaultPoolSize: number;
    readonly database: string;
    readonly owner: string;
    /** RFC 3339 point-in-time-recovery target; undefined = no recovery cluster. */
    readonly recoveryTargetTime?: string;
    /**
     * The other region's demotion token, set when this region is promoted; undefined = none. Not a secret
     * (it is pg_controldata's checkpoint position, readable in the Cluster's status), so previews show it.
     */
    readonly promotionToken?: string;
    /** The major-version upgrade in progress; undefined = none. */
    readonly upgrade?: PostgresUpgradeConfig;
    /** `spec.pgbouncer.paused` of the read-write Pooler. */
    readonly poolerPaused: boolean;
}

/** PostgreSQL's max_connections (seed value); the poolers must leave headroom under it. */
export const POSTGRES_MAX_CONNECTIONS = 200;
/** Connections kept free for superuser, replication, monitoring and backups. */
export const POSTGRES_RESERVED_CONNECTIONS = 20;

type PostgresKey = keyof typeof POSTGRES_KEYS;

/**
 * `postgresPromotionToken` and `disasterFailover` against the stack's place in the pair. A token is only
 * valid on the primary (CloudNativePG rejects it on a replica cluster, cloudnative-pg#9273). Whether an
 * update promotes this stack (and so needs a token or disasterFailover) depends on its last deployment:
 * index.ts checks that (checkPromotion in components/shared/pair.ts). Errors never repeat the token.
 */
export function parsePromotionToken(
    r: Reader<PostgresKey>,
    s: Pick<PairConfig, "region" | "primaryRegion" | "isPrimary" | "disasterFailover">,
): string | undefined {
    const key = `${PROJECT}:postgresPromotionToken`;
    const token = r.str("postgresPromotionToken").trim();
    if (s.disasterFailover && !s.isPrimary) {
        throw new ConfigError(
            `${PROJECT}:disasterFailover`,
            `is only allowed when primaryRegion is this stack's region (${s.region}); primaryRegion is ${s.primaryRegion}`,
        );
    }
    if (token) {
        const problem = cnpgPromotionToken(token);
        if (problem) throw new ConfigError(key, `is not a CloudNativePG demotion token: ${problem}`);
        if (!s.isPrimary) {
            throw new ConfigError(
                key,
                `is only allowed while this stack is primary (primaryRegion is ${s.primaryRegion}, this stack is ${s.region}): ` +
                    "CloudNativePG rejects a promotionToken on a replica cluster (cloudnative-pg#9273); remove it with `pulumi config rm " +
                    `${key}\` in the same change that demotes this stack`,
            );
        }
        if (s.disasterFailover) {
            throw new ConfigError(
                `${PROJECT}:disasterFailover`,
                "cannot be combined with postgresPromotionToken: a token means a planned switchover (no data loss); unset one of them",
            );
        }
        return token;
    }
    return undefined;
}

/**
 * `postgresUpgrade*` and `postgresPoolerPaused`. The upgrade runs in the primary-role stack only: the other
 * region's cluster is a physical replica cluster (read-only, no publication possible) and keeps following the
 * old cluster, which the rollback subscription keeps current after the switch.
 */
export function parseUpgrade(
    r: Reader<PostgresKey>,
    s: Pick<PairConfig, "region" | "primaryRegion" | "isPrimary">,
): { upgrade?: PostgresUpgradeConfig; poolerPaused: boolean } {
    const majors = Object.keys(postgresUpgradeImages)
        .map(Number)
        .filter((m) => m > POSTGRES_MAJOR);
    const target = r.int("postgresUpgradeTargetVersion", (v) =>
        v === 0 || majors.includes(v)
            ? undefined
            : `expected 0 (no upgrade) or a major above the running ${POSTGRES_MAJOR} with a pinned image: ${majors.join(", ")}`,
    );
    const image = r.str("postgresUpgradeImage", (v) =>
        /^[a-z0-9.-]+(:[0-9]+)?(\/[a-z0-9._-]+)+:[A-Za-z0-9._-]+(@sha256:[a-f0-9]{64})?$/.test(v)
            ? undefined
            : "expected registry/repository:tag",
    );
    const stage = r.str("postgresUpgradeStage", oneOf(UPGRADE_STAGES)) as UpgradeStage;
    const poolerPaused = r.bool("postgresPoolerPaused");
    const key = (k: PostgresKey) => `${PROJECT}:${k}`;
    if (!target) {
        if (image) throw new ConfigError(key("postgresUpgradeImage"), "needs postgresUpgradeTargetVersion");
        if (stage !== "replicate")
            throw new ConfigError(key("postgresUpgradeStage"), `${stage} needs postgresUpgradeTargetVersion`);
        return { poolerPaused };
    }
    if (!s.isPrimary)
        throw new ConfigError(
            key("postgresUpgradeTargetVersion"),
            `is only allowed on the primary-role stack (primaryRegion is ${s.primaryRegion}, this stack is ${s.region}): the other region's cluster is a physical replica and follows the old cluster`,
        );
    const tag = image
        ? image
              .replace(/@sha256:.*$/, "")
              .split(":")
              .pop()!
        : "";
    if (image && !new RegExp(`^${target}(\\.|-|$)`).test(tag))
        throw new ConfigError(
            key("postgresUpgradeImage"),
            `tag ${JSON.stringify(tag)} does not start with the target major ${target} (CloudNativePG reads the major from the tag)`,
        );
    return { upgrade: { targetVersion: target, image: image || postgresUpgradeImages[target], stage }, poolerPaused };
}

/** A PostgreSQL role/database name that CloudNativePG accepts and does not reserve. */
const pgIdentifier: Check<string> = (v) =>
    !/^[a-z_][a-z0-9_]{0,62}$/.test(v)
        ? "expected a lower-case PostgreSQL identifier: a-z, 0-9 and _, not starting with a digit, at most 63 characters"
        : v === "postgres" || v === "streaming_replica" || v.startsWith("pg_") || v.startsWith("cnpg_")
          ? "postgres, streaming_replica, pg_* and cnpg_* are reserved by PostgreSQL and CloudNativePG"
          : undefined;

/** Days covered by a Barman retention policy (`30d`, `4w`, `1m`; a month counts as 31 days). */
export function retentionDays(policy: string): number {
    const m = /^([1-9][0-9]*)([dwm])$/.exec(policy);
    if (!m) throw new Error(`not a retention policy: ${policy}`);
    return Number(m[1]) * { d: 1, w: 7, m: 31 }[m[2] as "d" | "w" | "m"];
}

/** The `postgres*` keys except the promotion token; `now` is only compared with the recovery target, never stored. */
export function parsePostgres(
    r: Reader<PostgresKey>,
    now: Date,
): Omit<PostgresConfig, "promotionToken" | "upgrade" | "poolerPaused"> {
    const instances = r.int("postgresInstances", intBetween(3, 9));
    const poolerInstances = r.int("postgresPoolerInstances", intBetween(2, 20));
    const maxPool = Math.floor((POSTGRES_MAX_CONNECTIONS - POSTGRES_RESERVED_CONNECTIONS) / poolerInstances);
    const target = r.str("postgresRecoveryTargetTime", rfc3339, notAfter(now));
    return {
        instances,
        durability: r.str("postgresDurability", oneOf(DURABILITY_CLASSES)) as Durability,
        syncReplicas: r.int(
            "postgresSyncReplicas",
            (v) =>
                intBetween(1, instances - 1)(v) &&
                `expected an integer from 1 to ${instances - 1} (postgresInstances - 1)`,
        ),
        storageSize: r.str("postgresStorageSize", binaryQuantity),
        walStorageSize: r.str("postgresWalStorageSize", binaryQuantity),
        backupSchedule: r.str("postgresBackupSchedule", cron6),
        backupRetention: r.str("postgresBackupRetention", retention),
        poolerInstances,
        poolMode: r.str("postgresPoolMode", oneOf(POOL_MODES)) as PoolMode,
        maxClientConn: r.int("postgresMaxClientConn", intBetween(1, 100000)),
        defaultPoolSize: r.int(
            "postgresDefaultPoolSize",
            (v) =>
                intBetween(1, maxPool)(v) &&
                `expected an integer from 1 to ${maxPool}: ${poolerInstances} pooler pods × pool size must fit under max_connections ${POSTGRES_MAX_CONNECTIONS} minus ${POSTGRES_RESERVED_CONNECTIONS} reserved`,
        ),
        database: r.str("postgresDatabase", pgIdentifier),
        owner: r.str("postgresOwner", pgIdentifier),
        recoveryTargetTime: target || undefined,
    };
}
