import { ResourceValidationPolicy } from "@pulumi/policy";
import { objectRef } from "../lib";

/**
 * A Redis Sentinel StatefulSet (labels `app.kubernetes.io/name: redis`, `app.kubernetes.io/component: sentinel`)
 * runs at least 3 Sentinels, one per zone: a failover needs a majority, which 2 Sentinels lose with one zone.
 */
export const sentinelRequireMinReplicas: ResourceValidationPolicy = {
    name: "sentinel-require-min-replicas",
    description: "Redis Sentinel StatefulSets must run at least 3 Sentinels (a majority survives one zone).",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps: "Set geo-data:redisSentinels to an odd number of at least 3 (the default is 3).",
    configSchema: { properties: { minReplicas: { type: "integer", minimum: 1, default: 3 } } },
    validateResource: (args, reportViolation) => {
        if (args.type !== "kubernetes:apps/v1:StatefulSet") return;
        const labels = args.props?.spec?.template?.metadata?.labels ?? {};
        if (labels["app.kubernetes.io/name"] !== "redis" || labels["app.kubernetes.io/component"] !== "sentinel")
            return;
        const { minReplicas } = args.getConfig<{ minReplicas: number }>();
        const replicas = args.props?.spec?.replicas ?? 1;
        if (typeof replicas !== "number" || replicas < minReplicas) {
            reportViolation(
                `Redis Sentinel StatefulSet ${objectRef(args.props)} has spec.replicas ${JSON.stringify(replicas)}; at least ${minReplicas} are needed for a failover majority that survives a zone. Set geo-data:redisSentinels to ${minReplicas} or more.`,
            );
        }
    },
};
