import { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES, objectRef } from "../lib";

/** A PgBouncer Pooler is on every connection's path: it must survive the loss of one pod. */
export const poolerRequireMinInstances: ResourceValidationPolicy = {
    name: "pooler-require-min-instances",
    description: "CloudNativePG Poolers must run at least 2 PgBouncer instances.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps: "Set spec.instances to 2 or more (config key postgresPoolerInstances).",
    configSchema: { properties: { minInstances: { type: "integer", minimum: 1, default: 2 } } },
    validateResource: (args, reportViolation) => {
        if (args.type !== TYPES.cnpgPooler) return;
        const { minInstances } = args.getConfig<{ minInstances: number }>();
        const instances = args.props?.spec?.instances ?? 1;
        if (typeof instances !== "number" || instances < minInstances) {
            reportViolation(
                `Pooler ${objectRef(args.props)} has spec.instances ${JSON.stringify(instances)}; at least ${minInstances} are required so one pod can fail or be drained. Set postgresPoolerInstances to ${minInstances} or more.`,
            );
        }
    },
};
