import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { RegionConfig } from "../config";
import { DataNamespaces } from "./platform/data-namespaces";
import { OperatorDependencies, Operators } from "./platform/operators";
import { BackupBucket, defaultBackupBucketName } from "./backup/backup-bucket";
import { BackupReplication, ReplicationBucket, arnAccount } from "./backup/backup-replication";
import {
    CLUSTER_NAME,
    Postgres,
    postgresReplicaFolders,
    postgresServerNames,
    postgresServiceAccounts,
} from "./postgres/postgres";
import { ClusterTlsMaterial, PostgresCertificates } from "./postgres/postgres-certificates";
import { distributedName } from "./postgres/naming";
import { backupRoleName, regionCode, replicationRoleName } from "./shared/naming";
import { RedisCluster } from "./redis/redis-cluster";
import { RedisReplicated } from "./redis/redis-replicated";
import { MinioCertificates, MinioTlsMaterial } from "./minio/minio-certificates";
import { MinioTenant } from "./minio/minio-tenant";
import { MinioTierBucket, defaultTierBucketName, tierRoleName } from "./minio/minio-tier-bucket";
import { minioNames } from "./minio/naming";

/** Arguments of DataRegion. */
export interface DataRegionArgs {
    /** The validated config of this stack (from config/). */
    readonly config: RegionConfig;
    /** The primary stack (secondary stacks only): the source of shared cross-region material. */
    readonly primaryStack?: pulumi.StackReference;
}

/**
 * One region of the data tier: the Kubernetes provider for the region's cluster, the namespaces, the
 * pinned operators, and one component per data service.
 */
export class DataRegion extends pulumi.ComponentResource {
    /** The explicit Kubernetes provider every object of this region uses. */
    public readonly k8sProvider: k8s.Provider;
    /** The explicit AWS provider (region from config) every AWS resource of this region uses. */
    public readonly awsProvider: aws.Provider;
    /** This region's backup bucket, its key and the database pods' IRSA role. */
    public readonly backupBucket: BackupBucket;
    /** S3 replication between the two regions' backup buckets, both directions (`role: secondary` stack only; see below). */
    public readonly backupReplication: readonly BackupReplication[];
    /** This region's PostgreSQL tier (CloudNativePG cluster, poolers, backups, monitoring). */
    public readonly postgres: Postgres;
    /** The pair's PostgreSQL TLS trust (primary-role stack only: generated here, read by the other stack). */
    public readonly postgresCertificates?: PostgresCertificates;
    /** The data-tier namespaces. */
    public readonly namespaces: DataNamespaces;
    /** What custom resources wait for (empty lists when operators are managed elsewhere). */
    public readonly operatorDependencies: OperatorDependencies;
    /** This region's cluster-mode Redis cache (each region has its own; cluster mode does not replicate across regions). */
    public readonly redisCache: RedisCluster;
    /** The Sentinel-mode sessions store replicated from the primary region to the other one. */
    public readonly redisSessions: RedisReplicated;
    /** This region's MinIO tenant (object store), two-way bucket replication with the other region. */
    public readonly minio: MinioTenant;
    /** The AWS bucket MinIO tiers objects to, and the MinIO pods' IRSA role. */
    public readonly minioTier: MinioTierBucket;
    /** The pair's MinIO TLS (primary-role stack, or a secondary with mintCertificates). */
    public readonly minioCertificates?: MinioCertificates;

