/**
 * PostgresCluster: one CloudNativePG `Cluster` with its backups (Barman Cloud plugin `ObjectStore`, WAL
 * archiving, a daily `ScheduledBackup`), its application credentials (generated, stored as Kubernetes
 * Secrets) and its monitoring (PodMonitor + PrometheusRule). With `recovery` set, the cluster is
 * bootstrapped by point-in-time recovery from another cluster's backups instead of initdb.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { Durability } from "../../config";
import { Resources, ZONE_KEY, internalLoadBalancerAnnotations, meta, resources as resourcesOf } from "../shared/k8s";
import { standardLabels } from "../shared/labels";
import {
    argChecks,
    binaryQuantity,
    cnpgPromotionToken,
    cron6,
    dnsLabel,
    dnsName,
    intBetween,
    oneOf,
    retention,
    rfc3339,
} from "../shared/validate";
import { images } from "../shared/versions";
import { monitoringResource, podMonitorSpec, prometheusRuleSpec } from "../monitoring/monitors";
import { BACKUP_PREFIX, BARMAN_PLUGIN, CNPG_LABELS, TlsSecretNames, tlsSecretNames } from "./naming";
import { ClusterTlsMaterial, STREAMING_REPLICA_USER } from "./postgres-certificates";
import { clusterAlertRules, crossRegionAlertRules } from "./postgres-monitoring";

/** The seed's postgresql.conf parameters (seeds/001 §2.3). */
export const SEED_PARAMETERS: Readonly<Record<string, string>> = Object.freeze({
    max_connections: "200",
    shared_buffers: "256MB",
    effective_cache_size: "1GB",
    maintenance_work_mem: "64MB",
    checkpoint_completion_target: "0.9",
    wal_buffers: "16MB",
    default_statistics_target: "100",
    random_page_cost: "1.1",
    effective_io_concurrency: "200",
});

/** The seed's instance resources. */
export const SEED_RESOURCES: Resources = Object.freeze({
    requests: { cpu: "1", memory: "2Gi" },
    limits: { cpu: "2", memory: "4Gi" },
});

/** Resources of the Barman Cloud plugin sidecar in each instance pod. */
export const BACKUP_SIDECAR_RESOURCES: Resources = Object.freeze({
    requests: { cpu: "100m", memory: "128Mi" },
    limits: { cpu: "1", memory: "512Mi" },
});

/** Label on the Cluster naming its durability class (read by the synchronous-durability policy). */
export const DURABILITY_LABEL = "geo-data/durability";

/** Where the cluster archives: the region's bucket, through the IRSA role. */
export interface BackupTarget {
    /** The region's backup bucket. */
    readonly bucketName: pulumi.Input<string>;
    /** The IRSA role the cluster's service account assumes. */
    readonly roleArn: pulumi.Input<string>;
    /** KMS key objects are encrypted with (passed to barman-cloud as --sse-kms-key-id). */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** Prefix inside the bucket; each cluster writes `<prefix>/<cluster name>/`. Defaults to "postgres". */
    readonly prefix?: string;
    /** 6-field cron of the base backups. Defaults to "0 0 2 * * *" (daily 02:00). */
    readonly schedule?: string;
    /** Barman recovery window. Defaults to "30d". */
    readonly retention?: string;
}

/** Point-in-time recovery from another cluster's archive. */
export interface RecoverySource {
    /** The serverName (folder in the object store) whose backups are restored. */
    readonly serverName: string;
    /** That cluster's ObjectStore (same namespace). */
    readonly objectStore: string;
    /** RFC 3339 time to recover to. */
    readonly targetTime: string;
}

/** One cluster of the distributed topology, as every member lists it in `externalClusters`. */
export interface TopologyMember {
    /** Its name in the topology, also its serverName in the object store (e.g. `pg-use1`). */
    readonly name: string;
    /** The DNS name its read-write service is reachable at from the other regions. */
    readonly host: string;
}

