import { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES, objectRef } from "../lib";

/**
 * A KafkaNodePool keeps its log (and the KRaft metadata log) on persistent volumes: `ephemeral` storage loses a
 * node's data on every pod restart, which for brokers means re-replicating every partition and for controllers
 * the metadata quorum's state. For `jbod`, every volume must be `persistent-claim`; `deleteClaim: true` is
 * refused too (deleting the pool would delete the data).
 */
export const kafkaNodepoolRequirePersistentStorage: ResourceValidationPolicy = {
    name: "kafka-nodepool-require-persistent-storage",
    description:
        "Strimzi KafkaNodePools must store their data on persistent-claim volumes (directly or in every JBOD volume) that are not deleted with the pool.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Use spec.storage {type: jbod, volumes: [{id: 0, type: persistent-claim, size, class, deleteClaim: false}]} (KafkaCluster does).",
    validateResource: (args, reportViolation) => {
        if (args.type !== TYPES.kafkaNodePool) return;
        const storage = args.props?.spec?.storage ?? {};
        const volumes: any[] = storage.type === "jbod" ? (storage.volumes ?? []) : [storage];
        const ref = objectRef(args.props);
        if (volumes.length === 0) {
            reportViolation(`KafkaNodePool ${ref} has a jbod storage without volumes; add a persistent-claim volume.`);
            return;
        }
        volumes.forEach((v, i) => {
            const where = storage.type === "jbod" ? `spec.storage.volumes[${i}]` : "spec.storage";
            if (v?.type !== "persistent-claim") {
                reportViolation(
                    `KafkaNodePool ${ref}: ${where}.type is ${JSON.stringify(v?.type)}; use persistent-claim (an ephemeral volume loses the node's data on every restart).`,
                );
            } else if (v.deleteClaim === true) {
                reportViolation(
                    `KafkaNodePool ${ref}: ${where}.deleteClaim is true; set it to false so deleting the pool keeps the data.`,
                );
            }
        });
    },
};
