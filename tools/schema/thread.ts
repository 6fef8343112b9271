/**
 * The plan's manifest checks — schema validation (validateManifests) and the manifests' YAML — either in
 * this thread or on a worker thread that runs beside the render.
 *
 * On the worker, loading the validators (ajv standalone code of each kind used, kubernetes-models) and
 * checking one stack overlaps rendering the next stack and running the policies, so on a machine with two
 * or more cores the checks leave the plan's critical path. The worker is given the same objects (a
 * structured clone: plain JSON values, key order kept) and runs the same functions, so the issues and the
 * YAML are the ones the inline checker returns. `GEO_PLAN_THREAD=0` checks inline.
 */
import * as path from "path";
import { Worker } from "worker_threads";
import type { SchemaIssue } from "./index";

/** What the checks found in one stack's objects. */
export interface ManifestCheck {
    schemaIssues: SchemaIssue[];
    /** manifests.yaml: the objects as multi-document YAML. */
    yaml: string;
    /** Seconds spent checking (on whichever thread ran it). */
    seconds: number;
}

export interface ManifestChecker {
    /** Checks `objs` (not modified); resolves once done. */
    check(objs: Record<string, any>[]): Promise<ManifestCheck>;
    /** Ends the worker, if any, once its checks are done. */
    close(): Promise<void>;
}

/**
 * The checks themselves: what both checkers run. The validators and js-yaml are required here, not
 * imported: the plan's main thread imports this module for the checkers and, checking on the worker, must
 * not load them.
 */
export function checkManifests(objs: Record<string, any>[]): ManifestCheck {
    const t = Date.now();
    const schemaIssues = (require("./index") as typeof import("./index")).validateManifests(objs);
    const yaml = (require("../manifests-yaml") as typeof import("../manifests-yaml")).toYaml(objs);
    return { schemaIssues, yaml, seconds: (Date.now() - t) / 1000 };
}

/** Checks in this thread, at once. */
export function inlineChecker(): ManifestChecker {
    return {
        check: async (objs) => checkManifests(objs),
        close: async () => undefined,
    };
}

type Reply = { id: number; result?: ManifestCheck; error?: { message: string; stack?: string } };

/**
 * Checks on a worker thread. The worker loads the TypeScript the way this process does (tools/register.js,
 * unless `.ts` is already handled by a preload the worker inherits); a worker that fails or exits early
 * rejects every pending check with its error.
 */
export function threadChecker(): ManifestChecker {
    const entry = path.join(__dirname, "check-worker");
    const register = path.join(__dirname, "..", "register.js");
    const worker = new Worker(
        `if (!require.extensions[".ts"]) require(${JSON.stringify(register)}); require(${JSON.stringify(entry)});`,
        { eval: true },
    );
    const pending = new Map<number, { resolve: (r: ManifestCheck) => void; reject: (e: Error) => void }>();
    let failure: Error | undefined;
    const failAll = (err: Error) => {
        failure ??= err;
        for (const p of pending.values()) p.reject(failure);
        pending.clear();
    };
    worker.on("message", (reply: Reply) => {
        const p = pending.get(reply.id);
        if (!p) return;
        pending.delete(reply.id);
        if (reply.result) p.resolve(reply.result);
        else p.reject(Object.assign(new Error(reply.error?.message), { stack: reply.error?.stack }));
    });
    worker.on("error", failAll);
    const exited = new Promise<void>((resolve) =>
        worker.once("exit", (code) => {
            if (pending.size) failAll(new Error(`the manifest-check thread exited (code ${code}) with checks pending`));
            resolve();
        }),
    );
    let next = 0;
    return {
        check(objs) {
            if (failure) return Promise.reject(failure);
            const id = next++;
            return new Promise<ManifestCheck>((resolve, reject) => {
                pending.set(id, { resolve, reject });
                worker.postMessage({ id, objs });
            });
        },
        async close() {
            // The worker ends on its own once its port closes, so its exit hooks (the V8 code cache) run.
            worker.postMessage({ close: true });
            await exited;
        },
    };
}

/** The checker the plan's command line uses: a thread unless GEO_PLAN_THREAD=0. */
export function defaultChecker(): ManifestChecker {
    return process.env.GEO_PLAN_THREAD === "0" ? inlineChecker() : threadChecker();
}
