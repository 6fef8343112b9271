/**
 * DataNetworkPolicies: the data namespaces' ingress fence. Every data namespace (postgres, redis, minio,
 * kafka) gets a default-deny ingress policy; each workload then gets one policy that admits exactly what must
 * reach each of its ports:
 * - application namespaces (label `clientNamespaceLabel`) → the PgBouncer poolers, the Redis servers and the
 *   Sentinels (never the PostgreSQL instances: applications go through the poolers);
 * - the pods of the same cluster → PostgreSQL 5432 (replication) and 8000 (instance manager), Redis 6379
 *   (replication) and 16379 (cluster bus), Sentinel 26379; a Pooler's pods → its cluster's 5432; the
 *   Sentinels → their data pods' 6379; the cluster-forming Job → the cache's 6379; during a PostgreSQL major
 *   upgrade, the other cluster's instances → 5432 (schema import and logical replication, both directions);
 * - the CloudNativePG operator (its namespace, pods `app.kubernetes.io/name: cloudnative-pg`) → 8000 and 5432
 *   of the instances (CloudNativePG docs, networking.md). The Barman Cloud plugin needs nothing here: the
 *   operator calls the plugin's gRPC port (9090) inside the operator namespace, and the plugin's sidecar talks
 *   to the instance over a Unix socket in the pod;
 * - Prometheus (the monitoring namespace, pods `app.kubernetes.io/name: prometheus`) → the metrics ports only:
 *   PostgreSQL 9187, PgBouncer 9127, redis_exporter 9121;
 * - the peer region's CIDRs and this region's NLB subnets → the cross-region ports: PostgreSQL 5432 of the
 *   cluster with a cross-region endpoint, the rw pooler's 5432, the Redis sessions 6379 in the primary region.
 *   An internal NLB with IP targets health-checks (and, without client IP preservation, forwards) from its own
 *   addresses in its subnets; the peer's CIDRs match when client IP preservation is on.
 * Kubelet probes come from the node's own address, which the EKS VPC CNI always admits (aws-network-policy-agent
 * #56/#65), as most policy-enforcing plugins do. No data namespace serves an admission webhook.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { meta } from "../shared/k8s";
import { PART_OF } from "../shared/labels";
import { Namespaces, operatorNamespaces } from "../shared/naming";
import { CNPG_LABELS } from "../postgres/naming";
import { CLUSTER_BUS_PORT, METRICS_PORT, REDIS_PORT, SENTINEL_PORT } from "../redis/workload";
import { clientNamespacesPeer, crossRegionPeers } from "../shared/fence";

/** The domains whose namespaces are fenced (monitoring is not a data namespace). */
export const FENCED_DOMAINS: readonly (keyof Namespaces)[] = ["postgres", "redis", "minio", "kafka"];

/** Name of the default-deny ingress policy of every fenced namespace. */
export const DEFAULT_DENY_POLICY = "default-deny-ingress";

/** Ports the fence admits, by what listens on them (CloudNativePG pkg/management/url/url.go, pkg/specs). */
export const PORTS = {
    postgres: 5432,
    cnpgStatus: 8000,
    postgresMetrics: 9187,
    pgbouncer: 5432,
    pgbouncerMetrics: 9127,
    redis: REDIS_PORT,
    redisBus: CLUSTER_BUS_PORT,
    redisMetrics: METRICS_PORT,
    sentinel: SENTINEL_PORT,
} as const;

/** Pod labels of the CloudNativePG operator (its Helm chart) and of Prometheus (prometheus-operator). */
export const CNPG_OPERATOR_POD = { "app.kubernetes.io/name": "cloudnative-pg" } as const;
export const PROMETHEUS_POD = { "app.kubernetes.io/name": "prometheus" } as const;

