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
import { Resources, ZONE_KEY, meta, resources as resourcesOf } from "../shared/k8s";
import { standardLabels } from "../shared/labels";
import {
    ConfigError,
    binaryQuantity,
    cron6,
    dnsLabel,
    intBetween,
    oneOf,
    retention,
    rfc3339,
} from "../shared/validate";
import { images } from "../shared/versions";
import { monitoringResource, podMonitorSpec, prometheusRuleSpec } from "../monitoring/monitors";
import { BACKUP_PREFIX, BARMAN_PLUGIN, CNPG_LABELS } from "./naming";
import { clusterAlertRules } from "./postgres-monitoring";

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
    /** Name of the cluster whose backups are restored (its serverName in the object store). */
    readonly cluster: string;
    /** That cluster's ObjectStore (same namespace). */
    readonly objectStore: string;
    /** RFC 3339 time to recover to. */
    readonly targetTime: string;
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
    readonly protect: boolean;
}

/** Applies the documented defaults and validates; throws an error naming the property, the value and what is allowed. */
export function validatePostgresClusterArgs(args: PostgresClusterArgs): ResolvedPostgresClusterArgs {
    const check = <T>(prop: string, value: T, problem: string | undefined): T => {
        if (problem !== undefined)
            throw new ConfigError(`PostgresCluster.${prop}`, `${JSON.stringify(value)} is not allowed; ${problem}`);
        return value;
    };
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
            "recovery.cluster",
            a.recovery.cluster,
            a.recovery.cluster === a.clusterName
                ? "a recovered cluster needs its own name, so it archives to its own path"
                : undefined,
        );
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
    refs: { objectStore: string; appSecret: string; readonlySecret: string; roleArn: pulumi.Input<string> },
): Record<string, unknown> {
    const plugin = {
        name: BARMAN_PLUGIN,
        isWALArchiver: true,
        parameters: { barmanObjectName: refs.objectStore, serverName: a.clusterName },
    };
    const bootstrap = a.recovery
        ? {
              recovery: {
                  source: a.recovery.cluster,
                  database: a.database,
                  owner: a.owner,
                  secret: { name: refs.appSecret },
                  recoveryTarget: { targetTime: a.recovery.targetTime },
              },
          }
        : { initdb: { database: a.database, owner: a.owner, secret: { name: refs.appSecret }, dataChecksums: true } };
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
        },
        plugins: [plugin],
        ...(a.recovery
            ? {
                  externalClusters: [
                      {
                          name: a.recovery.cluster,
                          plugin: {
                              name: BARMAN_PLUGIN,
                              parameters: { barmanObjectName: a.recovery.objectStore, serverName: a.recovery.cluster },
                          },
                      },
                  ],
              }
            : {}),
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
        const credentials = (role: string, username: string, secretName: string): RoleCredentials => {
            const password = new random.RandomPassword(
                `${name}-${role}-password`,
                { length: 32, special: false },
                { parent: this },
            );
            new k8s.core.v1.Secret(
                `${name}-${role}-secret`,
                {
                    metadata: meta(secretName, ns, { ...labels("credentials"), "cnpg.io/reload": "true" }),
                    type: "kubernetes.io/basic-auth",
                    stringData: { username, password: password.result },
                },
                { parent: this, additionalSecretOutputs: ["stringData", "data"] },
            );
            return { username, password: pulumi.secret(password.result), secretName };
        };
        this.app = args.credentials?.app ?? credentials("app", a.owner, `${cn}-app-credentials`);
        this.readonly =
            args.credentials?.readonly ?? credentials("readonly", readonlyRole(a.owner), `${cn}-readonly-credentials`);

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
                }),
            },
            {
                ...crOpts,
                dependsOn: [...(args.dependsOn?.postgres ?? []), objectStore],
                protect: a.protect,
                retainOnDelete: a.protect,
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
            prometheusRuleSpec(
                `postgres-${cn}`,
                clusterAlertRules({ cluster: cn, namespace: ns, instances: a.instances }),
            ),
            monOpts,
        );

        this.clusterName = cn;
        this.namespace = ns;
        this.services = { rw: `${cn}-rw`, ro: `${cn}-ro`, r: `${cn}-r` };
        this.registerOutputs({ clusterName: cn, services: this.services });
    }
}
