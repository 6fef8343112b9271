import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CONFIG_SCHEMA } from "../config";
import { cnpgPromotionToken } from "../components/shared/validate";
import { ROOT, RenderResult } from "../tools/harness";
import { StackPlan, summarize } from "../tools/plan";
import { REHEARSAL_PROMOTION_TOKEN, loadPairConfigs } from "../tools/runbook/config";
import { Procedure, procedureMarkdown } from "../tools/runbook/procedure";
import { switchoverSteps } from "../tools/runbook/steps";
import { SwitchoverResult, main, parseSwitchoverArgs, rehearse, switchover } from "../tools/switchover";
import { find, inputs, render } from "./support";

const CONTEXTS = { "us-east/kubeContext": "east-admin", "us-west/kubeContext": "west-admin" };
/** The stack files as committed (us-east primary), with kube contexts. */
const EAST_PRIMARY = () => loadPairConfigs(CONTEXTS);
/** The stack files after a switchover to us-west: both name us-west-2, us-west holds the token it was promoted with. */
const WEST_SWITCHED = { primaryRegion: "us-west-2", "us-west/postgresPromotionToken": REHEARSAL_PROMOTION_TOKEN };
/** `--secret` exactly when Pulumi.yaml declares the token a secret (config/ CONFIG_SCHEMA). */
const SECRET = (CONFIG_SCHEMA.postgresPromotionToken as { secret?: boolean }).secret ? "--secret " : "";

function step(p: Procedure, titleStart: string): { index: number; commands: readonly string[]; notes: string } {
    const index = p.steps.findIndex((s) => s.title.startsWith(titleStart));
    assert.ok(index >= 0, `no step "${titleStart}…" in: ${p.steps.map((s) => s.title).join(" | ")}`);
    return { index, commands: p.steps[index].commands, notes: (p.steps[index].notes ?? []).join("\n") };
}

function cluster(p: StackPlan | RenderResult): Record<string, any> {
    const r = "render" in p ? p.render : p;
    return inputs(find(r, "kubernetes:postgresql.cnpg.io/v1:Cluster", "geo-postgres-main-cluster"));
}

async function run(args: string[]): Promise<SwitchoverResult & { out: string[]; err: string[] }> {
    const out: string[] = [];
    const err: string[] = [];
    const result = await switchover(
        parseSwitchoverArgs(args),
        (l) => out.push(l),
        (l) => err.push(l),
    );
    return { ...result, out, err };
}

