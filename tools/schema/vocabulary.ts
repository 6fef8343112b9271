/**
 * The ajv instance that checks CRD schemas the way the API server does: the `x-kubernetes-*` keywords
 * (CEL rules, list types; the rest as no-op vocabulary), Go patterns, structural schemas made strict about
 * unknown fields, and large subtrees compiled only when a value reaches them.
 */
import Ajv, { _, AnySchemaObject, ErrorObject, SchemaObject, ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { CelRule, DataValidateFunction, RuleCounts, compileCelKeyword, prepareCelRule } from "./cel";
import { describeErrors } from "./errors";
import { goRegExp } from "./go-regexp";

/** ajv keyword: `x-kubernetes-list-type: set|map` lists must not repeat an item / a map key. */
function compileListTypeKeyword(listType: string, parentSchema: AnySchemaObject): DataValidateFunction {
    const keys: string[] | undefined = parentSchema["x-kubernetes-list-map-keys"];
    const identity = (item: unknown): string =>
        listType === "map" && keys && item && typeof item === "object"
            ? JSON.stringify(Object.fromEntries(keys.map((k) => [k, (item as Record<string, unknown>)[k]])))
            : JSON.stringify(item);
    const validate: DataValidateFunction = (data, ctx) => {
        if ((listType !== "set" && listType !== "map") || !Array.isArray(data)) return true;
        const seen = new Set<string>();
        const errors: Partial<ErrorObject>[] = [];
        data.forEach((item, i) => {
            const id = identity(item);
            if (seen.has(id)) {
                errors.push({
                    keyword: "x-kubernetes-list-type",
                    instancePath: `${ctx?.instancePath ?? ""}/${i}`,
                    message: `duplicate entry ${id} in a list of type ${listType}`,
                    params: { listType },
                });
            }
            seen.add(id);
        });
        validate.errors = errors;
        return errors.length === 0;
    };
    return describe(validate, { k: "list", listType, keys });
}

/**
 * How a keyword validator is rebuilt when a compiled validator is loaded from the on-disk cache
 * (crd-cache.ts): the generated code calls `rt.keyword(<this, as JSON>)` where ajv held the closure.
 */
export type KeywordDescriptor =
    | { k: "list"; listType: string; keys?: string[] }
    | { k: "cel"; rules: CelRule[]; type: unknown }
    | { k: "lazy"; part: number };

const descriptors = new WeakMap<object, () => KeywordDescriptor>();

function describe<T extends object>(validate: T, d: KeywordDescriptor | (() => KeywordDescriptor)): T {
    descriptors.set(validate, typeof d === "function" ? d : () => d);
    return validate;
}

/** Rebuilds a keyword validator from its descriptor; `part(i)` is the i-th compiled part of the cached kind. */
export function keywordFromDescriptor(
    d: KeywordDescriptor,
    part: (i: number) => ValidateFunction,
): DataValidateFunction {
    if (d.k === "list") return compileListTypeKeyword(d.listType, { "x-kubernetes-list-map-keys": d.keys });
    if (d.k === "lazy") return lazyValidator(() => part(d.part));
    // CEL rules are parsed when the value is first reached, as in a fresh compile
    let compiled: DataValidateFunction | undefined;
    const validate: DataValidateFunction = (data, ctx) => {
        if (!compiled) {
            const counts = { compiled: 0, skippedOldSelf: 0, skippedUnsupported: [] };
            for (const r of d.rules) prepareCelRule(r.rule, counts);
            compiled = compileCelKeyword(d.rules, { type: d.type } as AnySchemaObject);
        }
        const ok = compiled(data, ctx) as boolean;
        validate.errors = compiled.errors;
        return ok;
    };
    return validate;
}

const ajv = new Ajv({
    allErrors: true,
    strict: true,
    strictTypes: false,
    strictRequired: false,
    useDefaults: true,
    validateSchema: false,
    // source: kept so a compiled validator can be written out as code (crd-cache.ts)
    code: { regExp: goRegExp, optimize: false, source: true },
});
addFormats(ajv);
ajv.addVocabulary([
    "x-kubernetes-preserve-unknown-fields",
    "x-kubernetes-int-or-string",
    "x-kubernetes-embedded-resource",
    "x-kubernetes-map-type",
    "x-kubernetes-list-map-keys",
    "example",
]);
ajv.addKeyword({
    keyword: "x-kubernetes-validations",
    schemaType: "array",
    post: true,
    errors: true,
    compile: (rules: CelRule[], parentSchema: AnySchemaObject) =>
        describe(compileCelKeyword(rules, parentSchema), { k: "cel", rules, type: parentSchema.type }),
});
ajv.addKeyword({
    keyword: "x-kubernetes-list-type",
    type: "array",
    schemaType: "string",
    errors: true,
    compile: compileListTypeKeyword,
});

/**
 * Subtrees with at least this many schema nodes are compiled on first use: CRDs embed whole pod
 * templates, affinities and volume sources that rendered objects mostly leave out, and compiling
 * only what is present makes the first validation of a kind several times faster.
 */
const LAZY_MIN_NODES = 40;

/** Compilers of the lazy subtrees not compiled yet (run by {@link compileAllCrds}). */
const uncompiled = new Set<() => ValidateFunction>();

/** The lazy subtrees created while {@link compileCrdSchemaParts} runs, with their compilers. */
let collecting: Map<object, () => ValidateFunction> | undefined;

/** ajv keyword wrapping a subtree that is compiled the first time a value reaches it. */
function compileLazyKeyword(subtree: SchemaObject): DataValidateFunction {
    let compiled: ValidateFunction | undefined;
    const compile = (): ValidateFunction => {
        uncompiled.delete(compile);
        return (compiled ??= ajv.compile(subtree));
    };
    uncompiled.add(compile);
    const validate = lazyValidator(compile);
    collecting?.set(validate, compile);
    return validate;
}

/** The validator of a lazy subtree: `sub()` gives the subtree's compiled validator on first use. */
function lazyValidator(sub: () => ValidateFunction): DataValidateFunction {
    let compiled: ValidateFunction | undefined;
    const validate: DataValidateFunction = (data, ctx) => {
        compiled ??= sub();
        const sub_ = compiled;
        if (sub_(data, ctx)) return true;
        // described here, where the subtree's schema paths are still meaningful
        validate.errors = describeErrors(sub_.errors ?? []).map((d) => ({
            keyword: "x-geo-described",
            instancePath: d.path,
            message: d.message,
            params: {},
        }));
        return false;
    };
    return validate;
}

ajv.addKeyword({ keyword: "x-geo-lazy", schemaType: "object", errors: true, compile: compileLazyKeyword });

/**
 * Adapts a structural CRD schema in place and returns its number of schema nodes: objects that list
 * `properties` reject other fields unless they set `additionalProperties` or
 * `x-kubernetes-preserve-unknown-fields`; int-or-string nodes accept both types; CEL rules are parsed
 * and Go patterns translated up front (and counted); large subtrees are wrapped to compile lazily.
 * Value-validation branches (`allOf`/`anyOf`/`oneOf`/`not`) are left as they are: their `properties`
 * only constrain, they do not declare fields.
 */
function prepare(schema: SchemaObject, counts: RuleCounts): number {
    if (schema["x-kubernetes-int-or-string"] === true) {
        schema.type = ["integer", "string"];
        const pair = JSON.stringify(schema.anyOf) === JSON.stringify([{ type: "integer" }, { type: "string" }]);
        if (pair) delete schema.anyOf;
    }
    for (const r of (schema["x-kubernetes-validations"] ?? []) as CelRule[]) prepareCelRule(r.rule, counts);
    if (typeof schema.pattern === "string") goRegExp(schema.pattern);
    let nodes = 1;
    const child = (sub: SchemaObject): SchemaObject => {
        const n = prepare(sub, counts);
        nodes += n;
        if (n < LAZY_MIN_NODES) return sub;
        // the parent applies the subtree's default; ajv ignores (strict: rejects) a default at a schema root
        const { default: dflt, ...rest } = sub;
        return dflt === undefined ? { "x-geo-lazy": rest } : { "x-geo-lazy": rest, default: dflt };
    };
    if (schema.properties) {
        if (schema.additionalProperties === undefined && schema["x-kubernetes-preserve-unknown-fields"] !== true) {
            schema.additionalProperties = false;
        }
        for (const [k, sub] of Object.entries(schema.properties)) schema.properties[k] = child(sub as SchemaObject);
    }
    if (schema.items && typeof schema.items === "object") schema.items = child(schema.items);
    if (schema.additionalProperties && typeof schema.additionalProperties === "object")
        schema.additionalProperties = child(schema.additionalProperties);
    return nodes;
}

/**
 * Compiles a CRD version's `openAPIV3Schema` (a prepared copy; the input is not modified), counting its
 * CEL rules in `counts`.
 */
export function compileCrdSchema(schema: SchemaObject, counts: RuleCounts): ValidateFunction {
    const prepared = structuredClone(schema);
    prepare(prepared, counts);
    return ajv.compile(prepared);
}

/**
 * Compiles a CRD version's schema like {@link compileCrdSchema}, and every lazy subtree under it too, and
 * returns them as parts: part 0 is the kind's validator, the others its subtrees. Each keyword validator
 * ajv holds in these parts is given the code that rebuilds it from the cache (`rt.keyword(...)`), so
 * ajv's standalone code generation can write the parts out (crd-cache.ts).
 */
export function compileCrdSchemaParts(schema: SchemaObject, counts: RuleCounts): ValidateFunction[] {
    const lazy = new Map<object, () => ValidateFunction>();
    collecting = lazy;
    const parts: ValidateFunction[] = [];
    const index = new Map<object, number>();
    try {
        parts.push(compileCrdSchema(schema, counts));
        // compiling a subtree can create more lazy subtrees; Map iteration visits those too
        for (const [validate, compile] of lazy) {
            const sub = compile();
            if (!index.has(sub)) {
                index.set(sub, parts.length);
                parts.push(sub);
            }
            describe(validate, () => ({ k: "lazy", part: index.get(sub)! }));
        }
    } finally {
        collecting = undefined;
    }
    for (const part of parts) {
        const values = (part.source?.scopeValues ?? {}) as Record<
            string,
            Iterable<{ value?: { ref?: unknown; code?: unknown } }>
        >;
        for (const name of values.keyword ?? []) {
            const ref = name.value?.ref;
            const d = ref && typeof ref === "function" ? descriptors.get(ref) : undefined;
            if (!d || !name.value) throw new Error("crd cache: a keyword validator without a descriptor");
            name.value.code = _`rt.keyword(${JSON.stringify(d())})`;
        }
    }
    return parts;
}

/** The ajv instance (for standalone code generation). */
export function ajvInstance(): Ajv {
    return ajv;
}

/** Compiles every lazy subtree not compiled yet, including those that compiling one registers. */
export function compilePendingSubtrees(): void {
    // compiling a subtree registers the lazy subtrees inside it; Set iteration visits those too
    for (const compile of uncompiled) compile();
}
