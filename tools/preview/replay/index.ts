/**
 * A replay of geo-data's Kubernetes resources through the real Pulumi engine and kubernetes provider, for
 * `scripts/preview.sh --replay`: the real program also needs the aws, random and tls providers, which cannot
 * be built here (docs/apply-check.md, "Real pulumi preview"). Each resource keeps the type token, logical
 * name, inputs (rendered by the plan machinery, redacted Secret values made appliable as
 * `npm run apply-check` does) and the options that decide updates (ignoreChanges, replaceOnChanges,
 * deleteBeforeReplace, protect) that the program gave it; namespaced objects depend on their Namespace, as
 * the program's take the namespace name from it. Parents, and values the program computes from other
 * providers (passwords, certificates), are not reproduced.
 */
import * as fs from "fs";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
/** As tools/preview/replay-entries.ts writes them (this directory is previewed from a copy: no imports). */
interface ReplayEntry {
    type: string;
    name: string;
    obj: Record<string, any>;
    options: {
        ignoreChanges?: string[];
        replaceOnChanges?: string[];
        deleteBeforeReplace?: boolean;
        protect?: boolean;
    };
}

/** A resource of any kubernetes type token (what the SDK's classes register, without their input types). */
class Replayed extends pulumi.CustomResource {
    constructor(type: string, name: string, props: pulumi.Inputs, opts: pulumi.CustomResourceOptions) {
        super(type, name, props, opts);
    }
}

const entries: ReplayEntry[] = JSON.parse(fs.readFileSync(new pulumi.Config().require("entries"), "utf8"));
const provider = new k8s.Provider("replay-k8s", { enableServerSideApply: true });
const namespaces = new Map<string, pulumi.Resource>();
for (const e of entries) {
    const namespace = e.obj.metadata?.namespace as string | undefined;
    const res = new Replayed(e.type, e.name, e.obj, {
        provider,
        ignoreChanges: e.options.ignoreChanges,
        replaceOnChanges: e.options.replaceOnChanges,
        deleteBeforeReplace: e.options.deleteBeforeReplace,
        protect: e.options.protect,
        dependsOn: namespace && namespaces.has(namespace) ? [namespaces.get(namespace)!] : [],
    });
    if (e.obj.kind === "Namespace") namespaces.set(e.obj.metadata.name, res);
}
