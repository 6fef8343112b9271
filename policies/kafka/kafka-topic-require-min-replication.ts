import { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES, objectRef } from "../lib";

/**
 * Every KafkaTopic is at least as durable as the cluster defaults demand: `spec.replicas` at least 3 and
 * `min.insync.replicas` at least 2. A topic that omits them inherits the cluster's (checked by
 * kafka-require-min-replication); one that sets them lower is refused.
 */
export const kafkaTopicRequireMinReplication: ResourceValidationPolicy = {
    name: "kafka-topic-require-min-replication",
    description: "Strimzi KafkaTopics must not lower the replication factor below 3 or min.insync.replicas below 2.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        'Set "replicas" to 3 or more and "minInsyncReplicas" to 2 or more on the topic in geo-data:kafkaTopics (or leave them out to use kafkaReplicationFactor/kafkaMinInsyncReplicas).',
    configSchema: {
        properties: {
            minReplicationFactor: { type: "integer", minimum: 1, default: 3 },
            minInsyncReplicas: { type: "integer", minimum: 1, default: 2 },
        },
    },
    validateResource: (args, reportViolation) => {
        if (args.type !== TYPES.kafkaTopic) return;
        const { minReplicationFactor, minInsyncReplicas } = args.getConfig<{
            minReplicationFactor: number;
            minInsyncReplicas: number;
        }>();
        const spec = args.props?.spec ?? {};
        const topic = spec.topicName ?? args.props?.metadata?.name;
        const ref = `${objectRef(args.props)} (topic ${topic})`;
        if (spec.replicas !== undefined && !(Number(spec.replicas) >= minReplicationFactor)) {
            reportViolation(
                `KafkaTopic ${ref} has spec.replicas ${JSON.stringify(spec.replicas)}; set it to ${minReplicationFactor} or more.`,
            );
        }
        const isr = spec.config?.["min.insync.replicas"];
        if (isr !== undefined && !(Number(isr) >= minInsyncReplicas)) {
            reportViolation(
                `KafkaTopic ${ref} has spec.config min.insync.replicas ${JSON.stringify(isr)}; set it to ${minInsyncReplicas} or more, so an acks=all write exists on two brokers.`,
            );
        }
    },
};
