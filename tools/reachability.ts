/**
 * The reachability table of a rendered stack: which source reaches which data-tier pod and port, evaluated
 * with tools/netpol.ts over the NetworkPolicies the program renders. Destinations are the pods the stack
 * runs: those of its StatefulSets and Jobs, and those CloudNativePG creates for each Cluster and Pooler (their
 * labels and container ports from the operator's source, components/postgres/naming.ts). Sources are typical
 * clients: an application pod, a pod of an unlabelled namespace, Prometheus, the operators, the data pods
 * themselves, an address of the peer region, an NLB address and any other address. Pure.
 */
import { CNPG_LABELS, instancePodLabels, poolerPodLabels } from "../components/postgres/naming";
import { PORTS, PROMETHEUS_POD, CNPG_OPERATOR_POD } from "../components/platform/network-policies";
import { formatIp, parseCidr } from "../components/shared/cidr";
import { CONSOLE_TLS_PORT, MINIO_PORT, OPERATOR_LABELS } from "../components/minio/naming";
import { NetworkPolicy, PodEndpoint, Source, ingressAllowed } from "./netpol";
import { PROMETHEUS_PEER, PROMETHEUS_PORT, PROMETHEUS_SERVER_POD } from "../components/monitoring/prometheus-peer";

/** The chart's Prometheus (not rendered: prometheus-operator runs it), a destination once the peer NLB selects it. */
const PROMETHEUS_WORKLOAD = "Prometheus";

/** What the table is about: the stack's objects and the fence's config. */
export interface ReachabilityInput {
    objects: readonly Record<string, any>[];
    clientNamespaceLabel: { key: string; value: string };
    peerCidrs: readonly string[];
    loadBalancerSubnetCidrs: readonly string[];
    monitoringNamespace: string;
    cnpgNamespace: string;
}

/** One destination column: a workload's representative pod and one of its ports. */
export interface Destination {
    /** Column label, e.g. `pg :5432`. */
    label: string;
    pod: PodEndpoint;
    port: number;
}

/** One source row. */
export interface NamedSource {
    label: string;
    source: Source;
}

/** The pods a stack runs in its data namespaces, one representative per workload. */
export function stackPods(objects: readonly Record<string, any>[]): { workload: string; pod: PodEndpoint }[] {
    const out: { workload: string; pod: PodEndpoint }[] = [];
    for (const o of objects) {
        const ns = o.metadata?.namespace;
        if (o.kind === "StatefulSet" || o.kind === "Job" || o.kind === "Deployment") {
            const t = o.spec.template;
            // A Job's name ends in its content hash: name it by what it is, so the table stays stable.
            const workload =
                o.kind === "Job" ? `${o.metadata.name.replace(/-[0-9a-f]{10}$/, "")} Job` : o.metadata.name;
            out.push({
                workload,
                pod: {
                    namespace: ns,
                    name: `${o.metadata.name}-0`,
                    labels: t.metadata?.labels ?? {},
                    ports: (t.spec.containers ?? []).flatMap((c: any) => c.ports ?? []),
                },
            });
        } else if (o.kind === "Cluster" && o.apiVersion === "postgresql.cnpg.io/v1") {
            const name = o.metadata.name;
            out.push({
                workload: name,
                pod: {
                    namespace: ns,
                    name: `${name}-1`,
                    labels: instancePodLabels(name, `${name}-1`),
                    ports: [
                        { name: "postgresql", containerPort: PORTS.postgres },
                        { name: "metrics", containerPort: PORTS.postgresMetrics },
                        { name: "status", containerPort: PORTS.cnpgStatus },
                    ],
                },
            });
        } else if (o.kind === "Tenant" && o.apiVersion === "minio.min.io/v2") {
            // The MinIO operator labels a tenant's server pods v1.min.io/tenant and v1.min.io/pool.
            const name = o.metadata.name;
            const pool = o.spec.pools[0].name;
            out.push({
                workload: name,
                pod: {
                    namespace: ns,
                    name: `${name}-${pool}-0`,
                    labels: { [OPERATOR_LABELS.tenant]: name, [OPERATOR_LABELS.pool]: pool },
                    ports: [
                        { name: "https-minio", containerPort: MINIO_PORT },
                        { name: "https-console", containerPort: CONSOLE_TLS_PORT },
                    ],
                },
            });
        } else if (o.kind === "Service" && o.metadata?.name === PROMETHEUS_PEER) {
            // prometheus-operator's pod labels (components/monitoring/prometheus-peer.ts) and its `web` port.
            out.push({
                workload: PROMETHEUS_WORKLOAD,
                pod: {
                    namespace: ns,
                    name: "prometheus-kube-prometheus-stack-prometheus-0",
                    labels: { ...PROMETHEUS_SERVER_POD, prometheus: "kube-prometheus-stack-prometheus" },
                    ports: [{ name: "web", containerPort: PROMETHEUS_PORT }],
                },
            });
        } else if (o.kind === "Pooler") {
            const name = o.metadata.name;
            out.push({
                workload: name,
                pod: {
                    namespace: ns,
                    name: `${name}-0`,
                    labels: poolerPodLabels(o.spec.cluster.name, name),
                    ports: [
                        { name: "pgbouncer", containerPort: PORTS.pgbouncer },
                        { name: "metrics", containerPort: PORTS.pgbouncerMetrics },
                    ],
                },
            });
        }
    }
    return out;
}

