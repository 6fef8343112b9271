/**
 * The only reader of Pulumi config. `loadConfig()` reads every `geo-data:*` key once, applies the
 * defaults, validates everything and returns one typed, readonly RegionConfig; invalid config throws a
 * ConfigError naming the key, the value and what is allowed, before any resource is registered.
 *
 * CONFIG_SCHEMA is the single list of keys: Pulumi.yaml's `config:` block and the README's table are
 * checked against it by test/config-schema.spec.ts.
 */
import * as pulumi from "@pulumi/pulumi";
import { Namespaces, backupRoleName, namespaceNames, replicationRoleName } from "./components/shared/naming";
import { MAXMEMORY_POLICIES, MaxmemoryPolicy } from "./components/redis/conf";
import { oidcProviderInRegion } from "./components/backup/backup-bucket";
import {
    MAXMEMORY_LIMIT_FRACTION,
    REDIS_MEMORY_LIMIT_BYTES,
    REDIS_RESOURCES,
    redisMemoryBytes,
} from "./components/redis/sizing";
import {
    Check,
    ConfigError,
    arnOf,
    binaryQuantity,
    cnpgPromotionToken,
    cron6,
    dnsLabel,
    dnsName,
    ensure,
    intBetween,
    notAfter,
    oneOf,
    retention,
    rfc3339,
    show,
    stackName,
} from "./components/shared/validate";

/** The Pulumi project name; also the config namespace. */
export const PROJECT = "geo-data";

/** AWS regions this program accepts for `region`/`peerRegion`/`primaryRegion`. */
export const AWS_REGIONS = [
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ca-central-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-central-1",
    "eu-north-1",
    "eu-south-1",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "sa-east-1",
] as const;

/** The role of a stack in the region pair. */
export type Role = "primary" | "secondary";

/** One declared config key. */
export interface KeySpec {
    /** Pulumi.yaml type. */
    readonly type: "string" | "integer" | "boolean";
    /** One sentence for Pulumi.yaml and the README. */
    readonly description: string;
    /** The default; absent for required keys. An empty string means "unset" for optional strings. */
    readonly default?: string | number | boolean;
    /** Set with `pulumi config set --secret`; read as a secret Output. */
    readonly secret?: boolean;
}

