import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { meta } from "../shared/k8s";
import { PART_OF, standardLabels } from "../shared/labels";
import { operatorNamespaces } from "../shared/naming";
import { ChartPin, charts, manifests } from "../shared/versions";
import { createCertManagerReady } from "./cert-manager-ready";
import { AlertingConfig } from "../../config/alerting";
import { ALERTMANAGER_CONFIG_SECRET, createAlertmanagerSecret } from "../monitoring/alertmanager-secret";
import { createDashboards } from "../monitoring/dashboards";
import { PeerPrometheus, peerPrometheusDataSource } from "../monitoring/peer-datasource";

/** The Secret holding Grafana's admin login (generated password), in the monitoring namespace. */
export const GRAFANA_ADMIN_SECRET = "grafana-admin";

/**
 * kube-prometheus-stack values (chart 88.2.0; every path checked against the chart's values.yaml and, under
 * `grafana`, the grafana subchart's values.yaml at that release):
 * - `prometheus.prometheusSpec.{serviceMonitor,podMonitor,rule}SelectorNilUsesHelmValues: false` — select every
 *   ServiceMonitor/PodMonitor/PrometheusRule, not only those labelled with the release.
 * - `nodeExporter.enabled: false` — the prometheus-node-exporter DaemonSet needs hostNetwork, hostPID and
 *   hostPath volumes, which the monitoring namespace's `baseline` Pod Security forbids: it would never get a
 *   pod and the chart would never become ready. EKS clusters run their own node monitoring; the data tier's
 *   alerts need none of its metrics.
 * - `grafana.admin.{existingSecret,userKey,passwordKey}` — the grafana subchart reads the admin login from
 *   that Secret instead of kube-prometheus-stack's default `grafana.adminPassword: prom-operator`.
 * - `alertmanager.alertmanagerSpec.{useExistingSecret,configSecret}` — Alertmanager reads the configuration
 *   built from `alert*` config (components/monitoring/alertmanager-secret.ts) instead of the chart's default,
 *   whose only receiver `"null"` notifies no one.
 * - `prometheus.prometheusSpec.externalLabels.region` — every alert carries its region (Alertmanager groups
 *   by it; a person paged knows where to look).
 * - `grafana.additionalDataSources` — the other region's Prometheus (its `prometheus-peer` NLB,
 *   components/monitoring/prometheus-peer.ts) as a second data source, uid `prometheus-peer`, which the overview
 *   dashboard's *Other region* column selects; the chart appends the list to its own data source ConfigMap
 *   (templates/grafana/configmaps-datasources.yaml) after its default `Prometheus`.
 */
export function kubePrometheusStackValues(
    grafanaAdminSecret: string,
    region = "",
    alertmanagerSecret = ALERTMANAGER_CONFIG_SECRET,
    peerPrometheus?: PeerPrometheus,
): Record<string, unknown> {
    return {
        alertmanager: { alertmanagerSpec: { useExistingSecret: true, configSecret: alertmanagerSecret } },
        prometheus: {
            prometheusSpec: {
                ...(region ? { externalLabels: { region } } : {}),
                serviceMonitorSelectorNilUsesHelmValues: false,
                podMonitorSelectorNilUsesHelmValues: false,
                ruleSelectorNilUsesHelmValues: false,
            },
        },
        nodeExporter: { enabled: false },
        grafana: {
            admin: { existingSecret: grafanaAdminSecret, userKey: "admin-user", passwordKey: "admin-password" },
            ...(peerPrometheus ? { additionalDataSources: [peerPrometheusDataSource(peerPrometheus)] } : {}),
        },
    };
}

/** Arguments of Operators. */
export interface OperatorsArgs {
    /** Namespace of kube-prometheus-stack (the monitoring namespace of the data tier). */
    readonly monitoringNamespace: pulumi.Input<string>;
    /** AWS region, attached to every alert as the `region` label. Defaults to none. */
    readonly region?: string;
    /** Where alerts go. Defaults to no receiver (the plan's advisory policy then says so). */
    readonly alerting?: AlertingConfig;
    /** The other region's Prometheus, Grafana's second data source. Defaults to none. */
    readonly peerPrometheus?: PeerPrometheus;
}

/** What data-tier custom resources must wait for, per API group family. */
export interface OperatorDependencies {
    /** CloudNativePG + Barman Cloud plugin (Cluster, Pooler, ScheduledBackup, ObjectStore). */
    readonly postgres: pulumi.Resource[];
    /** Strimzi (Kafka, KafkaNodePool, KafkaTopic, KafkaUser, KafkaMirrorMaker2). */
    readonly kafka: pulumi.Resource[];
    /** MinIO operator (Tenant). */
    readonly minio: pulumi.Resource[];
    /** prometheus-operator CRDs (ServiceMonitor, PodMonitor, PrometheusRule). */
    readonly monitoring: pulumi.Resource[];
}

