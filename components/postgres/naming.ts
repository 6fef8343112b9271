/**
 * Names and labels of the PostgreSQL tier that other code (the backup role's trust policy, monitors,
 * runbooks, the peer region) must agree on. Pure functions.
 */
import { regionCode, regionalHostname } from "../shared/naming";
import { rfc3339 } from "../shared/validate";

/** The Barman Cloud plugin's name, as CloudNativePG's `spec.plugins[].name` and ScheduledBackup expect it. */
export const BARMAN_PLUGIN = "barman-cloud.cloudnative-pg.io";

/** Object-store prefix (inside the region's bucket) under which every cluster archives, one folder per serverName. */
export const BACKUP_PREFIX = "postgres";

/** Labels CloudNativePG 1.30 puts on the pods it manages (pkg/utils/labels_annotations.go). */
export const CNPG_LABELS = {
    cluster: "cnpg.io/cluster",
    podRole: "cnpg.io/podRole",
    instanceName: "cnpg.io/instanceName",
    instanceRole: "cnpg.io/instanceRole",
    poolerName: "cnpg.io/poolerName",
} as const;

/** The labels CloudNativePG sets on an instance pod (pkg/specs/pods.go), for selector tests. */
export function instancePodLabels(cluster: string, pod: string): Record<string, string> {
    return {
        [CNPG_LABELS.cluster]: cluster,
        [CNPG_LABELS.instanceName]: pod,
        [CNPG_LABELS.podRole]: "instance",
        "app.kubernetes.io/name": "postgresql",
        "app.kubernetes.io/instance": cluster,
        "app.kubernetes.io/component": "database",
        "app.kubernetes.io/managed-by": "cloudnative-pg",
    };
}

/** The labels CloudNativePG sets on a PgBouncer pod of a Pooler (pkg/specs/pgbouncer/deployments.go). */
export function poolerPodLabels(cluster: string, pooler: string): Record<string, string> {
    return {
        [CNPG_LABELS.poolerName]: pooler,
        [CNPG_LABELS.cluster]: cluster,
        [CNPG_LABELS.podRole]: "pooler",
        "app.kubernetes.io/name": "postgresql",
        "app.kubernetes.io/instance": cluster,
        "app.kubernetes.io/component": "pooler",
        "app.kubernetes.io/managed-by": "cloudnative-pg",
    };
}

/**
 * The name of the Cluster restored to `targetTime`: `<base>-pitr-<UTC yyyymmddThhmmss>`, e.g.
 * `pg-pitr-20261124t060000`. Deterministic, so the same target always means the same cluster, and distinct
 * per target, so a restored cluster archives under its own serverName (never into the source's path).
 */
export function recoveryClusterName(base: string, targetTime: string): string {
    const problem = rfc3339(targetTime);
    if (problem) throw new Error(`recovery target ${JSON.stringify(targetTime)}: ${problem}`);
    const iso = new Date(Date.parse(targetTime)).toISOString(); // 2026-11-24T06:00:00.000Z
    const stamp = iso.slice(0, 19).replace(/[-:]/g, "").toLowerCase(); // 20261124t060000
    return `${base}-pitr-${stamp}`;
}

/** The ServiceAccount CloudNativePG creates for a Cluster (named after it), as IRSA's `sub` claim names it. */
export function clusterServiceAccount(namespace: string, cluster: string): string {
    return `system:serviceaccount:${namespace}:${cluster}`;
}

/** In-cluster DNS name of a Service. */
export function serviceHost(service: string, namespace: string): string {
    return `${service}.${namespace}.svc.cluster.local`;
}

/**
 * The name of a region's cluster in the distributed topology (`externalClusters[].name`, `replica.self`,
 * `replica.primary`) and its object-store serverName: `<cluster>-<region code>`, e.g. `pg-use1`. The
 * Kubernetes Cluster keeps its plain name in every region (services `pg-rw`…); only these differ, so each
 * region archives into its own folder and the replicated copies of the two never share a path.
 */
export function distributedName(cluster: string, region: string): string {
    return `${cluster}-${regionCode(region)}`;
}

/** DNS label of a region's cross-region replication endpoint: `pg-rw.<region>.<dnsZone>`. */
export function replicationEndpointLabel(cluster: string): string {
    return `${cluster}-rw`;
}

/** Name of a cluster's PgBouncer Pooler (and its Service): `<cluster>-pooler-rw` / `<cluster>-pooler-ro`. */
export function poolerName(cluster: string, type: "rw" | "ro"): string {
    return `${cluster}-pooler-${type}`;
}

/**
 * DNS names of the read-write pooler: the regional `pg-pooler-rw.<region>.<zone>` its own external-dns
 * publishes, and the writer name `pg-pooler-rw.<zone>` applications use — a CNAME to the primary region's
 * regional name that the switchover procedure moves (not external-dns: its ownership records would keep the
 * survivor from taking over a name the lost region published).
 */
export function poolerHostnames(
    cluster: string,
    p: { region: string; primaryRegion: string; dnsZone: string },
): { regional: string; writer: string; writerTarget: string } {
    const label = poolerName(cluster, "rw");
    return {
        regional: regionalHostname(label, p.region, p.dnsZone),
        writer: `${label}.${p.dnsZone}`,
        writerTarget: regionalHostname(label, p.primaryRegion, p.dnsZone),
    };
}

/** The Secrets holding a cluster's user-provided TLS material (both CAs are shared by the regions). */
export interface TlsSecretNames {
    /** CA of the servers' certificates (`ca.crt`): what clients, the peer region included, verify against. */
    readonly serverCa: string;
    /** CA of client certificates (`ca.crt`, `ca.key`): verifies them and lets CloudNativePG sign the poolers'. */
    readonly clientCa: string;
    /** This region's server certificate (`tls.crt`, `tls.key`). */
    readonly server: string;
    /** The `streaming_replica` client certificate (`tls.crt`, `tls.key`). */
    readonly replication: string;
}

/** Names of a cluster's TLS Secrets: `<cluster>-tls-server-ca`, `-tls-client-ca`, `-tls-server`, `-tls-replication`. */
export function tlsSecretNames(cluster: string): TlsSecretNames {
    return {
        serverCa: `${cluster}-tls-server-ca`,
        clientCa: `${cluster}-tls-client-ca`,
        server: `${cluster}-tls-server`,
        replication: `${cluster}-tls-replication`,
    };
}
