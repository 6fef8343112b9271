/**
 * Shared test support: renders stacks with the real stack files under the same mocks `npm run plan` uses,
 * caches renders (one per distinct config) and finds resources by type and name.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parseRegionConfig } from "../config";
import { REHEARSAL_PROMOTION_TOKEN } from "../tools/runbook/config";
import {
    ORGANIZATION,
    PROJECT,
    RecordedResource,
    RenderResult,
    StackOutputs,
    renderStack,
    unwrapSecrets,
} from "../tools/harness";
import { loadStackConfig } from "../tools/stack-config";
import { policies } from "../policies/policies";

const cache = new Map<string, Promise<RenderResult>>();

/**
 * Renders `stack` from its Pulumi.<stack>.yaml plus `overrides` (keys with or without `geo-data:`). A
 * secondary stack's StackReference is fed from the primary stack rendered with `primaryOverrides`
 * (defaults to the same overrides). With `previousOverrides`, the stack's StackReference to itself (its last
 * deployment) is fed from the same stack rendered with those. Results are cached; treat them as read-only.
 */
export function render(
    stack: string,
    overrides: Record<string, string> = {},
    primaryOverrides: Record<string, string> = overrides,
    previousOverrides?: Record<string, string>,
): Promise<RenderResult> {
    const key = JSON.stringify([stack, overrides, primaryOverrides, previousOverrides]);
    let p = cache.get(key);
    if (!p) {
        p = (async () => {
            const { config, secretKeys } = loadStackConfig(stack, overrides);
            const stackReferences: Record<string, StackOutputs> = {};
            const ref = config["geo-data:primaryStack"];
            if (ref) {
                const primary = await render(ref.split("/").pop()!, primaryOverrides);
                stackReferences[ref] = { outputs: primary.outputs, secretOutputNames: primary.secretOutputNames };
            }
            if (previousOverrides) {
                // The stack's own last deployment (its self StackReference): the same stack rendered before.
                const before = await render(stack, previousOverrides, primaryOverrides);
                stackReferences[`${ORGANIZATION}/${PROJECT}/${stack}`] = {
                    outputs: before.outputs,
                    secretOutputNames: before.secretOutputNames,
                };
            }
            return serial(() => renderStack({ stack, config, secretKeys, stackReferences }));
        })();
        cache.set(key, p);
    }
    return p;
}

// Renders share Pulumi's global runtime state: run them strictly one at a time.
let chain: Promise<unknown> = Promise.resolve();
export function serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = chain.then(fn);
    chain = p.catch(() => undefined);
    return p;
}

/** Renders expecting failure; resolves with the error message. */
export async function renderError(stack: string, overrides: Record<string, string> = {}): Promise<string> {
    try {
        await render(stack, overrides);
    } catch (err) {
        return (err as Error).message;
    }
    throw new Error(`expected rendering ${stack} with ${JSON.stringify(overrides)} to fail`);
}

/** All resources of a type token (e.g. `kubernetes:apps/v1:StatefulSet`). */
export function ofType(r: RenderResult, type: string): RecordedResource[] {
    return r.resources.filter((x) => x.type === type);
}

/** The one resource with this type and Pulumi name; throws listing the candidates otherwise. */
export function find(r: RenderResult, type: string, name: string): RecordedResource {
    const hit = r.resources.find((x) => x.type === type && x.name === name);
    if (!hit) {
        const names = ofType(r, type).map((x) => x.name);
        throw new Error(`no ${type} named ${name}; have: ${names.join(", ") || "none"}`);
    }
    return hit;
}

/** A resource's inputs with secrets unwrapped (what the provider would receive). */
export function inputs(res: RecordedResource): Record<string, any> {
    return unwrapSecrets(res.inputs);
}

/** An EKS OIDC provider ARN for config fixtures. */
export const TEST_OIDC =
    "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";

/** The smallest valid raw config of the primary (us-east) stack, for parseRegionConfig specs. */
export const EAST_RAW: Readonly<Record<string, string>> = {
    "geo-data:region": "us-east-1",
    "geo-data:peerRegion": "us-west-2",
    "geo-data:role": "primary",
    "geo-data:oidcProviderArn": TEST_OIDC,
};

/** The message parseRegionConfig throws for `raw`; fails the test when `raw` is accepted. */
export function configErrorOf(raw: Record<string, string>): string {
    try {
        parseRegionConfig(raw, "test");
    } catch (err) {
        return (err as Error).message;
    }
    throw new Error(`expected ${JSON.stringify(raw)} to be rejected`);
}

/** configErrorOf(EAST_RAW with `overrides`); override keys are given without the `geo-data:` prefix. */
export function configError(overrides: Record<string, string>): string {
    const raw: Record<string, string> = { ...EAST_RAW };
    for (const [k, v] of Object.entries(overrides)) raw[`geo-data:${k}`] = v;
    return configErrorOf(raw);
}

/**
 * A well-formed CloudNativePG demotion token for switchover fixtures: the one `npm run switchover`
 * rehearses with, so the switched renders of every spec and of the tool are the same (cached) renders.
 */
export const SAMPLE_PROMOTION_TOKEN = REHEARSAL_PROMOTION_TOKEN;

/**
 * A stack in the switched topology: primaryRegion us-west-2 in both stacks, us-west promoted with
 * SAMPLE_PROMOTION_TOKEN, its StackReference fed from the switched us-east. Cached like `render`.
 */
export function renderSwitched(stack: "us-east" | "us-west"): Promise<RenderResult> {
    const east = { primaryRegion: "us-west-2" };
    return stack === "us-east"
        ? render("us-east", east)
        : render("us-west", { ...east, postgresPromotionToken: SAMPLE_PROMOTION_TOKEN }, east);
}

/**
 * "Defaults to X." of every property of an interface (declared with or without `extends`), from the doc
 * comments of `file` (relative to the repository root): what a spec compares with the applied defaults.
 */
export function documentedDefaults(file: string, iface: string): Record<string, string> {
    const src = fs.readFileSync(path.join(__dirname, "..", file), "utf8");
    const start = new RegExp(`export interface ${iface}\\b[^{]*\\{`).exec(src);
    if (!start) throw new Error(`no interface ${iface} in ${file}`);
    const body = src.slice(start.index);
    const block = body.slice(0, body.indexOf("\n}\n"));
    const out: Record<string, string> = {};
    for (const m of block.matchAll(/\/\*\*([\s\S]*?)\*\/\s*readonly (\w+)\??:/g)) {
        const d = /Defaults to ([^\n*]+?)\.\s*(\*|$)/m.exec(m[1].replace(/\n\s*\*\s*/g, " "));
        if (d) out[m[2]] = d[1].trim();
    }
    return out;
}

/**
 * A mocha case: each of `mine()` is registered in the pack (policies/policies.ts), mandatory, with a
 * description, severity and remediation, and named `<area>-<enable|disallow|configure|require>-<what>`.
 */
export function itIsInThePack(
    mine: () => readonly {
        name: string;
        enforcementLevel?: string;
        description?: string;
        remediationSteps?: string;
        severity?: string;
    }[],
): void {
    it("are in the pack, mandatory, with description, severity and remediation", () => {
        for (const p of mine()) {
            assert.ok((policies as readonly unknown[]).includes(p), p.name);
            assert.equal(p.enforcementLevel, "mandatory");
            assert.ok(p.description && p.remediationSteps && p.severity, p.name);
            assert.match(p.name, /^[a-z]+(-[a-z]+)*-(enable|disallow|configure|require)-[a-z-]+$/);
        }
    });
}
