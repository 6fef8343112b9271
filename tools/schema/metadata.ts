/** The API server's rules for `metadata.name` and `metadata.namespace`. */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** Name rule per built-in kind, as the API server applies it; every other kind uses DNS-1123 subdomain. */
const NAME_RULES: Record<string, "label" | "dns1035" | "segment"> = {
    "v1/Namespace": "label",
    "v1/Service": "dns1035",
    "rbac.authorization.k8s.io/v1/Role": "segment",
    "rbac.authorization.k8s.io/v1/ClusterRole": "segment",
    "rbac.authorization.k8s.io/v1/RoleBinding": "segment",
    "rbac.authorization.k8s.io/v1/ClusterRoleBinding": "segment",
};

function nameProblem(name: string, rule: "subdomain" | "label" | "dns1035" | "segment"): string | undefined {
    switch (rule) {
        case "segment":
            return name === "." || name === ".." || /[/%]/.test(name)
                ? 'must be a valid path segment (no "/" or "%", not "." or "..")'
                : undefined;
        case "label":
            return name.length > 63 || !DNS1123_LABEL.test(name)
                ? "must be a DNS-1123 label (at most 63 characters of [a-z0-9-], starting and ending with an alphanumeric character)"
                : undefined;
        case "dns1035":
            return name.length > 63 || !DNS1035_LABEL.test(name)
                ? "must be a DNS-1035 label (at most 63 characters of [a-z0-9-], starting with a letter and ending with an alphanumeric character)"
                : undefined;
        case "subdomain":
            return name.length > 253 || !DNS1123_SUBDOMAIN.test(name)
                ? "must be a DNS-1123 subdomain (at most 253 characters of [a-z0-9-.], each dot-separated part starting and ending with an alphanumeric character)"
                : undefined;
    }
}

/** Problems of an object's metadata (name and namespace), as path + message pairs. */
export function metadataProblems(obj: Record<string, any>): { path: string; message: string }[] {
    const meta = obj.metadata;
    if (!meta || typeof meta !== "object") return [{ path: "/metadata", message: "/metadata is required" }];
    const out: { path: string; message: string }[] = [];
    if (meta.name === undefined && meta.generateName === undefined)
        out.push({ path: "/metadata/name", message: "/metadata/name is required (or /metadata/generateName)" });
    if (meta.name !== undefined) {
        const problem =
            typeof meta.name !== "string"
                ? "must be string"
                : nameProblem(meta.name, NAME_RULES[`${obj.apiVersion}/${obj.kind}`] ?? "subdomain");
        if (problem)
            out.push({ path: "/metadata/name", message: `/metadata/name ${JSON.stringify(meta.name)} ${problem}` });
    }
    if (meta.namespace !== undefined) {
        const problem = typeof meta.namespace !== "string" ? "must be string" : nameProblem(meta.namespace, "label");
        if (problem)
            out.push({
                path: "/metadata/namespace",
                message: `/metadata/namespace ${JSON.stringify(meta.namespace)} ${problem}`,
            });
    }
    return out;
}
