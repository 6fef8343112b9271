import { StackValidationPolicy } from "@pulumi/policy";
import { isRedisClusterStatefulSet, objectRef, selectsPods } from "../lib";

/**
 * Every cluster-mode Redis StatefulSet needs a PodDisruptionBudget in its namespace that selects its pods
 * and allows at most `maxUnavailable` (1) of them down, so a node drain never takes a master and its
 * replica at once.
 */
export const redisClusterRequirePdb: StackValidationPolicy = {
    name: "redis-cluster-require-pdb",
    description:
        "Cluster-mode Redis StatefulSets must be covered by a PodDisruptionBudget with maxUnavailable of at most 1.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Create a policy/v1 PodDisruptionBudget in the StatefulSet's namespace whose spec.selector.matchLabels select the pod template's labels, with spec.maxUnavailable: 1 (RedisCluster does this).",
    configSchema: {
        properties: { maxUnavailable: { type: "integer", minimum: 0, default: 1 } },
    },
    validateStack: (args, reportViolation) => {
        const { maxUnavailable } = args.getConfig<{ maxUnavailable: number }>();
        const pdbs = args.resources.filter((r) => r.type === "kubernetes:policy/v1:PodDisruptionBudget");
        for (const sts of args.resources) {
            if (sts.type !== "kubernetes:apps/v1:StatefulSet" || !isRedisClusterStatefulSet(sts.props)) continue;
            const ns = sts.props.metadata?.namespace;
            const podLabels = sts.props.spec?.template?.metadata?.labels ?? {};
            const covering = pdbs.filter(
                (p) => p.props.metadata?.namespace === ns && selectsPods(p.props.spec?.selector, podLabels),
            );
            if (covering.length === 0) {
                reportViolation(
                    `Redis Cluster StatefulSet ${objectRef(sts.props)} has no PodDisruptionBudget selecting its pods; add one with maxUnavailable: ${maxUnavailable}.`,
                    sts.urn,
                );
                continue;
            }
            const ok = covering.some(
                (p) =>
                    typeof p.props.spec?.maxUnavailable === "number" && p.props.spec.maxUnavailable <= maxUnavailable,
            );
            if (!ok) {
                reportViolation(
                    `Redis Cluster StatefulSet ${objectRef(sts.props)}: PodDisruptionBudget ${covering.map((p) => objectRef(p.props)).join(", ")} must set maxUnavailable to at most ${maxUnavailable}.`,
                    sts.urn,
                );
            }
        }
    },
};
