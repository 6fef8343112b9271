import { strict as assert } from "assert";
import { charts, manifests } from "../components/shared/versions";
import { find, inputs, ofType, render } from "./support";

describe("platform layer", () => {
    it("creates the data-tier namespaces with PSA labels", async () => {
        const east = await render("us-east");
        const ns = inputs(find(east, "kubernetes:core/v1:Namespace", "geo-namespaces-postgres"));
        assert.equal(ns.metadata.name, "geo-postgres");
        assert.equal(ns.metadata.labels["pod-security.kubernetes.io/enforce"], "baseline");
        assert.equal(ns.metadata.labels["pod-security.kubernetes.io/warn"], "restricted");
        assert.equal(ns.metadata.labels["geo-data/region"], "us-east-1");
        assert.deepEqual(
            ofType(east, "kubernetes:core/v1:Namespace")
                .map((r) => inputs(r).metadata.name)
                .sort(),
            [
                "cert-manager",
                "cnpg-system",
                "geo-kafka",
                "geo-minio",
                "geo-monitoring",
                "geo-postgres",
                "geo-redis",
                "minio-operator",
                "strimzi-system",
            ],
        );
    });

    it("installs every operator as a pinned helm.v4 Chart through the region's explicit provider", async () => {
        const east = await render("us-east");
        const chartsByName = Object.fromEntries(
            ofType(east, "kubernetes:helm.sh/v4:Chart").map((r) => [r.name, inputs(r)]),
        );
        assert.deepEqual(
            Object.fromEntries(Object.entries(chartsByName).map(([n, c]) => [n, `${c.chart}@${c.version}`])),
            {
                "geo-operators-kube-prometheus-stack": `kube-prometheus-stack@${charts.kubePrometheusStack.version}`,
                "geo-operators-cert-manager": `cert-manager@${charts.certManager.version}`,
                "geo-operators-cloudnative-pg": `cloudnative-pg@${charts.cloudnativePg.version}`,
                "geo-operators-strimzi": `oci://quay.io/strimzi-helm/strimzi-kafka-operator@1.2.0`,
                "geo-operators-minio-operator": `operator@${charts.minioOperator.version}`,
            },
        );
        assert.equal(charts.cloudnativePg.appVersion, "1.30.0");
        assert.deepEqual(chartsByName["geo-operators-strimzi"].values, { watchAnyNamespace: true });
        const kps = chartsByName["geo-operators-kube-prometheus-stack"];
        assert.equal(kps.values.prometheus.prometheusSpec.serviceMonitorSelectorNilUsesHelmValues, false);
        assert.equal(kps.values.prometheus.prometheusSpec.podMonitorSelectorNilUsesHelmValues, false);
        const plugin = find(east, "kubernetes:yaml/v2:ConfigFile", "geo-operators-barman-cloud-plugin");
        assert.equal(inputs(plugin).file, manifests.barmanCloudPlugin.url);
        assert.match(manifests.barmanCloudPlugin.url, /\/v0\.14\.0\/manifest\.yaml$/);
        assert.deepEqual(plugin.options.dependsOn, [
            "kubernetes:helm.sh/v4:Chart::geo-operators-cloudnative-pg",
            "kubernetes:helm.sh/v4:Chart::geo-operators-cert-manager",
        ]);
        // Every Kubernetes child inherits the one explicit provider of the region.
        const provider = find(east, "pulumi:providers:kubernetes", "geo-k8s");
        assert.equal(inputs(provider).enableServerSideApply, "true");
    });

    it("skips the operators when manageOperators is false", async () => {
        const east = await render("us-east", { manageOperators: "false" });
        assert.equal(ofType(east, "kubernetes:helm.sh/v4:Chart").length, 0);
        assert.equal(ofType(east, "kubernetes:yaml/v2:ConfigFile").length, 0);
        assert.equal(ofType(east, "kubernetes:core/v1:Namespace").length, 5);
    });

    it("passes kubeContext and kubeconfig (as a secret) to the provider", async () => {
        const east = await render("us-east", { kubeContext: "east-admin", kubeconfig: "/etc/kube/east.yaml" });
        const provider = find(east, "pulumi:providers:kubernetes", "geo-k8s");
        assert.equal(provider.inputs.context, "east-admin");
        assert.equal(provider.inputs.kubeconfig.value, "/etc/kube/east.yaml");
        assert.equal(
            provider.inputs.kubeconfig["4dabf18193072939515e22adb298388d"],
            "1b47061264138c4ac30d75fd1eb44270",
        );
    });
});
