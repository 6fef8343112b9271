/**
 * Offline validation of rendered Kubernetes objects (DESIGN.md §4).
 *
 * Custom resources are checked against the `openAPIV3Schema` of the pinned upstream CRDs (see
 * `tools/fetch-crds.ts`) with ajv, the way the API server would check them: unknown fields are errors
 * unless the schema preserves them, `x-kubernetes-int-or-string` accepts both, schema defaults are
 * applied first (on a copy), `x-kubernetes-validations` CEL rules are evaluated with
 * @marcbachmann/cel-js (except transition rules, which need `oldSelf`), `x-kubernetes-list-type`
 * set/map lists reject duplicates, and Go (RE2) patterns are translated to JavaScript. Built-in kinds
 * are checked with kubernetes-models. Every object's metadata.name / metadata.namespace is checked
 * against the API server's name rules.
 */
import Ajv, { AnySchemaObject, ErrorObject, FuncKeywordDefinition, SchemaObject, ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { Environment, ParseResult } from "@marcbachmann/cel-js";
import * as yaml from "js-yaml";
import * as fs from "fs";
import * as path from "path";

/** One problem found in one object. */
export interface SchemaIssue {
    /** `kind` of the offending object. */
    kind: string;
    /** `metadata.name` of the offending object ("" when absent). */
    name: string;
    /** `apiVersion` of the offending object. */
    apiVersion: string;
    /** JSON pointer of the offending field, e.g. `/spec/instances` ("" for the whole object). */
    path: string;
    /** Human-readable message starting with the path, e.g. `/spec/instances must be >= 1`. */
    message: string;
}

/**
 * Counters about `x-kubernetes-validations` rules in the CRD kinds looked up so far in this process
 * (every rule of each apiVersion/kind counted once, whichever CRD directory it came from).
 */
export interface CelStats {
    /** Rules parsed and type-checked; they are evaluated wherever their value is present. */
    compiled: number;
    /** Rules skipped because they are transition rules (use `oldSelf`). */
    skippedOldSelf: number;
    /** Rules skipped because cel-js cannot parse or type-check them (e.g. Kubernetes CEL libraries). */
    skippedUnsupported: string[];
    /** Individual rule evaluations performed. */
    evaluations: number;
    /** Evaluations that found no matching overload at run time (ill-typed data, reported by ajv instead). */
    skippedAtRuntime: number;
}

/** What happened to each distinct `pattern` of the CRD kinds looked up so far in this process. */
export interface PatternStats {
    /** Go (RE2) patterns that needed rewriting, with the JavaScript RegExp used instead. */
    translated: { go: string; js: string }[];
    /** Patterns that could not be expressed as a JavaScript RegExp; they accept every string. */
    untranslated: string[];
}

const REPO_ROOT = path.resolve(__dirname, "..");

/**
 * The CRD directory used when none is passed: `$GEO_CRD_DIR`, else `../shared/crds` next to the repo
 * when it exists, else `.crds/` in the repo (where `tools/fetch-crds.ts` writes).
 */
export function defaultCrdDir(): string {
    if (process.env.GEO_CRD_DIR) return path.resolve(process.env.GEO_CRD_DIR);
    const shared = path.resolve(REPO_ROOT, "..", "shared", "crds");
    return fs.existsSync(shared) ? shared : path.join(REPO_ROOT, ".crds");
}

// ---------------------------------------------------------------------------------------------
// Counters

type RuleCounts = Pick<CelStats, "compiled" | "skippedOldSelf" | "skippedUnsupported">;
/** Rule counts per prepared `group/version/kind`. */
const rulesByKind = new Map<string, RuleCounts>();
const runtime = { evaluations: 0, skippedAtRuntime: 0 };
const translatedPatterns = new Map<string, string>();
const untranslatedPatterns = new Set<string>();

/** Snapshot of the CEL rule counters. */
export function celStats(): CelStats {
    const total: CelStats = { compiled: 0, skippedOldSelf: 0, skippedUnsupported: [], ...runtime };
    for (const r of rulesByKind.values()) {
        total.compiled += r.compiled;
        total.skippedOldSelf += r.skippedOldSelf;
        total.skippedUnsupported.push(...r.skippedUnsupported);
    }
    return total;
}

/** Snapshot of the Go-pattern translations. */
export function patternStats(): PatternStats {
    return {
        translated: [...translatedPatterns].map(([go, js]) => ({ go, js })),
        untranslated: [...untranslatedPatterns],
    };
}

// ---------------------------------------------------------------------------------------------
// Go regular expressions → JavaScript

const POSIX_CLASSES: Record<string, string> = {
    alnum: "0-9A-Za-z",
    alpha: "A-Za-z",
    ascii: "\\x00-\\x7F",
    blank: "\\t ",
    cntrl: "\\x00-\\x1F\\x7F",
    digit: "0-9",
    graph: "!-~",
    lower: "a-z",
    print: " -~",
    punct: "!-\\/:-@\\[-`{-~",
    space: "\\t\\n\\v\\f\\r ",
    upper: "A-Z",
    word: "0-9A-Za-z_",
    xdigit: "0-9A-Fa-f",
};
/** Characters that must stay escaped in a JavaScript `u`-mode RegExp. */
const JS_SYNTAX = new Set("^$\\.*+?()[]{}|/");

/**
 * Rewrites a Go (RE2) pattern as JavaScript RegExp source and flags: leading `(?flags)` groups become
 * RegExp flags, `\A`/`\z` become look-arounds, `(?P<n>` becomes `(?<n>`, `\Q…\E` is quoted, POSIX
 * classes and `\pL` are expanded, `\x{…}` becomes `\u{…}`, and escaped punctuation that JavaScript's
 * `u` mode rejects (e.g. `\_`) loses its backslash. Returns undefined for what has no equivalent
 * (flags in the middle of a pattern, `(?U)`).
 */
export function translateGoRegExp(pattern: string): { source: string; flags: string } | undefined {
    let rest = pattern;
    let out = "";
    const flags = new Set<string>();
    for (;;) {
        const lead = /^(\^?)\(\?([a-zA-Z]+)\)/.exec(rest);
        if (!lead) break;
        for (const f of lead[2]) {
            if (!"ims".includes(f)) return undefined;
            flags.add(f);
        }
        out += lead[1];
        rest = rest.slice(lead[0].length);
    }
    let inClass = false;
    for (let i = 0; i < rest.length; i++) {
        const c = rest[i];
        if (c === "\\") {
            const n = rest[++i] ?? "";
            if (n === "Q") {
                const end = rest.indexOf("\\E", i + 1);
                const literal = rest.slice(i + 1, end < 0 ? undefined : end);
                out += literal.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&");
                i = end < 0 ? rest.length : end + 1;
            } else if (n === "A" && !inClass) out += "(?<![\\s\\S])";
            else if (n === "z" && !inClass) out += "(?![\\s\\S])";
            else if (n === "a") out += "\\x07";
            else if ((n === "p" || n === "P") && rest[i + 1] !== "{") out += `\\${n}{${rest[++i] ?? ""}}`;
            else if (n === "x" && rest[i + 1] === "{") {
                const end = rest.indexOf("}", i);
                if (end < 0) return undefined;
                out += `\\u${rest.slice(i + 1, end + 1)}`;
                i = end;
            } else if (/[A-Za-z0-9]/.test(n) || JS_SYNTAX.has(n) || (n === "-" && inClass)) out += `\\${n}`;
            else out += n;
        } else if (!inClass && c === "(" && rest[i + 1] === "?") {
            if (rest[i + 2] === "P" && rest[i + 3] === "<") {
                out += "(?<";
                i += 3;
            } else if (rest[i + 2] === ":") {
                out += "(?:";
                i += 2;
            } else return undefined;
        } else if (inClass && c === "[" && rest[i + 1] === ":") {
            const m = /^\[:(\^?)([a-z]+):\]/.exec(rest.slice(i));
            if (!m || !POSIX_CLASSES[m[2]] || m[1]) return undefined;
            out += POSIX_CLASSES[m[2]];
            i += m[0].length - 1;
        } else {
            if (c === "[" && !inClass) {
                inClass = true;
                out += c;
                if (rest[i + 1] === "^") out += rest[++i];
                if (rest[i + 1] === "]") out += `\\${rest[++i]}`;
                continue;
            }
            if (c === "]" && inClass) inClass = false;
            out += c;
        }
    }
    return { source: out, flags: [...flags].join("") };
}

/** A pattern matcher that accepts everything, for patterns JavaScript cannot express. */
class LenientPattern {
    constructor(private readonly pattern: string) {}
    test(): boolean {
        return true;
    }
    toString(): string {
        return `untranslated:${this.pattern}`;
    }
}

const regExps = new Map<string, RegExp | LenientPattern>();

/** ajv `code.regExp` engine: Go patterns, translated once and cached. */
const goRegExp = Object.assign(
    (pattern: string): RegExp | LenientPattern => {
        const cached = regExps.get(pattern);
        if (cached) return cached;
        const rx = goToJsRegExp(pattern);
        regExps.set(pattern, rx);
        return rx;
    },
    { code: "goRegExp" },
);

/** Translates one Go pattern, recording in {@link patternStats} whether it had to be rewritten or could not be. */
function goToJsRegExp(pattern: string): RegExp | LenientPattern {
    const t = translateGoRegExp(pattern);
    if (t) {
        for (const flags of [t.flags + "u", t.flags]) {
            try {
                const rx = new RegExp(t.source, flags);
                if (t.source !== pattern || t.flags) translatedPatterns.set(pattern, rx.toString());
                return rx;
            } catch {
                // try without the `u` flag, then give up
            }
        }
    }
    untranslatedPatterns.add(pattern);
    return new LenientPattern(pattern);
}

// ---------------------------------------------------------------------------------------------
// Kubernetes vocabulary for ajv

/** What an ajv `compile` keyword returns: a validator for one schema location. */
type DataValidateFunction = ReturnType<NonNullable<FuncKeywordDefinition["compile"]>>;

/** One entry of `x-kubernetes-validations`. */
interface CelRule {
    rule: string;
    message?: string;
    fieldPath?: string;
}

const celEnv = new Environment({ enableOptionalTypes: true, homogeneousAggregateLiterals: false }).registerVariable(
    "self",
    "dyn",
);

/** Parsed rules by rule text; undefined for rules cel-js cannot parse or type-check. */
const celRules = new Map<string, ParseResult | undefined>();

/** Parses and type-checks a rule once, counting it: skipped when it uses `oldSelf` or cel-js cannot handle it. */
function prepareCelRule(rule: string, counts: RuleCounts): void {
    if (/\boldSelf\b/.test(rule)) {
        counts.skippedOldSelf++;
        return;
    }
    if (!celRules.has(rule)) {
        let parsed: ParseResult | undefined;
        try {
            parsed = celEnv.parse(rule);
            if (!parsed.check().valid) parsed = undefined;
        } catch {
            // a syntax cel-js does not know
        }
        celRules.set(rule, parsed);
    }
    if (celRules.get(rule)) counts.compiled++;
    else counts.skippedUnsupported.push(rule);
}

/** Whether `data` has the JSON type the schema node declares (CEL rules only run on well-typed values). */
function hasSchemaType(schema: AnySchemaObject, data: unknown): boolean {
    const types: unknown[] = Array.isArray(schema.type) ? schema.type : schema.type === undefined ? [] : [schema.type];
    if (types.length === 0) return true;
    const actual = Array.isArray(data) ? "array" : data === null ? "null" : typeof data;
    return types.some((t) => t === actual || (t === "integer" && Number.isInteger(data)));
}

/** ajv keyword: evaluates `x-kubernetes-validations` rules whose `self` is the current value. */
function compileCelKeyword(rules: CelRule[], parentSchema: AnySchemaObject): DataValidateFunction {
    const compiled = rules.flatMap((r) => {
        const fn = celRules.get(r.rule);
        return fn ? [{ ...r, fn }] : [];
    });
    const validate: DataValidateFunction = (data, ctx) => {
        if (!hasSchemaType(parentSchema, data)) return true;
        const errors: Partial<ErrorObject>[] = [];
        for (const r of compiled) {
            runtime.evaluations++;
            let failure: string | undefined;
            try {
                if (r.fn({ self: data }) !== true) failure = r.message ?? `failed rule: ${r.rule}`;
            } catch (e) {
                const err = e as { code?: string; message?: string };
                if (err.code === "no_matching_overload") {
                    runtime.skippedAtRuntime++;
                    continue;
                }
                failure = `${r.message ?? `failed rule: ${r.rule}`} (evaluation error: ${String(err.message).split("\n")[0]})`;
            }
            if (failure !== undefined) {
                const field = r.fieldPath ? r.fieldPath.replace(/^\./, "/").replace(/\./g, "/") : "";
                errors.push({
                    keyword: "x-kubernetes-validations",
                    instancePath: `${ctx?.instancePath ?? ""}${field}`,
                    message: failure,
                    params: { rule: r.rule },
                });
            }
        }
        validate.errors = errors;
        return errors.length === 0;
    };
    return validate;
}

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
    return validate;
}

