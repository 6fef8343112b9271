/**
 * PrometheusPeerEndpoint: this region's Prometheus (kube-prometheus-stack's, run by prometheus-operator) exposed to
 * the other region through an internal NLB Service `prometheus-peer` that external-dns publishes as
 * `prometheus.<region>.<dnsZone>`, like the other cross-region endpoints. The other region's Grafana reads it as
 * its second data source (the overview's *Other region* column) and its cross-region watch probes it. The NLB
 * admits only the peer region's CIDR blocks (`loadBalancerSourceRanges`); a NetworkPolicy fences the Prometheus
 * pods: the monitoring namespace's own pods (Grafana, the operator, Prometheus's self-scrape) on every port, the
 * peer region's CIDRs and this region's NLB subnets on 9090 only. Prometheus serves plain HTTP without
 * authentication (read-only: the chart leaves the admin and lifecycle APIs off), inside the private network
 * between the two VPCs.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { internalLoadBalancerAnnotations, meta } from "../shared/k8s";
import { standardLabels } from "../shared/labels";
import { regionalHostname } from "../shared/naming";
import { crossRegionPeers } from "../shared/fence";

/** Name of the Service (and of its NetworkPolicy) in the monitoring namespace. */
export const PROMETHEUS_PEER = "prometheus-peer";
/** Prometheus's web port (prometheus-operator's container port `web`). */
export const PROMETHEUS_PORT = 9090;
/**
 * Labels prometheus-operator puts on every Prometheus pod it runs (pkg/prometheus/server/statefulset.go,
 * makeStatefulSetSpec's `podSelectorLabels`: also the StatefulSet's selector, so they never change),
 * whatever the Prometheus resource is named; the monitoring namespace runs only the chart's Prometheus. (The chart
 * names it `<fullname>-prometheus`, fullname derived from the Helm release name, and adds
 * `operator.prometheus.io/name` with that name; selecting by it would tie this Service to the release name.)
 */
export const PROMETHEUS_SERVER_POD = {
    "app.kubernetes.io/name": "prometheus",
    "app.kubernetes.io/managed-by": "prometheus-operator",
} as const;

/** `prometheus.<region>.<dnsZone>`: the regional name of a region's Prometheus. */
export function prometheusPeerHostname(region: string, dnsZone: string): string {
    return regionalHostname("prometheus", region, dnsZone);
}

/** `http://prometheus.<region>.<dnsZone>:9090`: a region's Prometheus as the other region sees it. */
export function prometheusPeerUrl(region: string, dnsZone: string): string {
    return `http://${prometheusPeerHostname(region, dnsZone)}:${PROMETHEUS_PORT}`;
}

/** Arguments of PrometheusPeerEndpoint. */
export interface PrometheusPeerEndpointArgs {
    /** The monitoring namespace (kube-prometheus-stack's). */
    readonly namespace: string;
    /** This region (the hostname's middle label). */
    readonly region: string;
    readonly dnsZone: string;
    /** The peer region's CIDR blocks (config `peerCidrs`): the NLB's source ranges and the policy's peers. */
    readonly peerCidrs: readonly string[];
    /** This region's internal-NLB subnets (config `loadBalancerSubnetCidrs`): the NLB's health checks. */
    readonly loadBalancerSubnetCidrs: readonly string[];
}

/** The NLB Service's spec. Pure. */
export function prometheusPeerServiceSpec(peerCidrs: readonly string[]): Record<string, unknown> {
    return {
        type: "LoadBalancer",
        selector: { ...PROMETHEUS_SERVER_POD },
        ports: [{ name: "http-web", port: PROMETHEUS_PORT, targetPort: PROMETHEUS_PORT, protocol: "TCP" }],
        ...(peerCidrs.length ? { loadBalancerSourceRanges: [...peerCidrs] } : {}),
    };
}

/** The Prometheus pods' ingress policy (see the module comment). Pure. */
export function prometheusPeerPolicySpec(
    peerCidrs: readonly string[],
    loadBalancerSubnetCidrs: readonly string[],
): Record<string, unknown> {
    const crossRegion = crossRegionPeers(peerCidrs, loadBalancerSubnetCidrs);
    return {
        podSelector: { matchLabels: { ...PROMETHEUS_SERVER_POD } },
        policyTypes: ["Ingress"],
        ingress: [
            // Grafana, prometheus-operator, Prometheus's and the config reloader's self-scrape: as before the fence.
            { from: [{ podSelector: {} }] },
            ...(crossRegion.length ? [{ from: crossRegion, ports: [{ protocol: "TCP", port: PROMETHEUS_PORT }] }] : []),
        ],
    };
}

/** The Service `prometheus-peer` (internal NLB, regional DNS name) and the Prometheus pods' NetworkPolicy. */
export class PrometheusPeerEndpoint extends pulumi.ComponentResource {
    /** `prometheus.<region>.<dnsZone>`. */
    public readonly hostname: string;

    constructor(name: string, args: PrometheusPeerEndpointArgs, opts?: pulumi.ComponentResourceOptions) {
        super("geo:monitoring:PrometheusPeerEndpoint", name, {}, opts);
        this.hostname = prometheusPeerHostname(args.region, args.dnsZone);
        const labels = standardLabels({ app: "prometheus", instance: PROMETHEUS_PEER, component: "cross-region" });
        new k8s.core.v1.Service(
            `${name}-service`,
            {
                metadata: meta(PROMETHEUS_PEER, args.namespace, labels, internalLoadBalancerAnnotations(this.hostname)),
                spec: prometheusPeerServiceSpec(args.peerCidrs) as k8s.types.input.core.v1.ServiceSpec,
            },
            { parent: this },
        );
        new k8s.networking.v1.NetworkPolicy(
            `${name}-ingress`,
            {
                metadata: meta(PROMETHEUS_PEER, args.namespace, labels),
                spec: prometheusPeerPolicySpec(
                    args.peerCidrs,
                    args.loadBalancerSubnetCidrs,
                ) as unknown as k8s.types.input.networking.v1.NetworkPolicySpec,
            },
            { parent: this },
        );
        this.registerOutputs({ hostname: this.hostname });
    }
}
