/**
 * Each region's Prometheus exposed to the other (components/monitoring/prometheus-peer.ts): the internal NLB
 * Service, the Prometheus pods' NetworkPolicy (evaluated with tools/netpol.ts), and the other region's Grafana
 * data source pointing at that NLB's name.
 */
import { strict as assert } from "assert";
import { kubePrometheusStackValues } from "../components/platform/operators";
import { PEER_DATASOURCE_UID } from "../components/monitoring/peer-datasource";
import { ingressAllowed, NetworkPolicy, Source } from "../tools/netpol";
import { find, inputs, render } from "./support";

const SERVICE = "kubernetes:core/v1:Service";
const NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const CHART = "kubernetes:helm.sh/v4:Chart";
const OPERATOR_LABELS = {
    "app.kubernetes.io/name": "prometheus",
    "app.kubernetes.io/managed-by": "prometheus-operator",
};

describe("Prometheus peer endpoint (the other region's Grafana data source)", () => {
    it("renders an internal NLB under prometheus.<region>.<dnsZone>, fenced to the peer's CIDRs", async () => {
        const east = await render("us-east");
        const svc = inputs(find(east, SERVICE, "geo-prometheus-peer-service"));
        assert.equal(svc.metadata.name, "prometheus-peer");
        assert.equal(svc.metadata.namespace, "geo-monitoring");
        assert.deepEqual(svc.metadata.annotations, {
            "service.beta.kubernetes.io/aws-load-balancer-type": "external",
            "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
            "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
            "external-dns.alpha.kubernetes.io/hostname": "prometheus.us-east-1.data.internal",
        });
        assert.deepEqual(svc.spec, {
            type: "LoadBalancer",
            // prometheus-operator's pod selector labels (pkg/prometheus/server/statefulset.go).
            selector: OPERATOR_LABELS,
            ports: [{ name: "http-web", port: 9090, targetPort: 9090, protocol: "TCP" }],
            loadBalancerSourceRanges: ["10.20.0.0/16"],
        });
        assert.equal(
            (east.outputs as any).monitoring.prometheusPeerEndpoint,
            "prometheus.us-east-1.data.internal:9090",
        );
    });

    it("admits the monitoring namespace on every port and the peer/NLB addresses on 9090 only", async () => {
        const east = await render("us-east");
        const np = inputs(find(east, NP, "geo-prometheus-peer-ingress"));
        const policy = { metadata: np.metadata, spec: np.spec } as unknown as NetworkPolicy;
        const nsLabels = (ns: string) => ({ "kubernetes.io/metadata.name": ns });
        const prom = {
            namespace: "geo-monitoring",
            name: "prometheus-kube-prometheus-stack-prometheus-0",
            labels: { ...OPERATOR_LABELS, prometheus: "kube-prometheus-stack-prometheus" },
            ports: [{ name: "web", containerPort: 9090 }],
        };
        const allowed = (source: Source, port: number) => ingressAllowed([policy], nsLabels, source, prom, port);
        const grafana: Source = {
            kind: "pod",
            namespace: "geo-monitoring",
            labels: { "app.kubernetes.io/name": "grafana" },
        };
        assert.equal(allowed(grafana, 9090), true);
        assert.equal(allowed(grafana, 8080), true); // the config reloader's metrics, scraped by Prometheus itself
        assert.equal(allowed({ kind: "ip", ip: "10.20.3.4" }, 9090), true); // peer region
        assert.equal(allowed({ kind: "ip", ip: "10.10.129.7" }, 9090), true); // this region's NLB subnets
        assert.equal(allowed({ kind: "ip", ip: "10.20.3.4" }, 8080), false);
        assert.equal(allowed({ kind: "ip", ip: "192.168.7.10" }, 9090), false);
        const app: Source = { kind: "pod", namespace: "shop", labels: { app: "shop" } };
        assert.equal(allowed(app, 9090), false);
    });

    it("gives each region's Grafana the other region's Prometheus as a data source", async () => {
        const west = await render("us-west");
        const chart = inputs(find(west, CHART, "geo-operators-kube-prometheus-stack"));
        assert.deepEqual(chart.values.grafana.additionalDataSources, [
            {
                name: "Prometheus (other region: us-east-1)",
                uid: PEER_DATASOURCE_UID,
                type: "prometheus",
                access: "proxy",
                url: "http://prometheus.us-east-1.data.internal:9090",
                isDefault: false,
                editable: false,
                jsonData: { timeInterval: "30s" },
            },
        ]);
        // Without a peer (tests, tools), the chart's own data source only.
        assert.equal((kubePrometheusStackValues("grafana-admin") as any).grafana.additionalDataSources, undefined);
    });

    it("defaults the overview's Other region column to that data source", () => {
        const overview = require("../components/monitoring/dashboards/overview.json");
        const v = overview.templating.list.find((x: any) => x.name === "region1");
        assert.equal(v.type, "datasource");
        assert.equal(v.current.value, PEER_DATASOURCE_UID);
    });
});
