import { strict as assert } from "assert";
import { BLACKBOX, blackboxConfig, crossRegionWatchRules } from "../components/monitoring/cross-region-watch";
import { documentedDefaults, find, inputs, render } from "./support";

const SM = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor";

describe("cross-region watch (blackbox probes of the other region)", () => {
    it("probes exactly the cross-region endpoints the other stack publishes", async () => {
        const east = await render("us-east");
        const west = await render("us-west");
        const targets = (r: typeof east) =>
            inputs(find(r, SM, "geo-cross-region-watch-servicemonitor")).spec.endpoints.map((e: any) => [
                e.relabelings.find((l: any) => l.targetLabel === "peer_target").replacement,
                e.params.target[0],
                e.params.module[0],
            ]);
        const out = (r: typeof east) => r.outputs as any;
        assert.deepEqual(targets(east), [
            ["postgres-replication", `${out(west).postgres.topology.replicationHost}:5432`, "tcp_connect"],
            ["postgres-pooler-rw", `${out(west).postgres.topology.pooler.regional}:5432`, "tcp_connect"],
            ["minio-replication", out(west).minio.replicationEndpoint, "tcp_connect"],
            ["prometheus", out(west).monitoring.prometheusPeerEndpoint, "tcp_connect"],
        ]);
        // Only the primary region serves the Redis sessions master across regions.
        assert.deepEqual(targets(west), [
            ["postgres-replication", `${out(east).postgres.topology.replicationHost}:5432`, "tcp_connect"],
            ["postgres-pooler-rw", `${out(east).postgres.topology.pooler.regional}:5432`, "tcp_connect"],
            ["minio-replication", out(east).minio.replicationEndpoint, "tcp_connect"],
            ["prometheus", out(east).monitoring.prometheusPeerEndpoint, "tcp_connect"],
            ["redis-sessions-master", `${out(east).redis.sessions.replicationEndpoint}:6379`, "tcp_connect"],
        ]);
        for (const e of inputs(find(west, SM, "geo-cross-region-watch-servicemonitor")).spec.endpoints) {
            assert.equal(e.relabelings.find((l: any) => l.targetLabel === "peer_region").replacement, "us-east-1");
        }
    });

    it("runs the exporter non-root with a pinned image, reachable only from Prometheus", async () => {
        const east = await render("us-east");
        const dep = inputs(find(east, "kubernetes:apps/v1:Deployment", "geo-cross-region-watch-exporter"));
        assert.equal(dep.metadata.name, BLACKBOX);
        assert.equal(dep.metadata.namespace, "geo-monitoring");
        const c = dep.spec.template.spec.containers[0];
        assert.match(c.image, /^quay\.io\/prometheus\/blackbox-exporter:v\d+\.\d+\.\d+$/);
        assert.equal(c.securityContext.readOnlyRootFilesystem, true);
        assert.equal(dep.spec.template.spec.securityContext.runAsUser, 65534);
        const np = inputs(
            find(east, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "geo-cross-region-watch-ingress"),
        );
        assert.deepEqual(np.spec.ingress, [
            {
                from: [{ podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } } }],
                ports: [{ protocol: "TCP", port: 9115 }],
            },
        ]);
        assert.equal(blackboxConfig(), "modules:\n  tcp_connect:\n    prober: tcp\n    timeout: 5s\n");
    });

    it("documents the defaults it applies", () => {
        assert.deepEqual(documentedDefaults("components/monitoring/cross-region-watch.ts", "CrossRegionWatchArgs"), {
            unreachableFor: '"5m"',
            dependsOn: "none",
        });
        assert.equal(crossRegionWatchRules("geo-monitoring")[0].for, "5m");
    });
});
