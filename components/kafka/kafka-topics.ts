/**
 * KafkaTopics: the configured topics as `KafkaTopic` CRs of one region's cluster, and — for each — the topic
 * MirrorMaker 2 fills with the other region's copy (`<peer alias>.<name>`, DefaultReplicationPolicy), declared
 * with the same partitions, replication and retention so that neither the mirror nor Kafka's defaults decide
 * them. Deleting a KafkaTopic deletes the topic and its data, so they are protected like the cluster.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { meta } from "../shared/k8s";
import { standardLabels } from "../shared/labels";
import { argChecks, dnsName } from "../shared/validate";
import { KafkaTopicSpec, replicationProblem, topicName } from "./defaults";
import { STRIMZI_API, STRIMZI_LABELS, remoteTopic } from "./naming";

/**
 * The KafkaTopic's metadata.name for a Kafka topic name: the name itself when it is a valid Kubernetes name,
 * otherwise a lower-cased, `_`→`-` form with a short hash of the real name (so `Orders_v1` and `orders-v1`
 * cannot collide); spec.topicName always carries the real name.
 */
export function topicResourceName(topic: string): string {
    if (dnsName(topic) === undefined && topic.length <= 200) return topic;
    const base = topic
        .toLowerCase()
        .replace(/[^a-z0-9.-]/g, "-")
        .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, "")
        .slice(0, 200);
    return `${base || "topic"}-${createHash("sha256").update(topic).digest("hex").slice(0, 8)}`;
}

/** The `spec` of a KafkaTopic. */
export function topicSpec(t: KafkaTopicSpec, name: string = t.name): Record<string, unknown> {
    return {
        topicName: name,
        partitions: t.partitions,
        replicas: t.replicas,
        config: {
            "min.insync.replicas": t.minInsyncReplicas,
            "retention.ms": t.retentionMs,
            "cleanup.policy": t.cleanupPolicy,
        },
    };
}

/** Arguments of KafkaTopics. */
export interface KafkaTopicsArgs {
    readonly namespace: string;
    /** The Kafka the topics belong to (label `strimzi.io/cluster`). */
    readonly clusterName: string;
    /** Brokers of the cluster (a topic's replication factor must fit). */
    readonly brokers: number;
    readonly topics: readonly KafkaTopicSpec[];
    /** Alias of the other region: the prefix of the mirrored copies. */
    readonly peerAlias: string;
    /** Also declare each topic's mirrored copy `<peerAlias>.<name>`. Defaults to true. */
    readonly mirroredCopies?: boolean;
    /** `protect` and `retainOnDelete` on every KafkaTopic. Defaults to true. */
    readonly protect?: boolean;
    /** The Kafka (and operator) the topics wait for. Defaults to none. */
    readonly dependsOn?: pulumi.Resource[];
}

/** Checks every topic as config does (config/kafka.ts), for callers that bypass config. */
export function validateKafkaTopicsArgs(args: KafkaTopicsArgs): Required<Omit<KafkaTopicsArgs, "dependsOn">> {
    const { check } = argChecks("KafkaTopics");
    args.topics.forEach((t, i) => {
        check(`topics[${i}].name`, t.name, topicName([args.peerAlias])(t.name));
        check(`topics[${i}].replicas`, t.replicas, replicationProblem(t.replicas, t.minInsyncReplicas, args.brokers));
    });
    return { ...args, mirroredCopies: args.mirroredCopies ?? true, protect: args.protect ?? true };
}

/** One region's topics. */
export class KafkaTopics extends pulumi.ComponentResource {
    /** Kafka topic names, in order: the configured ones, then the mirrored copies. */
    public readonly topicNames: readonly string[];

    constructor(name: string, args: KafkaTopicsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("geo:kafka:KafkaTopics", name, {}, opts);
        const a = validateKafkaTopicsArgs(args);
        const labels = {
            ...standardLabels({ app: "kafka", instance: a.clusterName, component: "topic" }),
            [STRIMZI_LABELS.cluster]: a.clusterName,
        };
        const all = [
            ...a.topics.map((t) => ({ spec: t, name: t.name })),
            ...(a.mirroredCopies ? a.topics.map((t) => ({ spec: t, name: remoteTopic(a.peerAlias, t.name) })) : []),
        ];
        for (const { spec, name: topic } of all) {
            const resource = topicResourceName(topic);
            new k8s.apiextensions.CustomResource(
                `${name}-${resource}`,
                {
                    apiVersion: STRIMZI_API,
                    kind: "KafkaTopic",
                    metadata: meta(resource, a.namespace, labels),
                    spec: topicSpec(spec, topic),
                },
                { parent: this, dependsOn: args.dependsOn ?? [], protect: a.protect, retainOnDelete: a.protect },
            );
        }
        this.topicNames = all.map((x) => x.name);
        this.registerOutputs({ topicNames: this.topicNames });
    }
}