/** Every `geo-data:*` key, in README order. */
export const CONFIG_SCHEMA = {
    region: { type: "string", description: "AWS region this stack deploys to (e.g. us-east-1)." },
    role: {
        type: "string",
        description:
            "This stack's role in the pair: `primary` owns the shared cross-region material; `secondary` reads it from `primaryStack`.",
    },
    peerRegion: { type: "string", description: "AWS region of the other stack of the pair." },
    primaryRegion: {
        type: "string",
        default: "",
        description:
            "Region that currently holds the writable primaries. Empty = the `role: primary` stack's region. Changing it in both stacks is the switchover.",
    },
    primaryStack: {
        type: "string",
        default: "",
        description:
            "Fully qualified name (`org/geo-data/us-east`) of the primary stack; required when `role` is secondary.",
    },
    disasterFailover: {
        type: "boolean",
        default: false,
        description:
            "Disaster failover: lets this stack take the primary role without a demotion token while the other stack's deployed outputs still claim it (that region is lost). Only with primaryRegion = this region; turn it off once the lost region is rebuilt and deployed as a replica.",
    },
    mintCertificates: {
        type: "boolean",
        default: false,
        description:
            "`role: secondary` stack only, once the primary-role stack's region is lost for good: generate the pair's PostgreSQL TLS (new server and client CAs) in this stack instead of reading it from `primaryStack`, so `pulumi up` here renews the certificates. Role passwords are still read from `primaryStack`'s last outputs.",
    },
    kubeContext: {
        type: "string",
        default: "",
        description: "kubeconfig context of this region's cluster. Empty = the current context.",
    },
    kubeconfig: {
        type: "string",
        default: "",
        secret: true,
        description:
            "kubeconfig contents or path for this region's cluster (set with --secret). Empty = the ambient kubeconfig.",
    },
    manageOperators: {
        type: "boolean",
        default: true,
        description:
            "Install the pinned operators (CloudNativePG, Barman Cloud plugin, cert-manager, Strimzi, MinIO, kube-prometheus-stack). Set false where they are managed elsewhere.",
    },
    namespacePrefix: {
        type: "string",
        default: "geo",
        description: "Prefix of the data-tier namespaces (`<prefix>-postgres`, `<prefix>-redis`, …).",
    },
    dnsZone: {
        type: "string",
        default: "data.internal",
        description: "DNS zone for cross-region endpoints: `<service>.<region>.<dnsZone>`.",
    },
    protect: {
        type: "boolean",
        default: true,
        description: "Protect stateful resources (clusters, volumes, buckets) from deletion.",
    },
    storageClass: { type: "string", default: "fast-ssd", description: "StorageClass of every persistent volume." },
    // --- PostgreSQL (CloudNativePG) ---
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
    // --- AWS backup storage ---
    oidcProviderArn: {
        type: "string",
        description:
            "IAM OIDC provider of this region's EKS cluster, for the database pods' IRSA role: `arn:aws:iam::<account>:oidc-provider/oidc.eks.<region>.amazonaws.com/id/<ID>`.",
    },
    backupBucketName: {
        type: "string",
        default: "",
        description: "S3 bucket of this region's backups. Empty = `<namespacePrefix>-pg-backups-<account>-<region>`.",
    },
    backupKmsKeyArn: {
        type: "string",
        default: "",
        description: "KMS key for the backup bucket. Empty = create a key for this region (rotation on).",
    },
    backupRetentionDays: {
        type: "integer",
        default: 40,
        description:
            "Days S3 keeps a noncurrent backup object (deleted by Barman's retention or overwritten) before deleting it for good; at least postgresBackupRetention plus 7 days. Current objects never expire by S3 lifecycle: postgresBackupRetention decides.",
    },
    backupReplicationTimeControl: {
        type: "boolean",
        default: true,
        description:
            "S3 Replication Time Control on the two-way backup replication (set on the `role: secondary` stack, which owns both directions): 99.99% of objects replicated within 15 minutes, the figure behind the cross-region RPO; billed per GB replicated.",
    },
    backupAlarmTopicArn: {
        type: "string",
        default: "",
        description:
            "SNS topic in this stack's region for the backup replication alarms (CloudWatch notifies only topics in its own region). Empty = alarms without actions.",
    },
    // --- Redis (StatefulSets; cluster-mode cache per region, Sentinel-mode sessions across regions) ---
    redisEngine: {
        type: "string",
        default: "redis",
        description:
            "Server software of every Redis workload: `redis` (Redis 7.4) or `valkey` (Valkey 8.1, BSD-licensed, protocol-compatible).",
    },
    redisClusterReplicas: {
        type: "integer",
        default: 6,
        description:
            "Pods of each region's cluster-mode cache (`redis-cache`): masters + one replica each, so an even number from 6 (3 masters + 3 replicas) to 60.",
    },
    redisMaxmemory: {
        type: "string",
        default: "768mb",
        description:
            "Redis `maxmemory` of every Redis server, in Redis units (`768mb`, `1gb`); at most 80% of the 1Gi container limit, leaving room for AOF-rewrite copy-on-write and buffers.",
    },
    redisMaxmemoryPolicy: {
        type: "string",
        default: "allkeys-lru",
        description:
            "Redis `maxmemory-policy` (eviction when maxmemory is reached): allkeys-lru, volatile-lru, allkeys-lfu, volatile-lfu, allkeys-random, volatile-random, volatile-ttl or noeviction.",
    },
    redisStorageSize: {
        type: "string",
        default: "10Gi",
        description: "Data volume (AOF + RDB) of each Redis server pod (binary units, e.g. 10Gi).",
    },
    redisSentinels: {
        type: "integer",
        default: 3,
        description:
            "Sentinels of the sessions store in the primary region: an odd number from 3 to 9; the quorum (and the votes a failover needs) is a strict majority.",
    },
    redisSessionsReplicas: {
        type: "integer",
        default: 3,
        description:
            "Redis pods of the Sentinel-mode sessions store in each region, 2 to 9: in the primary region the master + local replicas, in the other region replicas of the primary region's endpoint.",
    },
    redisMinReplicasToWrite: {
        type: "integer",
        default: 1,
        description:
            "`min-replicas-to-write` of the sessions master: it refuses writes while fewer replicas are connected (lag <= 10 s), so a master cut off from all replicas stops accepting writes that would be lost. 0 to redisSessionsReplicas - 1.",
    },
} as const satisfies Record<string, KeySpec>;

