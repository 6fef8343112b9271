/**
 * The setup Job's mc script: bash -n clean for both stacks, the exact command sequence, idempotent by
 * construction, and every command checked against the argument grammar of the pinned mc release
 * RELEASE.2025-08-13T08-35-41Z (github.com/minio/mc at that tag; the file of each command is cited below).
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import { lifecycleJson, mcCommands, setupScript } from "../components/minio/mc-script";
import { images } from "../components/shared/versions";
import { find, inputs, render } from "./support";

/** A command's grammar at the pinned release: its flags (value-taking or boolean) and positional arity. */
interface Grammar {
    /** Source file in minio/mc at RELEASE.2025-08-13T08-35-41Z. */
    readonly source: string;
    /** Flag name → takes a value. Global flags (cmd/flags.go globalFlags) are added to every command. */
    readonly flags: Readonly<Record<string, boolean>>;
    readonly args: readonly [min: number, max: number];
    /** Extra checks on the parsed command (undefined = fine). */
    readonly check?: (flags: Record<string, string | true>, args: string[]) => string | undefined;
}

/** cmd/flags.go globalFlags (the ones a script could use). */
const GLOBAL = { json: false, quiet: false, insecure: false, "config-dir": true, debug: false, "no-color": false };

const GRAMMAR: Record<string, Grammar> = {
    "alias set": {
        source: "cmd/alias-set.go (aliasSetFlags; 2 args: keys read from stdin by fetchAliasKeys)",
        flags: { path: true, api: true },
        args: [2, 4],
        check: (f) => (f.api && !["S3v4", "S3v2"].includes(f.api as string) ? "--api must be S3v4 or S3v2" : undefined),
    },
    ready: { source: "cmd/ready-main.go", flags: { "cluster-read": false, maintenance: false }, args: [1, 1] },
    "admin policy create": {
        source: "cmd/admin-policy-create.go (TARGET POLICYNAME POLICYFILE)",
        flags: {},
        args: [3, 3],
    },
    "admin user add": {
        source: "cmd/admin-user-add.go (1 to 3 args; the secret key from stdin via fetchUserKeys)",
        flags: {},
        args: [1, 3],
    },
    "admin policy attach": {
        source: "cmd/admin-policy-attach.go (--user/--group; errCodeChangeAlreadyApplied is not an error)",
        flags: { user: true, group: true },
        args: [2, 99],
    },
    "ilm tier ls": { source: "cmd/ilm-tier-list.go (ALIAS)", flags: {}, args: [1, 1] },
    "ilm tier add": {
        source: "cmd/ilm-tier-add.go (TYPE ALIAS NAME; supportedAWSTierSC; the s3 auth switch in fetchTierConfig)",
        flags: {
            endpoint: true,
            region: true,
            "access-key": true,
            "secret-key": true,
            "use-aws-role": false,
            "aws-role-arn": true,
            "aws-web-identity-file": true,
            bucket: true,
            prefix: true,
            "storage-class": true,
            force: false,
        },
        args: [3, 3],
        check: (f, a) => {
            if (!["minio", "s3", "azure", "gcs"].includes(a[0])) return `unsupported tier type ${a[0]}`;
            if (
                f["storage-class"] &&
                !["STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA"].includes(f["storage-class"] as string)
            )
                return `unsupported storage-class type ${f["storage-class"]}`;
            const auth = ["access-key", "secret-key", "use-aws-role", "aws-role-arn", "aws-web-identity-file"].filter(
                (k) => f[k],
            );
            // The s3 branch of fetchTierConfig: static keys, or the pods' role, or a role ARN with a web identity file.
            const valid = [["use-aws-role"], ["access-key", "secret-key"], ["aws-role-arn", "aws-web-identity-file"]];
            if (a[0] === "s3" && !valid.some((v) => v.join() === auth.join()))
                return `s3 needs one authentication mechanism, got ${auth.join(", ") || "none"}`;
            return f.bucket ? undefined : "remote tier requires target bucket";
        },
    },
    "ilm tier check": { source: "cmd/ilm-tier-check.go (TARGET NAME)", flags: {}, args: [2, 2] },
    mb: {
        source: "cmd/mb-main.go",
        flags: { region: true, "ignore-existing": false, "with-lock": false, "with-versioning": false },
        args: [1, 99],
    },
    "version enable": {
        source: "cmd/version-enable.go (ALIAS/BUCKET)",
        flags: { "excluded-prefixes": true, "exclude-folders": false },
        args: [1, 1],
    },
    "ilm rule import": { source: "cmd/ilm-rule-import.go (TARGET; JSON on stdin)", flags: {}, args: [1, 1] },
    "replicate ls": { source: "cmd/replicate-list.go", flags: { status: true }, args: [1, 1] },
    "replicate add": {
        source: "cmd/replicate-add.go (replicateAddFlags; checkReplicateAddSyntax; the --replicate switch)",
        flags: {
            id: true,
            tags: true,
            "storage-class": true,
            disable: false,
            priority: true,
            "remote-bucket": true,
            replicate: true,
            path: true,
            region: true,
            bandwidth: true,
            sync: false,
            "healthcheck-seconds": true,
            "disable-proxy": false,
        },
        args: [1, 1],
        check: (f) => {
            if (!f["remote-bucket"]) return "--remote-bucket flag needs to be specified.";
            const bad = String(f.replicate ?? "")
                .split(",")
                .filter(
                    (o) =>
                        ![
                            "delete-marker",
                            "delete",
                            "metadata-sync",
                            "replica-metadata-sync",
                            "existing-objects",
                        ].includes(o),
                );
            return bad.length ? `invalid value for --replicate flag ${bad.join(",")}` : undefined;
        },
    },
};

