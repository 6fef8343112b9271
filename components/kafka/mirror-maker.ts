/**
 * KafkaMirror: MirrorMaker 2 (`KafkaMirrorMaker2`, kafka.strimzi.io/v1) in the region that is not primary,
 * copying the configured topics from the primary region's cross-region listener into this region's cluster,
 * with checkpoints and consumer-group offset sync so consumers can move here. It follows `primaryRegion`:
 * after a switchover the other stack renders it, in the other direction.
 *
 * Replication policy: Kafka's DefaultReplicationPolicy — a mirrored topic is `<source alias>.<topic>`
 * (`use1.orders` in us-west-2). Identity names would let the two directions feed each other back (MM2 detects
 * cycles only by the prefix) and make a reversed mirror copy a topic's whole history onto itself; with
 * prefixes every direction has its own topics and its own committed offsets, so a switchover, a failback or
 * a rebuilt region resumes without duplicates. Consumers read `<topic>` and `<peer alias>.<topic>`
 * (docs/kafka.md). The settings that must be equal on both connectors (replication.policy.class and
 * .separator, offset-syncs.topic.location; Strimzi's MirrorMaker 2 docs) come from one object.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Resources, meta, resources, zoneSpread } from "../shared/k8s";
import { standardLabels } from "../shared/labels";
import { argChecks, intBetween } from "../shared/validate";
import { kafkaVersion } from "../shared/versions";
import { MIRROR_RESOURCES } from "./defaults";
import { KAFKA_TARGET_LABELS, mirrorAlertRules } from "./kafka-monitoring";
import { STRIMZI_POD_SECURITY, heapOf } from "./kafka-spec";
import { METRICS_PORT, MIRROR_NAME, MIRROR_USER, STRIMZI_API, STRIMZI_LABELS, mirrorConnectNames } from "./naming";
import { monitoringResource, podMonitorSpec, prometheusRuleSpec } from "../monitoring/monitors";

/** Key of the JMX exporter rules in the mirror's metrics ConfigMap. */
export const MIRROR_METRICS_KEY = "metrics-config.yml";

/**
 * JMX Prometheus Exporter rules of MirrorMaker 2: the Connect, consumer-lag and mirror rules of Strimzi 1.2's
 * packaging/examples/metrics/kafka-mirror-maker-2-metrics.yaml the alerts, dashboards and runbook read
 * (`kafka_consumer_fetch_manager_records_lag`: records of the source region not yet copied).
 */
export const MIRROR_METRICS_CONFIG = `lowercaseOutputName: true
lowercaseOutputLabelNames: true
rules:
- pattern: 'kafka.connect<type=connector-task-metrics, connector=(.+), task=(.+)><>status: ([a-z-]+)'
  name: kafka_connect_connector_status
  value: 1
  labels:
    connector: "$1"
    task: "$2"
    status: "$3"
  type: GAUGE
- pattern: kafka.connect<type=connect-worker-metrics, connector=(.+)><>([a-z-]+)
  name: kafka_connect_worker_$2
  labels:
    connector: "$1"
  type: GAUGE
- pattern: kafka.connect<type=connect-worker-metrics><>([a-z-]+)
  name: kafka_connect_worker_$1
  type: GAUGE
- pattern: kafka.(.+)<type=(.+)-metrics, client-id=(.+), topic=(.+), partition=(.+)><>(compression-rate|.+-avg|.+-replica|.+-lag|.+-lead)
  name: kafka_$2_$6
  labels:
    clientId: "$3"
    topic: "$4"
    partition: "$5"
  type: GAUGE
- pattern: kafka.connect.mirror<type=MirrorSourceConnector, source=(.+), target=(.+), topic=(.+), partition=(.+)><>([a-z-_]+)
  name: kafka_connect_mirror_mirrorsourceconnector_$5
  labels:
    source: "$1"
    target: "$2"
    topic: "$3"
    partition: "$4"
  type: GAUGE
- pattern: kafka.connect.mirror<type=MirrorCheckpointConnector, source=(.+), target=(.+), group=(.+), topic=(.+), partition=(.+)><>([a-z-_]+)
  name: kafka_connect_mirror_mirrorcheckpointconnector_$6
  labels:
    source: "$1"
    target: "$2"
    group: "$3"
    topic: "$4"
    partition: "$5"
  type: GAUGE
`;

/**
 * Settings both connectors must share, or offset translation silently breaks (strimzi-kafka-operator#9609,
 * #7904): the replication policy and its separator, and where the offset-syncs topic lives — `target`, so the
 * mirror needs only read access to the source region.
 */
