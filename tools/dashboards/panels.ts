/**
 * Small typed helpers over @grafana/grafana-foundation-sdk shared by the dashboards: panels whose every query
 * names the monitor its series come from, so the metric/label check (tools/alerts/metric-check.ts) can
 * check it like an alert.
 */
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as prometheus from "@grafana/grafana-foundation-sdk/prometheus";
import * as stat from "@grafana/grafana-foundation-sdk/stat";
import * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";

/** A panel query: PromQL, its legend, and the monitor (`<namespace variable>/<monitor>`) whose series it reads. */
export interface Query {
    readonly expr: string;
    readonly legend?: string;
    /** Name of the PodMonitor/ServiceMonitor the series come from (its scope in the check); "" = none (ALERTS). */
    readonly monitor: string;
}

/** The Prometheus data source of a dashboard variable (`${name}`). */
export const ds = (variable: string) => ({ type: "prometheus", uid: `\${${variable}}` });

function targets(qs: readonly Query[]): prometheus.DataqueryBuilder[] {
    return qs.map((q, i) =>
        new prometheus.DataqueryBuilder()
            .expr(q.expr)
            .refId(String.fromCharCode(65 + i))
            .legendFormat(q.legend ?? "__auto"),
    );
}

/** A time series panel. */
export function series(
    title: string,
    description: string,
    unit: string,
    datasource: string,
    qs: Query[],
): timeseries.PanelBuilder {
    let p = new timeseries.PanelBuilder().title(title).description(description).unit(unit).datasource(ds(datasource));
    for (const t of targets(qs)) p = p.withTarget(t);
    return p;
}

/** A single-value panel; `texts` maps values to words (e.g. 0 → "primary"). */
export function single(
    title: string,
    description: string,
    unit: string,
    datasource: string,
    qs: Query[],
    texts: Record<string, string> = {},
): stat.PanelBuilder {
    let p = new stat.PanelBuilder().title(title).description(description).unit(unit).datasource(ds(datasource));
    if (Object.keys(texts).length) {
        p = p.mappings([
            {
                type: dashboard.MappingType.ValueToText,
                options: Object.fromEntries(Object.entries(texts).map(([v, text], index) => [v, { text, index }])),
            },
        ]);
    }
    for (const t of targets(qs)) p = p.withTarget(t);
    return p;
}

/** A Prometheus data source variable; `regex` narrows it to one region's data source by name. */
export function datasourceVariable(name: string, label: string, regex = ""): dashboard.DatasourceVariableBuilder {
    const v = new dashboard.DatasourceVariableBuilder(name).label(label).type("prometheus");
    return regex ? v.regex(regex) : v;
}

/** A query variable over a label's values (`label_values(metric, label)`). */
export function labelVariable(
    name: string,
    datasource: string,
    metric: string,
    label: string,
): dashboard.QueryVariableBuilder {
    return new dashboard.QueryVariableBuilder(name)
        .label(label)
        .datasource(ds(datasource))
        .query(`label_values(${metric}, ${label})`)
        .refresh(dashboard.VariableRefresh.OnTimeRangeChanged);
}
