// Mocha's dot reporter plus one plain closing line, "mocha: N passed, N failed, N skipped", that CI
// systems which do not parse mocha's own summary can read. With GEO_TEST_TIMES set (tools/test.js), it
// also records each spec file's time (its tests and hooks) there, so the next run starts the slowest first.
"use strict";
const fs = require("fs");
const path = require("path");
const Mocha = require("mocha");

const ROOT = path.resolve(__dirname, "..");

class DotWithTotals extends Mocha.reporters.Dot {
    constructor(runner, options) {
        super(runner, options);
        const times = {};
        const add = (r) => {
            if (!r.file || typeof r.duration !== "number") return;
            const f = path.relative(ROOT, r.file);
            times[f] = (times[f] ?? 0) + r.duration;
        };
        runner.on(Mocha.Runner.constants.EVENT_TEST_END, add);
        runner.on(Mocha.Runner.constants.EVENT_HOOK_END, add);
        runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
            if (process.env.GEO_TEST_TIMES) saveTimes(process.env.GEO_TEST_TIMES, times);
            const s = runner.stats;
            process.stdout.write(`mocha: ${s.passes} passed, ${s.failures} failed, ${s.pending} skipped\n`);
        });
    }
}

/** Merges this run's times into the file (a partial run keeps the other files' times); best effort. */
function saveTimes(file, times) {
    try {
        let old = {};
        try {
            old = JSON.parse(fs.readFileSync(file, "utf8"));
        } catch {
            // first run
        }
        fs.mkdirSync(path.dirname(file), { recursive: true });
        const tmp = `${file}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, JSON.stringify({ ...old, ...times }, null, 1));
        fs.renameSync(tmp, file);
    } catch {
        // read-only checkout: the next run orders by the real-server marker
    }
}

module.exports = DotWithTotals;
