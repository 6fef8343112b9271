/** Built-in kinds (StatefulSet, Service, Job…), checked with kubernetes-models. */
import { ErrorObject } from "ajv";
import { describeErrors } from "./errors";

interface ModelClass {
    new (data: unknown): { validate(): void };
    apiVersion?: string;
    kind?: string;
}

const coreModels = new Map<string, ModelClass | undefined>();

/** The kubernetes-models class of a built-in apiVersion/kind, or undefined. */
export function coreModel(apiVersion: string, kind: string): ModelClass | undefined {
    const key = `${apiVersion}/${kind}`;
    if (!coreModels.has(key)) {
        let model: ModelClass | undefined;
        if (/^([a-z0-9.-]+\/)?v[0-9a-z]+$/.test(apiVersion) && /^[A-Z][A-Za-z0-9]*$/.test(kind)) {
            try {
                const mod = require(`kubernetes-models/${apiVersion}/${kind}`) as Record<string, ModelClass>;
                const cls = mod[kind];
                if (cls?.kind === kind && cls.apiVersion === apiVersion) model = cls;
            } catch {
                // not a built-in kind
            }
        }
        coreModels.set(key, model);
    }
    return coreModels.get(key);
}

/**
 * kubernetes-models reports an IntOrString/Quantity mismatch as one `type` error per alternative
 * followed by a `oneOf` error (its schema paths are relative to each definition, so the branch errors
 * cannot be matched by path); fold each such run into a single `type` error.
 */
function foldCoreOneOf(errors: ErrorObject[]): ErrorObject[] {
    const out: ErrorObject[] = [];
    for (const e of errors) {
        const types: string[] = [];
        while (
            e.keyword === "oneOf" &&
            out.length > 0 &&
            out[out.length - 1].keyword === "type" &&
            out[out.length - 1].instancePath === e.instancePath
        ) {
            types.unshift(String(out.pop()?.params.type));
        }
        out.push(
            types.length > 0
                ? { ...e, keyword: "type", params: { type: types.join(",") }, message: `must be ${types.join(",")}` }
                : e,
        );
    }
    return out;
}

/**
 * Validates a built-in object with its kubernetes-models class: its problems as path + message pairs, or
 * undefined when `apiVersion`/`kind` is not a built-in kind.
 */
export function coreKindProblems(
    apiVersion: string,
    kind: string,
    obj: unknown,
): { path: string; message: string }[] | undefined {
    const model = coreModel(apiVersion, kind);
    if (!model) return undefined;
    try {
        new model(obj).validate();
    } catch (e) {
        const errors = (e as { errors?: ErrorObject[] }).errors;
        if (!errors) throw e;
        return describeErrors(foldCoreOneOf(errors));
    }
    return [];
}
