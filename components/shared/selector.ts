/**
 * Kubernetes label-selector semantics (metav1.LabelSelector): every `matchLabels` pair and every
 * `matchExpressions` requirement must hold; an empty selector selects everything. Shared by the NetworkPolicy
 * evaluator (tools/netpol.ts) and the policies that look for a PodDisruptionBudget (policies/lib.ts).
 */

/** A label selector as the API takes it. */
export interface LabelSelector {
    matchLabels?: Record<string, string>;
    matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** True when `selector` selects `labels`; an operator the API does not know throws. */
export function labelSelectorMatches(selector: LabelSelector, labels: Record<string, string>): boolean {
    const byLabel = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
    return (
        byLabel &&
        (selector.matchExpressions ?? []).every((e) => {
            const has = Object.prototype.hasOwnProperty.call(labels, e.key);
            switch (e.operator) {
                case "In":
                    return has && (e.values ?? []).includes(labels[e.key]);
                case "NotIn":
                    return !has || !(e.values ?? []).includes(labels[e.key]);
                case "Exists":
                    return has;
                case "DoesNotExist":
                    return !has;
                default:
                    throw new Error(`unknown selector operator ${e.operator}`);
            }
        })
    );
}