/** The typed, validated configuration of one region stack. */
export interface RegionConfig {
    /** Pulumi stack name (e.g. us-east). */
    readonly stack: string;
    readonly region: string;
    readonly peerRegion: string;
    readonly role: Role;
    /** Region currently holding the writable primaries. */
    readonly primaryRegion: string;
    /** True when this stack's region is `primaryRegion`. */
    readonly isPrimary: boolean;
    /** The primary stack's fully qualified name (secondary stacks only). */
    readonly primaryStack?: string;
    /** `disasterFailover`: take the primary role although the peer's deployed outputs still claim it. */
    readonly disasterFailover: boolean;
    /** `mintCertificates`: this (secondary) stack generates the pair's PostgreSQL TLS instead of reading it. */
    readonly mintCertificates: boolean;
    readonly kubernetes: { readonly context?: string; readonly kubeconfig?: pulumi.Output<string> };
    readonly manageOperators: boolean;
    readonly namespaces: Namespaces;
    /** `namespacePrefix`: also the prefix of AWS names (backup bucket, IAM role). */
    readonly namespacePrefix: string;
    readonly dnsZone: string;
    readonly protect: boolean;
    readonly storageClass: string;
    /** The region's PostgreSQL (CloudNativePG) settings. */
    readonly postgres: PostgresConfig;
    /** The region's AWS backup storage. */
    readonly backup: BackupConfig;
    /** The region's Redis settings. */
    readonly redis: RedisConfig;
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
}

/** AWS backup storage settings (keys `backup*` and `oidcProviderArn`). */
export interface BackupConfig {
    readonly oidcProviderArn: string;
    /** Explicit bucket name; undefined = `<prefix>-pg-backups-<account>-<region>`. */
    readonly bucketName?: string;
    /** Existing KMS key; undefined = create one for this region. */
    readonly kmsKeyArn?: string;
    /** Days S3 keeps noncurrent versions (current objects never expire by lifecycle). */
    readonly retentionDays: number;
    /** S3 Replication Time Control on the backup replication (15-minute SLA). */
    readonly replicationTimeControl: boolean;
    /** SNS topic (in this region) for the replication alarms; undefined = alarms without actions. */
    readonly alarmTopicArn?: string;
}

/** PostgreSQL's max_connections (seed value); the poolers must leave headroom under it. */
export const POSTGRES_MAX_CONNECTIONS = 200;
/** Connections kept free for superuser, replication, monitoring and backups. */
export const POSTGRES_RESERVED_CONNECTIONS = 20;

/** Redis-compatible server software. */
export const REDIS_ENGINES = ["redis", "valkey"] as const;
export type RedisEngine = (typeof REDIS_ENGINES)[number];

/** Redis settings (keys `redis*`). */
export interface RedisConfig {
    readonly engine: RedisEngine;
    /** Pods of the cluster-mode cache (even, >= 6). */
    readonly clusterReplicas: number;
    /** `maxmemory` in Redis units. */
    readonly maxmemory: string;
    readonly maxmemoryPolicy: MaxmemoryPolicy;
    /** PVC size of each Redis server pod. */
    readonly storageSize: string;
    /** Sentinels of the sessions store (primary region only). */
    readonly sentinels: number;
    /** Redis pods of the sessions store in this region. */
    readonly sessionsReplicas: number;
    /** `min-replicas-to-write` of the sessions master. */
    readonly minReplicasToWrite: number;
}

/** Raw config as Pulumi hands it to the program: `geo-data:<key>` → string. */
export type RawConfig = Readonly<Record<string, string>>;

/** Reads keys from raw config, applying CONFIG_SCHEMA defaults, and remembers which keys it read. */
class Reader {
    private readonly read = new Set<string>();

    constructor(private readonly raw: RawConfig) {}

    /** Throws when a declared key was never read: a key in CONFIG_SCHEMA that the program ignores is a bug. */
    assertAllRead(): void {
        const unread = Object.keys(CONFIG_SCHEMA).filter((k) => !this.read.has(k));
        if (unread.length) throw new Error(`config.ts: declared but never read: ${unread.join(", ")}`);
    }

