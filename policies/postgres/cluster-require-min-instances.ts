import { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES, objectRef } from "../lib";

/**
 * A CloudNativePG Cluster needs a primary and at least two standbys, one per zone, so that losing a zone
 * leaves a quorum to promote from and a synchronous standby to confirm commits.
 */
export const clusterRequireMinInstances: ResourceValidationPolicy = {
    name: "cluster-require-min-instances",
    description:
        "CloudNativePG Clusters must run at least 3 instances (a primary and two standbys in different zones).",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps: "Set spec.instances to 3 or more (config key postgresInstances).",
    configSchema: { properties: { minInstances: { type: "integer", minimum: 1, default: 3 } } },
    validateResource: (args, reportViolation) => {
        if (args.type !== TYPES.cnpgCluster) return;
        const { minInstances } = args.getConfig<{ minInstances: number }>();
        const instances = args.props?.spec?.instances;
        if (typeof instances !== "number" || instances < minInstances) {
            reportViolation(
                `Cluster ${objectRef(args.props)} has spec.instances ${JSON.stringify(instances)}; at least ${minInstances} are required (a primary and standbys in other zones). Set postgresInstances to ${minInstances} or more.`,
            );
        }
    },
};
