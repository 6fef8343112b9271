/**
 * Names the Kafka tier, its peer region, the monitors and the runbooks must agree on: the cluster and pool
 * names, the labels Strimzi 1.2 puts on its pods, the cross-region host names, the MirrorMaker 2 aliases and
 * its topic names. Pure functions.
 */
import { regionCode } from "../shared/naming";

/** apiVersion of every Strimzi resource this program creates (Strimzi 1.2 serves only v1). */
export const STRIMZI_API = "kafka.strimzi.io/v1";

/** The Kafka cluster's name in every region (Services `events-kafka-bootstrap`, pods `events-broker-N`). */
export const KAFKA_CLUSTER = "events";
/** The KafkaNodePools: KRaft controllers and brokers (separate roles, so a broker roll never moves the quorum). */
export const POOLS = { controller: "controller", broker: "broker" } as const;
/** The KafkaMirrorMaker2 of the non-primary region (pods `events-mirror-mirrormaker2-…`). */
export const MIRROR_NAME = `${KAFKA_CLUSTER}-mirror`;
/** The internal user MirrorMaker 2 authenticates as, in both regions. */
export const MIRROR_USER = "mirror-maker";

/** Listener names and ports (Strimzi: name `^[a-z0-9]{1,11}$`, port >= 9092 and not 9404/9999). */
export const LISTENERS = {
    /** In-cluster clients: TLS + SCRAM-SHA-512, `events-kafka-bootstrap.<ns>.svc:9093`. */
    internal: { name: "tls", port: 9093 },
    /** The other region (MirrorMaker 2): internal NLB per broker, TLS + SCRAM-SHA-512. */
    crossRegion: { name: "xregion", port: 9094 },
} as const;

/** The metrics port every Strimzi operand exposes (container port name `tcp-prometheus`). */
export const METRICS_PORT = { name: "tcp-prometheus", port: 9404 } as const;
/** Strimzi's own broker ports (not configurable): KRaft control plane and inter-broker replication. */
export const STRIMZI_INTERNAL_PORTS = { controlPlane: 9090, replication: 9091, agent: 8443 } as const;
/** Kafka Connect's REST API port on MirrorMaker 2 pods (used by the cluster operator only). */
export const CONNECT_REST_PORT = 8083;

/** Label keys Strimzi 1.2 sets on the pods it creates (operator-common Labels.java). */
export const STRIMZI_LABELS = {
    cluster: "strimzi.io/cluster",
    kind: "strimzi.io/kind",
    name: "strimzi.io/name",
    componentType: "strimzi.io/component-type",
    poolName: "strimzi.io/pool-name",
    brokerRole: "strimzi.io/broker-role",
    controllerRole: "strimzi.io/controller-role",
} as const;

/**
 * Strimzi's default labels of an operand's pods (Labels.generateDefaultLabels: kind, name, cluster, component
 * type, and app.kubernetes.io/name = the component type, instance = the CR, part-of = `strimzi-<CR>`).
 */
function operandLabels(kind: string, cr: string, strimziName: string, componentType: string): Record<string, string> {
    return {
        [STRIMZI_LABELS.kind]: kind,
        [STRIMZI_LABELS.name]: strimziName,
        [STRIMZI_LABELS.cluster]: cr,
        [STRIMZI_LABELS.componentType]: componentType,
        "app.kubernetes.io/name": componentType,
        "app.kubernetes.io/instance": cr,
        "app.kubernetes.io/part-of": `strimzi-${cr}`,
        "app.kubernetes.io/managed-by": "strimzi-cluster-operator",
    };
}

/**
 * The labels Strimzi 1.2 sets on a node pool's pods (KafkaPool: strimzi.io/name is `<cluster>-kafka` for every
 * pool; KafkaCluster.generatePodSets adds the two role labels), for selector specs.
 */
export function nodePodLabels(
    cluster: string,
    pool: string,
    roles: { broker: boolean; controller: boolean },
): Record<string, string> {
    return {
        ...operandLabels("Kafka", cluster, `${cluster}-kafka`, "kafka"),
        [STRIMZI_LABELS.poolName]: pool,
        [STRIMZI_LABELS.brokerRole]: String(roles.broker),
        [STRIMZI_LABELS.controllerRole]: String(roles.controller),
    };
}

/** The labels Strimzi sets on the Kafka Exporter pod (KafkaExporter COMPONENT_TYPE kafka-exporter). */
export function exporterPodLabels(cluster: string): Record<string, string> {
    return operandLabels("Kafka", cluster, `${cluster}-kafka-exporter`, "kafka-exporter");
}

/** The labels Strimzi sets on a KafkaMirrorMaker2's pods (KafkaMirrorMaker2Cluster COMPONENT_TYPE kafka-mirror-maker-2). */
export function mirrorPodLabels(name: string): Record<string, string> {
    return operandLabels("KafkaMirrorMaker2", name, `${name}-mirrormaker2`, "kafka-mirror-maker-2");
}

/** The in-cluster bootstrap address of the internal listener. */
export function internalBootstrap(cluster: string, namespace: string): string {
    return `${cluster}-kafka-bootstrap.${namespace}.svc:${LISTENERS.internal.port}`;
}

/** The MirrorMaker 2 alias of a region's cluster: its region code (`use1`), also the prefix of mirrored topics. */
export function clusterAlias(region: string): string {
    return regionCode(region);
}

/**
 * The cross-region names of a region's Kafka: `bootstrap.kafka.<region>.<zone>` and
 * `broker-{nodeId}.kafka.<region>.<zone>` (Strimzi fills `{nodeId}`), all covered by the listener
 * certificate's `*.kafka.<region>.<zone>`. Region-unique, so the two clusters never advertise the same name.
 */
export function crossRegionHostnames(region: string, dnsZone: string) {
    const domain = `kafka.${region}.${dnsZone}`;
    return {
        domain,
        bootstrap: `bootstrap.${domain}`,
        brokerTemplate: `broker-{nodeId}.${domain}`,
        wildcard: `*.${domain}`,
        /** `host:port` MirrorMaker 2 in the other region connects to. */
        bootstrapAddress: `bootstrap.${domain}:${LISTENERS.crossRegion.port}`,
    };
}

/** Secrets this program creates in the Kafka namespace. */
export const KAFKA_SECRETS = {
    /** This region's certificate and key of the cross-region listener (`tls.crt`, `tls.key`). */
    crossRegionTls: `${KAFKA_CLUSTER}-xregion-tls`,
    /** The pair CA that signs both regions' cross-region listener certificates (`ca.crt`). */
    pairCa: `${KAFKA_CLUSTER}-pair-ca`,
    /** A user's SCRAM-SHA-512 password (key `password`), which its KafkaUser references. */
    password: (user: string) => `${user}-scram`,
} as const;

/** The Kafka Connect group and storage topics of the mirror that copies `source` into this region. */
export function mirrorConnectNames(sourceAlias: string) {
    const base = `connect-mirror-${sourceAlias}`;
    return {
        groupId: base,
        configStorageTopic: `${base}-configs`,
        offsetStorageTopic: `${base}-offsets`,
        statusStorageTopic: `${base}-status`,
    };
}

/** The name a topic mirrored from `sourceAlias` has in this region (DefaultReplicationPolicy, separator "."). */
export function remoteTopic(sourceAlias: string, topic: string): string {
    return `${sourceAlias}.${topic}`;
}
