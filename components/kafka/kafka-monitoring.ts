/**
 * KafkaMonitoring: the PodMonitors of a Strimzi cluster (brokers and controllers through the JMX Prometheus
 * Exporter, Kafka Exporter for consumer lag) and its PrometheusRule; plus the pure rule builders, including
 * MirrorMaker 2's (used by KafkaMirror). Selectors are built from the labels Strimzi sets on the pods
 * (naming.ts), and every series carries `strimzi_io_cluster` / `strimzi_io_pool_name` through podTargetLabels.
 * Metric names: Strimzi 1.2's example JMX rules (kafka-spec.ts) and Kafka Exporter's.
 */
import * as pulumi from "@pulumi/pulumi";
import { meta } from "../shared/k8s";
import { standardLabels } from "../shared/labels";
import { AlertRule, monitoringResource, podMonitorSpec, prometheusRuleSpec } from "../monitoring/monitors";
import { METRICS_PORT, STRIMZI_LABELS } from "./naming";

const RUNBOOK = "docs/kafka.md#alerts";
const TARGET_LABELS = [STRIMZI_LABELS.cluster, STRIMZI_LABELS.poolName, STRIMZI_LABELS.kind];

/** What the cluster alerts select and their thresholds. */
export interface KafkaAlertArgs {
    readonly namespace: string;
    readonly cluster: string;
    /** Consumer-group lag (messages, per group and topic) that alerts. Defaults to 10000. */
    readonly maxConsumerLag?: number;
}

/** Cluster alerts: under-replicated, under-min-ISR and offline partitions, no (or several) active controllers, consumer lag. */
export function kafkaAlertRules(a: KafkaAlertArgs): AlertRule[] {
    const sel = `namespace="${a.namespace}", strimzi_io_cluster="${a.cluster}"`;
    const lag = a.maxConsumerLag ?? 10000;
    return [
        {
            alert: "KafkaUnderReplicatedPartitions",
            expr: `sum by (namespace, strimzi_io_cluster, pod) (kafka_server_replicamanager_underreplicatedpartitions{${sel}}) > 0`,
            for: "5m",
            severity: "warning",
            summary: `Kafka ${a.cluster}: broker {{ $labels.pod }} leads {{ $value }} under-replicated partitions`,
            description: `Some followers of partitions led by {{ $labels.pod }} are out of sync (broker down, slow disk or network). One more broker loss may make them unavailable for acks=all writes.`,
            runbook: RUNBOOK,
        },
        {
            alert: "KafkaUnderMinIsrPartitions",
            expr: `sum by (namespace, strimzi_io_cluster, pod) (kafka_server_replicamanager_underminisrpartitioncount{${sel}}) > 0`,
            for: "2m",
            severity: "critical",
            summary: `Kafka ${a.cluster}: {{ $value }} partitions on {{ $labels.pod }} have fewer in-sync replicas than min.insync.replicas`,
            description: `Producers with acks=all get NotEnoughReplicas for these partitions: writes are refused until a replica catches up.`,
            runbook: RUNBOOK,
        },
        {
            alert: "KafkaOfflinePartitions",
            expr: `max by (namespace, strimzi_io_cluster) (kafka_controller_kafkacontroller_offlinepartitionscount{${sel}}) > 0`,
            for: "1m",
            severity: "critical",
            summary: `Kafka ${a.cluster}: {{ $value }} partitions have no leader`,
            description: `Offline partitions accept neither reads nor writes: every replica of them is down. Bring the brokers back; unclean leader election is disabled on purpose.`,
            runbook: RUNBOOK,
        },
        {
            alert: "KafkaNoActiveController",
            expr: `(sum by (namespace, strimzi_io_cluster) (kafka_controller_kafkacontroller_activecontrollercount{${sel}}) or on () vector(0)) != 1`,
            for: "2m",
            severity: "critical",
            summary: `Kafka ${a.cluster}: {{ $value }} active KRaft controllers (expected exactly 1)`,
            description: `Without an active controller no leader election, topic or ACL change happens; more than one means a split quorum. Check the controller pool pods and their raft-metrics current-state.`,
            runbook: RUNBOOK,
        },
        {
            alert: "KafkaConsumerGroupLag",
            expr: `sum by (namespace, consumergroup, topic) (kafka_consumergroup_lag{namespace="${a.namespace}"}) > ${lag}`,
            for: "15m",
            severity: "warning",
            summary: `Consumer group {{ $labels.consumergroup }} lags {{ $value }} messages on {{ $labels.topic }}`,
            description: `The group consumes {{ $labels.topic }} slower than it is produced (or has stopped). Records older than the topic's retention are lost to it.`,
            runbook: RUNBOOK,
        },
    ];
}

/** What the MirrorMaker 2 alerts select and their thresholds. */
export interface MirrorAlertArgs {
    readonly namespace: string;
    /** The KafkaMirrorMaker2's name (its pods' `strimzi.io/cluster`). */
    readonly mirror: string;
    /** Replication latency (ms, produce in the source to write in this region) that alerts. Defaults to 30000. */
    readonly maxLatencyMs?: number;
}

