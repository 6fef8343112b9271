/** The pinned upstream CRDs of a directory: found by group, version and kind, compiled once. */
import { SchemaObject, ValidateFunction } from "ajv";
import * as yaml from "js-yaml";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { countRules } from "./cel";
import { cacheKey, loadIndex, loadValidator, storeIndex, storeValidator } from "./crd-cache";
import { compileCrdSchema, compileCrdSchemaParts } from "./vocabulary";

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

/** What the catalog's index says of one `group/kind`. */
interface IndexEntry {
    /** metadata.name of the CRD. */
    crd: string;
    /** Its served versions. */
    served: string[];
    /** Its served versions that have an openAPIV3Schema. */
    validated: string[];
}

/** The CRD files of one directory, read on first use and parsed only when the cache lacks what is asked for. */
export class CrdCatalog {
    private texts?: Map<string, string>;
    private readonly parsed = new Map<string, CrdDoc[]>();
    private readonly compiled = new Map<string, ValidateFunction>();

    constructor(readonly dir: string) {}

    /** Whether the directory holds any CRD file at all. */
    get empty(): boolean {
        return this.files().size === 0;
    }

    /**
     * The compiled validator, the served versions when this version is not served, or undefined. Validators
     * come from the on-disk cache (crd-cache.ts) when it has them, else are compiled and stored there;
     * `fresh` compiles in any case (compileAllCrds: the check that the schemas compile).
     */
    lookup(
        group: string,
        version: string,
        kind: string,
        fresh = false,
    ): ValidateFunction | { served: string[]; crd: string } | undefined {
        const key = `${group}/${version}/${kind}`;
        const hit = this.compiled.get(key);
        if (hit && !fresh) return hit;
        const entry = this.index().get(`${group}/${kind}`);
        if (!entry) return undefined;
        if (!entry.validated.includes(version)) return { served: entry.served, crd: entry.crd };
        const diskKey = cacheKey(this.filesHash(), group, version, kind);
        const cached = fresh ? undefined : loadValidator(diskKey);
        if (cached) {
            this.compiled.set(key, cached);
            return cached;
        }
        const crd = this.crds().find((c) => c.spec.group === group && c.spec.names.kind === kind)!;
        const schema = crd.spec.versions.find((x) => x.name === version && x.served)!.schema!.openAPIV3Schema!;
        let validate: ValidateFunction;
        if (fresh) {
            validate = compileCrdSchema(schema, countRules(key));
        } else {
            const parts = compileCrdSchemaParts(schema, countRules(key));
            storeValidator(diskKey, parts);
            validate = parts[0];
        }
        this.compiled.set(key, validate);
        return validate;
    }

    private kinds?: Map<string, IndexEntry>;

    /**
     * Each `group/kind` of the directory (the first CRD defining it): its served versions and those with a
     * schema. Kept in the on-disk cache too, so a process whose validators are all cached (and whose
     * built-in kinds need no CRD) parses no CRD file.
     */
    private index(): Map<string, IndexEntry> {
        if (!this.kinds) {
            if (this.files().size === 0) return (this.kinds = new Map());
            const diskKey = cacheKey(this.filesHash(), "", "", "index");
            let entries = loadIndex(diskKey) as [string, IndexEntry][] | undefined;
            if (!entries) {
                const built = new Map<string, IndexEntry>();
                for (const crd of this.crds()) {
                    const k = `${crd.spec.group}/${crd.spec.names.kind}`;
                    if (built.has(k)) continue;
                    const served = crd.spec.versions.filter((x) => x.served);
                    built.set(k, {
                        crd: crd.metadata.name,
                        served: served.map((x) => x.name),
                        validated: served.filter((x) => x.schema?.openAPIV3Schema).map((x) => x.name),
                    });
                }
                entries = [...built];
                storeIndex(diskKey, entries);
            }
            this.kinds = new Map(entries);
        }
        return this.kinds;
    }

    /** Every CRD of the directory, in file order. */
    private crds(): CrdDoc[] {
        return [...this.files()].flatMap(([file, text]) => this.parse(file, text));
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

    private hash?: string;

    /** A hash of every CRD file of the directory (names and contents). */
    private filesHash(): string {
        if (this.hash === undefined) {
            const h = crypto.createHash("sha1");
            for (const [file, text] of [...this.files()].sort((a, b) => (a[0] < b[0] ? -1 : 1)))
                h.update(`${file}\0${text}\0`);
            this.hash = h.digest("hex");
        }
        return this.hash;
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