/**
 * CloudNativePG's distributed topology: every region runs a Cluster, `replica.primary` names the one that
 * accepts writes and the others follow it — by streaming (TLS client certificate of streaming_replica,
 * sslmode verify-full against `host`) and, as a fallback, from the object store: the primary's archive
 * replicated into this region's bucket under its own serverName.
 */
export interface DistributedTopology {
    /** This cluster's member name (`replica.self`). */
    readonly self: string;
    /** The member that is primary (`replica.primary`). */
    readonly primary: string;
    /** Every member, this one included (the webhook requires self and primary to be listed). */
    readonly members: readonly TopologyMember[];
    /** The demoted primary's token, set with `primary = self` to promote without data loss. Defaults to none. */
    readonly promotionToken?: string;
}

/** This cluster's own entry of the topology. */
export function selfMember(t: DistributedTopology): TopologyMember {
    return t.members.find((m) => m.name === t.self)!;
}

/** The other member of a two-region topology: where a primary replicates from once demoted, and whose lag it watches. */
export function peerMember(t: DistributedTopology): TopologyMember {
    return t.members.find((m) => m.name !== t.self)!;
}

/** Arguments of PostgresCluster. */
export interface PostgresClusterArgs {
    /** Kubernetes name of the Cluster (DNS label, at most 50 characters); services are `<name>-rw/-ro/-r`. */
    readonly clusterName: string;
    readonly namespace: string;
    /** Instances (1 primary + standbys). Defaults to 3. */
    readonly instances?: number;
    /** `critical` (quorum sync, dataDurability required) or `standard` (preferred). Defaults to "critical". */
    readonly durability?: Durability;
    /** Standbys that must confirm each commit, from 1 to instances - 1. Defaults to 1. */
    readonly syncReplicas?: number;
    /** Data volume size. Defaults to "100Gi". */
    readonly storageSize?: string;
    /** WAL volume size. Defaults to "20Gi". */
    readonly walStorageSize?: string;
    /** StorageClass of both volumes. Defaults to "fast-ssd". */
    readonly storageClass?: string;
    /** postgresql.conf parameters merged over SEED_PARAMETERS. Defaults to none. */
    readonly parameters?: Readonly<Record<string, string>>;
    /** Requests and limits of each instance. Defaults to SEED_RESOURCES. */
    readonly resources?: Resources;
    /** Application database. Defaults to "app". */
    readonly database?: string;
    /** Owner role of the application database. Defaults to "app". */
    readonly owner?: string;
    /** Backups. */
    readonly backup: BackupTarget;
    /** Bootstrap by point-in-time recovery instead of initdb. Defaults to none (initdb). */
    readonly recovery?: RecoverySource;
    /** Folder of this cluster in the object store. Defaults to clusterName. */
    readonly serverName?: string;
    /** Membership of a distributed (cross-region) topology. Defaults to none (a standalone cluster). */
    readonly topology?: DistributedTopology;
    /** User-provided TLS material (CAs shared across regions). Defaults to none (operator-generated certificates). */
    readonly tls?: ClusterTlsMaterial;
    /**
     * The DNS name of this cluster's cross-region endpoint: an internal NLB Service on the primary that
     * external-dns publishes under this name. Defaults to none (no endpoint).
     */
    readonly endpointHostname?: string;
    /**
     * Passwords of the application and read-only roles, when another region generated them (every member of
     * a distributed topology must use identical role secrets). Defaults to newly generated ones.
     */
    readonly passwords?: { readonly app: pulumi.Input<string>; readonly readonly: pulumi.Input<string> };
    /** `protect` and `retainOnDelete` on the Cluster. Defaults to true. */
    readonly protect?: boolean;
    /**
     * Existing credentials to use (a restored cluster keeps the source's, so clients need no new secret).
     * Defaults to newly generated ones.
     */
    readonly credentials?: { readonly app: RoleCredentials; readonly readonly: RoleCredentials };
    /** Operator resources the custom resources wait for. Defaults to none. */
    readonly dependsOn?: { readonly postgres?: pulumi.Resource[]; readonly monitoring?: pulumi.Resource[] };
}