    private value(key: keyof typeof CONFIG_SCHEMA): string | undefined {
        this.read.add(key);
        const v = this.raw[`${PROJECT}:${key}`];
        return v === undefined ? undefined : v;
    }

    private fail(key: string, value: unknown, problem: string): never {
        throw new ConfigError(`${PROJECT}:${key}`, `${show(value)} is not allowed; ${problem}`);
    }

    /** A required or defaulted string; "" counts as unset for keys whose default is "". */
    str(key: keyof typeof CONFIG_SCHEMA, ...checks: Check<string>[]): string {
        const spec: KeySpec = CONFIG_SCHEMA[key];
        const v = this.value(key) ?? (spec.default as string | undefined);
        if (v === undefined) {
            throw new ConfigError(`${PROJECT}:${key}`, `is required; set it with \`pulumi config set ${key} <value>\``);
        }
        if (v === "" && spec.default === "") return v;
        return ensure(`${PROJECT}:${key}`, v, ...checks);
    }

    int(key: keyof typeof CONFIG_SCHEMA, ...checks: Check<number>[]): number {
        const spec: KeySpec = CONFIG_SCHEMA[key];
        const v = this.value(key);
        const n = v === undefined ? (spec.default as number) : /^-?[0-9]+$/.test(v.trim()) ? Number(v) : NaN;
        if (Number.isNaN(n)) this.fail(key, v, "expected an integer");
        return ensure(`${PROJECT}:${key}`, n, ...checks);
    }

    bool(key: keyof typeof CONFIG_SCHEMA): boolean {
        const spec: KeySpec = CONFIG_SCHEMA[key];
        const v = this.value(key);
        if (v === undefined) return spec.default as boolean;
        if (v === "true" || v === "false") return v === "true";
        return this.fail(key, v, "expected true or false");
    }
}

/** Edit distance, for "did you mean" hints on misspelt keys. */
function distance(a: string, b: string): number {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0][j] = j;
    for (let i = 1; i <= a.length; i++) {
        for (let j = 1; j <= b.length; j++) {
            d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        }
    }
    return d[a.length][b.length];
}

/** Rejects `geo-data:*` keys that CONFIG_SCHEMA does not declare (typos would otherwise be ignored). */
function rejectUnknownKeys(raw: RawConfig): void {
    const known = Object.keys(CONFIG_SCHEMA);
    for (const full of Object.keys(raw)) {
        if (!full.startsWith(`${PROJECT}:`)) continue;
        const key = full.slice(PROJECT.length + 1);
        if (known.includes(key)) continue;
        const best = known
            .map((k) => [k, distance(k.toLowerCase(), key.toLowerCase())] as const)
            .sort((x, y) => x[1] - y[1])[0];
        const hint = best && best[1] <= 3 ? `did you mean ${PROJECT}:${best[0]}?` : `known keys: ${known.join(", ")}`;
        throw new ConfigError(full, `is not a known key; ${hint}`);
    }
}

/**
 * Parses raw config into a RegionConfig. Pure: no Pulumi runtime access, so tests call it directly. `now`
 * (the real clock by default) is only compared with postgresRecoveryTargetTime, never stored.
 * `secret` wraps values of secret keys (pulumi.secret in the program; identity-safe in tests).
 */
