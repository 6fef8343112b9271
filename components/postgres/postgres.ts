/**
 * Postgres: the region's PostgreSQL tier — the HA CloudNativePG cluster, the read-write and read-only
 * PgBouncer poolers in front of it and, when a recovery target is configured, a second cluster restored
 * to that point in time from the first one's backups (the restore procedure is a config change).
 */
import * as pulumi from "@pulumi/pulumi";
import type { PostgresConfig } from "../../config";
import { BackupTarget, PostgresCluster, RoleCredentials } from "./postgres-cluster";
import { PgBouncerPooler } from "./pooler";
import { clusterServiceAccount, recoveryClusterName, serviceHost } from "./naming";

/** The base name of the region's cluster (services `pg-rw`, `pg-ro`, `pg-r`). */
export const CLUSTER_NAME = "pg";

/** The clusters a PostgresConfig renders: the main one and, with a recovery target, the restored one. */
export function postgresClusterNames(c: Pick<PostgresConfig, "recoveryTargetTime">): {
    main: string;
    recovery?: string;
} {
    return c.recoveryTargetTime
        ? { main: CLUSTER_NAME, recovery: recoveryClusterName(CLUSTER_NAME, c.recoveryTargetTime) }
        : { main: CLUSTER_NAME };
}

/** The service accounts (IRSA subjects) of those clusters. */
export function postgresServiceAccounts(namespace: string, c: Pick<PostgresConfig, "recoveryTargetTime">): string[] {
    const names = postgresClusterNames(c);
    return [names.main, ...(names.recovery ? [names.recovery] : [])].map((n) => clusterServiceAccount(namespace, n));
}

/** Arguments of Postgres. */
export interface PostgresArgs {
    /** The validated `postgres` section of the region's config. */
    readonly config: PostgresConfig;
    readonly namespace: string;
    readonly storageClass: string;
    /** Backup bucket, role and key of the region. */
    readonly backup: BackupTarget;
    /** `protect`/`retainOnDelete` on the clusters. */
    readonly protect: boolean;
    readonly dependsOn?: { readonly postgres?: pulumi.Resource[]; readonly monitoring?: pulumi.Resource[] };
}

/** In-cluster endpoints of the tier. */
export interface PostgresEndpoints {
    readonly clusterName: string;
    readonly namespace: string;
    readonly database: string;
    /** Host names: PgBouncer read-write/read-only (what applications use) and the cluster's own services. */
    readonly hosts: { readonly poolerRw: string; readonly poolerRo: string; readonly rw: string; readonly ro: string };
    readonly port: number;
    /** The restored cluster's name, when a recovery target is configured. */
    readonly recoveryClusterName?: string;
}

/** The region's PostgreSQL tier. */
export class Postgres extends pulumi.ComponentResource {
    public readonly main: PostgresCluster;
    public readonly recovery?: PostgresCluster;
    public readonly poolers: { readonly rw: PgBouncerPooler; readonly ro: PgBouncerPooler };
    public readonly endpoints: PostgresEndpoints;
    /** Application credentials (secret values). */
    public readonly credentials: { readonly app: RoleCredentials; readonly readonly: RoleCredentials };

    constructor(name: string, args: PostgresArgs, opts?: pulumi.ComponentResourceOptions) {
        super("geo:postgres:Postgres", name, {}, opts);
        const c = args.config;
        const names = postgresClusterNames(c);
        const common = {
            namespace: args.namespace,
            instances: c.instances,
            durability: c.durability,
            syncReplicas: c.syncReplicas,
            storageSize: c.storageSize,
            walStorageSize: c.walStorageSize,
            storageClass: args.storageClass,
            database: c.database,
            owner: c.owner,
            backup: { ...args.backup, schedule: c.backupSchedule, retention: c.backupRetention },
            protect: args.protect,
            dependsOn: args.dependsOn,
        };
        this.main = new PostgresCluster(`${name}-main`, { ...common, clusterName: names.main }, { parent: this });
        if (names.recovery) {
            this.recovery = new PostgresCluster(
                `${name}-recovery`,
                {
                    ...common,
                    clusterName: names.recovery,
                    recovery: {
                        cluster: names.main,
                        objectStore: this.main.objectStoreName,
                        targetTime: c.recoveryTargetTime!,
                    },
                    credentials: { app: this.main.app, readonly: this.main.readonly },
                },
                { parent: this, dependsOn: [this.main] },
            );
        }
        const pooler = (type: "rw" | "ro") =>
            new PgBouncerPooler(
                `${name}-pooler-${type}`,
                {
                    poolerName: `${names.main}-pooler-${type}`,
                    namespace: args.namespace,
                    clusterName: names.main,
                    type,
                    instances: c.poolerInstances,
                    poolMode: c.poolMode,
                    maxClientConn: c.maxClientConn,
                    defaultPoolSize: c.defaultPoolSize,
                    dependsOn: args.dependsOn,
                },
                { parent: this, dependsOn: [this.main] },
            );
        this.poolers = { rw: pooler("rw"), ro: pooler("ro") };
        this.credentials = { app: this.main.app, readonly: this.main.readonly };
        this.endpoints = {
            clusterName: names.main,
            namespace: args.namespace,
            database: c.database,
            hosts: {
                poolerRw: serviceHost(this.poolers.rw.serviceName, args.namespace),
                poolerRo: serviceHost(this.poolers.ro.serviceName, args.namespace),
                rw: serviceHost(this.main.services.rw, args.namespace),
                ro: serviceHost(this.main.services.ro, args.namespace),
            },
            port: 5432,
            ...(names.recovery ? { recoveryClusterName: names.recovery } : {}),
        };
        this.registerOutputs({ endpoints: this.endpoints });
    }
}