export const SHARED_CONNECTOR_CONFIG = {
    "replication.policy.class": "org.apache.kafka.connect.mirror.DefaultReplicationPolicy",
    "replication.policy.separator": ".",
    "offset-syncs.topic.location": "target",
} as const;

/** Intervals of the checkpoint connector, in seconds: how stale a consumer's translated offset may be. */
export const CHECKPOINT_INTERVAL_SECONDS = 30;

/** The source connector's config: mirror the configured topics, nothing else (no ACL or config sync). */
export function sourceConnectorConfig(replicationFactor: number): Record<string, unknown> {
    return {
        ...SHARED_CONNECTOR_CONFIG,
        "replication.factor": replicationFactor,
        "offset-syncs.topic.replication.factor": replicationFactor,
        // Topics and their configuration are declared in both regions (KafkaTopics); the Topic Operator owns them.
        "sync.topic.configs.enabled": "false",
        "sync.topic.acls.enabled": "false",
        "refresh.topics.interval.seconds": 60,
        // An offset sync at least every 100 records: a translated consumer offset is at most that far behind.
        "offset.lag.max": 100,
    };
}

/**
 * The checkpoint connector's config: emit checkpoints and write the translated offsets into this region's
 * consumer groups (`sync.group.offsets.enabled`, off by default in Kafka) — what lets a consumer group resume
 * here. Kafka only writes them while the group has no active member in this region.
 */
export function checkpointConnectorConfig(replicationFactor: number): Record<string, unknown> {
    return {
        ...SHARED_CONNECTOR_CONFIG,
        "checkpoints.topic.replication.factor": replicationFactor,
        "emit.checkpoints.enabled": "true",
        "emit.checkpoints.interval.seconds": CHECKPOINT_INTERVAL_SECONDS,
        "sync.group.offsets.enabled": "true",
        "sync.group.offsets.interval.seconds": CHECKPOINT_INTERVAL_SECONDS,
        "refresh.groups.interval.seconds": 60,
    };
}

/** A regex matching exactly `topics` (MirrorMaker 2's `topics`, a Java regex). */
export function topicsPattern(topics: readonly string[]): string {
    return topics.map((t) => t.replace(/[.]/g, "\\.")).join("|");
}

/** One side of the mirror. */
export interface MirrorCluster {
    /** MirrorMaker 2 alias: the region code. */
    readonly alias: string;
    readonly bootstrapServers: string;
    /** Secret (in this namespace) and key of the CA certificate to trust. */
    readonly caSecret: string;
    readonly caKey: string;
}

/** Arguments of KafkaMirror. */
export interface KafkaMirrorArgs {
    readonly namespace: string;
    /** The primary region's cluster, through its cross-region listener. */
    readonly source: MirrorCluster;
    /** This region's cluster, through its internal listener. */
    readonly target: MirrorCluster;
    /** Topics to mirror (their copies here are `<source alias>.<topic>`). */
    readonly topics: readonly string[];
    /** Secret holding MirrorMaker 2's SCRAM password (key `password`), the same user in both regions. */
    readonly passwordSecret: string;
    /** Replication factor of the topics the mirror creates. Defaults to 3. */
    readonly replicationFactor?: number;
    /** Kafka Connect workers. Defaults to 2. */
    readonly replicas?: number;
    /** Requests and limits of each worker. Defaults to MIRROR_RESOURCES (500m/2Gi, 1/2Gi). */
    readonly resources?: Resources;
    /** Operator resources the custom resources wait for. Defaults to none. */
    readonly dependsOn?: { readonly kafka?: pulumi.Resource[]; readonly monitoring?: pulumi.Resource[] };
}

