/**
 * The manifest-check thread (tools/schema/thread.ts): checks each posted stack's objects and replies;
 * closes its port when asked, so the thread ends once the last reply is sent.
 *
 * While the main thread renders the first stack, it loads the validators of the kinds the previous plan
 * checked (`<cache>/crd/plan-kinds.json`, rewritten when the set changes): a hint only — a kind missing
 * from it is loaded when first reached, a kind no longer rendered costs one load.
 */
import * as fs from "fs";
import { parentPort } from "worker_threads";
import { crdCacheFile, write } from "./crd-cache";
import { preloadValidators } from "./index";
import { checkManifests } from "./thread";

const HINT = crdCacheFile("plan-kinds.json");

function readHint(): [string, string][] {
    try {
        const kinds: unknown = JSON.parse(fs.readFileSync(HINT, "utf8"));
        return Array.isArray(kinds) ? kinds.filter((k) => Array.isArray(k) && k.length === 2) : [];
    } catch {
        return [];
    }
}

const hinted = readHint();
try {
    preloadValidators(hinted);
} catch {
    // a warm-up only: whatever failed here fails again, with its message, in the check that needs it
}
const seen = new Map<string, [string, string]>();

parentPort!.on("message", (msg: { id?: number; objs?: Record<string, any>[]; close?: boolean }) => {
    if (msg.close) {
        const kinds = [...seen.values()].sort((a, b) => (a.join("/") < b.join("/") ? -1 : 1));
        if (JSON.stringify(kinds) !== JSON.stringify(hinted)) write(HINT, JSON.stringify(kinds));
        parentPort!.close();
        return;
    }
    for (const o of msg.objs!) {
        if (typeof o?.apiVersion === "string" && typeof o?.kind === "string")
            seen.set(`${o.apiVersion}/${o.kind}`, [o.apiVersion, o.kind]);
    }
    try {
        parentPort!.postMessage({ id: msg.id, result: checkManifests(msg.objs!) });
    } catch (err) {
        const e = err as Error;
        parentPort!.postMessage({ id: msg.id, error: { message: e.message, stack: e.stack } });
    }
});
