/**
 * CrossRegionWatch: this region's Prometheus watches the other region's cross-region endpoints through a
 * blackbox exporter. Each endpoint (PostgreSQL replication endpoint, the regional `-rw` pooler, MinIO's
 * replication endpoint and, from the secondary, the primary's Redis sessions master) is probed with a TCP
 * connect over the same DNS name, NLB, security group and NetworkPolicy the replication uses; an endpoint
 * that stops answering raises `PeerRegionEndpointUnreachable` here, in the surviving region. Why probes
 * and not federation: docs/monitoring.md#watched-across-regions.
 */
import * as crypto from "crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AlertRule, monitoringResource, prometheusRuleSpec, serviceMonitorSpec } from "./monitors";
import { containerSecurityContext, meta, podSecurityContext, zoneSpread } from "../shared/k8s";
import { standardLabels } from "../shared/labels";
import { images } from "../shared/versions";
import { PROMETHEUS_POD } from "../platform/network-policies";

/** One endpoint of the other region. */
export interface PeerTarget {
    /** Short name, the `peer_target` label of its series (e.g. "postgres-replication"). */
    readonly name: string;
    /** `host:port`. */
    readonly address: string;
}

/** Arguments of CrossRegionWatch. */
export interface CrossRegionWatchArgs {
    /** The monitoring namespace. */
    readonly namespace: string;
    /** The other region (the `peer_region` label). */
    readonly peerRegion: string;
    readonly targets: readonly PeerTarget[];
    /** How long an endpoint may fail its probe before alerting. Defaults to "5m". */
    readonly unreachableFor?: string;
    /** Operator resources the ServiceMonitor/PrometheusRule wait for. Defaults to none. */
    readonly dependsOn?: pulumi.Resource[];
}

/** Name of the exporter's Deployment, Service and ConfigMap. */
export const BLACKBOX = "blackbox-exporter";
/** Name of the ServiceMonitor (its rules: `<name>-alerts`). */
export const WATCH = "cross-region-watch";
const PORT = 9115;

/** blackbox.yml: a plain TCP connect (PostgreSQL starts TLS inside its protocol, so a TLS handshake probe would fail). */
export function blackboxConfig(): string {
    return ["modules:", "  tcp_connect:", "    prober: tcp", "    timeout: 5s", ""].join("\n");
}

/** One ServiceMonitor endpoint per target: /probe?module=tcp_connect&target=<address>, labelled with the target. */
export function probeEndpoints(peerRegion: string, targets: readonly PeerTarget[]): Record<string, unknown>[] {
    return targets.map((t) => ({
        port: "http",
        path: "/probe",
        interval: "30s",
        scrapeTimeout: "10s",
        params: { module: ["tcp_connect"], target: [t.address] },
        relabelings: [
            { targetLabel: "peer_target", replacement: t.name, action: "replace" },
            { targetLabel: "peer_address", replacement: t.address, action: "replace" },
            { targetLabel: "peer_region", replacement: peerRegion, action: "replace" },
        ],
    }));
}

/** The alerts: an endpoint of the other region unreachable, and the probes themselves missing. */
export function crossRegionWatchRules(namespace: string, unreachableFor = "5m"): AlertRule[] {
    const sel = `namespace="${namespace}", job="${BLACKBOX}"`;
    const runbook = "docs/monitoring.md#watched-across-regions";
    return [
        {
            alert: "PeerRegionEndpointUnreachable",
            expr: `max by (peer_region, peer_target, peer_address) (probe_success{${sel}}) == 0`,
            for: unreachableFor,
            severity: "critical",
            summary: `{{ $labels.peer_target }} in {{ $labels.peer_region }} is unreachable from this region`,
            description: `A TCP connect to {{ $labels.peer_address }} fails: cross-region replication over that name is broken (peer region down, NLB, DNS, security group or NetworkPolicy). If the whole region is gone, follow the disaster failover runbook.`,
            runbook,
        },
        {
            alert: "PeerRegionProbesMissing",
            expr: `absent(probe_success{${sel}})`,
            for: "10m",
            severity: "warning",
            summary: `This region no longer probes the other region`,
            description: `No probe_success series from ${BLACKBOX}: the exporter is down or the ${WATCH} ServiceMonitor selects nothing, so a lost peer region would go unnoticed here.`,
            runbook,
        },
    ];
}

