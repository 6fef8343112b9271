/**
 * `npm test [-- mocha arguments or spec files]`: the lint (tsc --noEmit, prettier --check) and the mocha
 * specs at the same time; fails when either fails.
 *
 * - Lint runs beside mocha instead of before it; its output is printed when mocha is done, and mocha's
 *   closing line ("mocha: N passed, N failed, N skipped") stays the last line.
 * - The spec files start slowest first, so the long ones (real servers) do not end the run alone: each
 *   file's time in the last run is kept in `<cache>/test-times.json` (test/reporter.js writes it); a file
 *   without a time starts first when it uses real servers (mentions GEO_REQUIRE_SERVERS, as every
 *   real-server spec does), else with the median.
 * - Source files changed since the last run are transpiled once, before mocha starts (transpile-cache.js).
 * - Mocha's workers share renders through a directory that lives as long as the run
 *   (GEO_RENDER_CACHE_DIR, tools/harness.ts): a configuration is rendered by one worker, not by each.
 *
 * Plain JavaScript, so starting it loads no TypeScript.
 */
"use strict";
const { spawn } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");
const BIN = path.join(ROOT, "node_modules", ".bin");
const CACHE = process.env.GEO_CACHE_DIR
    ? path.resolve(process.env.GEO_CACHE_DIR)
    : path.join(ROOT, "node_modules", ".cache", "geo-data");
const TIMES = path.join(CACHE, "test-times.json");
const CLOSING = "mocha: ";

/**
 * The lint of `npm run lint`, as two commands run one after the other. tsc runs in build mode over
 * tsconfig.lint.json (tsconfig.json + noEmit, incremental): when no source file and no tsconfig changed
 * since the last check, tsc reports the project up to date (its last errors, if any, again) without
 * re-parsing it; any change re-checks it. Declarations under node_modules are not among the inputs build
 * mode compares, so the build info is dropped when an npm install (node_modules/.package-lock.json)
 * is newer.
 */
const LINT = [
    [path.join(BIN, "tsc"), ["-b", "tsconfig.lint.json"]],
    [path.join(BIN, "prettier"), ["--check", "--cache", "--cache-location", path.join(CACHE, "prettier"), "**/*.ts"]],
];
/** tsconfig.lint.json's tsBuildInfoFile. */
const TSC_BUILD_INFO = path.join(
    ROOT,
    JSON.parse(fs.readFileSync(path.join(ROOT, "tsconfig.lint.json"), "utf8")).compilerOptions.tsBuildInfoFile,
);

/** Drops tsc's build info when node_modules changed after it was written (see LINT). */
function dropStaleBuildInfo() {
    try {
        const installed = fs.statSync(path.join(ROOT, "node_modules", ".package-lock.json")).mtimeMs;
        if (fs.statSync(TSC_BUILD_INFO).mtimeMs < installed) fs.rmSync(TSC_BUILD_INFO, { force: true });
    } catch {
        // no build info yet (or no lockfile): nothing to drop
    }
}

/** Every spec file under test/, relative to the root. */
function specFiles() {
    return fs
        .readdirSync(path.join(ROOT, "test"), { recursive: true })
        .filter((f) => f.endsWith(".spec.ts"))
        .map((f) => path.join("test", f))
        .sort();
}

/** The files in the order to start them: slowest (last run) first. */
function slowestFirst(files) {
    let times = {};
    try {
        times = JSON.parse(fs.readFileSync(TIMES, "utf8"));
    } catch {
        // first run: by the real-server marker alone
    }
    const known = files
        .map((f) => times[f])
        .filter((t) => typeof t === "number")
        .sort((a, b) => a - b);
    const median = known.length ? known[Math.floor(known.length / 2)] : 0;
    const usesServers = (f) => /GEO_REQUIRE_SERVERS/.test(fs.readFileSync(path.join(ROOT, f), "utf8"));
    const cost = new Map(
        files.map((f) => [f, typeof times[f] === "number" ? times[f] : usesServers(f) ? Infinity : median]),
    );
    return [...files].sort((a, b) => cost.get(b) - cost.get(a) || a.localeCompare(b));
}

