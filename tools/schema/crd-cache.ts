/**
 * Compiled CRD validators kept on disk, so a process validates without parsing the CRD files or compiling
 * their schemas (≈ 0.5 s of every plan and of every test worker).
 *
 * A kind's validator and every lazily compiled subtree under it (vocabulary.ts) are written out with ajv's
 * standalone code generation to `node_modules/.cache/geo-data/crd/<key>.js` (or under $GEO_CACHE_DIR), the
 * key hashing the kind, every CRD file of the directory, the tools/schema sources and the ajv version: a
 * changed CRD or validator source gets a new key, so an entry is never stale and deleting the directory is
 * always safe. Keyword validators (CEL rules, list types, lazy subtrees) are rebuilt from descriptors
 * (`rt.keyword(...)` in the generated code); Go patterns go through the same `goRegExp`. compileAllCrds
 * bypasses the cache: it is the check that the schemas compile.
 */
import { ValidateFunction } from "ajv";
import * as crypto from "crypto";
import * as fs from "fs";
import { createRequire } from "module";
import * as path from "path";
import standaloneCode from "ajv/dist/standalone";
import { goRegExp } from "./go-regexp";
import { KeywordDescriptor, ajvInstance, keywordFromDescriptor } from "./vocabulary";

const REPO_ROOT = path.resolve(__dirname, "..", "..");
/** Bumped when the layout of an entry changes. */
const FORMAT = "3";

/** Where entries live: $GEO_CACHE_DIR/crd, else node_modules/.cache/geo-data/crd (as tools/register.js). */
function cacheDir(): string {
    const root = process.env.GEO_CACHE_DIR
        ? path.resolve(process.env.GEO_CACHE_DIR)
        : path.join(REPO_ROOT, "node_modules", ".cache", "geo-data");
    return path.join(root, "crd");
}

/** A file of this cache's directory (e.g. the plan's list of kinds to load ahead: tools/schema/check-worker.ts). */
export function crdCacheFile(name: string): string {
    return path.join(cacheDir(), name);
}

let salt: string | undefined;

/** What every key includes: the entry format, the ajv version and the sources of tools/schema. */
function codeSalt(): string {
    if (salt === undefined) {
        const h = crypto.createHash("sha1").update(FORMAT);
        h.update(JSON.parse(fs.readFileSync(require.resolve("ajv/package.json"), "utf8")).version);
        for (const f of fs.readdirSync(__dirname).sort()) {
            if (f.endsWith(".ts")) h.update(f).update(fs.readFileSync(path.join(__dirname, f)));
        }
        salt = h.digest("hex");
    }
    return salt;
}

/** The key of a kind's entry: `filesHash` hashes every CRD file of the directory. */
export function cacheKey(filesHash: string, group: string, version: string, kind: string): string {
    return crypto.createHash("sha1").update(`${codeSalt()}\0${filesHash}\0${group}/${version}/${kind}`).digest("hex");
}

const moduleRequire = createRequire(__filename);

/** The cached validator of a key, or undefined when there is none (or it cannot be read). */
export function loadValidator(key: string): ValidateFunction | undefined {
    const file = path.join(cacheDir(), `${key}.js`);
    if (!fs.existsSync(file)) return undefined;
    // Loaded as a module (not `new Function`), so tools/code-cache.js keeps V8's compiled code for it too.
    const factory = moduleRequire(file) as (...args: unknown[]) => (() => ValidateFunction)[];
    // Each part's code runs when a value first reaches it (a kind's large, lazily compiled subtrees mostly
    // never are): evaluating them all up front was most of the cost of loading a kind.
    const parts: ValidateFunction[] = [];
    const part = (i: number): ValidateFunction => parts[i] ?? (parts[i] = makers[i]());
    const rt = {
        keyword: (json: string) => keywordFromDescriptor(JSON.parse(json) as KeywordDescriptor, part),
    };
    // `self` is what ajv's own compiled code gets: the instance (keyword validators are called on it)
    const makers = factory(moduleRequire, rt, goRegExp, ajvInstance());
    return part(0);
}

/** The cached catalog index of a key (crd-catalog.ts), or undefined. */
export function loadIndex(key: string): unknown {
    try {
        return JSON.parse(fs.readFileSync(path.join(cacheDir(), `index-${key}.json`), "utf8"));
    } catch {
        return undefined;
    }
}

/** Writes the catalog index of a key; best effort. */
export function storeIndex(key: string, value: unknown): void {
    write(path.join(cacheDir(), `index-${key}.json`), JSON.stringify(value));
}

/** Writes a file whole (a temporary file renamed into place: parallel readers never see half of it); best effort. */
export function write(file: string, text: string): void {
    try {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        const tmp = `${file}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, text);
        fs.renameSync(tmp, file);
    } catch {
        // a read-only checkout validates all the same, compiling every time
    }
}

/** Writes a kind's compiled parts (vocabulary.ts compileCrdSchemaParts) as its cache entry; best effort. */
export function storeValidator(key: string, parts: ValidateFunction[]): void {
    const ajv = ajvInstance();
    const code = parts
        .map(
            (part, i) =>
                `parts[${i}] = function () {\nconst module = { exports: {} };\nconst exports = module.exports;\n${standaloneCode(ajv, part)}\nreturn module.exports;\n};`,
        )
        .join("\n");
    write(
        path.join(cacheDir(), `${key}.js`),
        `"use strict";\nmodule.exports = function (require, rt, goRegExp, self) {\nconst parts = [];\n${code}\nreturn parts;\n};\n`,
    );
}
