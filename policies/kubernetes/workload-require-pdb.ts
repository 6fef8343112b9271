import { StackValidationPolicy } from "@pulumi/policy";
import { MINIO_TENANT, TYPES, isRedisClusterStatefulSet, objectRef, selectsPods } from "../lib";

const PDB = "kubernetes:policy/v1:PodDisruptionBudget";
const WORKLOADS = ["kubernetes:apps/v1:StatefulSet", "kubernetes:apps/v1:Deployment"];

/** What a PDB must cover: the workload's pod labels, by kind. */
function podsOf(r: { type: string; props: Record<string, any> }): { what: string; labels: Record<string, string> }[] {
    const p = r.props ?? {};
    if (WORKLOADS.includes(r.type)) {
        // Cluster-mode Redis has its own rule (redis-cluster-require-pdb).
        if (isRedisClusterStatefulSet(p)) return [];
        return [{ what: `${p.kind ?? "workload"} ${objectRef(p)}`, labels: p.spec?.template?.metadata?.labels ?? {} }];
    }
    if (r.type === TYPES.cnpgPooler)
        return [{ what: `Pooler ${objectRef(p)}`, labels: { "cnpg.io/poolerName": p.metadata?.name } }];
    if (r.type === MINIO_TENANT)
        return (p.spec?.pools ?? []).map((pool: any) => ({
            what: `Tenant ${objectRef(p)} pool ${pool?.name}`,
            labels: { "v1.min.io/tenant": p.metadata?.name, "v1.min.io/pool": pool?.name },
        }));
    return [];
}

/**
 * Every data-tier workload whose PodDisruptionBudget the program owns — StatefulSets and Deployments labelled
 * `app.kubernetes.io/part-of: geo-data`, PgBouncer Poolers, MinIO Tenant pools — is covered by a PDB in its
 * namespace allowing at most `maxUnavailable` pods down, so a node drain never takes a quorum. (CloudNativePG
 * Clusters: cluster-require-pdb; cluster-mode Redis: redis-cluster-require-pdb; Strimzi makes its own.)
 */
export const workloadRequirePdb: StackValidationPolicy = {
    name: "workload-require-pdb",
    description:
        "Every data-tier StatefulSet and Deployment (part-of geo-data), PgBouncer Pooler and MinIO Tenant pool must be covered by a PodDisruptionBudget with maxUnavailable of at most 1.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Create a policy/v1 PodDisruptionBudget in the workload's namespace whose spec.selector.matchLabels select its pods, with spec.maxUnavailable: 1 (createRedisServerSet, PgBouncerPooler and MinioTenant do this).",
    configSchema: { properties: { maxUnavailable: { type: "integer", minimum: 0, default: 1 } } },
    validateStack: (args, reportViolation) => {
        const { maxUnavailable } = args.getConfig<{ maxUnavailable: number }>();
        const pdbs = args.resources.filter((r) => r.type === PDB);
        for (const r of args.resources) {
            const partOf = r.props?.metadata?.labels?.["app.kubernetes.io/part-of"];
            if (WORKLOADS.includes(r.type) && partOf !== "geo-data") continue;
            const ns = r.props?.metadata?.namespace;
            for (const { what, labels } of podsOf(r)) {
                const covering = pdbs.filter(
                    (p) => p.props?.metadata?.namespace === ns && selectsPods(p.props?.spec?.selector, labels),
                );
                const ok = covering.some(
                    (p) =>
                        typeof p.props?.spec?.maxUnavailable === "number" &&
                        p.props.spec.maxUnavailable <= maxUnavailable,
                );
                if (!ok) {
                    reportViolation(
                        covering.length
                            ? `${what}: PodDisruptionBudget ${covering.map((p) => objectRef(p.props)).join(", ")} must set maxUnavailable to at most ${maxUnavailable}.`
                            : `${what} has no PodDisruptionBudget selecting its pods; add one in ${ns} with maxUnavailable: ${maxUnavailable}.`,
                        r.urn,
                    );
                }
            }
        }
    },
};
