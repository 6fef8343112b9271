import { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES, objectRef } from "../lib";

const ZONE = "topology.kubernetes.io/zone";

/**
 * The instances of a CloudNativePG Cluster must be in different zones: required pod anti-affinity on the
 * zone key (or a hard zone topology spread), so one zone outage takes at most one instance.
 */
export const clusterRequireZoneAntiAffinity: ResourceValidationPolicy = {
    name: "cluster-require-zone-anti-affinity",
    description:
        "CloudNativePG Cluster instances must be spread over zones with required anti-affinity on topology.kubernetes.io/zone.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps: `Set spec.affinity to {enablePodAntiAffinity: true, podAntiAffinityType: required, topologyKey: ${ZONE}}.`,
    validateResource: (args, reportViolation) => {
        if (args.type !== TYPES.cnpgCluster) return;
        const spec = args.props?.spec ?? {};
        const aff = spec.affinity ?? {};
        const spread = (spec.topologySpreadConstraints ?? []).some(
            (t: any) => t?.topologyKey === ZONE && t?.whenUnsatisfiable === "DoNotSchedule" && (t?.maxSkew ?? 1) <= 1,
        );
        if (spread) return;
        const problems: string[] = [];
        if (aff.enablePodAntiAffinity === false) problems.push("enablePodAntiAffinity is false");
        if (aff.podAntiAffinityType !== "required")
            problems.push(
                `podAntiAffinityType is ${JSON.stringify(aff.podAntiAffinityType ?? "preferred")}, not "required"`,
            );
        if (aff.topologyKey !== ZONE)
            problems.push(
                `topologyKey is ${JSON.stringify(aff.topologyKey ?? "kubernetes.io/hostname")}, not "${ZONE}"`,
            );
        if (problems.length) {
            reportViolation(
                `Cluster ${objectRef(args.props)} does not spread its instances over zones: spec.affinity ${problems.join(", ")}. Set enablePodAntiAffinity: true, podAntiAffinityType: required, topologyKey: ${ZONE}.`,
            );
        }
    },
};