export function parseRegionConfig(raw: RawConfig, stack: string, now: Date = new Date()): RegionConfig {
    rejectUnknownKeys(raw);
    const r = new Reader(raw);
    const regions = oneOf(AWS_REGIONS);
    const region = r.str("region", regions);
    const peerRegion = r.str("peerRegion", regions, (v) =>
        v === region ? `must differ from region (${region})` : undefined,
    );
    const role = r.str("role", oneOf(["primary", "secondary"])) as Role;
    const primaryStack = r.str("primaryStack", stackName);
    if (role === "secondary" && primaryStack === "") {
        throw new ConfigError(
            `${PROJECT}:primaryStack`,
            "is required when role is secondary: the secondary reads the primary's outputs through a StackReference (e.g. acme/geo-data/us-east)",
        );
    }
    const defaultPrimary = role === "primary" ? region : peerRegion;
    const primaryRegion = r.str("primaryRegion", oneOf([region, peerRegion])) || defaultPrimary;
    const isPrimary = primaryRegion === region;
    const disasterFailover = r.bool("disasterFailover");
    const mintCertificates = r.bool("mintCertificates");
    if (mintCertificates && role !== "secondary") {
        throw new ConfigError(
            `${PROJECT}:mintCertificates`,
            "true is not allowed with role primary: the role: primary stack always mints the pair's certificates; the key lets a role: secondary stack take that over after the primary-role stack's region is lost for good",
        );
    }
    const promotionToken = parsePromotionToken(r, { region, primaryRegion, isPrimary, disasterFailover });
    const kubeContext = r.str("kubeContext");
    const kubeconfigRaw = r.str("kubeconfig");
    const prefix = r.str("namespacePrefix", dnsLabel, (v) =>
        v.length > 40 ? "expected at most 40 characters" : undefined,
    );
    // IAM role names are derived from the prefix and both region codes and may not exceed 64 characters.
    const longest = [backupRoleName(prefix, region), replicationRoleName(prefix, region, peerRegion)].sort(
        (a, b) => b.length - a.length,
    )[0];
    if (longest.length > 64) {
        throw new ConfigError(
            `${PROJECT}:namespacePrefix`,
            `${show(prefix)} is too long: the derived IAM role name ${longest} has ${longest.length} characters (IAM allows 64); use at most ${prefix.length - (longest.length - 64)} characters`,
        );
    }
    const config: RegionConfig = Object.freeze({
        stack,
        region,
        peerRegion,
        role,
        primaryRegion,
        isPrimary,
        primaryStack: primaryStack || undefined,
        disasterFailover,
        mintCertificates,
        kubernetes: Object.freeze({
            context: kubeContext || undefined,
            kubeconfig: kubeconfigRaw ? pulumi.secret(kubeconfigRaw) : undefined,
        }),
        manageOperators: r.bool("manageOperators"),
        namespaces: Object.freeze(namespaceNames(prefix)),
        namespacePrefix: prefix,
        dnsZone: r.str("dnsZone", dnsName),
        protect: r.bool("protect"),
        storageClass: r.str("storageClass", dnsName),
        postgres: Object.freeze({ ...parsePostgres(r, now), promotionToken }),
        backup: parseBackup(r, prefix, region),
        redis: parseRedis(r),
    });
    r.assertAllRead();
    return config;
}

/**
 * `postgresPromotionToken` and `disasterFailover` against the stack's place in the pair. A token is only
 * valid on the primary (CloudNativePG rejects it on a replica cluster, cloudnative-pg#9273). Whether an
 * update promotes this stack (and so needs a token or disasterFailover) depends on its last deployment:
 * index.ts checks that (checkPromotion in components/shared/pair.ts). Errors never repeat the token.
 */
