/**
 * `npm run policy -- out/us-east/resources.json [out/us-west/resources.json ...] [--config policy-config.json]`
 *
 * Evaluates the policy pack offline on recorded resources files (written by `npm run plan`), with the pack config
 * policies/policy-config.json unless --config names another. Each file is one stack (named after its directory);
 * the `outputs.json` beside it is that stack's outputs. Given several stacks, each is checked with the others as
 * its peers (pairwise): StackReferences to them carry their outputs, and a stack that references none of them
 * (the primary-role stack) gets an offline-only one, so the cross-region policies check both directions. With the
 * real CLI (`pulumi preview --policy-pack policies`) each stack is checked alone: only the stack that references
 * its peer (us-west) runs the cross-region checks.
 *
 * Prints each violation as `<enforcement> <policy-name> <type> <name>: <message>`, a count per policy, and exits
 * 1 on any mandatory one.
 */
import * as fs from "fs";
import * as path from "path";
import { policies } from "../policies/policies";
import { RecordedResource } from "./harness";
import { PackConfig, formatViolation, groupByPolicy, loadPolicyConfig, runPolicies } from "./policy-runner";

/** Runs the CLI on `argv`; returns the exit status. */
export async function policyCli(argv: string[], log: (line: string) => void = console.log): Promise<number> {
    const files: string[] = [];
    let config: PackConfig | undefined;
    for (let i = 0; i < argv.length; i++) {
        if (argv[i] === "--config") config = loadPolicyConfig(argv[++i]);
        else files.push(argv[i]);
    }
    if (!files.length) {
        log("usage: npm run policy -- <resources.json>... [--config policy-config.json]");
        return 2;
    }
    config ??= loadPolicyConfig();
    // out/<stack>/resources.json → the stack name is the directory name; outputs.json beside it.
    const stacks = files.map((file) => {
        const dir = path.dirname(path.resolve(file));
        const outputsFile = path.join(dir, "outputs.json");
        return {
            file,
            stack: path.basename(dir),
            resources: JSON.parse(fs.readFileSync(file, "utf8")) as RecordedResource[],
            outputs: fs.existsSync(outputsFile)
                ? (JSON.parse(fs.readFileSync(outputsFile, "utf8")) as Record<string, unknown>)
                : undefined,
        };
    });
    let mandatory = 0;
    for (const s of stacks) {
        const peers = Object.fromEntries(
            stacks.filter((o) => o !== s && o.outputs && o.stack !== s.stack).map((o) => [o.stack, o.outputs!]),
        );
        const violations = await runPolicies(policies, s.resources, { stack: s.stack, config, peers });
        for (const v of violations) log(formatViolation(v));
        for (const g of groupByPolicy(violations))
            log(`  ${g.policyName} (${g.enforcementLevel}): ${g.violations.length}`);
        const m = violations.filter((v) => v.enforcementLevel === "mandatory").length;
        mandatory += m;
        const seen = Object.keys(peers).length ? ` (peers: ${Object.keys(peers).join(", ")})` : "";
        log(`${s.file}: ${s.resources.length} resources${seen}, ${violations.length} violation(s), ${m} mandatory`);
    }
    return mandatory ? 1 : 0;
}

if (require.main === module) {
    policyCli(process.argv.slice(2)).then(
        (status) => (process.exitCode = status),
        (err) => {
            console.error(`error: ${(err as Error).message}`);
            process.exitCode = 1;
        },
    );
}