/** Runs a command with its output collected; resolves with its exit code and output. */
function collect(command, args) {
    return new Promise((resolve) => {
        const child = spawn(command, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
        let output = "";
        child.stdout.on("data", (d) => (output += d));
        child.stderr.on("data", (d) => (output += d));
        child.on("error", (err) => resolve({ code: 1, output: `${output}${err.message}\n` }));
        child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output }));
    });
}

async function lint() {
    const start = Date.now();
    dropStaleBuildInfo();
    let output = "";
    for (const [command, args] of LINT) {
        const r = await collect(command, args);
        output += r.output;
        if (r.code !== 0) return { ok: false, output, seconds: (Date.now() - start) / 1000 };
    }
    return { ok: true, output, seconds: (Date.now() - start) / 1000 };
}

/** Runs mocha with its output streamed, holding back its closing line; resolves with code and that line. */
function mocha(args, env) {
    return new Promise((resolve) => {
        const child = spawn(process.execPath, [path.join(ROOT, "node_modules", "mocha", "bin", "mocha.js"), ...args], {
            cwd: ROOT,
            env,
            stdio: ["inherit", "pipe", "inherit"],
        });
        let closing = "";
        let partial = "";
        child.stdout.on("data", (chunk) => {
            const lines = (partial + chunk).split("\n");
            partial = lines.pop();
            let out = "";
            for (const line of lines) {
                if (line.startsWith(CLOSING)) closing = line;
                else out += `${line}\n`;
            }
            // an unfinished line (the reporter's dots) is shown at once unless it may be the closing line
            if (partial && !CLOSING.startsWith(partial.slice(0, CLOSING.length)) && !partial.startsWith(CLOSING)) {
                out += partial;
                partial = "";
            }
            process.stdout.write(out);
        });
        child.on("close", (code, signal) => {
            if (partial.startsWith(CLOSING)) closing = partial;
            else if (partial) process.stdout.write(partial);
            resolve({ code: code ?? (signal ? 1 : 0), closing });
        });
    });
}

async function main() {
    const args = process.argv.slice(2);
    const named = args.some((a) => a.endsWith(".ts") && !a.startsWith("-"));
    const files = named ? [] : slowestFirst(specFiles());
    const renders = fs.mkdtempSync(path.join(os.tmpdir(), "geo-renders-"));
    const env = { ...process.env, GEO_RENDER_CACHE_DIR: renders, GEO_TEST_TIMES: TIMES };
    // Renders allocate many short-lived objects: a larger young generation halves the scavenges (≈ 7 % of
    // a render's CPU) for about 50 MB more per worker.
    env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ""} --max-semi-space-size=64`.trim();
    // mocha's output goes through a pipe here: keep its colours on a terminal
    if (process.stdout.isTTY && env.FORCE_COLOR === undefined) env.FORCE_COLOR = "1";
    try {
        const linted = lint();
        // Sources changed since the last run are transpiled here, once, rather than by every mocha worker
        // that loads them (each would load TypeScript for it): ≈ 25 ms when nothing changed.
        require("./transpile-cache").warm();
        const [l, m] = await Promise.all([linted, mocha([...args, ...files], env)]);
        process.stdout.write(l.output.endsWith("\n") || !l.output ? l.output : `${l.output}\n`);
        console.log(l.ok ? `lint: tsc and prettier passed (${l.seconds.toFixed(1)} s)` : "lint: FAILED (above)");
        if (m.closing) console.log(m.closing);
        process.exitCode = l.ok && m.code === 0 ? 0 : 1;
    } finally {
        fs.rmSync(renders, { recursive: true, force: true });
    }
}

main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
});
