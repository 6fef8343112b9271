import { ResourceValidationPolicy } from "@pulumi/policy";
import { MINIO_TENANT, TYPES, objectRef } from "../lib";

const ZONE = "topology.kubernetes.io/zone";

/** True when a pod spec spreads over zones: a hard zone topology spread, or required anti-affinity on the zone key. */
export function spreadsOverZones(pod: Record<string, any> | undefined): boolean {
    const spread = (pod?.topologySpreadConstraints ?? []).some(
        (t: any) => t?.topologyKey === ZONE && t?.whenUnsatisfiable === "DoNotSchedule" && (t?.maxSkew ?? 1) <= 1,
    );
    const anti = (pod?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).some(
        (t: any) => t?.topologyKey === ZONE,
    );
    return spread || anti;
}

/** The pod specs a data-tier object schedules, with where they are for messages. */
function scheduled(type: string, props: Record<string, any>): { where: string; pod: Record<string, any> }[] {
    const ref = objectRef(props);
    if (type === "kubernetes:apps/v1:StatefulSet" || type === "kubernetes:apps/v1:Deployment") {
        if (props?.metadata?.labels?.["app.kubernetes.io/part-of"] !== "geo-data") return [];
        return [{ where: `${props.kind ?? "workload"} ${ref} spec.template.spec`, pod: props.spec?.template?.spec }];
    }
    if (type === TYPES.cnpgPooler)
        return [{ where: `Pooler ${ref} spec.template.spec`, pod: props.spec?.template?.spec }];
    if (type === TYPES.kafkaNodePool)
        return [{ where: `KafkaNodePool ${ref} spec.template.pod`, pod: props.spec?.template?.pod }];
    if (type === MINIO_TENANT)
        return (props.spec?.pools ?? []).map((p: any) => ({ where: `Tenant ${ref} pool ${p?.name}`, pod: p }));
    return [];
}

/**
 * Every data-tier workload spreads its pods over zones, so one zone outage takes at most one replica: StatefulSets
 * and Deployments labelled part-of geo-data, PgBouncer Poolers, Strimzi KafkaNodePools (Strimzi's `rack` no longer
 * spreads by itself) and MinIO Tenant pools. (CloudNativePG Clusters: cluster-require-zone-anti-affinity.)
 */
export const workloadRequireZoneSpread: ResourceValidationPolicy = {
    name: "workload-require-zone-spread",
    description:
        "Data-tier StatefulSets and Deployments, Poolers, KafkaNodePools and MinIO Tenant pools must spread over zones (topologySpreadConstraints on topology.kubernetes.io/zone with DoNotSchedule, or required zone anti-affinity).",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps: `Add a topologySpreadConstraint {topologyKey: ${ZONE}, maxSkew: 1, whenUnsatisfiable: DoNotSchedule, labelSelector: <the pods' labels>} to the pod template (components/shared/k8s.ts zoneSpread does this).`,
    validateResource: (args, reportViolation) => {
        for (const { where, pod } of scheduled(args.type, args.props ?? {})) {
            if (!spreadsOverZones(pod)) {
                reportViolation(
                    `${where} does not spread over zones: one zone outage may take several replicas. Add a topologySpreadConstraint on ${ZONE} with maxSkew 1 and whenUnsatisfiable DoNotSchedule.`,
                );
            }
        }
    },
};