    constructor(name: string, args: DataRegionArgs, opts?: pulumi.ComponentResourceOptions) {
        super("geo:index:DataRegion", name, {}, opts);
        const c = args.config;
        this.k8sProvider = new k8s.Provider(
            `${name}-k8s`,
            {
                ...(c.kubernetes.context ? { context: c.kubernetes.context } : {}),
                ...(c.kubernetes.kubeconfig ? { kubeconfig: c.kubernetes.kubeconfig } : {}),
                enableServerSideApply: true,
            },
            { parent: this },
        );
        this.awsProvider = new aws.Provider(`${name}-aws`, { region: c.region as aws.Region }, { parent: this });
        const childOpts: pulumi.ComponentResourceOptions = {
            parent: this,
            providers: [this.k8sProvider, this.awsProvider],
        };
        this.namespaces = new DataNamespaces(
            `${name}-namespaces`,
            { names: c.namespaces, region: c.region },
            childOpts,
        );
        if (c.manageOperators) {
            const operators = new Operators(
                `${name}-operators`,
                { monitoringNamespace: this.namespaces.namespaces.monitoring.metadata.name },
                childOpts,
            );
            this.operatorDependencies = operators.dependencies;
        } else {
            this.operatorDependencies = { postgres: [], kafka: [], minio: [], monitoring: [] };
        }
        // PostgreSQL: the bucket first (its role trusts the clusters' service accounts), then the tier.
        const accountId = aws.getCallerIdentityOutput({}, { parent: this, provider: this.awsProvider }).accountId;
        this.backupBucket = new BackupBucket(
            `${name}-backup`,
            {
                bucketName:
                    c.backup.bucketName ??
                    accountId.apply((id) => defaultBackupBucketName(c.namespacePrefix, id, c.region)),
                region: c.region,
                oidcProviderArn: c.backup.oidcProviderArn,
                serviceAccounts: postgresServiceAccounts(c.namespaces.postgres, c.postgres),
                writableFolders: postgresServerNames(c.region, c.postgres),
                // The peer's archive, copied here by BackupReplication: no Barman deletes in it, so it expires by age.
                replicaFolders: postgresReplicaFolders(c.peerRegion),
                roleName: backupRoleName(c.namespacePrefix, c.region),
                kmsKeyArn: c.backup.kmsKeyArn,
                noncurrentExpirationDays: c.backup.retentionDays,
                protect: c.protect,
            },
            childOpts,
        );
        // Cross-region PostgreSQL: the primary-role stack generates the pair's TLS trust; the other stack reads
        // it, and the role passwords (identical in every member of the topology), through the StackReference.
        // With mintCertificates (the primary-role stack's region is lost for good) a secondary stack generates
        // the TLS trust itself, so its certificates can be renewed; the passwords still come from primaryStack.
        let tls: ClusterTlsMaterial;
        let passwords: { app: pulumi.Output<string>; readonly: pulumi.Output<string> } | undefined;
        if (c.role !== "primary" && !args.primaryStack)
            throw new Error("DataRegion: a secondary stack needs primaryStack");
        if (c.role === "primary" || c.mintCertificates) {
            this.postgresCertificates = new PostgresCertificates(
                `${name}-postgres-certificates`,
                {
                    clusterName: CLUSTER_NAME,
                    namespace: c.namespaces.postgres,
                    regions: [c.region, c.peerRegion],
                    dnsZone: c.dnsZone,
                },
                { parent: this },
            );
            tls = this.postgresCertificates.materialFor(c.region);
        } else {
            const peerTls = args.primaryStack!.requireOutput("postgresPeerTls") as pulumi.Output<ClusterTlsMaterial>;
            const field = (k: keyof ClusterTlsMaterial) => pulumi.secret(peerTls.apply((t) => t[k] as string));
            tls = {
                serverCaCert: field("serverCaCert"),
                clientCaCert: field("clientCaCert"),
                clientCaKey: field("clientCaKey"),
                serverCert: field("serverCert"),
                serverKey: field("serverKey"),
                replicationCert: field("replicationCert"),
                replicationKey: field("replicationKey"),
            };
        }
        if (c.role !== "primary") {
            const creds = args.primaryStack!.requireOutput("postgresCredentials") as pulumi.Output<{
                password: string;
                readonlyPassword: string;
            }>;
            passwords = {
                app: pulumi.secret(creds.apply((x) => x.password)),
                readonly: pulumi.secret(creds.apply((x) => x.readonlyPassword)),
            };
        }
        this.postgres = new Postgres(
            `${name}-postgres`,
            {
                config: c.postgres,
                namespace: c.namespaces.postgres,
                storageClass: c.storageClass,
                backup: {
                    bucketName: this.backupBucket.bucketName,
                    roleArn: this.backupBucket.roleArn,
                    kmsKeyArn: this.backupBucket.kmsKeyArn,
                    prefix: this.backupBucket.prefix,
                },
                protect: c.protect,
                pair: {
                    region: c.region,
                    peerRegion: c.peerRegion,
                    primaryRegion: c.primaryRegion,
                    dnsZone: c.dnsZone,
                    promotionToken: c.postgres.promotionToken,
                    tls,
                    passwords,
                },
                dependsOn: {
                    postgres: this.operatorDependencies.postgres,
                    monitoring: this.operatorDependencies.monitoring,
                },
            },
            { ...childOpts, dependsOn: [this.namespaces] },
        );
        // Redis: the cache in every region; the sessions store's password is generated by the primary-role
        // stack and read by the other one through the StackReference (it survives a switchover).
        const redis = {
            namespace: c.namespaces.redis,
            engine: c.redis.engine,
            maxmemory: c.redis.maxmemory,
            maxmemoryPolicy: c.redis.maxmemoryPolicy,
            storageSize: c.redis.storageSize,
            storageClass: c.storageClass,
            protect: c.protect,
            dependsOn: { monitoring: this.operatorDependencies.monitoring },
        };
        this.redisCache = new RedisCluster(
            `${name}-redis-cache`,
            { ...redis, instance: "cache", replicas: c.redis.clusterReplicas },
            { ...childOpts, dependsOn: [this.namespaces] },
        );
        this.redisSessions = new RedisReplicated(
            `${name}-redis-sessions`,
            {
                ...redis,
                instance: "sessions",
                region: c.region,
                primaryRegion: c.primaryRegion,
                dnsZone: c.dnsZone,
                replicas: c.redis.sessionsReplicas,
                sentinels: c.redis.sentinels,
                minReplicasToWrite: c.redis.minReplicasToWrite,
                password: c.role === "primary" ? undefined : args.primaryStack?.requireOutput("redisSessionsPassword"),
            },
            { ...childOpts, dependsOn: [this.namespaces] },
        );
        // MinIO: the tier bucket (its role trusts the MinIO pods' service account), the pair's TLS and shared
        // passwords (minted by the primary-role stack, read by the other), then the tenant. The `role:
        // secondary` stack's setup Job configures the two-way replication (it is deployed after the peer), except
        // while it has taken over from a lost peer (disasterFailover).
        const minioNs = c.namespaces.minio;
        this.minioTier = new MinioTierBucket(
            `${name}-minio-tier`,
            {
                bucketName: accountId.apply((id) => defaultTierBucketName(c.namespacePrefix, id, c.region)),
                region: c.region,
                oidcProviderArn: c.backup.oidcProviderArn,
                serviceAccount: `system:serviceaccount:${minioNs}:${minioNames(minioNs).serviceAccount}`,
                roleName: tierRoleName(c.namespacePrefix, c.region),
                storageClass: c.minio.tierStorageClass,
                noncurrentExpirationDays: c.minio.noncurrentExpireDays,
                protect: c.protect,
            },
            childOpts,
        );
        let minioTls: MinioTlsMaterial;
        if (c.role === "primary" || c.mintCertificates) {
            this.minioCertificates = new MinioCertificates(
                `${name}-minio-certificates`,
                { namespace: minioNs, regions: [c.region, c.peerRegion], dnsZone: c.dnsZone },
                { parent: this },
            );
            minioTls = this.minioCertificates.materialFor(c.region);
        } else {
            const peer = args.primaryStack!.requireOutput("minioPeerTls") as pulumi.Output<Record<string, string>>;
            const field = (k: keyof MinioTlsMaterial) => pulumi.secret(peer.apply((t) => t[k]));
            minioTls = { caCert: field("caCert"), serverCert: field("serverCert"), serverKey: field("serverKey") };
        }
        const minioShared =
            c.role === "primary"
                ? undefined
                : (args.primaryStack!.requireOutput("minioCredentials") as pulumi.Output<Record<string, string>>);
        this.minio = new MinioTenant(
            `${name}-minio`,
            {
                namespace: minioNs,
                region: c.region,
                peerRegion: c.peerRegion,
                dnsZone: c.dnsZone,
                minio: c.minio,
                tls: minioTls,
                passwords: minioShared && {
                    app: pulumi.secret(minioShared.apply((x) => x.appPassword)),
                    replication: pulumi.secret(minioShared.apply((x) => x.replicationPassword)),
                },
                tier: { bucketName: this.minioTier.bucketName, roleArn: this.minioTier.roleArn },
                configureReplication: c.role === "secondary" && c.minio.replication && !c.disasterFailover,
                protect: c.protect,
                dependsOn: { minio: this.operatorDependencies.minio, monitoring: this.operatorDependencies.monitoring },
            },
            { ...childOpts, dependsOn: [this.namespaces] },
        );
        // Backup replication, always both ways and owned by the `role: secondary` stack: it is deployed after
        // the primary-role stack (both buckets exist) and reads that stack's `backup` output; see
        // components/backup/backup-replication.ts.
        this.backupReplication =
            c.role === "secondary" && args.primaryStack
                ? replicateBackups(name, c, this.backupBucket, accountId, args.primaryStack, childOpts)
                : [];
        this.registerOutputs({});
    }
}

