/**
 * Standard `app.kubernetes.io/*` labels. Computed once per component and spread into every object, so a
 * ServiceMonitor/PodMonitor selector and the pods it scrapes cannot drift apart.
 */

/** The `app.kubernetes.io/part-of` value of everything this program creates. */
export const PART_OF = "geo-data";

/** What identifies one workload's objects. */
export interface LabelArgs {
    /** `app.kubernetes.io/name`: the application, e.g. "redis", "postgresql". */
    readonly app: string;
    /** `app.kubernetes.io/instance`: the unique instance, e.g. "cache". */
    readonly instance: string;
    /** `app.kubernetes.io/component`: the role inside the instance, e.g. "server", "sentinel". */
    readonly component: string;
    /** `app.kubernetes.io/version`: the version of the software (image tag without registry). */
    readonly version?: string;
}

/** The full label set for an object's metadata and its pod template. */
export function standardLabels(a: LabelArgs): Record<string, string> {
    const labels: Record<string, string> = {
        "app.kubernetes.io/name": a.app,
        "app.kubernetes.io/instance": a.instance,
        "app.kubernetes.io/component": a.component,
        "app.kubernetes.io/part-of": PART_OF,
        "app.kubernetes.io/managed-by": "pulumi",
    };
    if (a.version) labels["app.kubernetes.io/version"] = labelValue(a.version);
    return labels;
}

/**
 * The stable subset used in selectors (`spec.selector.matchLabels` is immutable on StatefulSets, so it must
 * never contain the version).
 */
export function selectorLabels(a: LabelArgs): Record<string, string> {
    return {
        "app.kubernetes.io/name": a.app,
        "app.kubernetes.io/instance": a.instance,
        "app.kubernetes.io/component": a.component,
    };
}

/** Makes an arbitrary string a valid label value (at most 63 chars of [A-Za-z0-9._-]). */
export function labelValue(v: string): string {
    return v
        .replace(/[^A-Za-z0-9._-]/g, "_")
        .slice(0, 63)
        .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "");
}

/** The tag of a pinned image reference (`repo:tag` or `repo@sha256:…`). */
export function imageTag(image: string): string {
    const at = image.indexOf("@");
    if (at >= 0) return image.slice(at + 1);
    const slash = image.lastIndexOf("/");
    const colon = image.lastIndexOf(":");
    return colon > slash ? image.slice(colon + 1) : "";
}