/** Arguments of DataNetworkPolicies. */
export interface DataNetworkPoliciesArgs {
    readonly namespaces: Namespaces;
    /** Label of the application namespaces (config `clientNamespaceLabel`). */
    readonly clientNamespaceLabel: { readonly key: string; readonly value: string };
    /** The peer region's CIDR blocks (config `peerCidrs`). */
    readonly peerCidrs: readonly string[];
    /** This region's internal-NLB subnets (config `loadBalancerSubnetCidrs`). */
    readonly loadBalancerSubnetCidrs: readonly string[];
    /** PostgreSQL Clusters (crossRegion: has the cross-region endpoint) and Poolers of the postgres namespace. */
    readonly postgres: {
        readonly clusters: readonly {
            readonly name: string;
            readonly crossRegion: boolean;
            /** Clusters of the namespace whose instances connect to this one's 5432 (logical replication). Defaults to none. */
            readonly logicalPeers?: readonly string[];
        }[];
        readonly poolers: readonly { readonly name: string; readonly cluster: string; readonly crossRegion: boolean }[];
    };
    /** Redis of the redis namespace: cluster-mode sets and Sentinel-mode sets, by base name (`redis-cache`). */
    readonly redis: {
        readonly clusters: readonly string[];
        readonly replicated: readonly {
            readonly base: string;
            readonly crossRegion: boolean;
            readonly sentinels: boolean;
        }[];
    };
    /**
     * The MinIO tenant of the minio namespace (components/minio/naming.ts minioNetwork): its server pods, the setup
     * Job's pods, the S3 port (also internode, metrics and the peer's replication) and the console port.
     */
    readonly minio?: {
        readonly podSelector: Readonly<Record<string, string>>;
        readonly setupJobSelector: Readonly<Record<string, string>>;
        readonly s3Port: number;
        readonly consolePort: number;
    };
    /** Namespace of the MinIO operator. Defaults to operatorNamespaces.minio ("minio-operator"). */
    readonly minioOperatorNamespace?: string;
    /** Namespace of the CloudNativePG operator. Defaults to operatorNamespaces.cnpg ("cnpg-system"). */
    readonly cnpgNamespace?: string;
    /** Domains that get a default-deny ingress policy. Defaults to FENCED_DOMAINS. */
    readonly fencedDomains?: readonly (keyof Namespaces)[];
}

/** One rendered NetworkPolicy: name, namespace and spec. */
export interface NetworkPolicyObject {
    readonly name: string;
    readonly namespace: string;
    readonly spec: Record<string, unknown>;
}

type Peer = Record<string, unknown>;
const tcp = (...ports: number[]) => ports.map((port) => ({ port, protocol: "TCP" }));
const rule = (from: Peer[], ports: number[]) => ({ from, ports: tcp(...ports) });
const inNamespace = (ns: string, pods: Record<string, string>): Peer => ({
    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } },
    podSelector: { matchLabels: { ...pods } },
});
const redisPods = (base: string, component: string) => ({
    "app.kubernetes.io/name": "redis",
    "app.kubernetes.io/instance": base,
    "app.kubernetes.io/component": component,
});

