/**
 * PgBouncerPooler: a CloudNativePG `Pooler` (PgBouncer Deployment managed by the operator) in front of a
 * cluster's read-write or read-only service, with zone spreading, a PodDisruptionBudget (CloudNativePG
 * creates none for poolers), a PodMonitor and alerts.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PoolMode } from "../../config";
import {
    HOST_KEY,
    Resources,
    internalLoadBalancerAnnotations,
    meta,
    resources as resourcesOf,
    zoneSpread,
} from "../shared/k8s";
import { standardLabels } from "../shared/labels";
import { cidrProblem } from "../shared/cidr";
import { argChecks, dnsLabel, dnsName, intBetween, oneOf } from "../shared/validate";
import { images } from "../shared/versions";
import { monitoringResource, podMonitorSpec, prometheusRuleSpec } from "../monitoring/monitors";
import { CNPG_LABELS } from "./naming";
import { poolerAlertRules } from "./postgres-monitoring";

/** The external-dns annotation naming a Service's DNS records. */
const EXTERNAL_DNS_HOSTNAME = "external-dns.alpha.kubernetes.io/hostname";

/** Resources of each PgBouncer container. */
export const PGBOUNCER_RESOURCES: Resources = Object.freeze({
    requests: { cpu: "100m", memory: "64Mi" },
    limits: { cpu: "1", memory: "256Mi" },
});

/**
 * PgBouncer's TLS settings (spec.pgbouncer.parameters; CloudNativePG's webhook allows both keys). Clients must
 * use TLS (`client_tls_sslmode` defaults to `prefer` in CloudNativePG, which accepts plaintext); PgBouncer
 * verifies the server's certificate and its host name (`pg-rw`/`pg-ro`, which the server certificate names)
 * instead of CloudNativePG's default `verify-ca`. PgBouncer serves clients with the cluster's server certificate
 * (pkg/management/pgbouncer/config/config.go).
 */
export const PGBOUNCER_TLS_PARAMETERS: Readonly<Record<string, string>> = Object.freeze({
    client_tls_sslmode: "require",
    server_tls_sslmode: "verify-full",
});

/**
 * `spec.pgbouncer.pg_hba`: CloudNativePG writes `local pgbouncer pgbouncer peer`, then these, then
 * `host all all 0.0.0.0/0 md5` and `host all all ::/0 md5`; non-TLS TCP clients meet the reject first.
 */
export const PGBOUNCER_HBA_RULES: readonly string[] = Object.freeze([
    "hostnossl all all 0.0.0.0/0 reject",
    "hostnossl all all ::/0 reject",
]);

/** Arguments of PgBouncerPooler. */
export interface PgBouncerPoolerArgs {
    /** Kubernetes name of the Pooler (and of its Service); must differ from every Cluster name. */
    readonly poolerName: string;
    readonly namespace: string;
    /** The Cluster it pools for. */
    readonly clusterName: string;
    /** `rw` (primary) or `ro` (standbys). */
    readonly type: "rw" | "ro";
    /** PgBouncer pods. Defaults to 2. */
    readonly instances?: number;
    /** Pool mode. Defaults to "session". */
    readonly poolMode?: PoolMode;
    /** max_client_conn per pod. Defaults to 1000. */
    readonly maxClientConn?: number;
    /** default_pool_size per pod. Defaults to 25. */
    readonly defaultPoolSize?: number;
    /** Requests and limits of the PgBouncer container. Defaults to PGBOUNCER_RESOURCES. */
    readonly resources?: Resources;
    /**
     * DNS names under which the pooler's Service is published as an internal NLB (external-dns), for clients
     * in other regions. Defaults to none (a ClusterIP Service).
     */
    readonly hostnames?: readonly string[];
    /**
     * Publish `hostnames` (external-dns annotation); false keeps the NLB but leaves the names to another Pooler
     * (the one serving during a major upgrade). Defaults to true.
     */
    readonly publishHostnames?: boolean;
    /**
     * `loadBalancerSourceRanges` of that NLB (the peer region's CIDR blocks); only with `hostnames`. Defaults to
     * none (every address that routes to the VPC).
     */
    readonly loadBalancerSourceRanges?: readonly string[];
    /**
     * `spec.pgbouncer.paused`: PgBouncer holds new queries (PAUSE) until unpaused; rendered only when true (absent
     * means running). Defaults to false.
     */
    readonly paused?: boolean;
    /** Operator resources the custom resources wait for. Defaults to none. */
    readonly dependsOn?: { readonly postgres?: pulumi.Resource[]; readonly monitoring?: pulumi.Resource[] };
}

/** PgBouncerPoolerArgs with every default applied. */
export type ResolvedPoolerArgs = Required<Omit<PgBouncerPoolerArgs, "dependsOn">>;

