/**
 * The only reader of Pulumi config. `loadConfig()` reads every `geo-data:*` key once, applies the
 * defaults, validates everything and returns one typed, readonly RegionConfig; invalid config throws a
 * ConfigError naming the key, the value and what is allowed, before any resource is registered.
 *
 * Each service owns its keys, defaults and validation in its own module (region.ts, postgres.ts, backup.ts,
 * redis.ts); CONFIG_SCHEMA assembles them, and Pulumi.yaml's `config:` block and docs/configuration.md are
 * generated from it (`npm run docs`) and checked by test/config-schema.spec.ts.
 */
import * as pulumi from "@pulumi/pulumi";
import { BACKUP_KEYS, BackupConfig, parseBackup } from "./backup";
import {
    POSTGRES_KEYS,
    PostgresConfig,
    parsePostgres,
    parsePromotionToken,
    parseUpgrade,
    retentionDays,
} from "./postgres";
import { KeySpec, RawConfig, Reader, rejectUnknownKeys } from "./reader";
import { ClusterConfig, PairConfig, REGION_KEYS, parseCluster, parsePair } from "./region";
import { REDIS_KEYS, RedisConfig, parseRedis } from "./redis";
// Kafka (Strimzi)
import { KAFKA_KEYS, KafkaConfig, parseKafka } from "./kafka";
import { clusterAlias } from "../components/kafka/naming";
import { MINIO_KEYS, MinioConfig, parseMinio } from "./minio";
import { ALERTING_KEYS, AlertingConfig, parseAlerting } from "./alerting";

export * from "./backup";
export * from "./postgres";
export * from "./reader";
export * from "./redis";
export * from "./minio";
export * from "./region";
export * from "./kafka";
export * from "./alerting";

/** Every `geo-data:*` key, in docs order. */
export const CONFIG_SCHEMA = {
    ...REGION_KEYS,
    ...POSTGRES_KEYS,
    ...BACKUP_KEYS,
    ...REDIS_KEYS,
    ...KAFKA_KEYS,
    ...MINIO_KEYS,
    ...ALERTING_KEYS,
} as const satisfies Record<string, KeySpec>;

/** The typed, validated configuration of one region stack. */
export interface RegionConfig extends PairConfig, ClusterConfig {
    /** Pulumi stack name (e.g. us-east). */
    readonly stack: string;
    /** The region's PostgreSQL (CloudNativePG) settings. */
    readonly postgres: PostgresConfig;
    /** The region's AWS backup storage. */
    readonly backup: BackupConfig;
    /** The region's Redis settings. */
    readonly redis: RedisConfig;
    /** The region's Kafka (Strimzi) settings. */
    readonly kafka: KafkaConfig;
    /** The region's MinIO tenant settings. */
    readonly minio: MinioConfig;
    /** Where the region's alerts go (Alertmanager receivers, heartbeat). */
    readonly alerting: AlertingConfig;
}

/**
 * Parses raw config into a RegionConfig. Pure: no Pulumi runtime access, so tests call it directly.
 * Secret keys are wrapped with pulumi.secret. `now` (the real clock by default) is only compared with
 * postgresRecoveryTargetTime, never stored or rendered.
 */
export function parseRegionConfig(raw: RawConfig, stack: string, now: Date = new Date()): RegionConfig {
    rejectUnknownKeys(raw, CONFIG_SCHEMA);
    const r = new Reader(raw, CONFIG_SCHEMA);
    const pair = parsePair(r);
    const promotionToken = parsePromotionToken(r, pair);
    const cluster = parseCluster(r, pair);
    const postgres: PostgresConfig = Object.freeze({
        ...parsePostgres(r, now),
        promotionToken,
        ...parseUpgrade(r, pair),
    });
    const config: RegionConfig = Object.freeze({
        stack,
        ...pair,
        ...cluster,
        postgres,
        backup: parseBackup(r, {
            prefix: cluster.namespacePrefix,
            region: pair.region,
            postgresRetentionDays: retentionDays(postgres.backupRetention),
        }),
        redis: parseRedis(r),
        kafka: parseKafka(r, { aliases: [pair.region, pair.peerRegion].map(clusterAlias) }),
        minio: parseMinio(r, {
            storageClass: cluster.storageClass,
            prefix: cluster.namespacePrefix,
            region: pair.region,
        }),
        alerting: parseAlerting(r),
    });
    r.assertAllRead();
    return config;
}

/** Reads this stack's Pulumi config and returns the validated RegionConfig (throws ConfigError). */
export function loadConfig(): RegionConfig {
    return parseRegionConfig(pulumi.runtime.allConfig(), pulumi.getStack());
}
