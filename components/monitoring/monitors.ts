/**
 * Pure builders for prometheus-operator objects (monitoring.coreos.com/v1 PodMonitor, ServiceMonitor and
 * PrometheusRule) and the small `monitoringResource` helper that turns them into CustomResources. Shared by every data
 * service; the builders create no resources and are table-tested.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** apiVersion of PodMonitor, ServiceMonitor and PrometheusRule. */
export const MONITORING_API = "monitoring.coreos.com/v1";

/** What a PodMonitor or ServiceMonitor scrapes. */
export interface MonitorArgs {
    /** Labels the scraped pods (PodMonitor) or Services (ServiceMonitor) carry; test with `selects`. */
    readonly selector: Readonly<Record<string, string>>;
    /** Name of the port serving metrics. Defaults to "metrics". */
    readonly port?: string;
    /** Pod labels copied onto every scraped series (e.g. `cnpg.io/cluster` → `cnpg_io_cluster`). Defaults to none. */
    readonly podTargetLabels?: readonly string[];
    /** Scrape interval. Defaults to "30s". */
    readonly interval?: string;
}

/** The spec shared by both monitor kinds; only the name of the endpoints list differs. */
function monitorSpec(a: MonitorArgs, endpointsField: "podMetricsEndpoints" | "endpoints"): Record<string, unknown> {
    return {
        selector: { matchLabels: { ...a.selector } },
        ...(a.podTargetLabels?.length ? { podTargetLabels: [...a.podTargetLabels] } : {}),
        [endpointsField]: [{ port: a.port ?? "metrics", interval: a.interval ?? "30s" }],
    };
}

/** The `spec` of a PodMonitor selecting pods of its own namespace. */
export function podMonitorSpec(a: MonitorArgs): Record<string, unknown> {
    return monitorSpec(a, "podMetricsEndpoints");
}

/** The `spec` of a ServiceMonitor selecting Services of its own namespace. */
export function serviceMonitorSpec(a: MonitorArgs): Record<string, unknown> {
    return monitorSpec(a, "endpoints");
}

/** One alerting rule. */
export interface AlertRule {
    readonly alert: string;
    readonly expr: string;
    /** Duration the condition must hold, e.g. "5m". */
    readonly for: string;
    readonly severity: "critical" | "warning";
    readonly summary: string;
    readonly description: string;
    /** Runbook section (anchor in the README). */
    readonly runbook?: string;
}

/** The `spec` of a PrometheusRule with one group. */
export function prometheusRuleSpec(group: string, rules: readonly AlertRule[]): Record<string, unknown> {
    return {
        groups: [
            {
                name: group,
                rules: rules.map((r) => ({
                    alert: r.alert,
                    expr: r.expr,
                    for: r.for,
                    labels: { severity: r.severity },
                    annotations: {
                        summary: r.summary,
                        description: r.description,
                        ...(r.runbook ? { runbook_url: r.runbook } : {}),
                    },
                })),
            },
        ],
    };
}

/**
 * True when a label selector (`matchLabels`) selects a pod with `labels` — the check every
 * PodMonitor/ServiceMonitor test runs against the labels the operator really sets.
 */
export function selects(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
    return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** Registers a PodMonitor, ServiceMonitor or PrometheusRule as a CustomResource. */
export function monitoringResource(
    resourceName: string,
    kind: "PodMonitor" | "ServiceMonitor" | "PrometheusRule",
    metadata: { name: string; namespace: string; labels: Record<string, string> },
    spec: Record<string, unknown>,
    opts: pulumi.CustomResourceOptions,
): k8s.apiextensions.CustomResource {
    return new k8s.apiextensions.CustomResource(
        resourceName,
        { apiVersion: MONITORING_API, kind, metadata, spec },
        opts,
    );
}
