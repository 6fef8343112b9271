import { mcCommands } from "../../components/minio/mc-script";
import { ResourceValidationPolicy } from "@pulumi/policy";
import { mcScripts, objectRef } from "../lib";

/**
 * MinIO bucket replication needs versioning on the source and the target bucket: in every `mc` script of a
 * Job, each `mc replicate add SOURCE --remote-bucket TARGET` must come after `mc version enable SOURCE` and
 * `mc version enable TARGET` (same alias/bucket), so a fresh tenant is never left with a failed or
 * half-applied replication rule.
 */
export const replicationRequireVersioning: ResourceValidationPolicy = {
    name: "replication-require-versioning",
    description:
        "Every `mc replicate add` in a Job's script must follow `mc version enable` of its source and its --remote-bucket.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "In the setup script (components/minio/mc-script.ts), run `mc version enable ALIAS/BUCKET` for the source and for the --remote-bucket before `mc replicate add`.",
    validateResource: (args, reportViolation) => {
        if (args.type !== "kubernetes:batch/v1:Job") return;
        for (const script of mcScripts(args.props)) {
            const versioned = new Set<string>();
            for (const argv of mcCommands(script)) {
                const [, cmd, sub, ...rest] = argv;
                const positional = rest.filter((a, i) => !a.startsWith("--") && !rest[i - 1]?.startsWith("--"));
                if (cmd === "version" && sub === "enable" && positional[0]) versioned.add(positional[0]);
                if (cmd !== "replicate" || sub !== "add") continue;
                const source = positional[0];
                const target = rest[rest.indexOf("--remote-bucket") + 1];
                const missing = [source, target].filter((b) => !b || !versioned.has(b));
                if (missing.length) {
                    reportViolation(
                        `Job ${objectRef(args.props)} runs \`mc replicate add ${source} --remote-bucket ${target}\` before versioning ${missing.join(" and ")}; run \`mc version enable\` on ${missing.length > 1 ? "both" : "it"} first.`,
                    );
                }
            }
        }
    },
};
