/**
 * The CloudNativePG `Cluster` and Barman Cloud `ObjectStore` specs of a PostgresCluster, from its resolved
 * args and the names of its siblings: synchronous replication, bootstrap (initdb, pg_basebackup from the
 * primary member, or point-in-time recovery), the distributed topology's `externalClusters`, the
 * cross-region endpoint Service and user-provided TLS. Pure: creates no resources.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Durability } from "../../config";
import { Resources, ZONE_KEY, internalLoadBalancerAnnotations, resources as resourcesOf } from "../shared/k8s";
import { BARMAN_PLUGIN, TlsSecretNames } from "./naming";
import { STREAMING_REPLICA_USER } from "./postgres-certificates";
import { PG_HBA_RULES, ResolvedPostgresClusterArgs, TopologyMember, peerMember } from "./cluster-args";
import { logicalPeerEntry } from "./upgrade";

/** Resources of the Barman Cloud plugin sidecar in each instance pod. */
export const BACKUP_SIDECAR_RESOURCES: Resources = Object.freeze({
    requests: { cpu: "100m", memory: "128Mi" },
    limits: { cpu: "1", memory: "512Mi" },
});

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
          : {
                initdb: {
                    database: a.database,
                    owner: a.owner,
                    secret: { name: refs.appSecret },
                    dataChecksums: true,
                    // A major upgrade's new cluster: the old one's schema (pre-data and post-data sections of
                    // pg_restore), owned by the owner; the data comes through the Subscription.
                    ...(a.logical?.importFrom
                        ? {
                              import: {
                                  type: "microservice",
                                  databases: [a.database],
                                  source: { externalCluster: a.logical.importFrom },
                                  schemaOnly: true,
                              },
                          }
                        : {}),
                },
            };
    const tls = refs.tlsSecrets;
    const logical = a.logical;
    const logicalPeers = (logical?.peers ?? []).map((p) =>
        logicalPeerEntry(p, {
            namespace: a.namespace,
            database: a.database,
            role: logical!.role,
            passwordSecret: logical!.passwordSecret,
        }),
    );
    const baseExternal = a.recovery
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
    const externalClusters =
        baseExternal || logicalPeers.length ? [...(baseExternal ?? []), ...logicalPeers] : undefined;
    return {
        instances: a.instances,
        imageName: a.imageName,
        primaryUpdateStrategy: "unsupervised",
        primaryUpdateMethod: "switchover",
        enableSuperuserAccess: false,
        enablePDB: true,
        postgresql: {
            parameters: { ...a.parameters },
            pg_hba: [...PG_HBA_RULES],
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
                ...(logical
                    ? [
                          {
                              name: logical.role,
                              ensure: "present",
                              login: true,
                              replication: true,
                              inherit: true,
                              inRoles: ["pg_read_all_data"],
                              connectionLimit: -1,
                              passwordSecret: { name: logical.passwordSecret },
                              comment: "logical replication between the clusters of a major-version upgrade",
                          },
                      ]
                    : []),
            ],
            ...(a.endpointHostname ? { services: endpointServices(a) } : {}),
        },
        plugins: [plugin],
        ...(logical?.synchronizeSlots
            ? { replicationSlots: { highAvailability: { enabled: true, synchronizeLogicalDecoding: true } } }
            : {}),
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
    a: Pick<ResolvedPostgresClusterArgs, "clusterName" | "endpointHostname"> &
        Partial<Pick<ResolvedPostgresClusterArgs, "endpointSourceRanges">>,
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
                    spec: {
                        type: "LoadBalancer",
                        ...(a.endpointSourceRanges?.length
                            ? { loadBalancerSourceRanges: [...a.endpointSourceRanges] }
                            : {}),
                    },
                },
            },
        ],
    };
}

/** The read-only role of an owner: `<owner>_readonly`. */
export function readonlyRole(owner: string): string {
    return `${owner}_readonly`;
}