/** PostgresClusterArgs with every default applied. */
export interface ResolvedPostgresClusterArgs {
    readonly clusterName: string;
    readonly namespace: string;
    readonly instances: number;
    readonly durability: Durability;
    readonly syncReplicas: number;
    readonly storageSize: string;
    readonly walStorageSize: string;
    readonly storageClass: string;
    readonly parameters: Readonly<Record<string, string>>;
    readonly resources: Resources;
    readonly database: string;
    readonly owner: string;
    readonly backup: Required<BackupTarget>;
    readonly recovery?: RecoverySource;
    readonly serverName: string;
    readonly topology?: DistributedTopology;
    readonly endpointHostname?: string;
    readonly protect: boolean;
}

/** Applies the documented defaults and validates; throws an error naming the property, the value and what is allowed. */
export function validatePostgresClusterArgs(args: PostgresClusterArgs): ResolvedPostgresClusterArgs {
    const { check } = argChecks("PostgresCluster");
    const instances = args.instances ?? 3;
    const a: ResolvedPostgresClusterArgs = {
        clusterName: args.clusterName,
        namespace: args.namespace,
        instances,
        durability: args.durability ?? "critical",
        syncReplicas: args.syncReplicas ?? 1,
        storageSize: args.storageSize ?? "100Gi",
        walStorageSize: args.walStorageSize ?? "20Gi",
        storageClass: args.storageClass ?? "fast-ssd",
        parameters: { ...SEED_PARAMETERS, ...(args.parameters ?? {}) },
        resources: args.resources ?? SEED_RESOURCES,
        database: args.database ?? "app",
        owner: args.owner ?? "app",
        backup: {
            prefix: BACKUP_PREFIX,
            schedule: "0 0 2 * * *",
            retention: "30d",
            ...args.backup,
        },
        recovery: args.recovery,
        serverName: args.serverName ?? args.clusterName,
        topology: args.topology,
        endpointHostname: args.endpointHostname,
        protect: args.protect ?? true,
    };
    check(
        "clusterName",
        a.clusterName,
        dnsLabel(a.clusterName) ??
            (a.clusterName.length > 50 ? "expected at most 50 characters (CloudNativePG limit)" : undefined),
    );
    check("namespace", a.namespace, dnsLabel(a.namespace));
    check("instances", a.instances, intBetween(3, 9)(a.instances));
    check("durability", a.durability, oneOf(["critical", "standard"])(a.durability));
    check(
        "syncReplicas",
        a.syncReplicas,
        intBetween(1, a.instances - 1)(a.syncReplicas) &&
            `expected an integer from 1 to ${a.instances - 1} (instances - 1)`,
    );
    check("storageSize", a.storageSize, binaryQuantity(a.storageSize));
    check("walStorageSize", a.walStorageSize, binaryQuantity(a.walStorageSize));
    check("backup.schedule", a.backup.schedule, cron6(a.backup.schedule));
    check("backup.retention", a.backup.retention, retention(a.backup.retention));
    if (a.recovery) {
        check("recovery.targetTime", a.recovery.targetTime, rfc3339(a.recovery.targetTime));
        check(
            "recovery.serverName",
            a.recovery.serverName,
            a.recovery.serverName === a.serverName
                ? "a recovered cluster needs its own serverName, so it archives to its own path"
                : undefined,
        );
    }
    check("serverName", a.serverName, dnsLabel(a.serverName));
    if (a.endpointHostname !== undefined) check("endpointHostname", a.endpointHostname, dnsName(a.endpointHostname));
    if (a.topology) {
        const t = a.topology;
        const names = t.members.map((m) => m.name);
        check(
            "topology.members",
            names,
            new Set(names).size !== names.length || names.length < 2
                ? "expected at least two members with distinct names"
                : undefined,
        );
        for (const m of t.members) check("topology.members.host", m.host, dnsName(m.host));
        check("topology.self", t.self, names.includes(t.self) ? undefined : `expected one of: ${names.join(", ")}`);
        check(
            "topology.primary",
            t.primary,
            names.includes(t.primary) ? undefined : `expected one of: ${names.join(", ")}`,
        );
        check(
            "serverName",
            a.serverName,
            a.serverName === t.self
                ? undefined
                : `expected ${JSON.stringify(t.self)} (topology.self): a member archives under its own name`,
        );
        check(
            "recovery",
            a.recovery,
            a.recovery ? "a member of a distributed topology cannot be a point-in-time restore" : undefined,
        );
        if (t.promotionToken !== undefined) {
            check(
                "topology.promotionToken",
                "(token)",
                t.primary !== t.self
                    ? "only allowed on the primary: CloudNativePG rejects it on a replica cluster (cloudnative-pg#9273)"
                    : cnpgPromotionToken(t.promotionToken),
            );
        }
    }
    return a;
}

