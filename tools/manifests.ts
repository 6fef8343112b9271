/**
 * Turns recorded resources into the Kubernetes objects the provider would send to the API server, as
 * multi-document YAML with apiVersion/kind/metadata first and every secret value redacted.
 */
import { isKubernetesObject } from "../policies/lib";
import { REDACTED, RecordedResource, redact, unwrapSecrets } from "./harness";

export { toYaml } from "./manifests-yaml";

/** The Kubernetes object of a recorded resource, keys ordered apiVersion, kind, metadata, then the rest. */
export function toObject(r: RecordedResource): Record<string, any> {
    const inputs = redact(r.inputs);
    const { apiVersion, kind, metadata, ...rest } = inputs;
    const obj: Record<string, any> = { apiVersion, kind, metadata, ...rest };
    // Secret payloads are never written, whether or not the program marked them secret.
    // (The SDK marks the whole data/stringData map secret, so take the key names from the unwrapped inputs.)
    if (kind === "Secret") {
        const plain = unwrapSecrets(r.inputs);
        for (const field of ["data", "stringData"]) {
            if (plain[field]) obj[field] = Object.fromEntries(Object.keys(plain[field]).map((k) => [k, REDACTED]));
        }
    }
    return obj;
}

/** Every Kubernetes object of a stack, in registration order. */
export function manifestObjects(resources: RecordedResource[]): Record<string, any>[] {
    return resources.filter((r) => isKubernetesObject(r.type) && r.custom).map(toObject);
}
