/** geo-data / Redis: the cache (cluster mode) and the sessions store (Sentinel mode) of one region. */
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import { datasourceVariable, labelVariable, series, single } from "./panels";

const sel = 'namespace="$namespace", service=~"$service"';

export function redisDashboard(): dashboard.DashboardBuilder {
    return new dashboard.DashboardBuilder("geo-data / Redis")
        .uid("geo-data-redis")
        .tags(["geo-data", "redis"])
        .refresh("1m")
        .time({ from: "now-6h", to: "now" })
        .withVariable(datasourceVariable("datasource", "Region (Prometheus)"))
        .withVariable(labelVariable("namespace", "datasource", "redis_up", "namespace"))
        .withVariable(labelVariable("service", "datasource", "redis_up", "service").multi(true).includeAll(true))
        .withPanel(
            single("Servers up", "How many Redis servers answer their exporter?", "none", "datasource", [
                { expr: `sum(redis_up{${sel}})`, monitor: "redis" },
            ]).gridPos({ x: 0, y: 0, w: 6, h: 4 }),
        )
        .withPanel(
            single(
                "Masters",
                "How many pods are masters (sessions: 1 in the primary region, 0 in the other)?",
                "none",
                "datasource",
                [{ expr: `count(redis_instance_info{${sel}, role="master"})`, monitor: "redis" }],
            ).gridPos({ x: 6, y: 0, w: 6, h: 4 }),
        )
        .withPanel(
            single(
                "Cluster state",
                "Does the cache cluster report cluster_state:ok (1)?",
                "none",
                "datasource",
                [{ expr: `min(redis_cluster_state{${sel}})`, monitor: "redis" }],
                { "0": "fail", "1": "ok" },
            ).gridPos({ x: 12, y: 0, w: 6, h: 4 }),
        )
        .withPanel(
            single("Slots served", "How many of the 16384 hash slots have a healthy master?", "none", "datasource", [
                { expr: `min(redis_cluster_slots_ok{${sel}})`, monitor: "redis" },
            ]).gridPos({ x: 18, y: 0, w: 6, h: 4 }),
        )
        .withPanel(
            series(
                "Master link (replicas)",
                "Is each replica's link to its master up? The sessions replicas of the other region replicate across regions.",
                "none",
                "datasource",
                [{ expr: `max by (service, pod) (redis_master_link_up{${sel}})`, legend: "{{pod}}", monitor: "redis" }],
            ).gridPos({ x: 0, y: 4, w: 12, h: 8 }),
        )
        .withPanel(
            series("Memory used / maxmemory", "How close is each server to maxmemory?", "percentunit", "datasource", [
                {
                    expr: `max by (service, pod) (redis_memory_used_bytes{${sel}} / (redis_memory_max_bytes{${sel}} > 0))`,
                    legend: "{{pod}}",
                    monitor: "redis",
                },
            ]).gridPos({ x: 12, y: 4, w: 12, h: 8 }),
        )
        .withPanel(
            series("Connected replicas per master", "How many replicas does each master have?", "none", "datasource", [
                {
                    expr: `max by (service, pod) (redis_connected_slaves{${sel}} and on (namespace, pod) redis_instance_info{${sel}, role="master"})`,
                    legend: "{{pod}}",
                    monitor: "redis",
                },
            ]).gridPos({ x: 0, y: 12, w: 24, h: 8 }),
        );
}
