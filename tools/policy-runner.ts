/**
 * Evaluates the project's policy pack offline on recorded resources, the way the Pulumi engine would:
 * resource policies on each resource, stack policies on the whole set, config defaults from each policy's
 * configSchema. The pack itself (policies/index.ts) is unchanged; this only calls its policies.
 */
import type {
    EnforcementLevel,
    Policies,
    PolicyResource,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationPolicy,
} from "@pulumi/policy";
import * as fs from "fs";
import * as path from "path";
import { ORGANIZATION, PROJECT, ROOT, RecordedResource, resourceKey, unwrapSecrets } from "./harness";

/**
 * A policy pack config as `pulumi preview --policy-pack-config` reads it: per policy name (or `all`) either an
 * enforcement level or an object with `enforcementLevel` and the policy's configSchema properties.
 */
export type PackConfig = Record<
    string,
    EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Record<string, unknown>)
>;

/** The pack's documented default config: policies/policy-config.json. */
export const DEFAULT_POLICY_CONFIG = path.join(ROOT, "policies", "policy-config.json");

/** Reads a pack config file (default: policies/policy-config.json). */
export function loadPolicyConfig(file = DEFAULT_POLICY_CONFIG): PackConfig {
    return JSON.parse(fs.readFileSync(file, "utf8")) as PackConfig;
}

/** The enforcement level the engine applies to `policy` under `config`: its entry, then `all`, then the policy's own. */
export function enforcementOf(
    policy: { name: string; enforcementLevel?: EnforcementLevel },
    config: PackConfig = {},
): EnforcementLevel {
    const level = (e: PackConfig[string] | undefined) => (typeof e === "string" ? e : e?.enforcementLevel);
    return level(config[policy.name]) ?? level(config.all) ?? policy.enforcementLevel ?? "advisory";
}

/** One violation, as the CLI would report it. */
export interface Violation {
    enforcementLevel: EnforcementLevel;
    policyName: string;
    type: string;
    name: string;
    urn: string;
    message: string;
}

class NotApplicable extends Error {}

/** The URN the engine would give a resource: parent types chained with `$`. */
export function urnOf(r: RecordedResource, byKey: Map<string, RecordedResource>, stack: string): string {
    const types: string[] = [r.type];
    let p = r.parent ? byKey.get(r.parent) : undefined;
    while (p) {
        types.unshift(p.type);
        p = p.parent ? byKey.get(p.parent) : undefined;
    }
    return `urn:pulumi:${stack}::${PROJECT}::${types.join("$")}::${r.name}`;
}

function configFor(policy: ResourceValidationPolicy | StackValidationPolicy, overrides: PackConfig) {
    const defaults: Record<string, unknown> = {};
    for (const [k, schema] of Object.entries(policy.configSchema?.properties ?? {})) {
        if ((schema as { default?: unknown }).default !== undefined)
            defaults[k] = (schema as { default?: unknown }).default;
    }
    const entry = overrides[policy.name];
    const { enforcementLevel: _level, ...props } = typeof entry === "object" && entry ? entry : {};
    return { ...defaults, ...props };
}

const isTypeOf = (type: string) => (cls: any) => cls?.__pulumiType === type;
const notApplicable = (reason?: string): never => {
    throw new NotApplicable(reason);
};

/** What runPolicies needs to know about the run. */
export interface PolicyRunOptions {
    /** Stack name, for URNs. */
    stack: string;
    /** Pack config (as in a policy pack config file, e.g. loadPolicyConfig()); none = each policy's own defaults. */
    config?: PackConfig;
    /**
     * Outputs of the other stacks of the pair, by stack name (`us-west`). A StackReference to one of them gets its
     * outputs as props (what the engine gives stack policies); a stack this one does not reference is added as an
     * offline-only StackReference `peer-<stack>`, so the cross-region policies also check the primary-role stack
     * (with the real CLI that stack references no peer and is checked alone).
     */
    peers?: Record<string, Record<string, unknown>>;
}

/** `resources` plus, for each peer stack not referenced yet, a StackReference carrying its outputs. */
function withPeers(resources: RecordedResource[], stack: string, peers: Record<string, Record<string, unknown>> = {}) {
    const fq = (s: string) => `${ORGANIZATION}/${PROJECT}/${s}`;
    const out = resources.map((r) => {
        if (r.type !== "pulumi:pulumi:StackReference") return r;
        const name = String(r.inputs?.name ?? "");
        const peer = Object.keys(peers).find((s) => fq(s) === name);
        return peer ? { ...r, inputs: { ...r.inputs, outputs: peers[peer], secretOutputNames: [] } } : r;
    });
    for (const [peer, outputs] of Object.entries(peers)) {
        if (peer === stack || out.some((r) => r.type === "pulumi:pulumi:StackReference" && r.inputs?.name === fq(peer)))
            continue;
        out.push({
            type: "pulumi:pulumi:StackReference",
            name: `peer-${peer}`,
            parent: `pulumi:pulumi:Stack::${PROJECT}-${stack}`,
            custom: true,
            inputs: { name: fq(peer), outputs, secretOutputNames: [] },
            options: {},
        });
    }
    return out;
}

