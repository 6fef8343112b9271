/**
 * A V8 code cache for every CommonJS module a process loads (the SDK, its dependencies and the
 * repository's transpiled TypeScript), installed by tools/register.js.
 *
 * Compiling JavaScript is about a fifth of `npm run plan`: ~1,400 modules, 18 MB of source. V8 can
 * serialise what it compiled (bytecode, including functions compiled lazily while the process ran) and
 * accept it back instead of compiling again. On Node 22+ this is `module.enableCompileCache()`; Node 20
 * has no such switch, so this file does what it does: each module's code is compiled with
 * `vm.Script` and `cachedData`, and at exit the code of the modules that missed is written back.
 *
 * One store per entry point (plan, switchover, mocha's workers…) under `<cache>/v8/`: a JSON header
 * (filename → key, offset, length) and the concatenated cache blobs. The header is read at start and a
 * blob when its module loads (positional reads, so memory holds only the blobs used); at exit the entries
 * compiled afresh are merged into the store as it is then. A module's key is its size and mtime (files
 * under node_modules) or the transpile cache's content hash (the repository's TypeScript), plus the
 * code's length; V8 itself rejects data made by another V8 version or with other flags (the module then
 * compiles as usual and its entry is rewritten). Node's own loader
 * still runs every module (resolution, `require`, the module wrapper): this only hands it compiled code,
 * through a one-line stub module body. GEO_CODE_CACHE=0 turns it off. Best effort: any failure to read
 * or write the store just compiles as usual.
 */
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const Module = require("module");
const path = require("path");
const vm = require("vm");

const RUN = Symbol.for("geo-data.code-cache.run");
/** The module body Node's loader compiles instead of the real one: it runs the cached function. */
const STUB = `return globalThis[Symbol.for("geo-data.code-cache.run")](this, exports, require, module, __filename, __dirname);`;
const MAGIC = "geo-v8-1";

/**
 * Installs the cache. `keyOf(filename)` may return a content key for a file (the transpile cache's);
 * otherwise the file's size and mtime are the key.
 */
function install(cacheDir, keyOf) {
    if (process.env.GEO_CODE_CACHE === "0") return;
    if (typeof Module.enableCompileCache === "function") {
        // Node 22+: the runtime's own cache (same idea, keyed by content).
        Module.enableCompileCache(path.join(cacheDir, "node"));
        return;
    }
    const importModuleDynamically = vm.constants && vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER;
    if (!importModuleDynamically) return; // `import()` inside a cached module would not work

    const entry = process.argv[1] ? path.resolve(process.argv[1]) : "eval";
    const id = crypto
        .createHash("sha1")
        .update(`${process.version}\0${process.execArgv.join(" ")}\0${process.env.NODE_OPTIONS ?? ""}\0${entry}`)
        .digest("hex");
    const storeFile = path.join(
        cacheDir,
        "v8",
        `${path.basename(entry).replace(/[^\w.-]/g, "_")}-${id.slice(0, 12)}.bin`,
    );
    const stored = readStore(storeFile);
    /** Scripts compiled without usable cached data: written back at exit. */
    const fresh = new Map();
    let pending;

    globalThis[RUN] = (thisValue, exports, require, module, filename, dirname) => {
        const fn = pending;
        pending = undefined;
        return fn.call(thisValue, exports, require, module, filename, dirname);
    };

    const compile = Module.prototype._compile;
    Module.prototype._compile = function compileWithCache(content, filename, format) {
        if (format === "module" || typeof content !== "string") return compile.call(this, content, filename, format);
        let key;
        try {
            key = `${keyOf(filename) ?? statKey(filename)}:${content.length}`;
        } catch {
            return compile.call(this, content, filename, format);
        }
        const hit = stored.entries.get(filename);
        const cachedData = hit && hit.key === key ? stored.data(hit) : undefined;
        let script;
        try {
            script = new vm.Script(Module.wrap(content.startsWith("#!") ? `//${content}` : content), {
                filename,
                cachedData,
                importModuleDynamically,
            });
        } catch {
            // A syntax error: let Node's loader compile it and report it as it always does.
            return compile.call(this, content, filename, format);
        }
        if (!cachedData || script.cachedDataRejected) fresh.set(filename, { key, script });
        pending = script.runInThisContext();
        return compile.call(this, STUB, filename, format);
    };

    process.once("exit", () => {
        // merged into the store as it is now: parallel processes of one entry point (mocha's workers) add up
        if (fresh.size) writeStore(storeFile, readStore(storeFile), fresh);
    });
}

function statKey(filename) {
    const st = fs.statSync(filename);
    return `${st.size}:${st.mtimeMs}`;
}

/**
 * The store of an entry point: its entries by filename, and `data(entry)`, which reads one entry's bytes from
 * the file when asked (a process reads only the entries of the modules it loads, not the whole store).
 */
function readStore(file) {
    const empty = { entries: new Map(), data: () => undefined };
    let fd;
    try {
        fd = fs.openSync(file, "r");
        const head = Buffer.alloc(MAGIC.length + 4);
        if (fs.readSync(fd, head, 0, head.length, 0) !== head.length) throw new Error("short");
        if (head.toString("latin1", 0, MAGIC.length) !== MAGIC) throw new Error("magic");
        const headerLength = head.readUInt32LE(MAGIC.length);
        const headerBuf = Buffer.alloc(headerLength);
        if (fs.readSync(fd, headerBuf, 0, headerLength, head.length) !== headerLength) throw new Error("short");
        const entries = new Map(JSON.parse(headerBuf.toString("utf8")));
        const base = head.length + headerLength;
        // The descriptor stays open: a writer replaces the file by renaming, so it keeps reading this version.
        const data = (e) => {
            try {
                const buf = Buffer.allocUnsafe(e.length);
                return fs.readSync(fd, buf, 0, e.length, base + e.offset) === e.length ? buf : undefined;
            } catch {
                return undefined;
            }
        };
        return { entries, data };
    } catch {
        if (fd !== undefined) fs.closeSync(fd);
        return empty;
    }
}

/** Writes the old entries that still hold plus the new ones (write-then-rename: readers never see half). */
function writeStore(file, stored, fresh) {
    try {
        const header = [];
        const parts = [];
        let offset = 0;
        const add = (filename, key, data) => {
            header.push([filename, { key, offset, length: data.length }]);
            parts.push(data);
            offset += data.length;
        };
        for (const [filename, e] of stored.entries) {
            if (fresh.has(filename)) continue;
            const data = stored.data(e);
            if (data) add(filename, e.key, data);
        }
        for (const [filename, { key, script }] of fresh) add(filename, key, script.createCachedData());
        const headerBuf = Buffer.from(JSON.stringify(header));
        const len = Buffer.alloc(4);
        len.writeUInt32LE(headerBuf.length);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        removeStaleTemporaries(file);
        const tmp = `${file}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, Buffer.concat([Buffer.from(MAGIC, "latin1"), len, headerBuf, ...parts]));
        fs.renameSync(tmp, file);
    } catch {
        // read-only checkout: compile as usual next time
    }
}

/** Temporary files of writers that were killed mid-write (an exiting worker), a minute old or more. */
function removeStaleTemporaries(file) {
    const dir = path.dirname(file);
    const prefix = `${path.basename(file)}.`;
    for (const f of fs.readdirSync(dir)) {
        if (!f.startsWith(prefix) || !f.endsWith(".tmp")) continue;
        try {
            if (Date.now() - fs.statSync(path.join(dir, f)).mtimeMs > 60_000) fs.unlinkSync(path.join(dir, f));
        } catch {
            // another process removed it
        }
    }
}

module.exports = { install };
