/**
 * `x-kubernetes-validations` CEL rules, evaluated with @marcbachmann/cel-js as an ajv keyword: each rule
 * is parsed and type-checked once (transition rules, which need `oldSelf`, are skipped), and counted.
 */
import { AnySchemaObject, ErrorObject, FuncKeywordDefinition } from "ajv";
import { Environment, ParseResult } from "@marcbachmann/cel-js";

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

/** Counts of one kind's rules. */
export type RuleCounts = Pick<CelStats, "compiled" | "skippedOldSelf" | "skippedUnsupported">;
/** Rule counts per prepared `group/version/kind`. */
const rulesByKind = new Map<string, RuleCounts>();
const runtime = { evaluations: 0, skippedAtRuntime: 0 };

/** Fresh rule counts for `group/version/kind`, recorded for {@link celStats} (replacing earlier ones). */
export function countRules(kind: string): RuleCounts {
    const counts: RuleCounts = { compiled: 0, skippedOldSelf: 0, skippedUnsupported: [] };
    rulesByKind.set(kind, counts);
    return counts;
}

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

/** What an ajv `compile` keyword returns: a validator for one schema location. */
export type DataValidateFunction = ReturnType<NonNullable<FuncKeywordDefinition["compile"]>>;

/** One entry of `x-kubernetes-validations`. */
export interface CelRule {
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
export function prepareCelRule(rule: string, counts: RuleCounts): void {
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
export function compileCelKeyword(rules: CelRule[], parentSchema: AnySchemaObject): DataValidateFunction {
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