/** The blackbox exporter, its ServiceMonitor over the peer's endpoints, and the PrometheusRule. */
export class CrossRegionWatch extends pulumi.ComponentResource {
    constructor(name: string, args: CrossRegionWatchArgs, opts?: pulumi.ComponentResourceOptions) {
        super("geo:monitoring:CrossRegionWatch", name, {}, opts);
        const ns = args.namespace;
        const labels = standardLabels({
            app: "blackbox-exporter",
            instance: WATCH,
            component: "prober",
            version: images.blackboxExporter.split(":").pop(),
        });
        const selector = {
            "app.kubernetes.io/name": "blackbox-exporter",
            "app.kubernetes.io/instance": WATCH,
        };
        // A new configuration rolls the pod (the exporter reads its file at start).
        const configHash = crypto.createHash("sha256").update(blackboxConfig()).digest("hex").slice(0, 16);
        const config = new k8s.core.v1.ConfigMap(
            `${name}-config`,
            { metadata: meta(BLACKBOX, ns, labels), data: { "blackbox.yml": blackboxConfig() } },
            { parent: this },
        );
        new k8s.apps.v1.Deployment(
            `${name}-exporter`,
            {
                metadata: meta(BLACKBOX, ns, labels),
                spec: {
                    replicas: 1,
                    selector: { matchLabels: selector },
                    template: {
                        metadata: { labels, annotations: { "geo-data/config-hash": configHash } },
                        spec: {
                            automountServiceAccountToken: false,
                            securityContext: podSecurityContext(65534),
                            // One stateless prober: a lost pod is rescheduled (PeerRegionProbesMissing meanwhile).
                            topologySpreadConstraints: zoneSpread(selector),
                            containers: [
                                {
                                    name: "blackbox-exporter",
                                    image: images.blackboxExporter,
                                    args: ["--config.file=/etc/blackbox/blackbox.yml", `--web.listen-address=:${PORT}`],
                                    ports: [{ name: "http", containerPort: PORT }],
                                    readinessProbe: { httpGet: { path: "/-/healthy", port: "http" } },
                                    livenessProbe: { httpGet: { path: "/-/healthy", port: "http" } },
                                    resources: {
                                        requests: { cpu: "10m", memory: "32Mi" },
                                        limits: { cpu: "200m", memory: "64Mi" },
                                    },
                                    securityContext: containerSecurityContext(),
                                    volumeMounts: [{ name: "config", mountPath: "/etc/blackbox", readOnly: true }],
                                },
                            ],
                            volumes: [{ name: "config", configMap: { name: config.metadata.name } }],
                        },
                    },
                },
            },
            { parent: this },
        );
        // A drain may evict the prober (its absence alerts), never more than it.
        new k8s.policy.v1.PodDisruptionBudget(
            `${name}-pdb`,
            { metadata: meta(BLACKBOX, ns, labels), spec: { maxUnavailable: 1, selector: { matchLabels: selector } } },
            { parent: this },
        );
        new k8s.core.v1.Service(
            `${name}-service`,
            {
                metadata: meta(BLACKBOX, ns, labels),
                spec: { selector, ports: [{ name: "http", port: PORT, targetPort: "http" }] },
            },
            { parent: this },
        );
        // A blackbox exporter connects wherever a request tells it to: only this region's Prometheus may ask.
        new k8s.networking.v1.NetworkPolicy(
            `${name}-ingress`,
            {
                metadata: meta(BLACKBOX, ns, labels),
                spec: {
                    podSelector: { matchLabels: selector },
                    policyTypes: ["Ingress"],
                    ingress: [
                        {
                            from: [{ podSelector: { matchLabels: { ...PROMETHEUS_POD } } }],
                            ports: [{ protocol: "TCP", port: PORT }],
                        },
                    ],
                },
            },
            { parent: this },
        );
        const monOpts = { parent: this, dependsOn: args.dependsOn ?? [] };
        monitoringResource(
            `${name}-servicemonitor`,
            "ServiceMonitor",
            meta(WATCH, ns, labels),
            { ...serviceMonitorSpec({ selector }), endpoints: probeEndpoints(args.peerRegion, args.targets) },
            monOpts,
        );
        monitoringResource(
            `${name}-alerts`,
            "PrometheusRule",
            meta(`${WATCH}-alerts`, ns, labels),
            prometheusRuleSpec(WATCH, crossRegionWatchRules(ns, args.unreachableFor ?? "5m")),
            monOpts,
        );
        this.registerOutputs({});
    }
}
