/**
 * What the series behind a rule file look like once scraped: the labels prometheus-operator 0.93 attaches
 * to every target of the rule's monitor (pkg/prometheus/promcfg.go at v0.93.0: `namespace`, `pod`,
 * `container`, `endpoint`, `job` = `<namespace>/<PodMonitor name>` or the Service's name for a
 * ServiceMonitor, `service` for a ServiceMonitor, and each PodMonitor `podTargetLabels` entry with `.`/`/`
 * turned into `_`). Derived from the rendered objects, so a rule whose matchers drift from its monitor
 * finds no series in its promtool tests and fails them.
 */
import { RuleFile } from "./rule-files";

/** The monitored workload behind one rule file. */
export interface Scope {
    readonly stack: string;
    /** Whether the stack's region is the primary region (primaryRegion = region; after a switchover, us-west). */
    readonly primary: boolean;
    readonly namespace: string;
    /** The monitor (PodMonitor or ServiceMonitor) scraping what the rules read. */
    readonly monitor: { readonly kind: string; readonly name: string };
    /** The scrape job label of that monitor's targets. */
    readonly job: string;
    /** Labels every series of the pod `pod` carries (namespace, pod, job, container, endpoint, pod target labels…). */
    target(pod: string): Record<string, string>;
    /** Base of the pod names used in the tests (`<base>-0`, `<base>-1`, …). */
    readonly podBase: string;
    /** CloudNativePG: cluster name, instances, and the other region's member name (its application_name). */
    readonly cluster?: { readonly name: string; readonly instances: number; readonly peer: string };
}

/** Whether a rendered stack's region is the pair's primary region (from its `pair` output), not its stack role. */
export function holdsPrimary(outputs: Record<string, unknown>): boolean {
    const pair = outputs.pair as { region?: string; primaryRegion?: string } | undefined;
    return !!pair && pair.region === pair.primaryRegion;
}

/** Prometheus label name of a Kubernetes label (as relabelling's sanitizeLabelName does). */
export function promLabel(k: string): string {
    return k.replace(/[^a-zA-Z0-9_]/g, "_");
}

const selects = (sel: Record<string, string>, labels: Record<string, string> = {}) =>
    Object.entries(sel).every(([k, v]) => labels[k] === v);

/**
 * The scope of each rule file: the monitor of the same namespace whose name is the PrometheusRule's name
 * without `-alerts`. Throws when there is none.
 */
export function scopeOf(
    file: RuleFile,
    objects: readonly Record<string, any>[],
    stack: string,
    primary: boolean,
): Scope {
    const base = file.name.replace(/-alerts$/, "");
    const inNs = objects.filter((o) => o.metadata?.namespace === file.namespace);
    const monitor = inNs.find(
        (o) => (o.kind === "PodMonitor" || o.kind === "ServiceMonitor") && o.metadata.name === base,
    );
    if (!monitor) throw new Error(`${stack}: no PodMonitor/ServiceMonitor ${file.namespace}/${base} for ${file.name}`);
    const selector: Record<string, string> = monitor.spec.selector?.matchLabels ?? {};
    const endpoint = (monitor.spec.podMetricsEndpoints ?? monitor.spec.endpoints)[0];
    const fixed: Record<string, string> = { namespace: file.namespace, endpoint: endpoint.port };
    let job: string;
    let podBase = base;
    if (monitor.kind === "PodMonitor") {
        job = `${file.namespace}/${monitor.metadata.name}`;
        for (const l of monitor.spec.podTargetLabels ?? []) if (selector[l]) fixed[promLabel(l)] = selector[l];
    } else {
        // The Service the ServiceMonitor scrapes: selected by labels and serving the endpoint's port.
        const services = serviceCandidates(inNs).filter(
            (svc) => selects(selector, svc.labels) && svc.ports.includes(endpoint.port),
        );
        if (services.length !== 1)
            throw new Error(
                `${stack}: ServiceMonitor ${file.namespace}/${base} scrapes ${services.length} Services (${services.map((x) => x.name).join(", ")}), expected 1`,
            );
        job = services[0].name;
        fixed.service = services[0].name;
        podBase = services[0].podBase ?? base;
    }
    fixed.job = job;
    const pg = inNs.find((o) => o.kind === "Cluster" && o.apiVersion === "postgresql.cnpg.io/v1");
    const clusterName = fixed.cnpg_io_cluster;
    let cluster: Scope["cluster"];
    if (pg && clusterName === pg.metadata.name) {
        const self = pg.spec.replica?.self;
        const peer = (pg.spec.externalClusters ?? []).map((e: any) => e.name).find((n: string) => n !== self) ?? "";
        cluster = { name: pg.metadata.name, instances: pg.spec.instances, peer };
        podBase = pg.metadata.name;
    }
    return {
        stack,
        primary,
        namespace: file.namespace,
        monitor: { kind: monitor.kind, name: monitor.metadata.name },
        job,
        podBase,
        cluster,
        target: (pod: string) => ({ ...fixed, pod, container: "main", instance: `${pod}:9000` }),
    };
}

/**
 * The Services of a namespace as prometheus-operator sees them: the rendered ones, plus the `minio` Service the
 * MinIO operator creates for each Tenant, labelled with `spec.serviceMetadata.minioServiceLabels` and serving
 * `https-minio` (minio/operator v7.1.1 pkg/resources/services/service.go NewClusterIPForMinIO).
 */
function serviceCandidates(
    inNs: readonly Record<string, any>[],
): { name: string; labels: Record<string, string>; ports: string[]; podBase?: string }[] {
    const rendered = inNs
        .filter((o) => o.kind === "Service")
        .map((o) => ({
            name: o.metadata.name as string,
            labels: (o.metadata.labels ?? {}) as Record<string, string>,
            ports: ((o.spec?.ports ?? []) as any[]).map((p) => p.name as string),
        }));
    const tenants = inNs
        .filter((o) => o.kind === "Tenant")
        .map((t) => ({
            name: "minio",
            labels: (t.spec.serviceMetadata?.minioServiceLabels ?? {}) as Record<string, string>,
            ports: ["https-minio"],
            podBase: `${t.metadata.name}-${t.spec.pools?.[0]?.name ?? "pool-0"}`,
        }));
    return [...rendered, ...tenants];
}
