import { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES, objectRef } from "../lib";

/**
 * Every Strimzi KafkaNodePool — KRaft controllers and brokers alike — runs at least 3 nodes: 3 controllers keep a
 * quorum through one controller loss, 3 brokers hold a replication factor of 3 with one replica per zone.
 */
export const kafkaNodepoolRequireMinReplicas: ResourceValidationPolicy = {
    name: "kafka-nodepool-require-min-replicas",
    description:
        "Strimzi KafkaNodePools (controller and broker pools) must run at least 3 replicas: a KRaft quorum that survives a controller loss, and room for 3 replicas of every partition.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Set spec.replicas of the KafkaNodePool to 3 or more (config keys kafkaBrokers and kafkaControllers).",
    configSchema: { properties: { minReplicas: { type: "integer", minimum: 1, default: 3 } } },
    validateResource: (args, reportViolation) => {
        if (args.type !== TYPES.kafkaNodePool) return;
        const { minReplicas } = args.getConfig<{ minReplicas: number }>();
        const replicas = args.props?.spec?.replicas;
        if (typeof replicas !== "number" || replicas < minReplicas) {
            const roles = (args.props?.spec?.roles ?? []).join("+") || "no roles";
            const key = (args.props?.spec?.roles ?? []).includes("controller") ? "kafkaControllers" : "kafkaBrokers";
            reportViolation(
                `KafkaNodePool ${objectRef(args.props)} (${roles}) has spec.replicas ${JSON.stringify(replicas)}; at least ${minReplicas} are required. Set geo-data:${key} to ${minReplicas} or more.`,
            );
        }
    },
};
