import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PART_OF } from "../shared/labels";
import { operatorNamespaces } from "../shared/naming";
import { ChartPin, charts, manifests } from "../shared/versions";

/** Arguments of Operators. */
export interface OperatorsArgs {
    /** Namespace of kube-prometheus-stack (the monitoring namespace of the data tier). */
    readonly monitoringNamespace: pulumi.Input<string>;
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

        const monitoring = chart("kube-prometheus-stack", charts.kubePrometheusStack, args.monitoringNamespace, {
            // Select every ServiceMonitor/PodMonitor/PrometheusRule, not only those labelled with the release.
            prometheus: {
                prometheusSpec: {
                    serviceMonitorSelectorNilUsesHelmValues: false,
                    podMonitorSelectorNilUsesHelmValues: false,
                    ruleSelectorNilUsesHelmValues: false,
                },
            },
        });
        const certManager = chart("cert-manager", charts.certManager, certNs.metadata.name, {
            crds: { enabled: true },
        });
        const cnpg = chart("cloudnative-pg", charts.cloudnativePg, cnpgNs.metadata.name, {
            crds: { create: true },
        });
        // The plugin's manifest installs into cnpg-system and needs cert-manager for its certificates.
        const barman = new k8s.yaml.v2.ConfigFile(
            `${name}-barman-cloud-plugin`,
            { file: manifests.barmanCloudPlugin.url },
            { parent: this, dependsOn: [cnpg, certManager] },
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
