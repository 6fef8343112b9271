/**
 * geo-data: one region of the geo-replicated data tier.
 *
 * Config is read and validated first, so invalid config fails before any resource is registered. Then the
 * stack reads its own last deployment's `pair` (a StackReference to itself) and refuses a promotion without
 * the other region's demotion token; a secondary stack also reads the primary stack's published `pair` and
 * refuses to continue when the pair, the DNS zone or the primary region would disagree in a way that
 * yields two primaries (demoting this stack first is allowed; see components/shared/pair.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import { loadConfig } from "./config";
import { DataRegion } from "./components/region";
import { PairInfo, checkPair, checkPromotion } from "./components/shared/pair";
import { KAFKA_PEER_OUTPUT, kafkaPeerOutput } from "./components/kafka/peer";
import { RedisVolumes, redisVolumeChangeWarning } from "./components/redis/volumes";

export = async () => {
    const config = loadConfig();
    const pair: PairInfo = {
        region: config.region,
        peerRegion: config.peerRegion,
        primaryRegion: config.primaryRegion,
        dnsZone: config.dnsZone,
        role: config.role,
    };
    const selfStack = new pulumi.StackReference("self-stack", {
        name: `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`,
    });
    checkPromotion(
        {
            region: config.region,
            primaryRegion: config.primaryRegion,
            hasToken: config.postgres.promotionToken !== undefined,
            disasterFailover: config.disasterFailover,
        },
        (await selfStack.getOutputDetails("pair")).value as PairInfo | undefined,
    );
    const redisVolumes: RedisVolumes = { storageSize: config.redis.storageSize, storageClass: config.storageClass };
    const volumeWarning = redisVolumeChangeWarning(
        redisVolumes,
        (await selfStack.getOutputDetails("redisVolumes")).value as RedisVolumes | undefined,
    );
    if (volumeWarning) pulumi.log.warn(volumeWarning);
    let primaryStack: pulumi.StackReference | undefined;
    if (config.primaryStack) {
        primaryStack = new pulumi.StackReference("primary-stack", { name: config.primaryStack });
        const peer = await primaryStack.getOutputDetails("pair");
        checkPair(
            pair,
            peer.value as PairInfo | undefined,
            config.primaryStack,
            (msg) => pulumi.log.warn(msg),
            config.disasterFailover,
        );
    }
    const region = new DataRegion("geo", { config, primaryStack });

    return {
        /** AWS region of this stack. */
        awsRegion: config.region,
        /** This stack's role in the pair. */
        role: config.role,
        /** The region currently holding the writable primaries. */
        primaryRegion: config.primaryRegion,
        /** What the other stack checks itself against. */
        pair,
        /** The data-tier namespaces. */
        namespaces: region.namespaces.names,
        /** PostgreSQL: cluster and pooler endpoints (in-cluster DNS), database, restored cluster if any. */
        postgres: region.postgres.endpoints,
        /** PostgreSQL application credentials: secret output only. */
        postgresCredentials: pulumi.secret({
            username: region.postgres.credentials.app.username,
            password: region.postgres.credentials.app.password,
            readonlyUsername: region.postgres.credentials.readonly.username,
            readonlyPassword: region.postgres.credentials.readonly.password,
        }),
        /** The other region's PostgreSQL TLS material (CA, its server certificate, the replication client): secret output only. */
        ...(region.postgresCertificates
            ? {
                  postgresPeerTls: pulumi.secret(region.postgresCertificates.materialFor(config.peerRegion)),
              }
            : {}),
        /** This region's backup storage: what the peer region reads for cross-region restores. */
        backup: {
            bucketName: region.backupBucket.bucketName,
            bucketArn: region.backupBucket.bucketArn,
            kmsKeyArn: region.backupBucket.kmsKeyArn,
            roleArn: region.backupBucket.roleArn,
            prefix: region.backupBucket.prefix,
            objectStoreName: region.postgres.main.objectStoreName,
            /** SNS topic (this region) for the backup replication alarms the other stack creates here. */
            alarmTopicArn: region.alarmTopicArn,
        },
        /**
         * Redis endpoints (in-cluster DNS, TLS only: `rediss://` URLs), the Secrets of the password and of the CA
         * clients verify the servers with (`ca.crt`, namespace `namespaces.redis`), and the cross-region
         * replication endpoint of the sessions store.
         */
        redis: {
            cache: {
                host: region.redisCache.host,
                port: region.redisCache.port,
                url: region.redisCache.url,
                secretName: region.redisCache.secretName,
                caSecretName: region.redisCache.caSecretName,
                clientTlsSecretName: region.redisCache.clientTlsSecretName ?? null,
            },
            sessions: {
                sentinelHost: region.redisSessions.sentinelHost ?? null,
                sentinelUrl: region.redisSessions.sentinelUrl ?? null,
                masterName: region.redisSessions.masterName,
                readHost: region.redisSessions.readHost,
                readUrl: region.redisSessions.readUrl,
                replicationEndpoint: region.redisSessions.replicationEndpoint,
                secretName: region.redisSessions.secretName,
                caSecretName: region.redisSessions.caSecretName,
                clientTlsSecretName: region.redisSessions.clientTlsSecretName ?? null,
            },
        },
        /** The other region's Redis TLS material (per instance: CA, its pods' certificate, the client certificate): secret output only. */
        ...(region.redisCertificates
            ? { redisPeerTls: pulumi.secret(region.redisCertificates.materialFor(config.peerRegion)) }
            : {}),
        /** The Redis volume settings of this deployment (the next update warns when they change: see components/redis/volumes.ts). */
        redisVolumes,
        /** The sessions store's password, generated once by the primary-role stack: secret output only. */
        ...(config.role === "primary" ? { redisSessionsPassword: region.redisSessions.password } : {}),
        /** Kafka: bootstrap addresses (in-cluster and cross-region), CA Secret, aliases and the mirror running here. */
        kafka: region.kafka.endpoints,
        /** The other region's Kafka TLS and every Kafka user's password (primary-role stack only): secret output. */
        ...(config.role === "primary" && region.kafkaCertificates
            ? {
                  [KAFKA_PEER_OUTPUT]: kafkaPeerOutput(
                      region.kafkaCertificates.materialFor(config.peerRegion),
                      region.kafka.users.passwords,
                  ),
              }
            : {}),
        /** This region's Prometheus as the other region reads it (its Grafana data source, its cross-region watch). */
        monitoring: { prometheusPeerEndpoint: region.prometheusPeer ? `${region.prometheusPeer.hostname}:9090` : null },
        /** MinIO: in-cluster S3 and console endpoints, the cross-region replication endpoint, the app Secret. */
        minio: {
            endpoint: region.minio.endpoint,
            consoleUrl: region.minio.consoleUrl,
            replicationEndpoint: region.minio.replicationEndpoint,
            appSecretName: region.minio.app.secretName,
            buckets: [...config.minio.buckets],
            tierBucket: region.minioTier.bucketName,
        },
        /** MinIO users shared by the pair (generated by the primary-role stack): secret output only. */
        ...(config.role === "primary"
            ? {
                  minioCredentials: pulumi.secret({
                      appPassword: region.minio.app.password,
                      replicationPassword: region.minio.replication.password,
                  }),
              }
            : {}),
        /** The other region's MinIO TLS (the pair's CA, its server certificate and key): secret output only. */
        ...(region.minioCertificates
            ? { minioPeerTls: pulumi.secret(region.minioCertificates.materialFor(config.peerRegion)) }
            : {}),
    };
};
