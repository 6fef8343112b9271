// Mocha's dot reporter plus one plain closing line, "mocha: N passed, N failed, N skipped", that CI
// systems which do not parse mocha's own summary can read.
"use strict";
const Mocha = require("mocha");

class DotWithTotals extends Mocha.reporters.Dot {
    constructor(runner, options) {
        super(runner, options);
        runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
            const s = runner.stats;
            process.stdout.write(`mocha: ${s.passes} passed, ${s.failures} failed, ${s.pending} skipped\n`);
        });
    }
}

module.exports = DotWithTotals;