/** `postgresql.synchronous` for a durability class. */
export function synchronousConfig(durability: Durability, syncReplicas: number): Record<string, unknown> {
    return durability === "critical"
        ? { method: "any", number: syncReplicas, dataDurability: "required", failoverQuorum: true }
        : { method: "any", number: syncReplicas, dataDurability: "preferred" };
}

/** The object store URL every cluster of the region archives under (one folder per serverName). */
export function destinationPath(bucketName: string, prefix: string): string {
    return `s3://${bucketName}/${prefix}`;
}

/** The ObjectStore's `spec` (barmancloud.cnpg.io/v1). */
export function objectStoreSpec(a: {
    bucketName: string;
    prefix: string;
    retention: string;
    kmsKeyArn: string;
}): Record<string, unknown> {
    const kms = `--sse-kms-key-id=${a.kmsKeyArn}`;
    return {
        retentionPolicy: a.retention,
        configuration: {
            destinationPath: destinationPath(a.bucketName, a.prefix),
            s3Credentials: { inheritFromIAMRole: true },
            wal: { compression: "snappy", encryption: "aws:kms", maxParallel: 4, archiveAdditionalCommandArgs: [kms] },
            data: { compression: "gzip", encryption: "aws:kms", jobs: 2, additionalCommandArgs: [kms] },
        },
        instanceSidecarConfiguration: { resources: resourcesOf(BACKUP_SIDECAR_RESOURCES) },
    };
}

