import { StackValidationPolicy } from "@pulumi/policy";

/** The domains whose namespaces hold data (monitoring is not one). */
const DATA_DOMAINS = ["postgres", "redis", "minio", "kafka"];
const NAMESPACE = "kubernetes:core/v1:Namespace";
const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

/** True for a NetworkPolicy that selects every pod of its namespace for ingress and admits nothing. */
export function isDefaultDenyIngress(props: Record<string, any>): boolean {
    const spec = props?.spec ?? {};
    const sel = spec.podSelector ?? {};
    const selectsAll = Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0;
    const types: string[] = spec.policyTypes ?? ["Ingress"];
    return selectsAll && types.includes("Ingress") && (spec.ingress ?? []).length === 0;
}

/**
 * Every data namespace (a Namespace labelled `geo-data/domain` postgres, redis, minio or kafka) needs a
 * default-deny ingress NetworkPolicy, so that a pod nobody wrote a rule for is unreachable rather than open
 * to the whole cluster.
 */
export const namespaceRequireDefaultDeny: StackValidationPolicy = {
    name: "namespace-require-default-deny",
    description:
        "Every data namespace must have a default-deny ingress NetworkPolicy (podSelector {}, policyTypes [Ingress], no ingress rules).",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Create a networking.k8s.io/v1 NetworkPolicy in the namespace with spec.podSelector: {}, spec.policyTypes: [Ingress] and no ingress rules, then admit what must reach each port with further policies (DataNetworkPolicies does this).",
    validateStack: (args, reportViolation) => {
        const policies = args.resources.filter((r) => r.type === NETWORK_POLICY);
        for (const ns of args.resources) {
            if (ns.type !== NAMESPACE) continue;
            const domain = ns.props?.metadata?.labels?.["geo-data/domain"];
            if (!DATA_DOMAINS.includes(domain)) continue;
            const name = ns.props?.metadata?.name;
            const ok = policies.some((p) => p.props?.metadata?.namespace === name && isDefaultDenyIngress(p.props));
            if (!ok) {
                reportViolation(
                    `Data namespace ${name} (${domain}) has no default-deny ingress NetworkPolicy: any pod of the cluster can reach the pods no policy selects. Add a NetworkPolicy in ${name} with podSelector {} and policyTypes [Ingress] and no ingress rules.`,
                    ns.urn,
                );
            }
        }
    },
};
