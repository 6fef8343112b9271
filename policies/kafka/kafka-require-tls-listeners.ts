import { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES, objectRef } from "../lib";

/**
 * Every listener of a Strimzi Kafka encrypts (`tls: true`) and authenticates its clients (SCRAM-SHA-512 or
 * mTLS): a plaintext or anonymous listener would expose records and credentials to anything on the network,
 * and the cross-region listener crosses the VPC peering or transit gateway.
 */
export const kafkaRequireTlsListeners: ResourceValidationPolicy = {
    name: "kafka-require-tls-listeners",
    description: "Every listener of a Strimzi Kafka must use TLS and authenticate clients (scram-sha-512 or tls).",
    enforcementLevel: "mandatory",
    severity: "critical",
    remediationSteps:
        "Set tls: true and authentication.type scram-sha-512 (or tls) on every entry of spec.kafka.listeners (KafkaCluster does).",
    validateResource: (args, reportViolation) => {
        if (args.type !== TYPES.kafka) return;
        const listeners: any[] = args.props?.spec?.kafka?.listeners ?? [];
        for (const l of listeners) {
            const at = `Kafka ${objectRef(args.props)} listener ${JSON.stringify(l?.name)} (port ${l?.port})`;
            if (l?.tls !== true) reportViolation(`${at} has tls ${JSON.stringify(l?.tls)}; set tls: true.`);
            const auth = l?.authentication?.type;
            if (auth !== "scram-sha-512" && auth !== "tls") {
                reportViolation(
                    `${at} authenticates with ${JSON.stringify(auth)}; set authentication.type to scram-sha-512 or tls.`,
                );
            }
        }
    },
};
