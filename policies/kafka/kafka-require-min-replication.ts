import { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES, objectRef } from "../lib";

/**
 * A Strimzi Kafka's broker defaults make every topic durable: `default.replication.factor` (and that of the
 * consumer-offsets and transaction-state topics) at least 3 and `min.insync.replicas` at least 2, so a write
 * acknowledged with `acks=all` exists on two brokers and survives one broker (or zone) loss.
 */
export const kafkaRequireMinReplication: ResourceValidationPolicy = {
    name: "kafka-require-min-replication",
    description:
        "Strimzi Kafka clusters must default to a replication factor of at least 3 (topics, consumer offsets, transaction state) and min.insync.replicas of at least 2.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Set spec.kafka.config default.replication.factor, offsets.topic.replication.factor and transaction.state.log.replication.factor to 3 or more and min.insync.replicas to 2 or more (config keys kafkaReplicationFactor, kafkaMinInsyncReplicas).",
    configSchema: {
        properties: {
            minReplicationFactor: { type: "integer", minimum: 1, default: 3 },
            minInsyncReplicas: { type: "integer", minimum: 1, default: 2 },
        },
    },
    validateResource: (args, reportViolation) => {
        if (args.type !== TYPES.kafka) return;
        const { minReplicationFactor, minInsyncReplicas } = args.getConfig<{
            minReplicationFactor: number;
            minInsyncReplicas: number;
        }>();
        const config = args.props?.spec?.kafka?.config ?? {};
        const ref = objectRef(args.props);
        for (const key of [
            "default.replication.factor",
            "offsets.topic.replication.factor",
            "transaction.state.log.replication.factor",
        ]) {
            const v = Number(config[key]);
            if (!(v >= minReplicationFactor)) {
                reportViolation(
                    `Kafka ${ref} has spec.kafka.config ${key} ${JSON.stringify(config[key])}; set it to ${minReplicationFactor} or more (geo-data:kafkaReplicationFactor).`,
                );
            }
        }
        for (const key of ["min.insync.replicas", "transaction.state.log.min.isr"]) {
            const v = Number(config[key]);
            if (!(v >= minInsyncReplicas)) {
                reportViolation(
                    `Kafka ${ref} has spec.kafka.config ${key} ${JSON.stringify(config[key])}; set it to ${minInsyncReplicas} or more (geo-data:kafkaMinInsyncReplicas), so an acks=all write exists on two brokers.`,
                );
            }
        }
    },
};
