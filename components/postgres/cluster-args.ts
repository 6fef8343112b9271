/**
 * PostgresCluster's arguments: the documented defaults, the topology and recovery shapes, and
 * `validatePostgresClusterArgs`, which resolves and checks them before anything is created. Pure.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Durability } from "../../config";
import { Resources } from "../shared/k8s";
import type { RoleCredentials } from "../shared/secrets";
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
import { cidrProblem } from "../shared/cidr";
import { BACKUP_PREFIX } from "./naming";
import { ClusterTlsMaterial } from "./postgres-certificates";
import type { LogicalPeer } from "./upgrade";
import { images } from "../shared/versions";

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

/**
 * TLS-only server settings, merged over SEED_PARAMETERS: TLS 1.3 at least (CloudNativePG's own default,
 * rendered so policies and reviews see it; 1.2 is the lowest the program accepts) and SCRAM password hashes
 * (PostgreSQL's default since 14, explicit here). Non-TLS connections are refused by PG_HBA_RULES.
 */
export const TLS_PARAMETERS: Readonly<Record<string, string>> = Object.freeze({
    ssl_min_protocol_version: "TLSv1.3",
    password_encryption: "scram-sha-256",
});

/** The TLS versions `ssl_min_protocol_version` may name. */
export const ACCEPTED_TLS_VERSIONS = ["TLSv1.2", "TLSv1.3"] as const;

/**
 * `spec.postgresql.pg_hba`: CloudNativePG writes its fixed rules first (local peer; `hostssl` with client
 * certificates for streaming_replica and cnpg_pooler_pgbouncer), then these, then its default `host all all
 * all scram-sha-256` (pkg/postgres/configuration.go, hbaTemplateString). Rejecting every non-TLS TCP
 * connection here leaves only TLS logins for the default rule; the fixed rules are `hostssl` and `local`,
 * which a `hostnossl` line never matches.
 */
export const PG_HBA_RULES: readonly string[] = Object.freeze(["hostnossl all all all reject"]);

/** The seed's instance resources. */
export const SEED_RESOURCES: Resources = Object.freeze({
    requests: { cpu: "1", memory: "2Gi" },
    limits: { cpu: "2", memory: "4Gi" },
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

/**
 * Logical replication between clusters of one namespace (a major-version upgrade, components/postgres/upgrade.ts):
 * the replication role this cluster manages, the peers it connects to, and optionally the peer whose schema it
 * imports at creation.
 */
export interface LogicalReplicationArgs {
    /** Managed role (LOGIN REPLICATION, in pg_read_all_data) the peers' subscriptions connect as. */
    readonly role: string;
    /** basic-auth Secret with the role's password (the same in both clusters). */
    readonly passwordSecret: string;
    /** Clusters this one subscribes to (each becomes an `externalClusters` entry). Defaults to none. */
    readonly peers?: readonly LogicalPeer[];
    /** Bootstrap: initdb, then the schema (schemaOnly import, microservice) of this peer's database. Defaults to none. */
    readonly importFrom?: string;
    /**
     * Synchronize logical slots to the standbys (CloudNativePG `synchronizeLogicalDecoding`, with
     * sync_replication_slots and hot_standby_feedback), so a failover of this cluster keeps its subscribers.
     * Defaults to true.
     */
    readonly synchronizeSlots?: boolean;
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
     * `loadBalancerSourceRanges` of the cross-region endpoint (the peer region's CIDR blocks). Defaults to none
     * (every address that routes to the VPC).
     */
    readonly endpointSourceRanges?: readonly string[];
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
    /** PostgreSQL operand image (its tag starts with the major version). Defaults to images.postgres. */
    readonly imageName?: string;
    /** Logical replication with other clusters of the namespace. Defaults to none. */
    readonly logical?: LogicalReplicationArgs;
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
    readonly endpointSourceRanges: readonly string[];
    readonly protect: boolean;
    readonly imageName: string;
    readonly logical?: ResolvedLogicalReplication;
}

/** LogicalReplicationArgs with every default applied. */
export interface ResolvedLogicalReplication {
    readonly role: string;
    readonly passwordSecret: string;
    readonly peers: readonly LogicalPeer[];
    readonly importFrom?: string;
    readonly synchronizeSlots: boolean;
}

/** Parameters logical slot synchronization needs (CloudNativePG docs, replication.md, PostgreSQL 17 and later). */
export const SLOT_SYNC_PARAMETERS: Readonly<Record<string, string>> = Object.freeze({
    sync_replication_slots: "on",
    hot_standby_feedback: "on",
});

/** Applies the documented defaults and validates; throws an error naming the property, the value and what is allowed. */
export function validatePostgresClusterArgs(args: PostgresClusterArgs): ResolvedPostgresClusterArgs {
    const { check } = argChecks("PostgresCluster");
    const instances = args.instances ?? 3;
    const logical: ResolvedLogicalReplication | undefined = args.logical
        ? {
              role: args.logical.role,
              passwordSecret: args.logical.passwordSecret,
              peers: args.logical.peers ?? [],
              importFrom: args.logical.importFrom,
              synchronizeSlots: args.logical.synchronizeSlots ?? true,
          }
        : undefined;
    const a: ResolvedPostgresClusterArgs = {
        clusterName: args.clusterName,
        namespace: args.namespace,
        instances,
        durability: args.durability ?? "critical",
        syncReplicas: args.syncReplicas ?? 1,
        storageSize: args.storageSize ?? "100Gi",
        walStorageSize: args.walStorageSize ?? "20Gi",
        storageClass: args.storageClass ?? "fast-ssd",
        parameters: {
            ...SEED_PARAMETERS,
            ...TLS_PARAMETERS,
            ...(logical?.synchronizeSlots ? SLOT_SYNC_PARAMETERS : {}),
            ...(args.parameters ?? {}),
        },
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
        endpointSourceRanges: args.endpointSourceRanges ?? [],
        protect: args.protect ?? true,
        imageName: args.imageName ?? images.postgres,
        logical,
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
    check(
        "parameters.ssl_min_protocol_version",
        a.parameters.ssl_min_protocol_version,
        oneOf([...ACCEPTED_TLS_VERSIONS])(a.parameters.ssl_min_protocol_version),
    );
    check(
        "parameters.password_encryption",
        a.parameters.password_encryption,
        oneOf(["scram-sha-256"])(a.parameters.password_encryption),
    );
    for (const r of a.endpointSourceRanges) check("endpointSourceRanges", r, cidrProblem(r));
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
    if (a.logical) {
        const peers = a.logical.peers.map((p) => p.name);
        check(
            "logical.role",
            a.logical.role,
            a.logical.role === a.owner ? "the replication role must not be the database owner" : undefined,
        );
        check(
            "logical.peers",
            peers,
            peers.includes(a.clusterName) || new Set(peers).size !== peers.length
                ? "expected distinct clusters other than this one"
                : undefined,
        );
        if (a.logical.importFrom !== undefined) {
            check(
                "logical.importFrom",
                a.logical.importFrom,
                !peers.includes(a.logical.importFrom)
                    ? `expected one of logical.peers: ${peers.join(", ") || "(none)"}`
                    : a.recovery || a.topology
                      ? "a schema import bootstraps a standalone cluster (no recovery, no distributed topology)"
                      : undefined,
            );
        }
    }
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
