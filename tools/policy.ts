/**
 * `npm run policy -- out/us-east/resources.json [more.json ...] [--config policy-config.json]`
 *
 * Evaluates the policy pack offline on recorded resources files (written by `npm run plan`), prints each
 * violation as `<enforcement> <policy-name> <type> <name>: <message>` and exits 1 on any mandatory one.
 */
import * as fs from "fs";
import * as path from "path";
import { policies } from "../policies/policies";
import { RecordedResource } from "./harness";
import { formatViolation, runPolicies } from "./policy-runner";

async function main(): Promise<void> {
    const argv = process.argv.slice(2);
    const files: string[] = [];
    let config: Record<string, Record<string, unknown>> = {};
    for (let i = 0; i < argv.length; i++) {
        if (argv[i] === "--config") config = JSON.parse(fs.readFileSync(argv[++i], "utf8"));
        else files.push(argv[i]);
    }
    if (!files.length) {
        console.error("usage: npm run policy -- <resources.json>... [--config policy-config.json]");
        process.exitCode = 2;
        return;
    }
    let mandatory = 0;
    for (const file of files) {
        const resources = JSON.parse(fs.readFileSync(file, "utf8")) as RecordedResource[];
        // out/<stack>/resources.json → the stack name is the directory name.
        const stack = path.basename(path.dirname(path.resolve(file)));
        const violations = await runPolicies(policies, resources, { stack, config });
        for (const v of violations) console.log(formatViolation(v));
        mandatory += violations.filter((v) => v.enforcementLevel === "mandatory").length;
        console.log(
            `${file}: ${resources.length} resources, ${violations.length} violation(s), ${violations.filter((v) => v.enforcementLevel === "mandatory").length} mandatory`,
        );
    }
    process.exitCode = mandatory ? 1 : 0;
}

if (require.main === module) {
    main().catch((err) => {
        console.error(`error: ${(err as Error).message}`);
        process.exitCode = 1;
    });
}
