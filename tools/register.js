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
const Module = require("module");
const path = require("path");
const { CACHE_DIR, NODE_MODULES, SOURCE_MAPS, cacheRoot, contentKeys, javascriptFor } = require("./transpile-cache");

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