/** MirrorMaker 2 alerts: replication latency (the recovery point of a region loss) and failed connector tasks. */
export function mirrorAlertRules(a: MirrorAlertArgs): AlertRule[] {
    const sel = `namespace="${a.namespace}", strimzi_io_cluster="${a.mirror}"`;
    const latency = a.maxLatencyMs ?? 30000;
    return [
        {
            alert: "KafkaMirrorReplicationLatencyHigh",
            expr: `max by (namespace, source, target, topic) (kafka_connect_mirror_mirrorsourceconnector_replication_latency_ms_max{${sel}}) > ${latency}`,
            for: "5m",
            severity: "warning",
            summary: `MirrorMaker 2 copies {{ $labels.topic }} from {{ $labels.source }} {{ $value }} ms late`,
            description: `Records reach this region over ${latency / 1000} s after they were written in {{ $labels.source }}: a loss of that region now would lose them. Check the cross-region NLB path and the mirror's tasks.`,
            runbook: RUNBOOK,
        },
        {
            alert: "KafkaMirrorFailedTasks",
            expr: `sum by (namespace, connector) (kafka_connect_worker_connector_failed_task_count{${sel}}) > 0`,
            for: "5m",
            severity: "critical",
            summary: `MirrorMaker 2 connector {{ $labels.connector }} has {{ $value }} failed tasks`,
            description: `A failed task copies nothing (source connector) or syncs no consumer offsets (checkpoint connector) until it is restarted. kubectl annotate kafkamirrormaker2 ${a.mirror} strimzi.io/restart-connector-task=… or see its status.`,
            runbook: RUNBOOK,
        },
        {
            alert: "KafkaMirrorNotRunning",
            expr: `(sum by (namespace) (kafka_connect_worker_connector_running_task_count{${sel}}) or on () vector(0)) < 1`,
            for: "10m",
            severity: "critical",
            summary: `MirrorMaker 2 ${a.mirror} runs no connector task`,
            description: `Nothing is mirrored from the primary region: the recovery point of a region loss grows with every record written there.`,
            runbook: RUNBOOK,
        },
    ];
}

/** Arguments of KafkaMonitoring. */
export interface KafkaMonitoringArgs {
    readonly namespace: string;
    readonly clusterName: string;
    /** Consumer-group lag that alerts. Defaults to 10000. */
    readonly maxConsumerLag?: number;
    /** prometheus-operator resources the monitors wait for. Defaults to none. */
    readonly dependsOn?: pulumi.Resource[];
}

/** The selector of a cluster's broker and controller pods (Strimzi sets `strimzi.io/name: <cluster>-kafka` on every pool). */
export function kafkaPodSelector(cluster: string): Record<string, string> {
    return {
        [STRIMZI_LABELS.cluster]: cluster,
        [STRIMZI_LABELS.kind]: "Kafka",
        [STRIMZI_LABELS.name]: `${cluster}-kafka`,
    };
}

/** The selector of a cluster's Kafka Exporter pod. */
export function exporterPodSelector(cluster: string): Record<string, string> {
    return { [STRIMZI_LABELS.cluster]: cluster, [STRIMZI_LABELS.name]: `${cluster}-kafka-exporter` };
}

/** PodMonitors of the brokers/controllers and of Kafka Exporter, and the cluster's PrometheusRule. */
export class KafkaMonitoring extends pulumi.ComponentResource {
    constructor(name: string, args: KafkaMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("geo:kafka:KafkaMonitoring", name, {}, opts);
        const labels = standardLabels({ app: "kafka", instance: args.clusterName, component: "monitoring" });
        const o = { parent: this, dependsOn: args.dependsOn ?? [] };
        const monitor = (role: string, selector: Record<string, string>) =>
            monitoringResource(
                `${name}-${role}`,
                "PodMonitor",
                meta(`${args.clusterName}-${role}`, args.namespace, labels),
                podMonitorSpec({ selector, port: METRICS_PORT.name, podTargetLabels: TARGET_LABELS }),
                o,
            );
        monitor("kafka", kafkaPodSelector(args.clusterName));
        monitor("kafka-exporter", exporterPodSelector(args.clusterName));
        monitoringResource(
            `${name}-rules`,
            "PrometheusRule",
            meta(`${args.clusterName}-kafka-alerts`, args.namespace, labels),
            prometheusRuleSpec(
                "kafka",
                kafkaAlertRules({
                    namespace: args.namespace,
                    cluster: args.clusterName,
                    maxConsumerLag: args.maxConsumerLag,
                }),
            ),
            o,
        );
        this.registerOutputs({});
    }
}

/** The PodMonitor labels a mirror's pods must carry for `selects` specs, re-exported for the mirror. */
export { TARGET_LABELS as KAFKA_TARGET_LABELS };