/**
 * The operators the data tier needs, each pinned in components/shared/versions.ts, installed with
 * `kubernetes.helm.v4.Chart` (visible to policies, CRDs installed by the chart) and, for the Barman Cloud
 * plugin which ships no chart for its pinned release, its release manifest.
 */
export class Operators extends pulumi.ComponentResource {
    /** Resources each family of custom resources must `dependsOn`. */
    public readonly dependencies: OperatorDependencies;

    constructor(name: string, args: OperatorsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("geo:platform:Operators", name, {}, opts);
        const ns = (key: string, nsName: string) =>
            new k8s.core.v1.Namespace(
                `${name}-${key}-ns`,
                {
                    metadata: {
                        name: nsName,
                        labels: {
                            "app.kubernetes.io/part-of": PART_OF,
                            "app.kubernetes.io/managed-by": "pulumi",
                            "pod-security.kubernetes.io/enforce": "baseline",
                        },
                    },
                },
                { parent: this },
            );
        const chart = (
            role: string,
            pin: ChartPin,
            namespace: pulumi.Input<string>,
            values: Record<string, unknown>,
            dependsOn: pulumi.Resource[] = [],
        ) =>
            new k8s.helm.v4.Chart(
                `${name}-${role}`,
                {
                    chart: pin.chart,
                    version: pin.version,
                    ...(pin.repo ? { repositoryOpts: { repo: pin.repo } } : {}),
                    namespace,
                    values,
                },
                { parent: this, dependsOn },
            );

        const cnpgNs = ns("cnpg", operatorNamespaces.cnpg);
        const certNs = ns("cert-manager", operatorNamespaces.certManager);
        const strimziNs = ns("strimzi", operatorNamespaces.strimzi);
        const minioNs = ns("minio", operatorNamespaces.minio);

        // Grafana's admin login: a generated password (never the chart's default), read with
        // kubectl get secret grafana-admin -n <monitoring namespace> -o jsonpath='{.data.admin-password}'.
        const grafanaPassword = new random.RandomPassword(
            `${name}-grafana-admin-password`,
            { length: 32, special: false },
            { parent: this },
        );
        const grafanaAdmin = new k8s.core.v1.Secret(
            `${name}-grafana-admin`,
            {
                metadata: pulumi.output(args.monitoringNamespace).apply((ns) =>
                    meta(
                        GRAFANA_ADMIN_SECRET,
                        ns,
                        standardLabels({
                            app: "grafana",
                            instance: "kube-prometheus-stack",
                            component: "credentials",
                        }),
                    ),
                ),
                type: "Opaque",
                stringData: { "admin-user": "admin", "admin-password": grafanaPassword.result },
            },
            { parent: this, additionalSecretOutputs: ["stringData", "data"] },
        );
        const alertmanagerConfig = createAlertmanagerSecret(name, args.monitoringNamespace, args.alerting ?? {}, this);
        const monitoring = chart(
            "kube-prometheus-stack",
            charts.kubePrometheusStack,
            args.monitoringNamespace,
            kubePrometheusStackValues(
                GRAFANA_ADMIN_SECRET,
                args.region ?? "",
                ALERTMANAGER_CONFIG_SECRET,
                args.peerPrometheus,
            ),
            [grafanaAdmin, alertmanagerConfig],
        );
        createDashboards(name, args.monitoringNamespace, this);
        const certManager = chart("cert-manager", charts.certManager, certNs.metadata.name, {
            crds: { enabled: true },
        });
        // The chart is "ready" before its webhook serves: wait for cert-manager's API itself.
        const certManagerReady = createCertManagerReady(name, operatorNamespaces.certManager, certManager, this);
        const cnpg = chart("cloudnative-pg", charts.cloudnativePg, cnpgNs.metadata.name, {
            crds: { create: true },
        });
        // The plugin's manifest installs into cnpg-system and creates an Issuer and Certificates at once: it
        // waits for the check above, not only for the chart.
        const barman = new k8s.yaml.v2.ConfigFile(
            `${name}-barman-cloud-plugin`,
            { file: manifests.barmanCloudPlugin.url },
            { parent: this, dependsOn: [cnpg, certManagerReady] },
        );
        const strimzi = chart("strimzi", charts.strimzi, strimziNs.metadata.name, { watchAnyNamespace: true });
        const minio = chart("minio-operator", charts.minioOperator, minioNs.metadata.name, {});

        this.dependencies = {
            postgres: [cnpg, barman],
            kafka: [strimzi],
            minio: [minio],
            monitoring: [monitoring],
        };
        this.registerOutputs({});
    }
}
