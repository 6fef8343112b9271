/**
 * Helpers shared by the policies: reading Kubernetes objects out of Pulumi resource props. Pure functions.
 */

/** True for any Kubernetes object registered through @pulumi/kubernetes (not providers, charts or files). */
export function isKubernetesObject(type: string): boolean {
    return type.startsWith("kubernetes:") && !type.startsWith("kubernetes:helm.sh/") && !type.startsWith("kubernetes:yaml/");
}

/** `group/version:Kind` → Kind (`kubernetes:apps/v1:StatefulSet` → StatefulSet). */
export function kindOf(type: string): string {
    return type.slice(type.lastIndexOf(":") + 1);
}

/** The pod spec(s) inside a workload object's props (Deployment, StatefulSet, Job, CronJob, DaemonSet). */
export function podSpecs(props: Record<string, any>): Record<string, any>[] {
    const spec = props?.spec;
    const out: Record<string, any>[] = [];
    if (spec?.template?.spec) out.push(spec.template.spec);
    if (spec?.jobTemplate?.spec?.template?.spec) out.push(spec.jobTemplate.spec.template.spec);
    return out;
}

/** Every container image named in a Kubernetes object's props, with a JSON-ish path for messages. */
export function imagesOf(props: Record<string, any>): { path: string; image: string }[] {
    const found: { path: string; image: string }[] = [];
    podSpecs(props).forEach((pod, i) => {
        for (const field of ["initContainers", "containers"] as const) {
            (pod[field] ?? []).forEach((c: any) => {
                if (typeof c?.image === "string") found.push({ path: `pod[${i}].${field}[${c.name}].image`, image: c.image });
            });
        }
    });
    // Operator CRs that take an image directly.
    if (typeof props?.spec?.imageName === "string") found.push({ path: "spec.imageName", image: props.spec.imageName });
    if (typeof props?.spec?.image === "string") found.push({ path: "spec.image", image: props.spec.image });
    return found;
}

/**
 * Why an image reference is not pinned, or undefined when it is: a digest (`@sha256:…`) or a tag other than
 * `latest` (and other than a bare major like `7`, which floats).
 */
export function unpinnedReason(image: string): string | undefined {
    if (/@sha256:[0-9a-f]{64}$/.test(image)) return undefined;
    const slash = image.lastIndexOf("/");
    const colon = image.lastIndexOf(":");
    if (colon <= slash) return "has no tag (it means :latest)";
    const tag = image.slice(colon + 1);
    if (tag === "latest") return "uses the floating tag :latest";
    if (/^v?[0-9]+(-[a-z]+)?$/.test(tag)) return `uses the floating major-version tag :${tag}`;
    return undefined;
}
