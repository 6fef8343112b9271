import { ResourceValidationPolicy } from "@pulumi/policy";
import { isRedisClusterStatefulSet, objectRef } from "../lib";

/**
 * A cluster-mode Redis StatefulSet (labels `app.kubernetes.io/name: redis`,
 * `app.kubernetes.io/component: cluster`) must run at least 6 pods: 3 masters, each with a replica, so
 * a node failure is survived by a failover and a majority of masters remains.
 */
export const redisClusterRequireMinReplicas: ResourceValidationPolicy = {
    name: "redis-cluster-require-min-replicas",
    description: "Cluster-mode Redis StatefulSets must run at least 6 pods (3 masters with one replica each).",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps: "Set geo-data:redisClusterReplicas to an even number of at least 6 (the default is 6).",
    configSchema: {
        properties: { minReplicas: { type: "integer", minimum: 6, default: 6 } },
    },
    validateResource: (args, reportViolation) => {
        if (args.type !== "kubernetes:apps/v1:StatefulSet" || !isRedisClusterStatefulSet(args.props)) return;
        const { minReplicas } = args.getConfig<{ minReplicas: number }>();
        const replicas = args.props.spec?.replicas ?? 1;
        if (typeof replicas !== "number" || replicas < minReplicas) {
            reportViolation(
                `Redis Cluster StatefulSet ${objectRef(args.props)} has spec.replicas ${JSON.stringify(replicas)}; it needs at least ${minReplicas} (masters plus one replica each). Set geo-data:redisClusterReplicas to ${minReplicas} or more.`,
            );
        }
    },
};
