/** The pinned upstream CRDs of a directory: found by group, version and kind, compiled once. */
import { SchemaObject, ValidateFunction } from "ajv";
import * as yaml from "js-yaml";
import * as fs from "fs";
import * as path from "path";
import { countRules } from "./cel";
import { compileCrdSchema } from "./vocabulary";

const REPO_ROOT = path.resolve(__dirname, "..", "..");

/**
 * The CRD directory used when none is passed: `$GEO_CRD_DIR`, else `../shared/crds` next to the repo
 * when it exists, else `.crds/` in the repo (where `tools/fetch-crds.ts` writes).
 */
export function defaultCrdDir(): string {
    if (process.env.GEO_CRD_DIR) return path.resolve(process.env.GEO_CRD_DIR);
    const shared = path.resolve(REPO_ROOT, "..", "shared", "crds");
    return fs.existsSync(shared) ? shared : path.join(REPO_ROOT, ".crds");
}

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
export class CrdCatalog {
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
                const validate = compileCrdSchema(schema, countRules(key));
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

/** The catalog of a CRD directory, one per directory for the process. */
export function catalog(dir: string): CrdCatalog {
    let c = catalogs.get(dir);
    if (!c) {
        c = new CrdCatalog(dir);
        catalogs.set(dir, c);
    }
    return c;
}