/** The peer stack's `backup` output, as far as replication reads it (see index.ts). */
interface PeerBackup {
    bucketName: string;
    bucketArn: string;
    kmsKeyArn: string;
    roleArn: string;
    /** The peer's `backupAlarmTopicArn` (in its region), when it publishes one. */
    alarmTopicArn?: string;
}

/** The two BackupReplication directions between this stack's bucket and the peer's: peer → own, own → peer. */
function replicateBackups(
    name: string,
    c: RegionConfig,
    own: BackupBucket,
    accountId: pulumi.Output<string>,
    primaryStack: pulumi.StackReference,
    opts: pulumi.ComponentResourceOptions,
): BackupReplication[] {
    const peer = primaryStack.requireOutput("backup") as pulumi.Output<PeerBackup>;
    const ours: ReplicationBucket = {
        bucketName: own.bucketName,
        bucketArn: own.bucketArn,
        kmsKeyArn: own.kmsKeyArn,
        region: c.region,
    };
    const theirs: ReplicationBucket = {
        bucketName: peer.apply((b) => b.bucketName),
        bucketArn: peer.apply((b) => b.bucketArn),
        kmsKeyArn: peer.apply((b) => b.kmsKeyArn),
        region: c.peerRegion,
    };
    const direction = (
        source: ReplicationBucket,
        destination: ReplicationBucket,
        sourceAccountId: pulumi.Input<string | undefined>,
        alarmTopicArn: pulumi.Input<string>,
    ) => {
        const [from, to] = [regionCode(source.region), regionCode(destination.region)];
        return new BackupReplication(
            `${name}-replication-${from}-to-${to}`,
            {
                source,
                destination,
                prefix: own.prefix,
                // Only the source region's own archive: never the copy of the other region's it holds.
                folder: distributedName(CLUSTER_NAME, source.region),
                roleName: replicationRoleName(c.namespacePrefix, source.region, destination.region),
                replicationTimeControl: c.backup.replicationTimeControl,
                alarmTopicArn,
                sourceAccountId,
                // Our bucket is the destination of one direction and the source of the other: both need it versioned.
                dependsOn: [own.versioning],
            },
            opts,
        );
    };
    return [
        direction(
            theirs,
            ours,
            peer.apply((b) => arnAccount(b.roleArn)),
            peer.apply((b) => b.alarmTopicArn ?? ""),
        ),
        direction(ours, theirs, accountId, c.backup.alarmTopicArn ?? ""),
    ];
}