/** Every NetworkPolicy of the fence, in a stable order. Pure. */
export function networkPolicyObjects(a: DataNetworkPoliciesArgs): NetworkPolicyObject[] {
    const ns = a.namespaces;
    const apps: Peer = clientNamespacesPeer(a.clientNamespaceLabel);
    const prometheus = inNamespace(ns.monitoring, PROMETHEUS_POD);
    const operator = inNamespace(a.cnpgNamespace ?? operatorNamespaces.cnpg, CNPG_OPERATOR_POD);
    const crossRegion: Peer[] = crossRegionPeers(a.peerCidrs, a.loadBalancerSubnetCidrs);
    const withCrossRegion = (on: boolean, port: number) =>
        on && crossRegion.length ? [rule(crossRegion, [port])] : [];
    const policy = (name: string, namespace: string, pods: Record<string, string>, ingress: unknown[]) => ({
        name,
        namespace,
        spec: { podSelector: { matchLabels: pods }, policyTypes: ["Ingress"], ingress },
    });
    const out: NetworkPolicyObject[] = (a.fencedDomains ?? FENCED_DOMAINS).map((d) => ({
        name: DEFAULT_DENY_POLICY,
        namespace: ns[d],
        spec: { podSelector: {}, policyTypes: ["Ingress"] },
    }));
    for (const c of a.postgres.clusters) {
        const self = { [CNPG_LABELS.cluster]: c.name, [CNPG_LABELS.podRole]: "instance" };
        const poolers = { [CNPG_LABELS.cluster]: c.name, [CNPG_LABELS.podRole]: "pooler" };
        out.push(
            policy(`${c.name}-instances`, ns.postgres, self, [
                rule([{ podSelector: { matchLabels: self } }], [PORTS.postgres, PORTS.cnpgStatus]),
                rule([{ podSelector: { matchLabels: poolers } }], [PORTS.postgres]),
                rule([operator], [PORTS.cnpgStatus, PORTS.postgres]),
                rule([prometheus], [PORTS.postgresMetrics]),
                ...(c.logicalPeers ?? []).map((peer) =>
                    rule(
                        [
                            {
                                podSelector: {
                                    matchLabels: { [CNPG_LABELS.cluster]: peer, [CNPG_LABELS.podRole]: "instance" },
                                },
                            },
                        ],
                        [PORTS.postgres],
                    ),
                ),
                ...withCrossRegion(c.crossRegion, PORTS.postgres),
            ]),
        );
    }
    for (const p of a.postgres.poolers) {
        out.push(
            policy(p.name, ns.postgres, { [CNPG_LABELS.poolerName]: p.name }, [
                rule([apps], [PORTS.pgbouncer]),
                rule([prometheus], [PORTS.pgbouncerMetrics]),
                ...withCrossRegion(p.crossRegion, PORTS.pgbouncer),
            ]),
        );
    }
    for (const base of a.redis.clusters) {
        const self = redisPods(base, "cluster");
        out.push(
            policy(base, ns.redis, self, [
                rule([apps], [PORTS.redis]),
                rule([{ podSelector: { matchLabels: self } }], [PORTS.redis, PORTS.redisBus]),
                rule([{ podSelector: { matchLabels: redisPods(base, "cluster-create") } }], [PORTS.redis]),
                rule([prometheus], [PORTS.redisMetrics]),
            ]),
        );
    }
    for (const r of a.redis.replicated) {
        const self = redisPods(r.base, "server");
        const sentinels = redisPods(r.base, "sentinel");
        out.push(
            policy(r.base, ns.redis, self, [
                rule([apps], [PORTS.redis]),
                rule(
                    [
                        { podSelector: { matchLabels: self } },
                        ...(r.sentinels ? [{ podSelector: { matchLabels: sentinels } }] : []),
                    ],
                    [PORTS.redis],
                ),
                rule([prometheus], [PORTS.redisMetrics]),
                ...withCrossRegion(r.crossRegion, PORTS.redis),
            ]),
        );
        if (r.sentinels) {
            out.push(
                policy(`${r.base}-sentinel-ingress`, ns.redis, sentinels, [
                    rule(
                        [apps, { podSelector: { matchLabels: sentinels } }, { podSelector: { matchLabels: self } }],
                        [PORTS.sentinel],
                    ),
                ]),
            );
        }
    }
    if (a.minio) {
        const m = a.minio;
        const self = { ...m.podSelector };
        const minioOperator: Peer = {
            namespaceSelector: {
                matchLabels: { "kubernetes.io/metadata.name": a.minioOperatorNamespace ?? operatorNamespaces.minio },
            },
        };
        out.push(
            policy("minio-tenant", ns.minio, self, [
                rule([apps], [m.s3Port, m.consolePort]),
                // Internode traffic, the setup Job (mc) and the operator (health, admin API) all use the S3 port.
                rule([{ podSelector: { matchLabels: self } }], [m.s3Port]),
                rule([{ podSelector: { matchLabels: { ...m.setupJobSelector } } }], [m.s3Port]),
                rule([minioOperator], [m.s3Port]),
                // MinIO serves its metrics on the S3 port (bearer-token protected): Prometheus reaches that port.
                rule([prometheus], [m.s3Port]),
                ...withCrossRegion(true, m.s3Port),
            ]),
        );
    }
    return out;
}

/** The data namespaces' NetworkPolicies (see the module comment). */
export class DataNetworkPolicies extends pulumi.ComponentResource {
    /** `namespace/name` of every policy, in creation order. */
    public readonly policyNames: readonly string[];

    constructor(name: string, args: DataNetworkPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("geo:platform:DataNetworkPolicies", name, {}, opts);
        const objects = networkPolicyObjects(args);
        for (const o of objects) {
            const labels = {
                "app.kubernetes.io/name": "network-policy",
                "app.kubernetes.io/instance": o.name,
                "app.kubernetes.io/component": "network-fence",
                "app.kubernetes.io/part-of": PART_OF,
                "app.kubernetes.io/managed-by": "pulumi",
            };
            new k8s.networking.v1.NetworkPolicy(
                `${name}-${o.namespace}-${o.name}`,
                {
                    metadata: meta(o.name, o.namespace, labels),
                    spec: o.spec as unknown as k8s.types.input.networking.v1.NetworkPolicySpec,
                },
                { parent: this },
            );
        }
        this.policyNames = objects.map((o) => `${o.namespace}/${o.name}`);
        this.registerOutputs({ policyNames: this.policyNames });
    }
}
