/**
 * Pure builders of the Strimzi 1.2 `kafka.strimzi.io/v1` specs of one region's cluster: the `Kafka` (listeners,
 * authentication and authorization, rack awareness, broker defaults, metrics, Cruise Control, operators, Kafka
 * Exporter) and its two `KafkaNodePool`s (KRaft controllers and brokers, JBOD persistent storage, zone spread).
 * They create no resources and are table-tested.
 */
import { Resources, ZONE_KEY, internalLoadBalancerAnnotations, resources, zoneSpread } from "../shared/k8s";
import { kafkaMetadataVersion, kafkaVersion } from "../shared/versions";
import { OPERAND_RESOURCES } from "./defaults";
import { KAFKA_SECRETS, LISTENERS, POOLS, STRIMZI_LABELS, crossRegionHostnames } from "./naming";

/** Key of the JMX Prometheus Exporter rules in the metrics ConfigMap. */
export const METRICS_CONFIG_KEY = "metrics-config.yml";

/**
 * JMX Prometheus Exporter rules for brokers and controllers: the rules of Strimzi 1.2's
 * packaging/examples/metrics/kafka-metrics.yaml that yield the series the alerts and dashboards read
 * (`kafka_server_replicamanager_underreplicatedpartitions`, `kafka_controller_kafkacontroller_*`, request
 * rates, raft metrics). Kept as text: it is what the exporter agent reads.
 */
export const KAFKA_METRICS_CONFIG = `lowercaseOutputName: true
rules:
- pattern: kafka.server<type=(.+), name=(.+), clientId=(.+), topic=(.+), partition=(.*)><>Value
  name: kafka_server_$1_$2
  type: GAUGE
  labels:
    clientId: "$3"
    topic: "$4"
    partition: "$5"
- pattern: kafka.(\\w+)<type=(.+), name=(.+)PerSec\\w*, (.+)=(.+)><>Count
  name: kafka_$1_$2_$3_total
  type: COUNTER
  labels:
    "$4": "$5"
- pattern: kafka.(\\w+)<type=(.+), name=(.+)PerSec\\w*><>Count
  name: kafka_$1_$2_$3_total
  type: COUNTER
- pattern: kafka.(\\w+)<type=(.+), name=(.+), (.+)=(.+), (.+)=(.+)><>Value
  name: kafka_$1_$2_$3
  type: GAUGE
  labels:
    "$4": "$5"
    "$6": "$7"
- pattern: kafka.(\\w+)<type=(.+), name=(.+), (.+)=(.+)><>Value
  name: kafka_$1_$2_$3
  type: GAUGE
  labels:
    "$4": "$5"
- pattern: kafka.(\\w+)<type=(.+), name=(.+)><>Value
  name: kafka_$1_$2_$3
  type: GAUGE
- pattern: kafka.(\\w+)<type=(.+), name=(.+)><>Count
  name: kafka_$1_$2_$3_count
  type: COUNTER
- pattern: "kafka.server<type=raft-metrics><>(.+-total|.+-max):"
  name: kafka_server_raftmetrics_$1
  type: COUNTER
- pattern: "kafka.server<type=raft-metrics><>(current-state): (.+)"
  name: kafka_server_raftmetrics_$1
  value: 1
  type: UNTYPED
  labels:
    $1: "$2"
- pattern: "kafka.server<type=raft-metrics><>(.+):"
  name: kafka_server_raftmetrics_$1
  type: GAUGE
`;

/** Restricted-profile security contexts for Strimzi's pod templates (what its RestrictedPodSecurityProvider sets). */
export const STRIMZI_POD_SECURITY = {
    pod: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
    container: {
        allowPrivilegeEscalation: false,
        runAsNonRoot: true,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
    },
} as const;

/** What the Kafka spec needs. */
export interface KafkaSpecInput {
    readonly clusterName: string;
    readonly region: string;
    readonly dnsZone: string;
    readonly replicationFactor: number;
    readonly minInsyncReplicas: number;
    /** ConfigMap holding KAFKA_METRICS_CONFIG. */
    readonly metricsConfigMap: string;
    /**
     * CIDRs allowed through the cross-region listener's internal NLBs (Service `loadBalancerSourceRanges`,
     * enforced by the AWS Load Balancer Controller in the NLB's security group). Empty = no restriction.
     */
    readonly crossRegionSourceRanges: readonly string[];
    /** `networkPolicyPeers` of each listener (Strimzi's own NetworkPolicy; empty = open to every client). */
    readonly listenerPeers: { readonly internal: readonly object[]; readonly crossRegion: readonly object[] };
}

/** The two TLS listeners: in-cluster, and the per-broker internal NLBs the other region's MirrorMaker 2 uses. */
export function kafkaListeners(a: KafkaSpecInput): Record<string, unknown>[] {
    const h = crossRegionHostnames(a.region, a.dnsZone);
    const peers = (p: readonly object[]) => (p.length ? { networkPolicyPeers: [...p] } : {});
    return [
        {
            name: LISTENERS.internal.name,
            port: LISTENERS.internal.port,
            type: "internal",
            tls: true,
            authentication: { type: "scram-sha-512" },
            ...peers(a.listenerPeers.internal),
        },
        {
            name: LISTENERS.crossRegion.name,
            port: LISTENERS.crossRegion.port,
            type: "loadbalancer",
            tls: true,
            authentication: { type: "scram-sha-512" },
            configuration: {
                brokerCertChainAndKey: {
                    secretName: KAFKA_SECRETS.crossRegionTls,
                    certificate: "tls.crt",
                    key: "tls.key",
                },
                bootstrap: { annotations: internalLoadBalancerAnnotations(h.bootstrap) },
                perBrokerAnnotationsTemplate: internalLoadBalancerAnnotations(h.brokerTemplate),
                advertisedHostTemplate: h.brokerTemplate,
                // The one place the peer region's CIDRs go (loadbalancer listeners only).
                ...(a.crossRegionSourceRanges.length
                    ? { loadBalancerSourceRanges: [...a.crossRegionSourceRanges] }
                    : {}),
            },
            ...peers(a.listenerPeers.crossRegion),
        },
    ];
}