/** Parses one `mc …` argv against GRAMMAR; returns the problem or undefined. */
function grammarProblem(argv: string[]): string | undefined {
    const words = argv.slice(1);
    const key = Object.keys(GRAMMAR)
        .filter((k) => words.slice(0, k.split(" ").length).join(" ") === k)
        .sort((a, b) => b.length - a.length)[0];
    if (!key) return `unknown command: ${argv.join(" ")}`;
    const g = GRAMMAR[key];
    const flags: Record<string, string | true> = {};
    const args: string[] = [];
    const rest = words.slice(key.split(" ").length);
    for (let i = 0; i < rest.length; i++) {
        const w = rest[i];
        if (!w.startsWith("--")) {
            args.push(w);
            continue;
        }
        const name = w.slice(2);
        const takesValue = { ...GLOBAL, ...g.flags }[name];
        if (takesValue === undefined) return `${key}: unknown flag --${name} (${g.source})`;
        flags[name] = takesValue ? rest[++i] : true;
        if (takesValue && flags[name] === undefined) return `${key}: --${name} needs a value`;
    }
    if (args.length < g.args[0] || args.length > g.args[1]) return `${key}: ${args.length} argument(s) (${g.source})`;
    return g.check?.(flags, args);
}

async function scriptOf(stack: string): Promise<{ script: string; job: Record<string, any> }> {
    const job = inputs(find(await render(stack), "kubernetes:batch/v1:Job", "geo-minio-setup-job"));
    return { script: job.spec.template.spec.containers[0].command[2], job };
}