function parsePromotionToken(
    r: Reader,
    s: { region: string; primaryRegion: string; isPrimary: boolean; disasterFailover: boolean },
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

function parsePostgres(r: Reader, now: Date): PostgresConfig {
    const instances = r.int("postgresInstances", intBetween(3, 9));
    const poolerInstances = r.int("postgresPoolerInstances", intBetween(2, 20));
    const maxPool = Math.floor((POSTGRES_MAX_CONNECTIONS - POSTGRES_RESERVED_CONNECTIONS) / poolerInstances);
    const target = r.str("postgresRecoveryTargetTime", rfc3339, notAfter(now));
    return Object.freeze({
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
    });
}

const S3_BUCKET = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
const OIDC_PROVIDER = /^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider\/[a-z0-9.-]+(\/[A-Za-z0-9._-]+)*$/;

function parseBackup(r: Reader, prefix: string, region: string): BackupConfig {
    const oidcProviderArn = r.str(
        "oidcProviderArn",
        (v) =>
            OIDC_PROVIDER.test(v)
                ? undefined
                : "expected the IAM OIDC provider of this region's EKS cluster, arn:aws:iam::<account>:oidc-provider/oidc.eks.<region>.amazonaws.com/id/<ID> " +
                  "(find it with `aws eks describe-cluster --name <cluster> --query cluster.identity.oidc.issuer` and `aws iam list-open-id-connect-providers`)",
        oidcProviderInRegion(region),
    );
    const bucketName = r.str("backupBucketName", (v) =>
        S3_BUCKET.test(v) && !v.includes("--")
            ? undefined
            : "expected an S3 bucket name: 3 to 63 characters of a-z, 0-9 and '-', starting and ending with a letter or digit (no dots)",
    );
    const derived = `${prefix}-pg-backups-123456789012-${region}`;
    if (!bucketName && derived.length > 63) {
        throw new ConfigError(
            `${PROJECT}:backupBucketName`,
            `is empty and the derived name ${prefix}-pg-backups-<account>-${region} would have ${derived.length} characters (S3 allows 63); set backupBucketName or shorten namespacePrefix`,
        );
    }
    const minDays = retentionDays(r.str("postgresBackupRetention", retention)) + 7;
    const days = r.int(
        "backupRetentionDays",
        (v) =>
            intBetween(minDays, 3650)(v) &&
            `expected an integer from ${minDays} to 3650: objects Barman's retention deleted stay recoverable for at least postgresBackupRetention plus a week`,
    );
    const kmsKeyArn = r.str("backupKmsKeyArn", arnOf("kms"));
    const alarmTopicArn = r.str("backupAlarmTopicArn", arnOf("sns"), (v) =>
        v.split(":")[3] === region
            ? undefined
            : `expected a topic in this stack's region ${region} (CloudWatch alarms notify only topics in their own region)`,
    );
    return Object.freeze({
        oidcProviderArn,
        bucketName: bucketName || undefined,
        kmsKeyArn: kmsKeyArn || undefined,
        retentionDays: days,
        replicationTimeControl: r.bool("backupReplicationTimeControl"),
        alarmTopicArn: alarmTopicArn || undefined,
    });
}

function parseRedis(r: Reader): RedisConfig {
    const maxBytes = Math.floor(REDIS_MEMORY_LIMIT_BYTES * MAXMEMORY_LIMIT_FRACTION);
    const sessionsReplicas = r.int("redisSessionsReplicas", intBetween(2, 9));
    return Object.freeze({
        engine: r.str("redisEngine", oneOf(REDIS_ENGINES)) as RedisEngine,
        clusterReplicas: r.int("redisClusterReplicas", (v) =>
            intBetween(6, 60)(v) || v % 2 !== 0
                ? "expected an even integer from 6 to 60 (masters plus one replica each, at least 3 masters)"
                : undefined,
        ),
        maxmemory: r.str("redisMaxmemory", (v) => {
            const bytes = redisMemoryBytes(v);
            if (bytes === undefined) {
                return "expected a Redis memory size such as 768mb or 1gb (units b, k, kb, m, mb, g, gb; Kubernetes quantities like 768Mi are not Redis units)";
            }
            return bytes < 1024 ** 2 || bytes > maxBytes
                ? `expected from 1mb to ${Math.floor(maxBytes / 1024 ** 2)}mb (${MAXMEMORY_LIMIT_FRACTION * 100}% of the ${REDIS_RESOURCES.limits.memory} container limit)`
                : undefined;
        }),
        maxmemoryPolicy: r.str("redisMaxmemoryPolicy", oneOf(MAXMEMORY_POLICIES)) as MaxmemoryPolicy,
        storageSize: r.str("redisStorageSize", binaryQuantity),
        sentinels: r.int("redisSentinels", (v) =>
            intBetween(3, 9)(v) || v % 2 === 0
                ? "expected an odd integer from 3 to 9 (an even count tolerates no more Sentinel failures than one fewer)"
                : undefined,
        ),
        sessionsReplicas,
        minReplicasToWrite: r.int(
            "redisMinReplicasToWrite",
            (v) =>
                intBetween(0, sessionsReplicas - 1)(v) &&
                `expected an integer from 0 to ${sessionsReplicas - 1} (redisSessionsReplicas - 1)`,
        ),
    });
}

/** Reads this stack's Pulumi config and returns the validated RegionConfig (throws ConfigError). */
export function loadConfig(): RegionConfig {
    return parseRegionConfig(pulumi.runtime.allConfig(), pulumi.getStack());
}
