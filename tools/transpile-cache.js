/**
 * The transpile cache of tools/register.js (described there): each `.ts` file's JavaScript under
 * `<cache>/ts/`, keyed by a hash of its content, tsconfig.json and the TypeScript version. Its own module so
 * tools/test.js can fill it before mocha's workers start (`warm`) without installing the loader hooks.
 */
"use strict";
const crypto = require("crypto");
const fs = require("fs");
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
        salt = [
            FORMAT,
            SOURCE_MAPS ? "map" : "",
            tsVersion(),
            fs.readFileSync(path.join(ROOT, "tsconfig.json"), "utf8"),
        ].join("\0");
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

/** Where the JavaScript of the source with transpile key `key` is kept. */
function cachedFile(key) {
    return path.join(CACHE_DIR, key.slice(0, 2), `${key}.js`);
}

/** The transpile key of each .ts file loaded (the code cache's key for it). */
const contentKeys = new Map();

/** The JavaScript for a .ts file: from the cache, else transpiled and stored. */
function javascriptFor(filename) {
    const source = fs.readFileSync(filename, "utf8");
    const key = keyOf(source);
    contentKeys.set(filename, key);
    const cached = cachedFile(key);
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

/** Every `.ts` file of the repository's sources (not node_modules), for `warm`. */
function sourceFiles(dir = ROOT) {
    const out = [];
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) out.push(...sourceFiles(full));
        else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) out.push(full);
    }
    return out;
}

/**
 * Transpiles every source file missing from the cache, so processes started next (mocha's workers) find
 * them there instead of each loading TypeScript for the same files. Returns how many it transpiled; a file
 * TypeScript cannot parse is left for the process that loads it to report.
 */
function warm(files = sourceFiles()) {
    let transpiled = 0;
    for (const f of files) {
        if (fs.existsSync(cachedFile(keyOf(fs.readFileSync(f, "utf8"))))) continue;
        try {
            javascriptFor(f);
            transpiled++;
        } catch {
            // a syntax error: reported where the file is loaded
        }
    }
    return transpiled;
}

module.exports = { CACHE_DIR, NODE_MODULES, SOURCE_MAPS, cacheRoot, contentKeys, javascriptFor, warm };
