/**
 * The other region's Prometheus as a Grafana data source (kube-prometheus-stack `grafana.additionalDataSources`):
 * a fixed uid the overview dashboard's *Other region* column selects by default. Pure, no SDK imports (the
 * dashboard generator imports it).
 */

/** uid of the peer region's data source. */
export const PEER_DATASOURCE_UID = "prometheus-peer";

/** The other region's Prometheus, as this region's Grafana reads it. */
export interface PeerPrometheus {
    /** The other region (the data source's name says it). */
    readonly region: string;
    /** `http://prometheus.<peer region>.<dnsZone>:9090`. */
    readonly url: string;
}

/** A Grafana provisioning entry (apiVersion 1 `datasources` item) for the peer region's Prometheus. */
export function peerPrometheusDataSource(p: PeerPrometheus): Record<string, unknown> {
    return {
        name: `Prometheus (other region: ${p.region})`,
        uid: PEER_DATASOURCE_UID,
        type: "prometheus",
        access: "proxy",
        url: p.url,
        isDefault: false,
        editable: false,
        jsonData: { timeInterval: "30s" },
    };
}