/** The `spec` of the KafkaMirrorMaker2. */
export function mirrorSpec(
    a: Required<Omit<KafkaMirrorArgs, "dependsOn" | "namespace">> & { metricsConfigMap: string },
): Record<string, unknown> {
    const auth = {
        type: "scram-sha-512",
        username: MIRROR_USER,
        passwordSecret: { secretName: a.passwordSecret, password: "password" },
    };
    const side = (c: MirrorCluster) => ({
        alias: c.alias,
        bootstrapServers: c.bootstrapServers,
        tls: { trustedCertificates: [{ secretName: c.caSecret, certificate: c.caKey }] },
        authentication: auth,
    });
    const rf = a.replicationFactor;
    const heap = heapOf(a.resources);
    const selector = { [STRIMZI_LABELS.cluster]: MIRROR_NAME };
    return {
        version: kafkaVersion,
        replicas: a.replicas,
        target: {
            ...side(a.target),
            ...mirrorConnectNames(a.source.alias),
            config: {
                "config.storage.replication.factor": rf,
                "offset.storage.replication.factor": rf,
                "status.storage.replication.factor": rf,
            },
        },
        mirrors: [
            {
                source: side(a.source),
                sourceConnector: {
                    tasksMax: 4,
                    autoRestart: { enabled: true },
                    config: sourceConnectorConfig(rf),
                },
                checkpointConnector: {
                    tasksMax: 1,
                    autoRestart: { enabled: true },
                    config: checkpointConnectorConfig(rf),
                },
                topicsPattern: topicsPattern(a.topics),
                groupsPattern: ".*",
                groupsExcludePattern: "console-consumer-.*,connect-.*,__.*",
            },
        ],
        resources: resources(a.resources),
        jvmOptions: { "-Xms": heap, "-Xmx": heap },
        metricsConfig: {
            type: "jmxPrometheusExporter",
            valueFrom: { configMapKeyRef: { name: a.metricsConfigMap, key: MIRROR_METRICS_KEY } },
        },
        template: {
            pod: {
                securityContext: { ...STRIMZI_POD_SECURITY.pod },
                topologySpreadConstraints: zoneSpread(selector),
            },
            connectContainer: { securityContext: STRIMZI_POD_SECURITY.container },
            podDisruptionBudget: { maxUnavailable: 1 },
        },
    };
}

/** MirrorMaker 2 of the region that is not primary, with its metrics rules, PodMonitor and alerts. */
export class KafkaMirror extends pulumi.ComponentResource {
    public readonly mirrorName: string;

    constructor(name: string, args: KafkaMirrorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("geo:kafka:KafkaMirror", name, {}, opts);
        const a = {
            ...args,
            replicationFactor: args.replicationFactor ?? 3,
            replicas: args.replicas ?? 2,
            resources: args.resources ?? MIRROR_RESOURCES,
        };
        const { check } = argChecks("KafkaMirror");
        check("replicas", a.replicas, intBetween(1, 10)(a.replicas));
        check("topics", a.topics, a.topics.length ? undefined : "expected at least one topic to mirror");
        check(
            "target.alias",
            a.target.alias,
            a.target.alias !== a.source.alias ? undefined : "must differ from source.alias",
        );
        const labels = standardLabels({
            app: "kafka-mirror-maker-2",
            instance: MIRROR_NAME,
            component: "mirror",
            version: kafkaVersion,
        });
        const metricsConfigMap = `${MIRROR_NAME}-metrics`;
        const metrics = new k8s.core.v1.ConfigMap(
            `${name}-metrics`,
            {
                metadata: meta(metricsConfigMap, a.namespace, labels),
                data: { [MIRROR_METRICS_KEY]: MIRROR_METRICS_CONFIG },
            },
            { parent: this },
        );
        new k8s.apiextensions.CustomResource(
            `${name}-mm2`,
            {
                apiVersion: STRIMZI_API,
                kind: "KafkaMirrorMaker2",
                metadata: meta(MIRROR_NAME, a.namespace, labels),
                spec: mirrorSpec({ ...a, metricsConfigMap }),
            },
            { parent: this, dependsOn: [...(args.dependsOn?.kafka ?? []), metrics] },
        );
        const monOpts = { parent: this, dependsOn: args.dependsOn?.monitoring ?? [] };
        monitoringResource(
            `${name}-podmonitor`,
            "PodMonitor",
            meta(MIRROR_NAME, a.namespace, labels),
            podMonitorSpec({
                selector: { [STRIMZI_LABELS.cluster]: MIRROR_NAME, [STRIMZI_LABELS.kind]: "KafkaMirrorMaker2" },
                port: METRICS_PORT.name,
                podTargetLabels: KAFKA_TARGET_LABELS,
            }),
            monOpts,
        );
        monitoringResource(
            `${name}-rules`,
            "PrometheusRule",
            meta(`${MIRROR_NAME}-alerts`, a.namespace, labels),
            prometheusRuleSpec("kafka-mirror", mirrorAlertRules({ namespace: a.namespace, mirror: MIRROR_NAME })),
            monOpts,
        );
        this.mirrorName = MIRROR_NAME;
        this.registerOutputs({});
    }
}