/** The Cluster's `spec` (postgresql.cnpg.io/v1), given the resolved args and the names of its siblings. */
export function clusterSpec(
    a: ResolvedPostgresClusterArgs,
    refs: {
        objectStore: string;
        appSecret: string;
        readonlySecret: string;
        roleArn: pulumi.Input<string>;
        /** Names of the user-provided TLS Secrets, when the cluster has them. */
        tlsSecrets?: TlsSecretNames;
    },
): Record<string, unknown> {
    const plugin = {
        name: BARMAN_PLUGIN,
        isWALArchiver: true,
        parameters: { barmanObjectName: refs.objectStore, serverName: a.serverName },
    };
    const t = a.topology;
    const bootstrap = a.recovery
        ? {
              recovery: {
                  source: a.recovery.serverName,
                  database: a.database,
                  owner: a.owner,
                  secret: { name: refs.appSecret },
                  recoveryTarget: { targetTime: a.recovery.targetTime },
              },
          }
        : t && t.primary !== t.self
          ? // A replica cluster is cloned from the primary over streaming: its archive may not have reached
            // this region's bucket yet (S3 replication copies only objects written after it is configured).
            { pg_basebackup: { source: t.primary } }
          : { initdb: { database: a.database, owner: a.owner, secret: { name: refs.appSecret }, dataChecksums: true } };
    const tls = refs.tlsSecrets;
    const externalClusters = a.recovery
        ? [
              {
                  name: a.recovery.serverName,
                  plugin: {
                      name: BARMAN_PLUGIN,
                      parameters: { barmanObjectName: a.recovery.objectStore, serverName: a.recovery.serverName },
                  },
              },
          ]
        : t
          ? t.members.map((m) => topologyMember(m, t.self, refs.objectStore, tls))
          : undefined;
    return {
        instances: a.instances,
        imageName: images.postgres,
        primaryUpdateStrategy: "unsupervised",
        primaryUpdateMethod: "switchover",
        enableSuperuserAccess: false,
        enablePDB: true,
        postgresql: {
            parameters: { ...a.parameters },
            synchronous: synchronousConfig(a.durability, a.syncReplicas),
        },
        resources: resourcesOf(a.resources),
        storage: { size: a.storageSize, storageClass: a.storageClass },
        walStorage: { size: a.walStorageSize, storageClass: a.storageClass },
        affinity: { enablePodAntiAffinity: true, topologyKey: ZONE_KEY, podAntiAffinityType: "required" },
        serviceAccountTemplate: { metadata: { annotations: { "eks.amazonaws.com/role-arn": refs.roleArn } } },
        inheritedMetadata: { labels: { "app.kubernetes.io/part-of": "geo-data" } },
        bootstrap,
        managed: {
            roles: [
                {
                    name: readonlyRole(a.owner),
                    ensure: "present",
                    login: true,
                    inherit: true,
                    inRoles: ["pg_read_all_data"],
                    connectionLimit: -1,
                    passwordSecret: { name: refs.readonlySecret },
                    comment: "read-only application access (through the -ro pooler)",
                },
            ],
            ...(a.endpointHostname ? { services: endpointServices(a) } : {}),
        },
        plugins: [plugin],
        ...(tls
            ? {
                  certificates: {
                      serverCASecret: tls.serverCa,
                      serverTLSSecret: tls.server,
                      clientCASecret: tls.clientCa,
                      replicationTLSSecret: tls.replication,
                  },
              }
            : {}),
        ...(t
            ? {
                  replica: {
                      self: t.self,
                      primary: t.primary,
                      source: t.primary === t.self ? peerMember(t).name : t.primary,
                      ...(t.promotionToken ? { promotionToken: t.promotionToken } : {}),
                  },
              }
            : {}),
        ...(externalClusters ? { externalClusters } : {}),
    };
}

/**
 * One `externalClusters` entry of the distributed topology: the member's streaming endpoint (client
 * certificate of streaming_replica, verify-full against the shared server CA; application_name is this cluster's
 * own member name, so the primary's pg_stat_replication names the cross-region link and its alerts can find
 * it) and the member's archive in this region's object store (its replicated copy, under its serverName).
 */
export function topologyMember(
    m: TopologyMember,
    self: string,
    objectStore: string,
    tls: Pick<TlsSecretNames, "serverCa" | "replication"> | undefined,
): Record<string, unknown> {
    return {
        name: m.name,
        connectionParameters: {
            host: m.host,
            port: "5432",
            user: STREAMING_REPLICA_USER,
            dbname: "postgres",
            sslmode: tls ? "verify-full" : "require",
            application_name: self,
        },
        ...(tls
            ? {
                  sslKey: { name: tls.replication, key: "tls.key" },
                  sslCert: { name: tls.replication, key: "tls.crt" },
                  sslRootCert: { name: tls.serverCa, key: "ca.crt" },
              }
            : {}),
        plugin: { name: BARMAN_PLUGIN, parameters: { barmanObjectName: objectStore, serverName: m.name } },
    };
}

/**
 * The cross-region endpoint: an extra Service CloudNativePG manages (selector: the current primary, or
 * the designated primary of a replica cluster), an internal AWS NLB with IP targets that external-dns
 * publishes as `endpointHostname`.
 */
export function endpointServices(
    a: Pick<ResolvedPostgresClusterArgs, "clusterName" | "endpointHostname">,
): Record<string, unknown> {
    return {
        additional: [
            {
                selectorType: "rw",
                updateStrategy: "patch",
                serviceTemplate: {
                    metadata: {
                        name: `${a.clusterName}-rw-lb`,
                        labels: {
                            "app.kubernetes.io/part-of": "geo-data",
                            "app.kubernetes.io/component": "replication-endpoint",
                        },
                        annotations: internalLoadBalancerAnnotations(a.endpointHostname!),
                    },
                    spec: { type: "LoadBalancer" },
                },
            },
        ],
    };
}

