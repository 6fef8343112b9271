import { strict as assert } from "assert";
import { charts, images, manifests } from "../components/shared/versions";
import { READINESS_GATE_LABEL } from "../components/platform/data-namespaces";
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
            "kubernetes:batch/v1:Job::geo-operators-cert-manager-ready",
        ]);
        // Every Kubernetes child inherits the one explicit provider of the region.
        const provider = find(east, "pulumi:providers:kubernetes", "geo-k8s");
        assert.equal(inputs(provider).enableServerSideApply, "true");
    });

    it("keeps kube-prometheus-stack installable under baseline Pod Security, with no default Grafana password", async () => {
        const east = await render("us-east");
        const kps = find(east, "kubernetes:helm.sh/v4:Chart", "geo-operators-kube-prometheus-stack");
        const values = inputs(kps).values;
        // node-exporter needs hostNetwork/hostPID/hostPath, which the monitoring namespace's baseline forbids.
        const monitoringNs = inputs(find(east, "kubernetes:core/v1:Namespace", "geo-namespaces-monitoring"));
        assert.equal(inputs(kps).namespace, "geo-monitoring");
        assert.equal(monitoringNs.metadata.labels["pod-security.kubernetes.io/enforce"], "baseline");
        assert.deepEqual(values.nodeExporter, { enabled: false });
        // Grafana reads its admin login from a generated Secret in the same namespace; the chart waits for it.
        assert.equal(values.grafana.adminPassword, undefined);
        assert.deepEqual(values.grafana.admin, {
            existingSecret: "grafana-admin",
            userKey: "admin-user",
            passwordKey: "admin-password",
        });
        const secret = find(east, "kubernetes:core/v1:Secret", "geo-operators-grafana-admin");
        const s = inputs(secret);
        assert.equal(s.metadata.name, "grafana-admin");
        assert.equal(s.metadata.namespace, "geo-monitoring");
        assert.equal(s.stringData["admin-user"], "admin");
        assert.match(s.stringData["admin-password"], /^[A-Za-z0-9]{32}$/);
        assert.notEqual(s.stringData["admin-password"], "prom-operator");
        assert.ok(secret.inputs.stringData["4dabf18193072939515e22adb298388d"], "the password must stay secret");
        assert.deepEqual(kps.options.dependsOn, [
            "kubernetes:core/v1:Secret::geo-operators-grafana-admin",
            "kubernetes:core/v1:Secret::geo-operators-alertmanager-config",
        ]);
    });

    it("gates the Barman Cloud plugin on a Job that waits for cert-manager's API (webhook included)", async () => {
        const east = await render("us-east");
        const job = find(east, "kubernetes:batch/v1:Job", "geo-operators-cert-manager-ready");
        const j = inputs(job);
        assert.equal(j.metadata.name, "cert-manager-api-ready");
        assert.equal(j.metadata.namespace, "cert-manager");
        assert.equal(j.metadata.labels["app.kubernetes.io/part-of"], "geo-data");
        assert.equal(j.spec.activeDeadlineSeconds, 900);
        assert.equal(j.spec.backoffLimit, 2);
        const pod = j.spec.template.spec;
        assert.equal(pod.serviceAccountName, "cert-manager-api-ready");
        assert.equal(pod.securityContext.runAsNonRoot, true);
        assert.equal(pod.securityContext.runAsUser, 65532);
        const [c] = pod.containers;
        assert.equal(c.image, images.certManagerStartupApiCheck);
        assert.match(c.image, /:v1\.19\.1$/);
        assert.equal(
            c.image.split(":").pop(),
            charts.certManager.appVersion,
            "the check must match the chart's release",
        );
        assert.deepEqual(c.args, ["check", "api", "--wait=5m", "-v"]);
        assert.deepEqual(c.env, [
            { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
        ]);
        assert.deepEqual(c.resources, {
            requests: { cpu: "10m", memory: "32Mi" },
            limits: { cpu: "100m", memory: "64Mi" },
        });
        assert.equal(c.securityContext.allowPrivilegeEscalation, false);
        assert.deepEqual(c.securityContext.capabilities, { drop: ["ALL"] });
        // RBAC: only creating (dry-run) Certificates, only in cert-manager's namespace.
        const role = inputs(
            find(east, "kubernetes:rbac.authorization.k8s.io/v1:Role", "geo-operators-cert-manager-ready-role"),
        );
        assert.equal(role.metadata.namespace, "cert-manager");
        assert.deepEqual(role.rules, [
            { apiGroups: ["cert-manager.io"], resources: ["certificates"], verbs: ["create"] },
        ]);
        const binding = inputs(
            find(
                east,
                "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
                "geo-operators-cert-manager-ready-rolebinding",
            ),
        );
        assert.deepEqual(binding.subjects, [
            { kind: "ServiceAccount", name: "cert-manager-api-ready", namespace: "cert-manager" },
        ]);
        assert.equal(binding.roleRef.name, "cert-manager-api-ready");
        // The Job waits for the chart; Pulumi waits for the Job to complete before the plugin manifest.
        assert.ok(job.options.dependsOn?.includes("kubernetes:helm.sh/v4:Chart::geo-operators-cert-manager"));
        assert.equal(job.options.deleteBeforeReplace, true);
    });

    it("labels every namespace holding NLB IP targets for the AWS Load Balancer Controller's readiness gate", async () => {
        for (const stack of ["us-east", "us-west"]) {
            const r = await render(stack);
            // Every object that asks for an NLB with IP targets (Services, CNPG managed services, Poolers), by namespace.
            const targetNamespaces = new Set<string>();
            const walk = (v: any, ns: string) => {
                if (!v || typeof v !== "object") return;
                if (v["service.beta.kubernetes.io/aws-load-balancer-nlb-target-type"] === "ip")
                    targetNamespaces.add(ns);
                for (const x of Object.values(v)) walk(x, ns);
            };
            for (const res of r.resources) {
                const i = inputs(res);
                if (i?.metadata?.namespace) walk(i, i.metadata.namespace);
            }
            // The Redis sessions endpoint lives in the primary region only (it moves with a switchover); Kafka's
            // cross-region listener, MinIO's replication endpoint and the Prometheus peer endpoint are in both.
            assert.deepEqual(
                [...targetNamespaces].sort(),
                stack === "us-east"
                    ? ["geo-kafka", "geo-minio", "geo-monitoring", "geo-postgres", "geo-redis"]
                    : ["geo-kafka", "geo-minio", "geo-monitoring", "geo-postgres"],
                stack,
            );
            const labelled = ofType(r, "kubernetes:core/v1:Namespace")
                .map((n) => inputs(n).metadata)
                .filter((m) => m.labels[READINESS_GATE_LABEL] === "enabled")
                .map((m) => m.name)
                .sort();
            for (const ns of targetNamespaces)
                assert.ok(labelled.includes(ns), `${stack}: ${ns} lacks ${READINESS_GATE_LABEL}`);
            // The Redis namespace in both regions (the sessions endpoint moves with a switchover); never the operators.
            assert.deepEqual(
                labelled,
                ["geo-kafka", "geo-minio", "geo-monitoring", "geo-postgres", "geo-redis"],
                stack,
            );
        }
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