/** An address inside a CIDR block (its 10th address). */
export function addressIn(cidr: string): string {
    const c = parseCidr(cidr);
    return formatIp(c.version, c.network + 10n);
}

/** The source rows of the table. */
export function sources(input: ReachabilityInput, pods: { workload: string; pod: PodEndpoint }[]): NamedSource[] {
    const { key, value } = input.clientNamespaceLabel;
    const pod = (label: string, namespace: string, labels: Record<string, string>): NamedSource => ({
        label,
        source: { kind: "pod", namespace, labels },
    });
    const own = pods
        .filter((p) => p.pod.labels[CNPG_LABELS.podRole] !== "pooler" || p.workload.endsWith("-rw"))
        .filter((p) => p.workload !== PROMETHEUS_WORKLOAD)
        .map((p) => pod(`pod of ${p.workload}`, p.pod.namespace, p.pod.labels));
    return [
        pod(`application pod (namespace labelled ${key}=${value})`, "shop", { app: "shop" }),
        pod("pod of an unlabelled namespace", "sandbox", { app: "shop" }),
        pod("Prometheus", input.monitoringNamespace, {
            ...PROMETHEUS_POD,
            ...PROMETHEUS_SERVER_POD,
            prometheus: "kube-prometheus-stack-prometheus",
        }),
        pod("Grafana", input.monitoringNamespace, { "app.kubernetes.io/name": "grafana" }),
        pod("CloudNativePG operator", input.cnpgNamespace, { ...CNPG_OPERATOR_POD }),
        pod("Barman Cloud plugin", input.cnpgNamespace, { app: "barman-cloud" }),
        pod("MinIO operator", "minio-operator", { "app.kubernetes.io/name": "operator" }),
        ...own,
        ...input.peerCidrs.slice(0, 1).map((c) => ({
            label: `peer region address (${addressIn(c)})`,
            source: { kind: "ip", ip: addressIn(c) } as Source,
        })),
        ...input.loadBalancerSubnetCidrs.slice(0, 1).map((c) => ({
            label: `NLB address (${addressIn(c)})`,
            source: { kind: "ip", ip: addressIn(c) } as Source,
        })),
        { label: "any other address (192.168.7.10)", source: { kind: "ip", ip: "192.168.7.10" } },
    ];
}

/** The destination columns: every container port of every data pod. */
export function destinations(pods: { workload: string; pod: PodEndpoint }[]): Destination[] {
    return pods.flatMap(({ workload, pod }) =>
        pod.ports.map((p) => ({ label: `${workload} :${p.containerPort}`, pod, port: p.containerPort })),
    );
}

/** The table: for each source, the set of destination labels it reaches. */
export function reachability(input: ReachabilityInput): {
    sources: NamedSource[];
    destinations: Destination[];
    allowed: (source: NamedSource, dest: Destination) => boolean;
} {
    const objects = input.objects;
    const policies = objects.filter((o) => o.kind === "NetworkPolicy") as unknown as NetworkPolicy[];
    const nsLabels = new Map<string, Record<string, string>>();
    for (const o of objects)
        if (o.kind === "Namespace")
            nsLabels.set(o.metadata.name, { ...o.metadata.labels, "kubernetes.io/metadata.name": o.metadata.name });
    const namespaceLabels = (ns: string) =>
        nsLabels.get(ns) ??
        (ns === "shop"
            ? { "kubernetes.io/metadata.name": ns, [input.clientNamespaceLabel.key]: input.clientNamespaceLabel.value }
            : { "kubernetes.io/metadata.name": ns });
    // Data namespaces only (the operators' and cert-manager's Jobs are not part of the fence).
    const pods = stackPods(objects).filter((p) => nsLabels.get(p.pod.namespace)?.["geo-data/domain"] !== undefined);
    return {
        sources: sources(input, pods),
        destinations: destinations(pods),
        allowed: (s, d) => ingressAllowed(policies, namespaceLabels, s.source, d.pod, d.port),
    };
}

/** The table as Markdown: one row per source, the destinations it reaches (everything else is denied). */
export function reachabilityMarkdown(input: ReachabilityInput): string {
    const t = reachability(input);
    const rows = t.sources.map((s) => {
        const reached = t.destinations.filter((d) => t.allowed(s, d)).map((d) => `\`${d.label}\``);
        return `| ${s.label} | ${reached.length ? reached.join(", ") : "nothing"} |`;
    });
    return ["| source | reaches (every other data-tier port: denied) |", "| --- | --- |", ...rows].join("\n");
}
