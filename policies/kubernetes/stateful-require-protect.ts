import { ResourceValidationPolicy } from "@pulumi/policy";
import { MINIO_TENANT, TYPES } from "../lib";

/**
 * Resources holding data (database clusters, MinIO tenants, buckets, the keys that decrypt them) are protected, so
 * a refactor or a mistaken `pulumi destroy` cannot delete them.
 */
export const statefulRequireProtect: ResourceValidationPolicy = {
    name: "stateful-require-protect",
    description:
        "Stateful resources (CloudNativePG Clusters, S3 buckets, KMS keys, MinIO Tenants, Strimzi Kafkas, KafkaNodePools and KafkaTopics) must have the protect resource option.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Keep the config key protect true (the default); for a throwaway stack, disable this policy in the policy pack config instead.",
    configSchema: {
        properties: {
            types: {
                type: "array",
                items: { type: "string" },
                default: [
                    TYPES.cnpgCluster,
                    TYPES.s3Bucket,
                    TYPES.kmsKey,
                    TYPES.kafka,
                    TYPES.kafkaNodePool,
                    TYPES.kafkaTopic,
                    MINIO_TENANT,
                ],
            },
        },
    },
    validateResource: (args, reportViolation) => {
        const { types } = args.getConfig<{ types: string[] }>();
        if (!types.includes(args.type)) return;
        if (args.opts?.protect !== true) {
            reportViolation(
                `${args.type} ${args.name} holds data but is not protected; set the protect resource option (config key protect: true).`,
            );
        }
    },
};