const ajv = new Ajv({
    allErrors: true,
    strict: true,
    strictTypes: false,
    strictRequired: false,
    useDefaults: true,
    validateSchema: false,
    code: { regExp: goRegExp, optimize: false },
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
    compile: compileCelKeyword,
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

/** ajv keyword wrapping a subtree that is compiled the first time a value reaches it. */
function compileLazyKeyword(subtree: SchemaObject): DataValidateFunction {
    let compiled: ValidateFunction | undefined;
    const compile = (): ValidateFunction => {
        uncompiled.delete(compile);
        return (compiled ??= ajv.compile(subtree));
    };
    uncompiled.add(compile);
    const validate: DataValidateFunction = (data, ctx) => {
        const sub = compiled ?? compile();
        if (sub(data, ctx)) return true;
        // described here, where the subtree's schema paths are still meaningful
        validate.errors = describeErrors(sub.errors ?? []).map((d) => ({
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

// ---------------------------------------------------------------------------------------------
// CRD catalog

interface CrdDoc {
    kind: string;
    metadata: { name: string };
    spec: {
        group: string;
        names: { kind: string };
        versions: { name: string; served: boolean; schema?: { openAPIV3Schema?: SchemaObject } }[];
    };
}

/** The CRD files of one directory, read on first use and parsed only for the groups asked for. */
class CrdCatalog {
    private texts?: Map<string, string>;
    private readonly parsed = new Map<string, CrdDoc[]>();
    private readonly compiled = new Map<string, ValidateFunction>();

    constructor(readonly dir: string) {}

    /** Whether the directory holds any CRD file at all. */
    get empty(): boolean {
        return this.files().size === 0;
    }

    /** The compiled validator, the served versions when this version is not served, or undefined. */
    lookup(
        group: string,
        version: string,
        kind: string,
    ): ValidateFunction | { served: string[]; crd: string } | undefined {
        const key = `${group}/${version}/${kind}`;
        const hit = this.compiled.get(key);
        if (hit) return hit;
        for (const [file, text] of this.files()) {
            if (!text.includes(group)) continue;
            for (const crd of this.parse(file, text)) {
                if (crd.spec.group !== group || crd.spec.names.kind !== kind) continue;
                const v = crd.spec.versions.find((x) => x.name === version && x.served);
                const schema = v?.schema?.openAPIV3Schema;
                if (!schema)
                    return {
                        served: crd.spec.versions.filter((x) => x.served).map((x) => x.name),
                        crd: crd.metadata.name,
                    };
                const counts: RuleCounts = { compiled: 0, skippedOldSelf: 0, skippedUnsupported: [] };
                const prepared = structuredClone(schema);
                prepare(prepared, counts);
                rulesByKind.set(key, counts);
                const validate = ajv.compile(prepared);
                this.compiled.set(key, validate);
                return validate;
            }
        }
        return undefined;
    }

    /** Every served `[group, version, kind]` in the directory. */
    servedKinds(): [string, string, string][] {
        return [...this.files()].flatMap(([file, text]) =>
            this.parse(file, text).flatMap((crd) =>
                crd.spec.versions
                    .filter((v) => v.served)
                    .map((v): [string, string, string] => [crd.spec.group, v.name, crd.spec.names.kind]),
            ),
        );
    }

    private files(): Map<string, string> {
        if (!this.texts) {
            this.texts = new Map();
            if (fs.existsSync(this.dir)) {
                for (const rel of fs.readdirSync(this.dir, { recursive: true }) as string[]) {
                    if (/\.ya?ml$/.test(rel)) this.texts.set(rel, fs.readFileSync(path.join(this.dir, rel), "utf8"));
                }
            }
        }
        return this.texts;
    }

    private parse(file: string, text: string): CrdDoc[] {
        let docs = this.parsed.get(file);
        if (!docs) {
            docs = (yaml.loadAll(text) as CrdDoc[]).filter(
                (d) => d?.kind === "CustomResourceDefinition" && d.spec?.names,
            );
            this.parsed.set(file, docs);
        }
        return docs;
    }
}

const catalogs = new Map<string, CrdCatalog>();

function catalog(dir: string): CrdCatalog {
    let c = catalogs.get(dir);
    if (!c) {
        c = new CrdCatalog(dir);
        catalogs.set(dir, c);
    }
    return c;
}

// ---------------------------------------------------------------------------------------------
// Built-in kinds (kubernetes-models)

interface ModelClass {
    new (data: unknown): { validate(): void };
    apiVersion?: string;
    kind?: string;
}

const coreModels = new Map<string, ModelClass | undefined>();

/** The kubernetes-models class of a built-in apiVersion/kind, or undefined. */
function coreModel(apiVersion: string, kind: string): ModelClass | undefined {
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

// ---------------------------------------------------------------------------------------------
// Messages

const escapePointer = (s: string): string => s.replace(/~/g, "~0").replace(/\//g, "~1");
const show = (p: string): string => p || "/";

/** Whether an error comes from inside a failed `oneOf`/`anyOf` branch (reported once by the parent). */
function insideFailedBranch(e: ErrorObject, all: ErrorObject[]): boolean {
    return all.some(
        (p) =>
            p !== e &&
            (p.keyword === "oneOf" || p.keyword === "anyOf") &&
            e.schemaPath.startsWith(`${p.schemaPath}/`) &&
            e.instancePath.startsWith(p.instancePath),
    );
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

/** Turns ajv errors (CRD schemas or kubernetes-models) into path + message pairs. */
function describeErrors(errors: ErrorObject[]): { path: string; message: string }[] {
    return errors
        .filter((e) => !insideFailedBranch(e, errors))
        .map((e) => {
            const p = e.params as Record<string, unknown>;
            switch (e.keyword) {
                case "additionalProperties": {
                    const path = `${e.instancePath}/${escapePointer(String(p.additionalProperty))}`;
                    return { path, message: `${path} is an unknown field (not in the schema)` };
                }
                case "required": {
                    const path = `${e.instancePath}/${escapePointer(String(p.missingProperty))}`;
                    return { path, message: `${path} is required` };
                }
                case "enum":
                    return {
                        path: e.instancePath,
                        message: `${show(e.instancePath)} ${e.message}: ${(p.allowedValues as unknown[]).join(", ")}`,
                    };
                case "x-geo-described":
                    return { path: e.instancePath, message: String(e.message) };
                case "x-kubernetes-validations":
                    return { path: e.instancePath, message: `${show(e.instancePath)}: ${e.message}` };
                case "oneOf":
                case "anyOf": {
                    // name the alternatives from the branches' own "required" errors
                    const missing = new Map<string, string[]>();
                    for (const b of errors) {
                        if (
                            b.keyword !== "required" ||
                            b.instancePath !== e.instancePath ||
                            !b.schemaPath.startsWith(`${e.schemaPath}/`)
                        )
                            continue;
                        const branch = b.schemaPath.slice(e.schemaPath.length + 1).split("/")[0];
                        missing.set(branch, [...(missing.get(branch) ?? []), String(b.params.missingProperty)]);
                    }
                    const which = e.keyword === "oneOf" ? "exactly one" : "at least one";
                    const hint = Array.isArray(p.passingSchemas)
                        ? " (more than one alternative is set)"
                        : missing.size > 0
                          ? ` (set ${which} of: ${[...missing.values()].map((m) => m.join("+")).join(" | ")})`
                          : "";
                    return { path: e.instancePath, message: `${show(e.instancePath)} ${e.message}${hint}` };
                }
                default:
                    return { path: e.instancePath, message: `${show(e.instancePath)} ${e.message}` };
            }
        });
}

// ---------------------------------------------------------------------------------------------
// Metadata

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

function metadataProblems(obj: Record<string, any>): { path: string; message: string }[] {
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

// ---------------------------------------------------------------------------------------------
// Entry points

/**
 * Compiles every served version of every CRD in `crdDir` (default {@link defaultCrdDir}) completely,
 * including the subtrees validateManifests compiles only on demand, so a schema ajv rejects fails here
 * rather than on the first object that reaches it. Returns the `group/version/kind`s compiled.
 */
export function compileAllCrds(crdDir?: string): string[] {
    const crds = catalog(path.resolve(crdDir ?? defaultCrdDir()));
    const kinds = crds.servedKinds();
    for (const [group, version, kind] of kinds) crds.lookup(group, version, kind);
    // compiling a subtree registers the lazy subtrees inside it; Set iteration visits those too
    for (const compile of uncompiled) compile();
    return kinds.map((k) => k.join("/"));
}

/**
 * Validates rendered Kubernetes objects offline and returns every problem found (empty when all are
 * valid). Custom resources use the CRDs in `opts.crdDir` (default {@link defaultCrdDir}); each kind's
 * schema is compiled on first use (its large subtrees when a value first reaches them) and cached for
 * the process. Built-in kinds use kubernetes-models,
 * which checks types, required fields and enums but not unknown fields. Objects of any other
 * apiVersion/kind yield a "no schema for <apiVersion>/<kind>" issue. The input is not modified.
 */
export function validateManifests(objs: any[], opts: { crdDir?: string } = {}): SchemaIssue[] {
    const crds = catalog(path.resolve(opts.crdDir ?? defaultCrdDir()));
    const issues: SchemaIssue[] = [];
    for (const obj of objs) {
        const apiVersion = typeof obj?.apiVersion === "string" ? obj.apiVersion : "";
        const kind = typeof obj?.kind === "string" ? obj.kind : "";
        const name = typeof obj?.metadata?.name === "string" ? obj.metadata.name : "";
        const report = (found: { path: string; message: string }[]): void => {
            for (const f of found) issues.push({ kind, name, apiVersion, ...f });
        };
        if (!apiVersion || !kind) {
            report([{ path: "", message: "/ must have string apiVersion and kind" }]);
            continue;
        }
        report(metadataProblems(obj));
        const slash = apiVersion.lastIndexOf("/");
        const crd = slash > 0 ? crds.lookup(apiVersion.slice(0, slash), apiVersion.slice(slash + 1), kind) : undefined;
        if (typeof crd === "function") {
            if (!crd(JSON.parse(JSON.stringify(obj)))) report(describeErrors(crd.errors ?? []));
            continue;
        }
        const model = crd ? undefined : coreModel(apiVersion, kind);
        if (model) {
            try {
                new model(obj).validate();
            } catch (e) {
                const errors = (e as { errors?: ErrorObject[] }).errors;
                if (!errors) throw e;
                report(describeErrors(foldCoreOneOf(errors)));
            }
            continue;
        }
        const hint = crd
            ? ` (CRD ${crd.crd} serves: ${crd.served.join(", ")})`
            : crds.empty
              ? ` (no CRD files in ${crds.dir}; run \`npm run fetch-crds\`)`
              : "";
        report([{ path: "", message: `no schema for ${apiVersion}/${kind}${hint}` }]);
    }
    return issues;
}
