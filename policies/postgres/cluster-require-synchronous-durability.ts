import { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES, objectRef } from "../lib";

/** Label naming a Cluster's durability class; absent counts as critical. */
export const DURABILITY_LABEL = "geo-data/durability";

/**
 * Critical data is synchronously replicated: a CloudNativePG Cluster labelled critical (or not labelled)
 * must use `spec.postgresql.synchronous` with a quorum of at least one standby and dataDurability
 * `required`, so that no acknowledged commit exists on the primary alone.
 */
export const clusterRequireSynchronousDurability: ResourceValidationPolicy = {
    name: "cluster-require-synchronous-durability",
    description:
        "CloudNativePG Clusters holding critical data must use synchronous replication (spec.postgresql.synchronous, number >= 1, dataDurability required).",
    enforcementLevel: "mandatory",
    severity: "critical",
    remediationSteps:
        "Set spec.postgresql.synchronous to {method: any, number: 1, dataDurability: required} (config postgresDurability: critical), or label the cluster geo-data/durability: standard if its data is not critical.",
    validateResource: (args, reportViolation) => {
        if (args.type !== TYPES.cnpgCluster) return;
        const label = args.props?.metadata?.labels?.[DURABILITY_LABEL] ?? "critical";
        if (label === "standard") return;
        const spec = args.props?.spec ?? {};
        const sync = spec.postgresql?.synchronous;
        const ref = `Cluster ${objectRef(args.props)} (${DURABILITY_LABEL}: ${label})`;
        if (!sync) {
            reportViolation(
                `${ref} has no spec.postgresql.synchronous; critical data needs quorum synchronous replication with dataDurability: required.`,
            );
            return;
        }
        const problems: string[] = [];
        if (!["any", "first"].includes(sync.method))
            problems.push(`method ${JSON.stringify(sync.method)} is not any or first`);
        if (typeof sync.number !== "number" || sync.number < 1)
            problems.push(`number ${JSON.stringify(sync.number)} is below 1`);
        else if (typeof spec.instances === "number" && sync.number >= spec.instances) {
            problems.push(`number ${sync.number} is not below instances ${spec.instances}`);
        }
        if ((sync.dataDurability ?? "required") !== "required")
            problems.push(`dataDurability is ${JSON.stringify(sync.dataDurability)}, not "required"`);
        if (problems.length) reportViolation(`${ref}: spec.postgresql.synchronous ${problems.join(", ")}.`);
    },
};