describe("npm run switchover", () => {
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "geo-switchover-"));
    after(() => fs.rmSync(outDir, { recursive: true, force: true }));

    it("has a rehearsal token in CloudNativePG's format with obviously fake values", () => {
        assert.equal(cnpgPromotionToken(REHEARSAL_PROMOTION_TOKEN), undefined);
        const decoded = JSON.parse(Buffer.from(REHEARSAL_PROMOTION_TOKEN, "base64").toString("utf8"));
        assert.equal(decoded.databaseSystemIdentifier, "0000000000000000000");
        assert.equal(decoded.operatorVersion, "rehearsal");
    });

    describe("planned switchover us-east → us-west", () => {
        const p = switchoverSteps("us-east", "us-west", EAST_PRIMARY());

        it("runs preflight, Redis and Kafka drain, demote, token, promote, verification and commit, in that order", () => {
            assert.equal(p.title, "Switchover us-east (us-east-1) → us-west (us-west-2)");
            assert.deepEqual(
                p.steps.map((s) => s.title),
                [
                    "Preflight: both stacks deployed as committed, both PostgreSQL clusters healthy",
                    "Preflight: cross-region lag us-east-1 → us-west-2 is small",
                    "Preflight: no alerts firing in either region",
                    "Preflight: MinIO replicates both ways without failures (us-east-1 ⇄ us-west-2)",
                    "Redis sessions: stop us-east-1's Sentinels from failing over, fence the master (it refuses writes until it restarts), wait until us-west-2 has its last write",
                    "Kafka: stop producers and consumers in us-east-1, wait until us-west-2's mirror has every record and the consumer groups' offsets",
                    "Demote us-east (us-east-1): primaryRegion = us-west-2, its promotion token removed",
                    "Wait for us-east's demotion token (at most 10 min)",
                    "Redis sessions: right before the promotion, check that every us-west-2 replica still has the fenced master's last write",
                    "Promote us-west (us-west-2) with the demotion token",
                    "Verify PostgreSQL: us-west is primary, us-east replicates from it",
                    "Point the writer name pg-pooler-rw.data.internal at pg-pooler-rw.us-west-2.data.internal",
                    "Verify Redis sessions: the master is in us-west-2, us-east replicates from redis-sessions.us-west-2.data.internal",
                    "Verify Kafka: us-east mirrors us-west-2, us-west runs no mirror; move producers and consumers to us-west-2",
                    "Verify MinIO: applications write objects in us-west-2; us-west-2 replicates to us-east-1",
                    "Commit both stack files (they must agree again)",
                ],
            );
        });

        it("demotes us-east and removes its promotion token in the same change (cloudnative-pg#9273)", () => {
            const demote = step(p, "Demote us-east");
            assert.deepEqual(demote.commands, [
                "OLD_TOKEN=$(kubectl --context east-admin -n geo-postgres get cluster pg -o jsonpath='{.status.demotionToken}')",
                "pulumi config set geo-data:primaryRegion us-west-2 --stack us-east",
                "pulumi config rm geo-data:postgresPromotionToken --stack us-east",
                "pulumi up --stack us-east --policy-pack policies",
            ]);
            assert.match(demote.notes, /promotionToken is only allowed for primary clusters", cloudnative-pg#9273/);
        });

        it("waits, bounded, for a new demotion token on us-east", () => {
            const wait = step(p, "Wait for us-east's demotion token");
            assert.equal(
                wait.commands[0],
                `TOKEN=; for i in $(seq 1 60); do TOKEN=$(kubectl --context east-admin -n geo-postgres get cluster pg -o jsonpath='{.status.demotionToken}'); ` +
                    `[ -n "$TOKEN" ] && [ "$TOKEN" != "$OLD_TOKEN" ] && break; TOKEN=; sleep 10; done; ` +
                    `[ -n "$TOKEN" ] && echo "demotion token read" || echo "no new demotion token on us-east after 10 min: check kubectl cnpg status pg -n geo-postgres --context east-admin" >&2`,
            );
            assert.ok(wait.index > step(p, "Demote us-east").index);
        });

        it("promotes us-west with the token and primaryRegion, after the demotion", () => {
            const promote = step(p, "Promote us-west");
            assert.deepEqual(promote.commands.slice(0, 3), [
                `pulumi config set ${SECRET}geo-data:postgresPromotionToken "$TOKEN" --stack us-west`,
                "pulumi config set geo-data:primaryRegion us-west-2 --stack us-west",
                "pulumi up --stack us-west --policy-pack policies",
            ]);
            assert.match(promote.commands[3], /jsonpath='\{\.status\.lastPromotionToken\}'\)" = "\$TOKEN" \]/);
            assert.ok(promote.index > step(p, "Wait for us-east's demotion token").index);
        });

        it("verifies the new direction: PostgreSQL status, writer DNS, Redis sessions master", () => {
            assert.deepEqual(step(p, "Verify PostgreSQL").commands.slice(0, 2), [
                "kubectl cnpg status pg -n geo-postgres --context west-admin",
                "kubectl cnpg psql pg -n geo-postgres --context west-admin -- -Atc 'SELECT pg_is_in_recovery()'",
            ]);
            assert.deepEqual(step(p, "Point the writer name").commands, [
                `ZONE_ID=$(aws route53 list-hosted-zones-by-name --dns-name data.internal. --query "HostedZones[?Name=='data.internal.'].Id | [0]" --output text); echo "$ZONE_ID"`,
                `aws route53 change-resource-record-sets --hosted-zone-id "$ZONE_ID" --change-batch '{"Comment":"geo-data: writer follows us-west-2","Changes":[{"Action":"UPSERT","ResourceRecordSet":{"Name":"pg-pooler-rw.data.internal.","Type":"CNAME","TTL":30,"ResourceRecords":[{"Value":"pg-pooler-rw.us-west-2.data.internal"}]}}]}'`,
                "dig +short pg-pooler-rw.data.internal",
            ]);
            assert.deepEqual(step(p, "Verify Redis sessions").commands, [
                "kubectl --context west-admin -n geo-redis exec redis-sessions-sentinel-0 -c sentinel -- redis-cli --tls --cacert /etc/redis-tls/ca.crt --cert /etc/redis-tls/tls.crt --key /etc/redis-tls/tls.key -p 26379 SENTINEL get-master-addr-by-name sessions",
                "kubectl --context east-admin -n geo-redis exec redis-sessions-0 -c redis -- redis-cli --tls --cacert /etc/redis-tls/ca.crt --cert /etc/redis-tls/tls.crt --key /etc/redis-tls/tls.key INFO replication | grep -E '^(role|master_host|master_link_status):'",
            ]);
        });

        it("ends by checking and committing both stack files", () => {
            assert.deepEqual(step(p, "Commit both stack files").commands, [
                "git diff -- Pulumi.us-east.yaml Pulumi.us-west.yaml",
                "npm run switchover -- --to us-west",
                "git add Pulumi.us-east.yaml Pulumi.us-west.yaml",
                "git commit -m 'switchover: primaryRegion us-west-2 (us-east demoted, us-west promoted with its demotion token)'",
            ]);
        });
    });

    describe("failback us-west → us-east", () => {
        const p = switchoverSteps("us-west", "us-east", loadPairConfigs({ ...CONTEXTS, ...WEST_SWITCHED }));

        it("demotes us-west and removes the token it was promoted with", () => {
            assert.deepEqual(step(p, "Demote us-west").commands, [
                "OLD_TOKEN=$(kubectl --context west-admin -n geo-postgres get cluster pg -o jsonpath='{.status.demotionToken}')",
                "pulumi config set geo-data:primaryRegion us-east-1 --stack us-west",
                "pulumi config rm geo-data:postgresPromotionToken --stack us-west",
                "pulumi up --stack us-west --policy-pack policies",
            ]);
        });

        it("promotes us-east with us-west's demotion token", () => {
            assert.deepEqual(step(p, "Promote us-east").commands.slice(0, 3), [
                `pulumi config set ${SECRET}geo-data:postgresPromotionToken "$TOKEN" --stack us-east`,
                "pulumi config set geo-data:primaryRegion us-east-1 --stack us-east",
                "pulumi up --stack us-east --policy-pack policies",
            ]);
            assert.match(
                step(p, "Point the writer name").commands[1],
                /"ResourceRecords":\[\{"Value":"pg-pooler-rw\.us-east-1\.data\.internal"\}\]/,
            );
        });

        it("also removes disasterFailover from us-west when it became primary by a disaster failover", () => {
            const after = switchoverSteps(
                "us-west",
                "us-east",
                loadPairConfigs({ ...CONTEXTS, primaryRegion: "us-west-2", "us-west/disasterFailover": "true" }),
            );
            assert.deepEqual(step(after, "Demote us-west").commands.slice(1), [
                "pulumi config set geo-data:primaryRegion us-east-1 --stack us-west",
                "pulumi config rm geo-data:postgresPromotionToken --stack us-west",
                "pulumi config rm geo-data:disasterFailover --stack us-west",
                "pulumi up --stack us-west --policy-pack policies",
            ]);
        });
    });

    it("derives namespaces, DNS zone and contexts from config, and marks a missing kubeContext", () => {
        const p = switchoverSteps(
            "us-east",
            "us-west",
            loadPairConfigs({
                namespacePrefix: "acme",
                dnsZone: "db.example.com",
                "us-east/kubeContext": "east-admin",
            }),
        );
        assert.deepEqual(p.preamble.slice(-1), [
            "kubeContext is not set for us-west: replace <SET-ME:us-west-kube-context> with the kubeconfig context of that region's cluster (or set it: pulumi config set geo-data:kubeContext <context> --stack <stack>, then run this again).",
        ]);
        assert.deepEqual(step(p, "Preflight: both stacks").commands.slice(2), [
            "kubectl cnpg status pg -n acme-postgres --context east-admin",
            "kubectl cnpg status pg -n acme-postgres --context <SET-ME:us-west-kube-context>",
        ]);
        assert.equal(step(p, "Point the writer name").commands[2], "dig +short pg-pooler-rw.db.example.com");
        assert.match(step(p, "Preflight: no alerts").commands[0], /\/api\/v1\/namespaces\/acme-monitoring\/services\//);
    });

    describe("disaster failover (--disaster)", () => {
        const p = switchoverSteps("us-east", "us-west", EAST_PRIMARY(), { disaster: true });

        it("states the data-loss bound first", () => {
            assert.equal(p.title, "Disaster failover: us-west (us-west-2) takes over from lost us-east (us-east-1)");
            assert.match(p.preamble.join(" "), /after the last one us-west-2 replayed are lost/);
            assert.match(p.preamble.join(" "), /archive_timeout \(5 min\) plus S3 replication .*within 15 min/);
        });

        it("promotes the survivor with disasterFailover and records the switch in the lost stack's file", () => {
            assert.deepEqual(step(p, "Promote us-west").commands.slice(0, 3), [
                "pulumi config set geo-data:primaryRegion us-west-2 --stack us-west",
                "pulumi config set geo-data:disasterFailover true --stack us-west",
                "pulumi up --stack us-west --policy-pack policies",
            ]);
            assert.deepEqual(step(p, "Record the switch in us-east's stack file").commands, [
                "pulumi config set geo-data:primaryRegion us-west-2 --stack us-east",
                "pulumi config rm geo-data:postgresPromotionToken --stack us-east",
            ]);
        });

        it("fences, then rebuilds the returning region as a replica with its old archive moved aside", () => {
            const fence = step(p, "When us-east-1 is back: fence");
            assert.deepEqual(fence.commands, [
                `kubectl --context east-admin -n geo-postgres annotate cluster pg --overwrite 'cnpg.io/fencedInstances=["*"]'`,
                "kubectl cnpg status pg -n geo-postgres --context east-admin",
            ]);
            const rebuild = step(p, "Rebuild us-east's PostgreSQL");
            assert.equal(rebuild.index, fence.index + 1);
            assert.deepEqual(rebuild.commands, [
                "kubectl --context east-admin -n geo-postgres delete cluster pg --wait=true",
                "kubectl --context east-admin -n geo-postgres delete pvc -l cnpg.io/cluster=pg",
                "ACCOUNT=$(aws sts get-caller-identity --query Account --output text)",
                `aws cloudwatch get-metric-statistics --region us-east-1 --namespace AWS/S3 --metric-name OperationsPendingReplication --dimensions Name=SourceBucket,Value=geo-pg-backups-$ACCOUNT-us-east-1 Name=DestinationBucket,Value=geo-pg-backups-$ACCOUNT-us-west-2 Name=RuleId,Value=postgres-to-usw2 --statistics Maximum --period 300 --start-time "$(date -u -d '-15 min' +%FT%TZ)" --end-time "$(date -u +%FT%TZ)" --query 'Datapoints[].Maximum' --output text`,
                "ASIDE=diverged/$(date -u +%Y%m%dT%H%M%SZ)-pg-use1",
                "aws s3 mv s3://geo-pg-backups-$ACCOUNT-us-east-1/postgres/pg-use1/ s3://geo-pg-backups-$ACCOUNT-us-east-1/$ASIDE/ --recursive --region us-east-1",
                "aws s3 mv s3://geo-pg-backups-$ACCOUNT-us-west-2/postgres/pg-use1/ s3://geo-pg-backups-$ACCOUNT-us-west-2/$ASIDE/ --recursive --region us-west-2",
                "pulumi up --refresh --stack us-east --policy-pack policies",
                "kubectl cnpg status pg -n geo-postgres --context east-admin",
            ]);
            assert.match(rebuild.notes, /cnpg\.io\/skipEmptyWalArchiveCheck=enabled/);
        });

        it("turns disasterFailover off on the survivor once the lost region is rebuilt, in both directions", () => {
            assert.deepEqual(step(p, "Turn disasterFailover off on us-west").commands.slice(0, 2), [
                "pulumi config rm geo-data:disasterFailover --stack us-west",
                "pulumi up --stack us-west --policy-pack policies",
            ]);
            const back = switchoverSteps("us-west", "us-east", loadPairConfigs({ ...CONTEXTS, ...WEST_SWITCHED }), {
                disaster: true,
            });
            assert.deepEqual(step(back, "Record the switch in us-west's stack file").commands, [
                "pulumi config set geo-data:primaryRegion us-east-1 --stack us-west",
                "pulumi config rm geo-data:postgresPromotionToken --stack us-west",
            ]);
            assert.deepEqual(step(back, "Turn disasterFailover off on us-east").commands.slice(0, 2), [
                "pulumi config rm geo-data:disasterFailover --stack us-east",
                "pulumi up --stack us-east --policy-pack policies",
            ]);
        });
    });

    it("docs/operations.md's runbooks are exactly what it prints (east-admin/west-admin contexts)", () => {
        const readme = fs.readFileSync(path.join(ROOT, "docs", "operations.md"), "utf8");
        const procedures = [
            switchoverSteps("us-east", "us-west", EAST_PRIMARY()),
            switchoverSteps("us-west", "us-east", loadPairConfigs({ ...CONTEXTS, ...WEST_SWITCHED })),
            switchoverSteps("us-east", "us-west", EAST_PRIMARY(), { disaster: true }),
        ];
        for (const p of procedures) {
            assert.ok(
                readme.includes(procedureMarkdown(p)),
                `${p.title}: docs/operations.md's runbook differs from procedureMarkdown()`,
            );
        }
    });

    describe("arguments and refusals", () => {
        it("parses its arguments and rejects bad ones with exact messages", () => {
            const a = parseSwitchoverArgs(["--to", "us-west-2", "--disaster", "--config", "us-west/kubeContext=w"]);
            assert.deepEqual(
                { ...a, out: path.relative(ROOT, a.out) },
                {
                    to: "us-west-2",
                    disaster: true,
                    overrides: { "us-west/kubeContext": "w" },
                    out: path.join("out", "switchover"),
                },
            );
            assert.throws(() => parseSwitchoverArgs([]), {
                message: "missing --to STACK|REGION: the stack or region to make primary",
            });
            assert.throws(() => parseSwitchoverArgs(["--to"]), { message: "--to needs a value" });
            assert.throws(() => parseSwitchoverArgs(["--to", "--disaster"]), { message: "--to needs a value" });
            assert.throws(() => parseSwitchoverArgs(["--to", "us-west", "--config", "novalue"]), {
                message: '--config expects key=value, got "novalue"',
            });
            assert.throws(() => parseSwitchoverArgs(["--to", "us-west", "--force"]), {
                message:
                    'unknown argument "--force" (expected --to STACK|REGION, --disaster, --config key=value, --out DIR)',
            });
        });

        it("refuses (exit 1) when the stack files disagree on primaryRegion, leaving no earlier rehearsal behind", async () => {
            const dir = path.join(outDir, "refused");
            for (const stale of ["us-east", "us-west", "deployed/us-east"]) {
                fs.mkdirSync(path.join(dir, stale), { recursive: true });
                fs.writeFileSync(path.join(dir, stale, "manifests.yaml"), "# an earlier rehearsal\n");
            }
            const r = await run(["--to", "us-west", "--config", "us-east/primaryRegion=us-west-2", "--out", dir]);
            assert.equal(r.status, 1);
            assert.deepEqual([fs.readdirSync(dir), fs.readdirSync(path.join(dir, "deployed"))], [["deployed"], []]);
            assert.equal(
                r.err[0],
                "refusing to switch over: geo-data:primaryRegion: the stacks disagree (us-east: us-west-2, us-west: us-east-1); set the same primaryRegion in every stack — two stacks that each think they are primary is split brain",
            );
            assert.equal(r.plans, undefined);
        });

        it("exits 0 with a clear message when the target already is the primary", async () => {
            for (const to of ["us-east", "us-east-1"]) {
                const r = await run(["--to", to, "--out", path.join(outDir, "noop")]);
                assert.equal(r.status, 0);
                assert.deepEqual(r.out, [
                    "us-east (us-east-1) is already the primary: geo-data:primaryRegion is us-east-1 in every stack file (us-east, us-west); nothing to switch.",
                ]);
            }
        });

        it("exits 1 with the message on stderr for bad arguments and unknown targets", async () => {
            const cases: [string[], string][] = [
                [[], "error: missing --to STACK|REGION: the stack or region to make primary"],
                [["--to"], "error: --to needs a value"],
                [
                    ["--to", "eu-west-1"],
                    'error: unknown switchover target "eu-west-1"; valid targets: us-east, us-east-1, us-west, us-west-2',
                ],
            ];
            for (const [argv, message] of cases) {
                const out: string[] = [];
                const err: string[] = [];
                const status = await main(
                    argv,
                    (l) => out.push(l),
                    (l) => err.push(l),
                );
                assert.deepEqual([status, out, err], [1, [], [message]], argv.join(" "));
            }
        });
    });

    describe("rehearsal of the switched topology (renders)", function () {
        this.timeout(120000);

        it("us-east → us-west: both stacks pass config, schemas and policies; us-west is promoted with the token", async () => {
            const r = await run(["--to", "us-west", "--out", path.join(outDir, "to-west")]);
            assert.equal(r.status, 0, r.err.join("\n"));
            assert.deepEqual(
                r.plans!.map((x) => [x.render.stack, x.render.outputs.primaryRegion, x.schemaIssues, x.violations]),
                [
                    ["us-east", "us-west-2", [], []],
                    ["us-west", "us-west-2", [], []],
                ],
            );
            const [east, west] = r.plans!;
            assert.deepEqual(cluster(west).spec.replica, {
                primary: "pg-usw2",
                promotionToken: REHEARSAL_PROMOTION_TOKEN,
                self: "pg-usw2",
                source: "pg-use1",
            });
            assert.equal(cluster(east).spec.replica.primary, "pg-usw2");
            assert.equal(cluster(east).spec.replica.promotionToken, undefined);
            assert.ok(
                r.out.includes("7. Demote us-east (us-east-1): primaryRegion = us-west-2, its promotion token removed"),
            );
        });

        it("us-west → us-east (failback): us-east gets the token, us-west none", async () => {
            const r = await run([
                "--to",
                "us-east",
                "--out",
                path.join(outDir, "to-east"),
                ...Object.entries(WEST_SWITCHED).flatMap(([k, v]) => ["--config", `${k}=${v}`]),
            ]);
            assert.equal(r.status, 0, r.err.join("\n"));
            const [east, west] = r.plans!;
            for (const x of r.plans!) {
                assert.equal(x.render.outputs.primaryRegion, "us-east-1");
                assert.deepEqual([x.schemaIssues, x.violations], [[], []], x.render.stack);
            }
            assert.equal(cluster(east).spec.replica.primary, "pg-use1");
            assert.equal(cluster(east).spec.replica.promotionToken, REHEARSAL_PROMOTION_TOKEN);
            assert.equal(cluster(west).spec.replica.promotionToken, undefined);
        });

        it("disaster us-east → us-west: us-west renders against us-east's deployed outputs, which still claim primary", async () => {
            const deployed = await render("us-east"); // the committed us-east, cached and shared with other specs
            assert.equal(deployed.outputs.primaryRegion, "us-east-1");
            const plans = await rehearse("us-east", "us-west", loadPairConfigs(), {
                disaster: true,
                overrides: {},
                out: path.join(outDir, "disaster"),
                deployed,
            });
            for (const x of plans) assert.deepEqual([x.schemaIssues, x.violations], [[], []], x.render.stack);
            const west = plans.find((x) => x.render.stack === "us-west")!;
            assert.equal(cluster(west).spec.replica.primary, "pg-usw2");
            assert.equal(cluster(west).spec.replica.promotionToken, undefined);
            const warning =
                "disasterFailover: promoting us-west-2 although stack organization/geo-data/us-east is still deployed as primary (us-east-1). Set primaryRegion: us-west-2 in that stack's file now, so that us-east-1 is demoted (and rebuilt) before it serves writes again";
            assert.deepEqual(
                plans.map((x) => [x.render.stack, x.render.warnings]),
                [
                    ["us-east", []],
                    ["us-west", [warning]],
                ],
            );
            const lines: string[] = [];
            summarize(plans, (l) => lines.push(l));
            assert.deepEqual(
                lines.filter((l) => l.includes("warning")),
                [`  warning: ${warning}`],
            );
            assert.equal(
                lines.indexOf(`  warning: ${warning}`),
                lines.indexOf("us-west: us-west-2 role=secondary primaryRegion=us-west-2") + 1,
            );
        });
    });
});
