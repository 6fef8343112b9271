import { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES, objectRef } from "../lib";

/**
 * CloudNativePG creates a PodDisruptionBudget for the primary and one for the standbys unless `spec.enablePDB`
 * is false; without them a node drain may evict the primary and a standby together.
 */
export const clusterRequirePdb: ResourceValidationPolicy = {
    name: "cluster-require-pdb",
    description: "CloudNativePG Clusters must keep the operator's PodDisruptionBudgets (spec.enablePDB not false).",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Remove spec.enablePDB: false (or set it to true) so CloudNativePG keeps a PodDisruptionBudget for the primary and the standbys; to drain a node for maintenance, use `kubectl cnpg maintenance set` instead.",
    validateResource: (args, reportViolation) => {
        if (args.type !== TYPES.cnpgCluster) return;
        if (args.props?.spec?.enablePDB === false) {
            reportViolation(
                `Cluster ${objectRef(args.props)} has spec.enablePDB false: a node drain may evict the primary and a standby at once. Remove it or set it to true.`,
            );
        }
    },
};