/** Applies the documented defaults and validates; throws an error naming the property, the value and what is allowed. */
export function validatePoolerArgs(args: PgBouncerPoolerArgs): ResolvedPoolerArgs {
    const a: ResolvedPoolerArgs = {
        poolerName: args.poolerName,
        namespace: args.namespace,
        clusterName: args.clusterName,
        type: args.type,
        instances: args.instances ?? 2,
        poolMode: args.poolMode ?? "session",
        maxClientConn: args.maxClientConn ?? 1000,
        defaultPoolSize: args.defaultPoolSize ?? 25,
        resources: args.resources ?? PGBOUNCER_RESOURCES,
        hostnames: args.hostnames ?? [],
        loadBalancerSourceRanges: args.loadBalancerSourceRanges ?? [],
        paused: args.paused ?? false,
        publishHostnames: args.publishHostnames ?? true,
    };
    const { check } = argChecks("PgBouncerPooler");
    check(
        "poolerName",
        a.poolerName,
        dnsLabel(a.poolerName) ??
            (a.poolerName === a.clusterName ? "a Pooler must not share its Cluster's name" : undefined),
    );
    check("type", a.type, oneOf(["rw", "ro"])(a.type));
    check("instances", a.instances, intBetween(2, 20)(a.instances));
    check("poolMode", a.poolMode, oneOf(["session", "transaction"])(a.poolMode));
    check("maxClientConn", a.maxClientConn, intBetween(1, 100000)(a.maxClientConn));
    check("defaultPoolSize", a.defaultPoolSize, intBetween(1, 10000)(a.defaultPoolSize));
    for (const h of a.hostnames) check("hostnames", h, dnsName(h));
    for (const r of a.loadBalancerSourceRanges) check("loadBalancerSourceRanges", r, cidrProblem(r));
    if (a.loadBalancerSourceRanges.length && !a.hostnames.length)
        check("loadBalancerSourceRanges", a.loadBalancerSourceRanges, "only applies with hostnames (a LoadBalancer)");
    return a;
}

/** The Pooler's `spec` (postgresql.cnpg.io/v1). */
export function poolerSpec(a: ResolvedPoolerArgs): Record<string, unknown> {
    const podSelector = { [CNPG_LABELS.poolerName]: a.poolerName };
    return {
        cluster: { name: a.clusterName },
        instances: a.instances,
        type: a.type,
        ...(a.hostnames.length
            ? {
                  serviceTemplate: {
                      metadata: {
                          annotations: Object.fromEntries(
                              Object.entries(internalLoadBalancerAnnotations(a.hostnames.join(","))).filter(
                                  ([k]) => a.publishHostnames || k !== EXTERNAL_DNS_HOSTNAME,
                              ),
                          ),
                      },
                      spec: {
                          type: "LoadBalancer",
                          ...(a.loadBalancerSourceRanges.length
                              ? { loadBalancerSourceRanges: [...a.loadBalancerSourceRanges] }
                              : {}),
                      },
                  },
              }
            : {}),
        pgbouncer: {
            image: images.pgbouncer,
            poolMode: a.poolMode,
            parameters: {
                max_client_conn: String(a.maxClientConn),
                default_pool_size: String(a.defaultPoolSize),
                ...PGBOUNCER_TLS_PARAMETERS,
            },
            pg_hba: [...PGBOUNCER_HBA_RULES],
            ...(a.paused ? { paused: true } : {}),
        },
        template: {
            metadata: { labels: { "app.kubernetes.io/part-of": "geo-data" } },
            spec: {
                containers: [{ name: "pgbouncer", image: images.pgbouncer, resources: resourcesOf(a.resources) }],
                // Never two PgBouncers on one node; spread evenly over zones (hard), however many pods.
                affinity: {
                    podAntiAffinity: {
                        requiredDuringSchedulingIgnoredDuringExecution: [
                            { topologyKey: HOST_KEY, labelSelector: { matchLabels: podSelector } },
                        ],
                    },
                },
                topologySpreadConstraints: [zoneSpread(podSelector)[0]],
            },
        },
    };
}

/** One PgBouncer pooler with its disruption budget and monitoring. */
export class PgBouncerPooler extends pulumi.ComponentResource {
    public readonly pooler: k8s.apiextensions.CustomResource;
    /** Name of the Pooler and of the Service clients connect to. */
    public readonly serviceName: string;

    constructor(name: string, args: PgBouncerPoolerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("geo:postgres:PgBouncerPooler", name, {}, opts);
        const a = validatePoolerArgs(args);
        const labels = standardLabels({
            app: "pgbouncer",
            instance: a.poolerName,
            component: `pooler-${a.type}`,
            version: images.pgbouncer.split(":").pop(),
        });
        const podSelector = { [CNPG_LABELS.poolerName]: a.poolerName };
        this.pooler = new k8s.apiextensions.CustomResource(
            `${name}-pooler`,
            {
                apiVersion: "postgresql.cnpg.io/v1",
                kind: "Pooler",
                metadata: meta(a.poolerName, a.namespace, labels),
                spec: poolerSpec(a),
            },
            { parent: this, dependsOn: args.dependsOn?.postgres ?? [] },
        );
        new k8s.policy.v1.PodDisruptionBudget(
            `${name}-pdb`,
            {
                metadata: meta(a.poolerName, a.namespace, labels),
                spec: { maxUnavailable: 1, selector: { matchLabels: podSelector } },
            },
            { parent: this },
        );
        const monOpts = { parent: this, dependsOn: args.dependsOn?.monitoring ?? [] };
        monitoringResource(
            `${name}-podmonitor`,
            "PodMonitor",
            meta(a.poolerName, a.namespace, labels),
            podMonitorSpec({
                selector: { ...podSelector, [CNPG_LABELS.podRole]: "pooler" },
                podTargetLabels: [CNPG_LABELS.poolerName, CNPG_LABELS.cluster],
            }),
            monOpts,
        );
        monitoringResource(
            `${name}-alerts`,
            "PrometheusRule",
            meta(`${a.poolerName}-alerts`, a.namespace, labels),
            prometheusRuleSpec(
                `pgbouncer-${a.poolerName}`,
                poolerAlertRules({ pooler: a.poolerName, namespace: a.namespace, maxClientConn: a.maxClientConn }),
            ),
            monOpts,
        );
        this.serviceName = a.poolerName;
        this.registerOutputs({ serviceName: this.serviceName });
    }
}