/** The read-only role of an owner: `<owner>_readonly`. */
export function readonlyRole(owner: string): string {
    return `${owner}_readonly`;
}

/** Credentials of one PostgreSQL role (values are secret). */
export interface RoleCredentials {
    readonly username: string;
    readonly password: pulumi.Output<string>;
    /** The Kubernetes Secret holding them (type kubernetes.io/basic-auth). */
    readonly secretName: string;
}

/** One CloudNativePG cluster with backups, credentials and monitoring. */
export class PostgresCluster extends pulumi.ComponentResource {
    public readonly cluster: k8s.apiextensions.CustomResource;
    /** Kubernetes name of the Cluster. */
    public readonly clusterName: string;
    public readonly namespace: string;
    /** Name of its ObjectStore. */
    public readonly objectStoreName: string;
    /** Services CloudNativePG creates: read-write (primary), read-only (standbys), read (any). */
    public readonly services: { readonly rw: string; readonly ro: string; readonly r: string };
    /** Application owner credentials (secret). */
    public readonly app: RoleCredentials;
    /** Read-only role credentials (secret). */
    public readonly readonly: RoleCredentials;

    constructor(name: string, args: PostgresClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("geo:postgres:PostgresCluster", name, {}, opts);
        const a = validatePostgresClusterArgs(args);
        const ns = a.namespace;
        const cn = a.clusterName;
        const labels = (component: string) =>
            standardLabels({ app: "postgresql", instance: cn, component, version: images.postgres.split(":").pop() });
        const crOpts: pulumi.CustomResourceOptions = { parent: this, dependsOn: args.dependsOn?.postgres ?? [] };
        const monOpts: pulumi.CustomResourceOptions = { parent: this, dependsOn: args.dependsOn?.monitoring ?? [] };

        // Credentials: generated, stored as basic-auth Secrets CloudNativePG reads, exported only as secrets.
        const credentials = (
            role: string,
            username: string,
            secretName: string,
            given: pulumi.Input<string> | undefined,
        ): RoleCredentials => {
            const password = pulumi.secret(
                given ??
                    new random.RandomPassword(
                        `${name}-${role}-password`,
                        { length: 32, special: false },
                        { parent: this },
                    ).result,
            );
            new k8s.core.v1.Secret(
                `${name}-${role}-secret`,
                {
                    metadata: meta(secretName, ns, { ...labels("credentials"), "cnpg.io/reload": "true" }),
                    type: "kubernetes.io/basic-auth",
                    stringData: { username, password },
                },
                { parent: this, additionalSecretOutputs: ["stringData", "data"] },
            );
            return { username, password, secretName };
        };
        this.app = args.credentials?.app ?? credentials("app", a.owner, `${cn}-app-credentials`, args.passwords?.app);
        this.readonly =
            args.credentials?.readonly ??
            credentials("readonly", readonlyRole(a.owner), `${cn}-readonly-credentials`, args.passwords?.readonly);

        // User-provided TLS: the shared server and client CAs and this region's server and replication
        // certificates, so the other region's cluster can stream from this one and vice versa.
        const tlsSecrets = args.tls ? tlsSecretNames(cn) : undefined;
        const tlsResources: pulumi.Resource[] = [];
        if (args.tls && tlsSecrets) {
            const t = args.tls;
            const secret = (
                role: string,
                secretName: string,
                type: string,
                data: Record<string, pulumi.Input<string>>,
            ) =>
                tlsResources.push(
                    new k8s.core.v1.Secret(
                        `${name}-tls-${role}`,
                        {
                            metadata: meta(secretName, ns, { ...labels("tls"), "cnpg.io/reload": "true" }),
                            type,
                            stringData: data,
                        },
                        { parent: this, additionalSecretOutputs: ["stringData", "data"] },
                    ),
                );
            secret("server-ca", tlsSecrets.serverCa, "Opaque", { "ca.crt": t.serverCaCert });
            secret("client-ca", tlsSecrets.clientCa, "Opaque", { "ca.crt": t.clientCaCert, "ca.key": t.clientCaKey });
            secret("server", tlsSecrets.server, "kubernetes.io/tls", {
                "tls.crt": t.serverCert,
                "tls.key": t.serverKey,
            });
            secret("replication", tlsSecrets.replication, "kubernetes.io/tls", {
                "tls.crt": t.replicationCert,
                "tls.key": t.replicationKey,
            });
        }

        this.objectStoreName = `${cn}-backups`;
        const objectStore = new k8s.apiextensions.CustomResource(
            `${name}-objectstore`,
            {
                apiVersion: "barmancloud.cnpg.io/v1",
                kind: "ObjectStore",
                metadata: meta(this.objectStoreName, ns, labels("backup")),
                spec: pulumi.all([a.backup.bucketName, a.backup.kmsKeyArn]).apply(([bucketName, kmsKeyArn]) =>
                    objectStoreSpec({
                        bucketName,
                        prefix: a.backup.prefix,
                        retention: a.backup.retention,
                        kmsKeyArn,
                    }),
                ),
            },
            crOpts,
        );

        this.cluster = new k8s.apiextensions.CustomResource(
            `${name}-cluster`,
            {
                apiVersion: "postgresql.cnpg.io/v1",
                kind: "Cluster",
                metadata: meta(cn, ns, { ...labels("database"), [DURABILITY_LABEL]: a.durability }),
                spec: clusterSpec(a, {
                    objectStore: this.objectStoreName,
                    appSecret: this.app.secretName,
                    readonlySecret: this.readonly.secretName,
                    roleArn: a.backup.roleArn,
                    tlsSecrets,
                }),
            },
            {
                ...crOpts,
                dependsOn: [...(args.dependsOn?.postgres ?? []), objectStore, ...tlsResources],
                protect: a.protect,
                retainOnDelete: a.protect,
                // CloudNativePG reads bootstrap only when it creates the cluster; in a distributed topology it
                // follows the current primary (initdb there, pg_basebackup from it elsewhere), so a switchover
                // must not show it as a change.
                ...(a.topology ? { ignoreChanges: ["spec.bootstrap"] } : {}),
            },
        );

        new k8s.apiextensions.CustomResource(
            `${name}-scheduled-backup`,
            {
                apiVersion: "postgresql.cnpg.io/v1",
                kind: "ScheduledBackup",
                metadata: meta(`${cn}-daily`, ns, labels("backup")),
                spec: {
                    schedule: a.backup.schedule,
                    immediate: true,
                    backupOwnerReference: "self",
                    cluster: { name: cn },
                    method: "plugin",
                    pluginConfiguration: { name: BARMAN_PLUGIN },
                },
            },
            { ...crOpts, dependsOn: [...(args.dependsOn?.postgres ?? []), this.cluster] },
        );

        monitoringResource(
            `${name}-podmonitor`,
            "PodMonitor",
            meta(cn, ns, labels("monitoring")),
            podMonitorSpec({
                selector: { [CNPG_LABELS.cluster]: cn, [CNPG_LABELS.podRole]: "instance" },
                podTargetLabels: [CNPG_LABELS.cluster, CNPG_LABELS.instanceRole],
            }),
            monOpts,
        );
        monitoringResource(
            `${name}-alerts`,
            "PrometheusRule",
            meta(`${cn}-alerts`, ns, labels("monitoring")),
            prometheusRuleSpec(`postgres-${cn}`, [
                ...clusterAlertRules({ cluster: cn, namespace: ns, instances: a.instances }),
                ...(a.topology
                    ? crossRegionAlertRules({
                          cluster: cn,
                          namespace: ns,
                          peer: peerMember(a.topology).name,
                      })
                    : []),
            ]),
            monOpts,
        );

        this.clusterName = cn;
        this.namespace = ns;
        this.services = { rw: `${cn}-rw`, ro: `${cn}-ro`, r: `${cn}-r` };
        this.registerOutputs({ clusterName: cn, services: this.services });
    }
}
