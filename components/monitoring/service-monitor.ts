/**
 * Pure builder for prometheus-operator ServiceMonitors (monitoring.coreos.com/v1) and the helper that
 * registers one as a CustomResource. Companion of monitors.ts (PodMonitor/PrometheusRule), kept in its own
 * file; the builder creates no resources and is table-tested.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { MONITORING_API } from "./monitors";

/** What a ServiceMonitor scrapes. */
export interface ServiceMonitorArgs {
    /** Labels of the scraped Service (exactly the labels it carries; test with `selects`). */
    readonly selector: Readonly<Record<string, string>>;
    /** Name of the Service port serving metrics. Defaults to "metrics". */
    readonly port?: string;
    /** Pod labels copied onto every scraped series. Defaults to none. */
    readonly podTargetLabels?: readonly string[];
    /** Scrape interval. Defaults to "30s". */
    readonly interval?: string;
}

/** The `spec` of a ServiceMonitor selecting Services of its own namespace. */
export function serviceMonitorSpec(a: ServiceMonitorArgs): Record<string, unknown> {
    return {
        selector: { matchLabels: { ...a.selector } },
        ...(a.podTargetLabels?.length ? { podTargetLabels: [...a.podTargetLabels] } : {}),
        endpoints: [{ port: a.port ?? "metrics", interval: a.interval ?? "30s" }],
    };
}

/** Registers a ServiceMonitor as a CustomResource. */
export function serviceMonitorResource(
    resourceName: string,
    metadata: { name: string; namespace: string; labels: Record<string, string> },
    spec: Record<string, unknown>,
    opts: pulumi.CustomResourceOptions,
): k8s.apiextensions.CustomResource {
    return new k8s.apiextensions.CustomResource(
        resourceName,
        { apiVersion: MONITORING_API, kind: "ServiceMonitor", metadata, spec },
        opts,
    );
}
