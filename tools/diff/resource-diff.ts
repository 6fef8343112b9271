/**
 * Per-resource diff of two renders (resources.json entries): added and removed resources, and for each
 * changed one the exact field paths with their old and new values. Secret values never appear: secret
 * wrappers are redacted, Kubernetes Secret payloads are reduced to their key names, and anything that
 * looks like a private key is replaced.
 */
import { REDACTED, redact } from "../harness";

/** A resource as resources.json records it. */
export interface DiffResource {
    type: string;
    name: string;
    inputs: Record<string, any>;
    options?: Record<string, any>;
}

/** One changed field: a dotted path (`spec.instances`, `spec.template.spec.containers[name=redis].image`). */
export interface FieldChange {
    path: string;
    /** Absent when the field was added. */
    before?: unknown;
    /** Absent when the field was removed. */
    after?: unknown;
}

/** A resource in the diff: `Kind namespace/name` for Kubernetes objects, else the type token. */
export interface ResourceChange {
    key: string;
    label: string;
    fields: FieldChange[];
}

export interface StackDiff {
    stack: string;
    added: ResourceChange[];
    removed: ResourceChange[];
    changed: ResourceChange[];
}

const PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

/** The resource with every secret value redacted (what may be printed). */
export function redactResource(r: DiffResource): DiffResource {
    const inputs = redact(r.inputs);
    if (r.type.startsWith("kubernetes:") && inputs.kind === "Secret")
        for (const f of ["data", "stringData"])
            if (inputs[f] && typeof inputs[f] === "object")
                inputs[f] = Object.fromEntries(Object.keys(inputs[f]).map((k) => [k, REDACTED]));
    const scrub = (v: unknown): unknown =>
        typeof v === "string" && PRIVATE_KEY.test(v)
            ? REDACTED
            : Array.isArray(v)
              ? v.map(scrub)
              : v && typeof v === "object"
                ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, scrub(x)]))
                : v;
    return { ...r, inputs: scrub(inputs) as Record<string, any>, options: redact(r.options ?? {}) };
}

function label(r: DiffResource): string {
    const i = r.inputs ?? {};
    if (r.type.startsWith("kubernetes:") && i.kind && i.metadata?.name)
        return `${i.kind} ${i.metadata.namespace ? `${i.metadata.namespace}/` : ""}${i.metadata.name}`;
    return `${r.type.slice(r.type.lastIndexOf(":") + 1)} ${r.name}`;
}

const isObj = (v: unknown): v is Record<string, any> => !!v && typeof v === "object" && !Array.isArray(v);

/** Arrays of objects that all carry a distinct `name` are matched by name, others by index. */
function byName(list: unknown[]): Map<string, unknown> | undefined {
    if (!list.length || !list.every((x) => isObj(x) && typeof x.name === "string")) return undefined;
    const m = new Map(list.map((x) => [(x as any).name as string, x]));
    return m.size === list.length ? m : undefined;
}

/** The field changes between two values, as paths under `prefix`. */
export function diffValues(before: unknown, after: unknown, prefix = ""): FieldChange[] {
    if (JSON.stringify(before) === JSON.stringify(after)) return [];
    const join = (k: string) => (prefix ? `${prefix}.${k}` : k);
    if (isObj(before) && isObj(after)) {
        const out: FieldChange[] = [];
        for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
            if (!(k in after)) out.push({ path: join(k), before: before[k] });
            else if (!(k in before)) out.push({ path: join(k), after: after[k] });
            else out.push(...diffValues(before[k], after[k], join(k)));
        }
        return out;
    }
    if (Array.isArray(before) && Array.isArray(after)) {
        const [a, b] = [byName(before), byName(after)];
        if (a && b) {
            const out: FieldChange[] = [];
            for (const n of new Set([...a.keys(), ...b.keys()])) {
                const p = `${prefix}[name=${n}]`;
                if (!b.has(n)) out.push({ path: p, before: a.get(n) });
                else if (!a.has(n)) out.push({ path: p, after: b.get(n) });
                else out.push(...diffValues(a.get(n), b.get(n), p));
            }
            return out;
        }
        const out: FieldChange[] = [];
        for (let i = 0; i < Math.max(before.length, after.length); i++) {
            const p = `${prefix}[${i}]`;
            if (i >= after.length) out.push({ path: p, before: before[i] });
            else if (i >= before.length) out.push({ path: p, after: after[i] });
            else out.push(...diffValues(before[i], after[i], p));
        }
        return out;
    }
    return [{ path: prefix || "(value)", before, after }];
}

/** The diff of one stack's two renders, resources matched by `type::name`. */
export function diffResources(stack: string, before: DiffResource[], after: DiffResource[]): StackDiff {
    const key = (r: DiffResource) => `${r.type}::${r.name}`;
    const b = new Map(before.map((r) => [key(r), redactResource(r)]));
    const a = new Map(after.map((r) => [key(r), redactResource(r)]));
    const diff: StackDiff = { stack, added: [], removed: [], changed: [] };
    for (const [k, r] of a) if (!b.has(k)) diff.added.push({ key: k, label: label(r), fields: [] });
    for (const [k, r] of b) if (!a.has(k)) diff.removed.push({ key: k, label: label(r), fields: [] });
    for (const [k, r] of a) {
        const old = b.get(k);
        if (!old) continue;
        const fields = [
            ...diffValues(old.inputs, r.inputs),
            ...diffValues(old.options ?? {}, r.options ?? {}, "(options)"),
        ];
        if (fields.length) diff.changed.push({ key: k, label: label(r), fields });
    }
    return diff;
}

function show(v: unknown): string {
    if (v === undefined) return "(absent)";
    const s = typeof v === "string" ? JSON.stringify(v) : JSON.stringify(v);
    return s.length > 160 ? `${s.slice(0, 157)}...` : s;
}

/** The diff as text lines (also used inside the Markdown comment's code block). */
export function diffLines(d: StackDiff): string[] {
    const lines: string[] = [];
    for (const r of d.added) lines.push(`+ ${r.label}  (${r.key})`);
    for (const r of d.removed) lines.push(`- ${r.label}  (${r.key})`);
    for (const r of d.changed) {
        lines.push(`~ ${r.label}`);
        for (const f of r.fields) lines.push(`    ${f.path}: ${show(f.before)} → ${show(f.after)}`);
    }
    return lines;
}
