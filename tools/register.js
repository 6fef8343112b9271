/**
 * `node -r ./tools/register.js`: loads the repository's TypeScript as JavaScript, fast.
 *
 * Each `.ts` file is transpiled (TypeScript's transpileModule with tsconfig.json's compiler options: no
 * type-check, exactly what ts-node's transpile-only mode emits) the first time its content is seen, and the
 * JavaScript is kept on disk under node_modules/.cache/geo-data/ts/, keyed by a hash of the file's content,
 * tsconfig.json and the TypeScript version. Later runs read the JavaScript back and never load TypeScript
 * (≈ 0.4 s per process) or ts-node. A changed file gets a new key, so the cache is never stale; deleting
 * the directory is always safe. `tsc --noEmit` in `npm test` type-checks.
 *
 * No source-map support is installed: Pulumi captures a stack trace for every resource and output, and
 * mapping each through source maps made the plan ≈ 20 % slower. The emitted code keeps the source's line
 * structure closely enough for stack traces to point at the right place in practice; set
 * GEO_SOURCE_MAPS=1 to embed source maps and map stack traces exactly (slower).
 *
 * Used by `npm run plan`/`switchover`/`policy`/`docs`/`bench` and by mocha (.mocharc.json). What `pulumi up`
 * runs is unchanged: Pulumi's own nodejs runtime loads index.ts with ts-node (Pulumi.yaml).
 */
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const Module = require("module");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");
const NODE_MODULES = path.join(ROOT, "node_modules");
/** Bumped when what this file emits changes, to retire old entries. */
const FORMAT = "1";
const SOURCE_MAPS = process.env.GEO_SOURCE_MAPS === "1";

/** Where transpiled files live: GEO_CACHE_DIR, else node_modules/.cache/geo-data (the usual place for tools' caches). */
function cacheRoot() {
    if (process.env.GEO_CACHE_DIR) return path.resolve(process.env.GEO_CACHE_DIR);
    return path.join(NODE_MODULES, ".cache", "geo-data");
}
const CACHE_DIR = path.join(cacheRoot(), "ts");

let typescript;
let compilerOptions;
/** tsconfig.json's text and the TypeScript version: part of every key. */
let salt;

function tsVersion() {
    try {
        return JSON.parse(fs.readFileSync(path.join(NODE_MODULES, "typescript", "package.json"), "utf8")).version;
    } catch {
        return "?";
    }
}

function keyOf(source) {
    if (salt === undefined) {
        salt = [FORMAT, SOURCE_MAPS ? "map" : "", tsVersion(), fs.readFileSync(path.join(ROOT, "tsconfig.json"), "utf8")].join("\0");
    }
    return crypto.createHash("sha1").update(salt).update("\0").update(source).digest("hex");
}

/** Transpiles one file (only on a cache miss: this is where TypeScript is loaded). */
function transpile(source, filename) {
    if (!typescript) {
        typescript = require("typescript");
        const file = path.join(ROOT, "tsconfig.json");
        const json = typescript.readConfigFile(file, typescript.sys.readFile).config;
        compilerOptions = {
            ...typescript.convertCompilerOptionsFromJson(json.compilerOptions ?? {}, ROOT).options,
            // what ts-node's transpile-only mode sets: one file at a time, nothing written by TypeScript itself
            isolatedModules: true,
            noEmit: false,
            declaration: false,
            sourceMap: false,
            inlineSourceMap: SOURCE_MAPS,
            inlineSources: SOURCE_MAPS,
            outDir: undefined,
        };
    }
    const out = typescript.transpileModule(source, { compilerOptions, fileName: filename, reportDiagnostics: true });
    const syntax = (out.diagnostics ?? []).filter((d) => d.category === typescript.DiagnosticCategory.Error);
    if (syntax.length) {
        const msg = syntax.map((d) => typescript.flattenDiagnosticMessageText(d.messageText, "\n")).join("\n");
        throw new SyntaxError(`${filename}: ${msg}`);
    }
    return out.outputText;
}

/** The transpile key of each .ts file loaded (the code cache's key for it). */
const contentKeys = new Map();

/** The JavaScript for a .ts file: from the cache, else transpiled and stored. */
function javascriptFor(filename) {
    const source = fs.readFileSync(filename, "utf8");
    const key = keyOf(source);
    contentKeys.set(filename, key);
    const cached = path.join(CACHE_DIR, key.slice(0, 2), `${key}.js`);
    try {
        return fs.readFileSync(cached, "utf8");
    } catch {
        // not cached yet
    }
    const code = transpile(source, filename);
    try {
        fs.mkdirSync(path.dirname(cached), { recursive: true });
        // write-then-rename: parallel processes (mocha's workers) never read a half-written file
        const tmp = `${cached}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, code);
        fs.renameSync(tmp, cached);
    } catch {
        // a read-only checkout still works, just without the cache
    }
    return code;
}

if (!Module._extensions[".ts"]) {
    Module._extensions[".ts"] = function loadTypeScript(module, filename) {
        if (filename.startsWith(NODE_MODULES + path.sep)) {
            throw new Error(`${filename}: TypeScript inside node_modules is not loaded by tools/register.js`);
        }
        module._compile(javascriptFor(filename), filename);
    };
    if (SOURCE_MAPS) process.setSourceMapsEnabled(true);
    require("./lazy-sdk").install();
    require("./code-cache").install(cacheRoot(), (filename) => contentKeys.get(filename));
}

module.exports = { CACHE_DIR };