describe("MinIO setup script", () => {
    for (const stack of ["us-east", "us-west"]) {
        it(`${stack}: bash -n accepts the rendered script`, async () => {
            const { script } = await scriptOf(stack);
            const r = spawnSync("bash", ["-n"], { input: script, encoding: "utf8", timeout: 10_000 });
            assert.equal(r.status, 0, r.stderr);
        });

        it(`${stack}: every mc command fits the pinned release's grammar`, async () => {
            const { script } = await scriptOf(stack);
            const commands = mcCommands(script);
            assert.ok(commands.length >= 12, `${commands.length} commands`);
            assert.deepEqual(
                commands.map(grammarProblem).filter((p) => p),
                [],
            );
        });
    }

    it("the grammar check rejects what mc would: GLACIER tiers, ilm add --tier, --replicate typos", () => {
        assert.equal(
            grammarProblem([
                "mc",
                "ilm",
                "tier",
                "add",
                "s3",
                "local",
                "T",
                "--bucket",
                "b",
                "--storage-class",
                "GLACIER",
                "--use-aws-role",
            ]),
            "unsupported storage-class type GLACIER",
        );
        assert.match(grammarProblem(["mc", "ilm", "rule", "add", "--tier", "T", "local/b"])!, /^unknown command/);
        assert.equal(
            grammarProblem([
                "mc",
                "replicate",
                "add",
                "local/b",
                "--remote-bucket",
                "peer/b",
                "--replicate",
                "deletes",
            ]),
            "invalid value for --replicate flag deletes",
        );
        assert.equal(
            grammarProblem([
                "mc",
                "ilm",
                "tier",
                "add",
                "s3",
                "local",
                "T",
                "--bucket",
                "b",
                "--use-aws-role",
                "--access-key",
                "k",
            ]),
            "s3 needs one authentication mechanism, got access-key, use-aws-role",
        );
    });

    it("us-west (role: secondary) runs exactly these commands: local setup, then two-way replication", async () => {
        const { script } = await scriptOf("us-west");
        assert.deepEqual(
            mcCommands(script).map((c) => c.join(" ")),
            [
                "mc alias set local https://minio.geo-minio.svc.cluster.local --api S3v4",
                "mc ready local",
                'mc admin policy create local geo-app "$MC_CONFIG_DIR/geo-app.json"',
                'mc admin policy create local geo-replication "$MC_CONFIG_DIR/geo-replication.json"',
                'mc admin user add local "$APP_USER"',
                'mc admin policy attach local geo-app --user "$APP_USER"',
                'mc admin user add local "$REPL_USER"',
                'mc admin policy attach local geo-replication --user "$REPL_USER"',
                "mc ilm tier ls --json local",
                "mc ilm tier add s3 local AWS-ARCHIVE --endpoint https://s3.us-west-2.amazonaws.com --region us-west-2 --bucket geo-minio-tier-123456789012-us-west-2 --prefix files/ --storage-class STANDARD --use-aws-role",
                "mc ilm tier check local AWS-ARCHIVE",
                "mc mb --ignore-existing local/files",
                "mc version enable local/files",
                "mc ilm rule import local/files",
                "mc alias set peer https://minio.us-east-1.data.internal:9000 --api S3v4",
                "mc alias set self https://minio.us-west-2.data.internal:9000 --api S3v4",
                "mc ready peer",
                "mc version enable peer/files",
                "mc version enable self/files",
                "mc replicate ls --json local/files",
                "mc replicate add local/files --remote-bucket peer/files --id geo-usw2-to-use1 --priority 1 --replicate delete-marker,delete,existing-objects,metadata-sync",
                "mc replicate ls --json peer/files",
                "mc replicate add peer/files --remote-bucket self/files --id geo-use1-to-usw2 --priority 1 --replicate delete-marker,delete,existing-objects,metadata-sync",
            ],
        );
        // The lifecycle goes in on stdin, whole (minio-go v7.0.90 pkg/lifecycle JSON).
        assert.ok(
            script.includes(
                `mc ilm rule import local/files <<'LIFECYCLE'\n${JSON.stringify(lifecycleJson(30, 30))}\nLIFECYCLE\n`,
            ),
        );
    });

    it("us-east (role: primary) configures its own tenant only; replication is us-west's Job's", async () => {
        const { script } = await scriptOf("us-east");
        const cmds = mcCommands(script).map((c) => c.slice(0, 3).join(" "));
        assert.ok(!cmds.some((c) => c.startsWith("mc replicate")), cmds.join("\n"));
        assert.ok(!script.includes("peer"));
    });

    it("is idempotent by construction: every change either sets the whole state or is guarded by a check", async () => {
        const { script } = await scriptOf("us-west");
        const setsWholeState =
            /^mc (alias set|ready|admin policy create|admin user add|admin policy attach|mb --ignore-existing|version enable|ilm rule import|ilm tier (ls|check)|replicate ls)\b/;
        const lines = script.split("\n").map((l) => l.trim());
        for (const argv of mcCommands(script)) {
            const cmd = argv.join(" ");
            if (setsWholeState.test(cmd)) continue;
            // Adders run only in the else/then branch of a check for what they add.
            const i = lines.findIndex((l) => l.endsWith(cmd) || l.includes(`${cmd}`));
            assert.ok(i > 0 && /^(if |else)/.test(lines[i - 1]), `unguarded: ${cmd}`);
        }
        assert.match(script, /^set -euo pipefail$/m);
    });

    it("keeps credentials out of argv and the script: they come from Secrets through env and stdin", async () => {
        const { job } = await scriptOf("us-west");
        const c = job.spec.template.spec.containers[0];
        assert.equal(c.image, images.minioClient);
        assert.deepEqual(
            c.env.map((e: any) => [e.name, e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key]),
            [
                ["ROOT_USER", "files-root", "username"],
                ["ROOT_PASSWORD", "files-root", "password"],
                ["APP_USER", "files-app", "username"],
                ["APP_PASSWORD", "files-app", "password"],
                ["REPL_USER", "files-replication-user", "username"],
                ["REPL_PASSWORD", "files-replication-user", "password"],
            ],
        );
        for (const argv of mcCommands(c.command[2])) assert.ok(!argv.some((a) => /PASSWORD/.test(a)), argv.join(" "));
        // Aliases name Services, never localhost (minio/operator#1266).
        assert.ok(!/localhost|127\.0\.0\.1/.test(c.command[2]));
    });

    it("renders deterministically: the Job name is a hash of script and image", () => {
        const spec = {
            localUrl: "https://minio.ns.svc.cluster.local",
            buckets: ["a"],
            transitionDays: 30,
            noncurrentExpireDays: 7,
            tier: { bucket: "b", region: "us-east-1", prefix: "files/" },
            policies: {},
        };
        assert.equal(setupScript(spec), setupScript(spec));
    });
});
