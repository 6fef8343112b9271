/**
 * Loads a stack's config the way the Pulumi CLI hands it to the program: project-level defaults from
 * Pulumi.yaml's `config:` block, overlaid with Pulumi.<stack>.yaml, plus optional overrides.
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { PROJECT, ROOT } from "./harness";

/** A stack's config as the program sees it. */
export interface LoadedConfig {
    /** `namespace:key` → string value. */
    config: Record<string, string>;
    /** Keys holding secrets (`secure:` values in the stack file, or `secret: true` in Pulumi.yaml). */
    secretKeys: string[];
}

/** The value offline tooling uses for an encrypted (`secure:`) stack value it cannot decrypt. */
export const UNDECRYPTABLE = "[secure value not decrypted offline]";

function qualify(key: string): string {
    return key.includes(":") ? key : `${PROJECT}:${key}`;
}

function asConfigString(v: unknown): string {
    return typeof v === "string" ? v : JSON.stringify(v);
}

/** The stacks this project defines, by their Pulumi.<stack>.yaml files. */
export function stackNames(root = ROOT): string[] {
    return fs
        .readdirSync(root)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => !!s)
        .sort();
}

/**
 * Loads Pulumi.yaml defaults + Pulumi.<stack>.yaml. `overrides` are `key=value` pairs (key with or without
 * the `geo-data:` namespace), applied last — the offline equivalent of `pulumi config set`.
 */
export function loadStackConfig(stack: string, overrides: Record<string, string> = {}, root = ROOT): LoadedConfig {
    const project = yaml.load(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as any;
    const stackFile = path.join(root, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(stackFile))
        throw new Error(`no stack file ${path.basename(stackFile)} (stacks: ${stackNames(root).join(", ")})`);
    const stackDoc = (yaml.load(fs.readFileSync(stackFile, "utf8")) as any) ?? {};
    const config: Record<string, string> = {};
    const secretKeys = new Set<string>();
    for (const [key, decl] of Object.entries<any>(project?.config ?? {})) {
        const k = qualify(key);
        if (decl && typeof decl === "object" && "default" in decl) config[k] = asConfigString(decl.default);
        else if (decl !== null && typeof decl !== "object") config[k] = asConfigString(decl);
        if (decl?.secret) secretKeys.add(k);
    }
    for (const [key, value] of Object.entries<any>(stackDoc.config ?? {})) {
        const k = qualify(key);
        if (value && typeof value === "object" && "secure" in value) {
            config[k] = UNDECRYPTABLE;
            secretKeys.add(k);
        } else {
            config[k] = asConfigString(value);
        }
    }
    for (const [key, value] of Object.entries(overrides)) config[qualify(key)] = value;
    return { config, secretKeys: [...secretKeys] };
}
