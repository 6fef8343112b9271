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
 *
 * Files: crd-catalog.ts (the CRD files, compiled once per kind), vocabulary.ts (ajv and the Kubernetes
 * keywords), cel.ts (CEL rules), go-regexp.ts (patterns), errors.ts (messages), core-kinds.ts
 * (kubernetes-models), metadata.ts (name rules); this file only runs them over the objects.
 */
import * as path from "path";
import { catalog, defaultCrdDir } from "./crd-catalog";
import { coreKindProblems, coreModel } from "./core-kinds";
import { describeErrors } from "./errors";
import { metadataProblems } from "./metadata";
import { compilePendingSubtrees } from "./vocabulary";

export { type CelStats, celStats } from "./cel";
export { defaultCrdDir } from "./crd-catalog";
export { type PatternStats, patternStats, translateGoRegExp } from "./go-regexp";

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
 * Compiles every served version of every CRD in `crdDir` (default {@link defaultCrdDir}) completely,
 * including the subtrees validateManifests compiles only on demand, so a schema ajv rejects fails here
 * rather than on the first object that reaches it. Returns the `group/version/kind`s compiled.
 */
export function compileAllCrds(crdDir?: string): string[] {
    const crds = catalog(path.resolve(crdDir ?? defaultCrdDir()));
    const kinds = crds.servedKinds();
    for (const [group, version, kind] of kinds) crds.lookup(group, version, kind, true);
    compilePendingSubtrees();
    return kinds.map((k) => k.join("/"));
}

/** The CRD catalog's answer for an apiVersion/kind (its validator, the versions it serves), if any. */
function crdSchema(crds: ReturnType<typeof catalog>, apiVersion: string, kind: string) {
    const slash = apiVersion.lastIndexOf("/");
    return slash > 0 ? crds.lookup(apiVersion.slice(0, slash), apiVersion.slice(slash + 1), kind) : undefined;
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
        const crd = crdSchema(crds, apiVersion, kind);
        if (typeof crd === "function") {
            if (!crd(JSON.parse(JSON.stringify(obj)))) report(describeErrors(crd.errors ?? []));
            continue;
        }
        const core = crd ? undefined : coreKindProblems(apiVersion, kind, obj);
        if (core) {
            report(core);
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

/**
 * Loads the validators of these apiVersion/kind pairs as validateManifests loads them on first use, without
 * validating anything: a warm-up (tools/schema/check-worker.ts). Pairs without a schema are skipped.
 */
export function preloadValidators(kinds: readonly (readonly [string, string])[], opts: { crdDir?: string } = {}): void {
    const crds = catalog(path.resolve(opts.crdDir ?? defaultCrdDir()));
    for (const [apiVersion, kind] of kinds) if (!crdSchema(crds, apiVersion, kind)) coreModel(apiVersion, kind);
}
