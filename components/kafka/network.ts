/**
 * What a NetworkPolicy around the Kafka tier must know: which pods (by the labels Strimzi sets), which ports,
 * who talks to them, and which port the other region reaches. Pure data for the NetworkPolicy wiring; the
 * Kafka components create no NetworkPolicy themselves.
 *
 * Strimzi 1.2 already creates NetworkPolicies for its operands (Kafka, Kafka Exporter, Cruise Control, Entity
 * Operator, and Kafka Connect/MirrorMaker 2: `generateNetworkPolicy` in each model class), so they keep working
 * under a namespace-wide default-deny. Since Kubernetes NetworkPolicies only add allowed traffic, another
 * policy cannot narrow what those open: the Kafka policy admits every client of a listener unless the listener
 * lists `networkPolicyPeers`, and the metrics ports are open to all.
 * Restricting a Kafka listener therefore means setting that listener's peers (KafkaClusterArgs.listenerPeers)
 * — or turning Strimzi's generation off (`STRIMZI_NETWORK_POLICY_GENERATION=false` on the operator) and
 * owning every rule, including Strimzi's internal ports below.
 */
import {
    CONNECT_REST_PORT,
    LISTENERS,
    METRICS_PORT,
    STRIMZI_INTERNAL_PORTS,
    STRIMZI_LABELS,
    exporterPodLabels,
    mirrorPodLabels,
} from "./naming";
import { clientNamespacesPeer, crossRegionPeers } from "../shared/fence";

/** Who connects to a port. */
export type KafkaPeer =
    /** Application pods of this region's cluster (namespaces carrying the application label). */
    | "applications"
    /** The other region (its MirrorMaker 2, through the internal NLBs): the peer region's CIDRs. */
    | "peer-region"
    /** Prometheus in the monitoring namespace. */
    | "monitoring"
    /** The Strimzi cluster operator (namespace strimzi-system). */
    | "strimzi-operator"
    /** Pods of the same Kafka cluster and Strimzi's own operands (entity operator, Cruise Control, Kafka Exporter). */
    | "kafka-internal"
    /** MirrorMaker 2 of this region (writes to the local cluster). */
    | "mirror-maker";

/** One port of the tier. */
export interface KafkaPort {
    readonly name: string;
    readonly port: number;
    readonly protocol: "TCP";
    /** Reached from the other region. */
    readonly crossRegion: boolean;
    readonly from: readonly KafkaPeer[];
    /** Which Strimzi listener, when it is one (`networkPolicyPeers` goes there). */
    readonly listener?: string;
}

/** A set of pods and the ports they serve. */
export interface KafkaPodGroup {
    /** `matchLabels` of the pods (labels Strimzi sets). */
    readonly podSelector: Readonly<Record<string, string>>;
    readonly ports: readonly KafkaPort[];
}

/** The Kafka tier's network surface in one region. */
export interface KafkaNetworkSurface {
    readonly namespace: string;
    /** Broker and controller pods of the cluster. */
    readonly brokers: KafkaPodGroup;
    readonly exporter: KafkaPodGroup;
    /** MirrorMaker 2 pods (only in the region that is not primary). */
    readonly mirror?: KafkaPodGroup;
}

const tcp = (p: Omit<KafkaPort, "protocol">): KafkaPort => ({ protocol: "TCP", ...p });

/** The network surface of the cluster `clusterName` in `namespace`, with the mirror `mirrorName` when it runs here. */
export function kafkaNetworkSurface(clusterName: string, namespace: string, mirrorName?: string): KafkaNetworkSurface {
    const metrics = tcp({ name: METRICS_PORT.name, port: METRICS_PORT.port, crossRegion: false, from: ["monitoring"] });
    return {
        namespace,
        brokers: {
            podSelector: {
                [STRIMZI_LABELS.cluster]: clusterName,
                [STRIMZI_LABELS.kind]: "Kafka",
                [STRIMZI_LABELS.name]: `${clusterName}-kafka`,
            },
            ports: [
                tcp({
                    name: LISTENERS.internal.name,
                    port: LISTENERS.internal.port,
                    crossRegion: false,
                    from: ["applications", "mirror-maker", "kafka-internal"],
                    listener: LISTENERS.internal.name,
                }),
                tcp({
                    name: LISTENERS.crossRegion.name,
                    port: LISTENERS.crossRegion.port,
                    crossRegion: true,
                    from: ["peer-region"],
                    listener: LISTENERS.crossRegion.name,
                }),
                tcp({
                    name: "controlplane",
                    port: STRIMZI_INTERNAL_PORTS.controlPlane,
                    crossRegion: false,
                    from: ["kafka-internal", "strimzi-operator"],
                }),
                tcp({
                    name: "replication",
                    port: STRIMZI_INTERNAL_PORTS.replication,
                    crossRegion: false,
                    from: ["kafka-internal", "strimzi-operator"],
                }),
                tcp({
                    name: "kafka-agent",
                    port: STRIMZI_INTERNAL_PORTS.agent,
                    crossRegion: false,
                    from: ["strimzi-operator"],
                }),
                metrics,
            ],
        },
        exporter: { podSelector: pick(exporterPodLabels(clusterName)), ports: [metrics] },
        ...(mirrorName
            ? {
                  mirror: {
                      podSelector: pick(mirrorPodLabels(mirrorName)),
                      ports: [
                          tcp({
                              name: "rest-api",
                              port: CONNECT_REST_PORT,
                              crossRegion: false,
                              from: ["strimzi-operator"],
                          }),
                          metrics,
                      ],
                  },
              }
            : {}),
    };
}

/** The stable subset of an operand's labels used as a selector (cluster, kind, name). */
function pick(labels: Record<string, string>): Record<string, string> {
    return {
        [STRIMZI_LABELS.cluster]: labels[STRIMZI_LABELS.cluster],
        [STRIMZI_LABELS.kind]: labels[STRIMZI_LABELS.kind],
        [STRIMZI_LABELS.name]: labels[STRIMZI_LABELS.name],
    };
}

/** Who may reach the tier: the fence's config (application namespaces' label, the peer's CIDRs, the NLB subnets). */
export interface KafkaFence {
    readonly clientNamespaceLabel: { readonly key: string; readonly value: string };
    readonly peerCidrs: readonly string[];
    readonly loadBalancerSubnetCidrs: readonly string[];
}

/**
 * The listeners' `networkPolicyPeers`, from which Strimzi generates the listener ports' NetworkPolicy: the
 * internal listener admits the application namespaces and this namespace's MirrorMaker 2 pods; the cross-region
 * listener admits the peer region's CIDRs and this region's internal-NLB subnets (an NLB with IP targets
 * health-checks from its own addresses; see docs/network.md).
 */
export function kafkaListenerPeers(fence: KafkaFence): { internal: object[]; crossRegion: object[] } {
    return {
        internal: [
            clientNamespacesPeer(fence.clientNamespaceLabel),
            { podSelector: { matchLabels: { [STRIMZI_LABELS.kind]: "KafkaMirrorMaker2" } } },
        ],
        crossRegion: crossRegionPeers(fence.peerCidrs, fence.loadBalancerSubnetCidrs),
    };
}