/**
 * The broker configuration: replication defaults for every topic and for Kafka's internal topics, no automatic
 * topic creation (topics come from KafkaTopic CRs), no unclean leader election, and rack-aware follower fetching.
 */
export function brokerConfig(
    a: Pick<KafkaSpecInput, "replicationFactor" | "minInsyncReplicas">,
): Record<string, unknown> {
    return {
        "default.replication.factor": a.replicationFactor,
        "min.insync.replicas": a.minInsyncReplicas,
        "offsets.topic.replication.factor": a.replicationFactor,
        "transaction.state.log.replication.factor": a.replicationFactor,
        "transaction.state.log.min.isr": a.minInsyncReplicas,
        "auto.create.topics.enable": false,
        "unclean.leader.election.enable": false,
        "replica.selector.class": "org.apache.kafka.common.replica.RackAwareReplicaSelector",
    };
}

/** The `Kafka` spec (KRaft: no ZooKeeper; replicas and storage live on the node pools). */
export function kafkaSpec(a: KafkaSpecInput): Record<string, unknown> {
    return {
        kafka: {
            version: kafkaVersion,
            metadataVersion: kafkaMetadataVersion,
            listeners: kafkaListeners(a),
            authorization: { type: "simple" },
            rack: { topologyKey: ZONE_KEY },
            config: brokerConfig(a),
            metricsConfig: {
                type: "jmxPrometheusExporter",
                valueFrom: { configMapKeyRef: { name: a.metricsConfigMap, key: METRICS_CONFIG_KEY } },
            },
            template: { podDisruptionBudget: { maxUnavailable: 1 } },
        },
        entityOperator: {
            topicOperator: { resources: resources(OPERAND_RESOURCES.topicOperator) },
            userOperator: { resources: resources(OPERAND_RESOURCES.userOperator) },
            template: {
                pod: { securityContext: { ...STRIMZI_POD_SECURITY.pod } },
                topicOperatorContainer: { securityContext: STRIMZI_POD_SECURITY.container },
                userOperatorContainer: { securityContext: STRIMZI_POD_SECURITY.container },
            },
        },
        cruiseControl: {
            resources: resources(OPERAND_RESOURCES.cruiseControl),
            template: {
                pod: { securityContext: { ...STRIMZI_POD_SECURITY.pod } },
                cruiseControlContainer: { securityContext: STRIMZI_POD_SECURITY.container },
            },
        },
        kafkaExporter: {
            topicRegex: ".*",
            groupRegex: ".*",
            resources: resources(OPERAND_RESOURCES.kafkaExporter),
            template: {
                pod: { securityContext: { ...STRIMZI_POD_SECURITY.pod } },
                container: { securityContext: STRIMZI_POD_SECURITY.container },
            },
        },
    };
}

/** What a node pool spec needs. */
export interface NodePoolInput {
    readonly clusterName: string;
    readonly pool: string;
    readonly roles: readonly ("broker" | "controller")[];
    readonly replicas: number;
    readonly storageSize: string;
    readonly storageClass: string;
    readonly resources: Resources;
}

/** JVM heap of a pool: half the container memory limit (Gi → g), leaving the rest to the page cache. */
export function heapOf(r: Resources): string {
    const m = /^([0-9]+)(Mi|Gi)$/.exec(r.limits.memory);
    if (!m) throw new Error(`heapOf: unsupported memory limit ${r.limits.memory}`);
    const mib = Number(m[1]) * (m[2] === "Gi" ? 1024 : 1);
    return `${Math.floor(mib / 2)}m`;
}

/**
 * A `KafkaNodePool` spec: one persistent JBOD volume that also holds the KRaft metadata log (`kraftMetadata:
 * shared`), never deleted with the pool (`deleteClaim: false`); pods spread over zones (hard) and hosts
 * (soft) — since Strimzi 0.49 `rack` only sets `broker.rack` and no longer adds any spreading itself.
 */
export function nodePoolSpec(p: NodePoolInput): Record<string, unknown> {
    const selector = { [STRIMZI_LABELS.cluster]: p.clusterName, [STRIMZI_LABELS.poolName]: p.pool };
    const heap = heapOf(p.resources);
    return {
        replicas: p.replicas,
        roles: [...p.roles],
        storage: {
            type: "jbod",
            volumes: [
                {
                    id: 0,
                    type: "persistent-claim",
                    size: p.storageSize,
                    class: p.storageClass,
                    deleteClaim: false,
                    kraftMetadata: "shared",
                },
            ],
        },
        resources: resources(p.resources),
        jvmOptions: { "-Xms": heap, "-Xmx": heap },
        template: {
            pod: {
                securityContext: { ...STRIMZI_POD_SECURITY.pod },
                topologySpreadConstraints: zoneSpread(selector),
            },
            kafkaContainer: { securityContext: STRIMZI_POD_SECURITY.container },
            // The rack-awareness init container (reads the node's zone label).
            initContainer: { securityContext: STRIMZI_POD_SECURITY.container },
        },
    };
}

/** Both pools of a cluster: dedicated KRaft controllers and brokers. */
export const POOL_ROLES = {
    [POOLS.controller]: ["controller"],
    [POOLS.broker]: ["broker"],
} as const;