/** Runs every enabled policy over the resources; returns the violations (advisory and mandatory). */
export async function runPolicies(
    policies: Policies,
    resources: RecordedResource[],
    opts: PolicyRunOptions,
): Promise<Violation[]> {
    resources = withPeers(resources, opts.stack, opts.peers);
    const byKey = new Map(resources.map((r) => [resourceKey(r), r]));
    const violations: Violation[] = [];
    const policyResources = new Map<string, PolicyResource>();
    for (const r of resources) {
        const urn = urnOf(r, byKey, opts.stack);
        policyResources.set(resourceKey(r), {
            type: r.type,
            name: r.name,
            urn,
            props: unwrapSecrets(r.inputs),
            opts: {
                protect: r.options.protect ?? false,
                ignoreChanges: r.options.ignoreChanges ?? [],
                deleteBeforeReplace: r.options.deleteBeforeReplace,
                aliases: [],
                customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
                additionalSecretOutputs: [],
                parent: r.parent
                    ? urnOf(
                          byKey.get(r.parent) ?? {
                              type: "pulumi:pulumi:Stack",
                              name: r.parent,
                              custom: false,
                              inputs: {},
                              options: {},
                          },
                          byKey,
                          opts.stack,
                      )
                    : undefined,
            },
            dependencies: [],
            propertyDependencies: {},
            isType: isTypeOf(r.type),
            asType: ((cls: any) =>
                isTypeOf(r.type)(cls) ? unwrapSecrets(r.inputs) : undefined) as PolicyResource["asType"],
        });
    }
    for (const [key, pr] of policyResources) {
        const r = byKey.get(key)!;
        if (r.parent && policyResources.has(r.parent)) pr.parent = policyResources.get(r.parent);
        pr.dependencies = (r.options.dependsOn ?? [])
            .map((d) => policyResources.get(d))
            .filter((d): d is PolicyResource => !!d);
    }

    for (const policy of policies) {
        const level = enforcementOf(policy, opts.config);
        if (level === "disabled") continue;
        const cfg = configFor(policy, opts.config ?? {});
        const report = (target: { type: string; name: string; urn: string }) => (message: string, urn?: string) => {
            const hit = urn ? ([...policyResources.values()].find((p) => p.urn === urn) ?? target) : target;
            violations.push({
                enforcementLevel: level,
                policyName: policy.name,
                type: hit.type,
                name: hit.name,
                urn: hit.urn,
                message,
            });
        };
        if ("validateResource" in policy && policy.validateResource) {
            const fns = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
            for (const pr of policyResources.values()) {
                const args: ResourceValidationArgs = {
                    type: pr.type,
                    props: pr.props,
                    urn: pr.urn,
                    name: pr.name,
                    opts: pr.opts,
                    stackTags: new Map(),
                    isType: pr.isType,
                    asType: pr.asType as ResourceValidationArgs["asType"],
                    getConfig: <T extends object>() => cfg as T,
                    notApplicable,
                };
                for (const fn of fns) {
                    try {
                        await fn(args, report(pr));
                    } catch (err) {
                        if (!(err instanceof NotApplicable)) throw err;
                    }
                }
            }
        }
        if ("validateStack" in policy && policy.validateStack) {
            const target = {
                type: "pulumi:pulumi:Stack",
                name: `${PROJECT}-${opts.stack}`,
                urn: `urn:pulumi:${opts.stack}::${PROJECT}::pulumi:pulumi:Stack::${PROJECT}-${opts.stack}`,
            };
            try {
                await policy.validateStack(
                    {
                        resources: [...policyResources.values()],
                        stackTags: new Map(),
                        getConfig: <T extends object>() => cfg as T,
                        notApplicable,
                    },
                    report(target),
                );
            } catch (err) {
                if (!(err instanceof NotApplicable)) throw err;
            }
        }
    }
    return violations;
}

/** Violations grouped by policy, in pack order of first appearance: what `npm run plan` prints. */
export function groupByPolicy(
    violations: Violation[],
): { policyName: string; enforcementLevel: EnforcementLevel; violations: Violation[] }[] {
    const groups = new Map<string, Violation[]>();
    for (const v of violations) groups.set(v.policyName, [...(groups.get(v.policyName) ?? []), v]);
    return [...groups].map(([policyName, vs]) => ({
        policyName,
        enforcementLevel: vs[0].enforcementLevel,
        violations: vs,
    }));
}

/** The CLI line of a violation: `<enforcement> <policy-name> <type> <name>: <message>`. */
export function formatViolation(v: Violation): string {
    return `${v.enforcementLevel} ${v.policyName} ${v.type} ${v.name}: ${v.message}`;
}
