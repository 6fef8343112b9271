import { strict as assert } from "assert";
import {
    BackupReplicationArgs,
    DEFAULT_BYTES_PENDING_THRESHOLD,
    arnAccount,
    replicationAlarmSpecs,
    replicationRolePolicy,
    replicationRule,
    replicationRuleId,
    replicationTrustPolicy,
    validateBackupReplicationArgs,
} from "../components/backup/backup-replication";
import { renderStack } from "../tools/harness";
import { loadStackConfig } from "../tools/stack-config";
import { find, inputs, ofType, render } from "./support";

const ACCOUNT = "123456789012";
const EAST_BUCKET = `geo-pg-backups-${ACCOUNT}-us-east-1`;
const WEST_BUCKET = `geo-pg-backups-${ACCOUNT}-us-west-2`;
const EAST_ARN = `arn:aws:s3:::${EAST_BUCKET}`;
const WEST_ARN = `arn:aws:s3:::${WEST_BUCKET}`;
// The mocks' KMS key ARNs (the key is created by each stack's BackupBucket).
const EAST_KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:geo-backup-kms-key`;
const WEST_KEY = `arn:aws:kms:us-west-2:${ACCOUNT}:geo-backup-kms-key`;
const EAST_TOPIC = `arn:aws:sns:us-east-1:${ACCOUNT}:geo-alerts`;
const WEST_TOPIC = `arn:aws:sns:us-west-2:${ACCOUNT}:geo-alerts`;

const CONFIG = "aws:s3/bucketReplicationConfig:BucketReplicationConfig";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const E2W = "geo-replication-use1-to-usw2";
const W2E = "geo-replication-usw2-to-use1";

/** The rule the program renders for a direction with RTC on (the default). */
function expectedRule(id: string, folder: string, destinationArn: string, replicaKey: string) {
    return {
        id,
        priority: 1,
        status: "Enabled",
        // Only the source region's own archive: the copy of the other region's is never sent back.
        filter: { prefix: `postgres/${folder}/` },
        deleteMarkerReplication: { status: "Disabled" },
        sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
        destination: {
            bucket: destinationArn,
            storageClass: "STANDARD",
            encryptionConfiguration: { replicaKmsKeyId: replicaKey },
            metrics: { status: "Enabled", eventThreshold: { minutes: 15 } },
            replicationTime: { status: "Enabled", time: { minutes: 15 } },
        },
    };
}

describe("backup replication (S3, both directions, owned by us-west)", () => {
    it("us-east (role primary) renders no replication and no replication alarms", async () => {
        const east = await render("us-east");
        assert.deepEqual(ofType(east, CONFIG), []);
        assert.deepEqual(ofType(east, ALARM), []);
        assert.deepEqual(ofType(east, "geo:backup:BackupReplication"), []);
    });

    it("us-west replicates us-east's postgres/ into its bucket, re-encrypted with the us-west key", async () => {
        const west = await render("us-west");
        const cfg = find(west, CONFIG, `${E2W}-config`);
        assert.deepEqual(inputs(cfg), {
            bucket: EAST_BUCKET,
            region: "us-east-1",
            role: `arn:aws:iam::${ACCOUNT}:geo-pg-replication-use1-usw2`,
            rules: [expectedRule("postgres-to-usw2", "pg-use1", WEST_ARN, WEST_KEY)],
        });
        assert.equal(cfg.parent, `geo:backup:BackupReplication::${E2W}`);
        assert.deepEqual(cfg.options.dependsOn, [
            `aws:iam/rolePolicy:RolePolicy::${E2W}-role-policy`,
            "aws:s3/bucketVersioning:BucketVersioning::geo-backup-versioning",
        ]);
    });

    it("us-west replicates its own postgres/ into us-east's bucket, re-encrypted with the us-east key", async () => {
        const west = await render("us-west");
        const cfg = find(west, CONFIG, `${W2E}-config`);
        assert.deepEqual(inputs(cfg), {
            bucket: WEST_BUCKET,
            region: "us-west-2",
            role: `arn:aws:iam::${ACCOUNT}:geo-pg-replication-usw2-use1`,
            rules: [expectedRule("postgres-to-use1", "pg-usw2", EAST_ARN, EAST_KEY)],
        });
        assert.deepEqual(cfg.options.dependsOn, [
            `aws:iam/rolePolicy:RolePolicy::${W2E}-role-policy`,
            "aws:s3/bucketVersioning:BucketVersioning::geo-backup-versioning",
        ]);
        assert.equal(ofType(west, CONFIG).length, 2);
    });

    it("does not change on a disaster failover (nothing to apply in the lost region)", async () => {
        const normal = await render("us-west");
        // us-east is lost: its last outputs still name it primary; us-west takes over on its own.
        const failover = await render("us-west", { primaryRegion: "us-west-2", disasterFailover: "true" }, {});
        const pick = (r: typeof normal) =>
            r.resources
                .filter((x) => x.parent?.startsWith("geo:backup:BackupReplication::"))
                .map((x) => [x.type, x.name, inputs(x), x.options]);
        assert.equal(pick(normal).length, 2 * 6);
        assert.deepEqual(pick(failover), pick(normal));
        assert.deepEqual(failover.warnings, [
            "disasterFailover: promoting us-west-2 although stack organization/geo-data/us-east is still deployed as primary (us-east-1). Set primaryRegion: us-west-2 in that stack's file now, so that us-east-1 is demoted (and rebuilt) before it serves writes again",
        ]);
    });

    it("without RTC: metrics on (the alarms need them), no event threshold, no replicationTime", async () => {
        const west = await render("us-west", { backupReplicationTimeControl: "false" });
        for (const name of [E2W, W2E]) {
            const dest = inputs(find(west, CONFIG, `${name}-config`)).rules[0].destination;
            assert.deepEqual(dest.metrics, { status: "Enabled" }, name);
            assert.equal("replicationTime" in dest, false, name);
        }
    });

    it("gives each direction a role only S3 of the source account can assume, with least privilege", async () => {
        const west = await render("us-west");
        for (const [name, roleName] of [
            [E2W, "geo-pg-replication-use1-usw2"],
            [W2E, "geo-pg-replication-usw2-use1"],
        ]) {
            const role = inputs(find(west, "aws:iam/role:Role", `${name}-role`));
            assert.equal(role.name, roleName);
            assert.deepEqual(JSON.parse(role.assumeRolePolicy).Statement, [
                {
                    Sid: "S3ReplicationOnly",
                    Effect: "Allow",
                    Principal: { Service: "s3.amazonaws.com" },
                    Action: "sts:AssumeRole",
                    Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
                },
            ]);
        }
        const policy = inputs(find(west, "aws:iam/rolePolicy:RolePolicy", `${E2W}-role-policy`));
        assert.equal(policy.role, "geo-pg-replication-use1-usw2");
        assert.deepEqual(JSON.parse(policy.policy).Statement, [
            {
                Sid: "SourceBucketConfiguration",
                Effect: "Allow",
                Action: ["s3:GetReplicationConfiguration", "s3:ListBucket"],
                Resource: EAST_ARN,
            },
            {
                Sid: "SourceObjectVersions",
                Effect: "Allow",
                Action: ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],
                Resource: `${EAST_ARN}/postgres/pg-use1/*`,
            },
            {
                Sid: "ReplicateToDestination",
                Effect: "Allow",
                Action: ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
                Resource: `${WEST_ARN}/postgres/pg-use1/*`,
            },
            {
                Sid: "DecryptWithSourceKey",
                Effect: "Allow",
                Action: ["kms:Decrypt"],
                Resource: EAST_KEY,
                Condition: {
                    StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" },
                    StringLike: { "kms:EncryptionContext:aws:s3:arn": [EAST_ARN, `${EAST_ARN}/postgres/pg-use1/*`] },
                },
            },
            {
                Sid: "EncryptWithDestinationKey",
                Effect: "Allow",
                Action: ["kms:Encrypt", "kms:GenerateDataKey"],
                Resource: WEST_KEY,
                Condition: { StringEquals: { "kms:ViaService": "s3.us-west-2.amazonaws.com" } },
            },
        ]);
        const back = JSON.parse(inputs(find(west, "aws:iam/rolePolicy:RolePolicy", `${W2E}-role-policy`)).policy);
        assert.deepEqual(
            back.Statement.map((s: any) => s.Resource),
            [WEST_ARN, `${WEST_ARN}/postgres/pg-usw2/*`, `${EAST_ARN}/postgres/pg-usw2/*`, WEST_KEY, EAST_KEY],
        );
    });

    it("alarms on latency, bytes pending and failures in the source region, notifying the region's alerts topic by default", async () => {
        const west = await render("us-west");
        for (const [name, prefix, region, source, destination, ruleId] of [
            [E2W, "geo-pg-replication-use1-usw2", "us-east-1", EAST_BUCKET, WEST_BUCKET, "postgres-to-usw2"],
            [W2E, "geo-pg-replication-usw2-use1", "us-west-2", WEST_BUCKET, EAST_BUCKET, "postgres-to-use1"],
        ]) {
            const alarms = ofType(west, ALARM)
                .filter((a) => a.parent === `geo:backup:BackupReplication::${name}`)
                .map(inputs);
            assert.deepEqual(
                alarms.map((a) => [a.name, a.metricName, a.statistic, a.threshold, a.evaluationPeriods]),
                [
                    [`${prefix}-latency`, "ReplicationLatency", "Maximum", 900, 1],
                    [`${prefix}-bytes-pending`, "BytesPendingReplication", "Maximum", 10 * 1024 ** 3, 3],
                    [`${prefix}-failed-operations`, "OperationsFailedReplication", "Sum", 0, 1],
                ],
            );
            for (const a of alarms) {
                assert.equal(a.region, region, a.name);
                assert.equal(a.namespace, "AWS/S3", a.name);
                assert.deepEqual(
                    a.dimensions,
                    { SourceBucket: source, DestinationBucket: destination, RuleId: ruleId },
                    a.name,
                );
                assert.equal(a.comparisonOperator, "GreaterThanThreshold", a.name);
                assert.equal(a.treatMissingData, "notBreaching", a.name);
                // The region's alerts topic (created by DataRegion when backupAlarmTopicArn is unset).
                const topic = `arn:aws:sns:${region}:123456789012:geo-alerts-${region}`;
                assert.deepEqual([a.alarmActions, a.okActions], [[topic], [topic]], a.name);
            }
        }
    });

    it("notifies each region's backupAlarmTopicArn from the alarms in that region", async () => {
        // us-west's own topic: the alarms of the direction whose source is us-west.
        const west = await render("us-west", { backupAlarmTopicArn: WEST_TOPIC }, {});
        const actions = (name: string) =>
            ofType(west, ALARM)
                .filter((a) => a.parent === `geo:backup:BackupReplication::${name}`)
                .map((a) => [inputs(a).alarmActions, inputs(a).okActions]);
        assert.deepEqual(actions(W2E), [
            [[WEST_TOPIC], [WEST_TOPIC]],
            [[WEST_TOPIC], [WEST_TOPIC]],
            [[WEST_TOPIC], [WEST_TOPIC]],
        ]);
        const eastDefault = "arn:aws:sns:us-east-1:123456789012:geo-alerts-us-east-1";
        assert.deepEqual(actions(E2W), [
            [[eastDefault], [eastDefault]],
            [[eastDefault], [eastDefault]],
            [[eastDefault], [eastDefault]],
        ]);

        // The us-east alarms use the topic the primary stack publishes in its `backup` output.
        const east = await render("us-east");
        const { config, secretKeys } = loadStackConfig("us-west", {});
        const outputs = { ...east.outputs, backup: { ...(east.outputs.backup as object), alarmTopicArn: EAST_TOPIC } };
        const withPeerTopic = await renderStack({
            stack: "us-west",
            config,
            secretKeys,
            stackReferences: {
                [config["geo-data:primaryStack"]]: { outputs, secretOutputNames: east.secretOutputNames },
            },
        });
        for (const a of ofType(withPeerTopic, ALARM)) {
            const expected =
                a.parent === `geo:backup:BackupReplication::${E2W}`
                    ? [EAST_TOPIC]
                    : ["arn:aws:sns:us-west-2:123456789012:geo-alerts-us-west-2"];
            assert.deepEqual([inputs(a).alarmActions, inputs(a).okActions], [expected, expected], a.name);
        }
    });

    describe("pure helpers", () => {
        it("rule ids, ARN accounts and the trust policy", () => {
            assert.equal(replicationRuleId("postgres", "us-west-2"), "postgres-to-usw2");
            assert.equal(replicationRuleId("postgres", "ap-southeast-2"), "postgres-to-apse2");
            assert.equal(arnAccount(`arn:aws:iam::${ACCOUNT}:role/geo-pg-backups-use1`), ACCOUNT);
            assert.equal(arnAccount("arn:aws:s3:::bucket"), undefined);
            assert.deepEqual(replicationTrustPolicy(), {
                Version: "2012-10-17",
                Statement: [
                    {
                        Sid: "S3ReplicationOnly",
                        Effect: "Allow",
                        Principal: { Service: "s3.amazonaws.com" },
                        Action: "sts:AssumeRole",
                    },
                ],
            });
        });

        it("the role policy confines every permission to the prefix, the keys and S3 in each region", () => {
            const p: any = replicationRolePolicy({
                sourceBucketArn: "arn:aws:s3:::src",
                destinationBucketArn: "arn:aws:s3:::dst",
                sourceKmsKeyArn: "arn:aws:kms:eu-west-1:1:key/a",
                destinationKmsKeyArn: "arn:aws:kms:eu-central-1:1:key/b",
                sourceRegion: "eu-west-1",
                destinationRegion: "eu-central-1",
                prefix: "db",
            });
            assert.deepEqual(
                p.Statement.map((s: any) => [s.Sid, s.Resource, s.Condition?.StringEquals?.["kms:ViaService"]]),
                [
                    ["SourceBucketConfiguration", "arn:aws:s3:::src", undefined],
                    ["SourceObjectVersions", "arn:aws:s3:::src/db/*", undefined],
                    ["ReplicateToDestination", "arn:aws:s3:::dst/db/*", undefined],
                    ["DecryptWithSourceKey", "arn:aws:kms:eu-west-1:1:key/a", "s3.eu-west-1.amazonaws.com"],
                    ["EncryptWithDestinationKey", "arn:aws:kms:eu-central-1:1:key/b", "s3.eu-central-1.amazonaws.com"],
                ],
            );
            assert.ok(!JSON.stringify(p).includes('"s3:*"') && !JSON.stringify(p).includes('"kms:*"'));
            assert.ok(!JSON.stringify(p).includes('src/*"'), "no object access outside the prefix");
        });

        const rules: [string, boolean, unknown, boolean][] = [
            ["RTC on", true, { status: "Enabled", eventThreshold: { minutes: 15 } }, true],
            ["RTC off", false, { status: "Enabled" }, false],
        ];
        for (const [what, rtc, metrics, hasTime] of rules) {
            it(`replicationRule with ${what}`, () => {
                const r: any = replicationRule("db-to-euc1", "db", "arn:aws:s3:::dst", "arn:k", rtc);
                assert.deepEqual(r.destination.metrics, metrics);
                assert.equal("replicationTime" in r.destination, hasTime);
                assert.deepEqual(
                    [r.filter, r.deleteMarkerReplication, r.destination.encryptionConfiguration],
                    [{ prefix: "db/" }, { status: "Disabled" }, { replicaKmsKeyId: "arn:k" }],
                );
            });
        }

        it("alarm specs follow the bytes-pending threshold", () => {
            assert.deepEqual(
                replicationAlarmSpecs(5).map((s) => [s.suffix, s.threshold]),
                [
                    ["latency", 900],
                    ["bytes-pending", 5],
                    ["failed-operations", 0],
                ],
            );
            assert.match(replicationAlarmSpecs(DEFAULT_BYTES_PENDING_THRESHOLD)[1].meaning, /more than 10 GiB /);
        });
    });

    describe("validateBackupReplicationArgs", () => {
        const ARGS: BackupReplicationArgs = {
            source: { bucketName: "a", bucketArn: "arn:aws:s3:::a", kmsKeyArn: "k", region: "us-east-1" },
            destination: { bucketName: "b", bucketArn: "arn:aws:s3:::b", kmsKeyArn: "k", region: "us-west-2" },
            roleName: "geo-pg-replication-use1-usw2",
        };

        it("applies each documented default", () => {
            const a = validateBackupReplicationArgs(ARGS);
            assert.deepEqual(
                [a.prefix, a.replicationTimeControl, a.alarmTopicArn, a.alarmNamePrefix, a.bytesPendingThreshold],
                ["postgres", true, "", "geo-pg-replication-use1-usw2", 10 * 1024 ** 3],
            );
            assert.deepEqual([a.dependsOn, a.tags, a.sourceAccountId], [[], {}, undefined]);
        });

        const errors: [string, Partial<BackupReplicationArgs>, string][] = [
            [
                "a prefix with a slash",
                { prefix: "postgres/" },
                `BackupReplication.prefix: "postgres/" is not allowed; expected lower-case letters, digits and '-' (no slashes)`,
            ],
            [
                "a role name over 64 characters",
                { roleName: "r".repeat(65) },
                `BackupReplication.roleName: "${"r".repeat(65)}" is not allowed; expected an IAM role name of at most 64 characters (A-Z, a-z, 0-9, +=,.@_-)`,
            ],
            [
                "the same region at both ends",
                { destination: { ...ARGS.destination, region: "us-east-1" } },
                'BackupReplication.destination.region: "us-east-1" is not allowed; expected a region other than source.region (us-east-1)',
            ],
            [
                "a malformed region",
                { source: { ...ARGS.source, region: "east" } },
                'BackupReplication.source.region: "east" is not allowed; expected an AWS region name such as us-east-1',
            ],
            [
                "a non-SNS topic",
                { alarmTopicArn: "arn:aws:sqs:us-east-1:123456789012:q" },
                'BackupReplication.alarmTopicArn: "arn:aws:sqs:us-east-1:123456789012:q" is not allowed; expected an ARN like arn:aws:sns:<region>:<account>:<resource>',
            ],
            [
                "a topic in the destination region",
                { alarmTopicArn: WEST_TOPIC },
                `BackupReplication.alarmTopicArn: "${WEST_TOPIC}" is not allowed; expected a topic in the source region us-east-1 (CloudWatch alarms notify only topics in their own region)`,
            ],
            [
                "a zero bytes-pending threshold",
                { bytesPendingThreshold: 0 },
                "BackupReplication.bytesPendingThreshold: 0 is not allowed; expected an integer >= 1",
            ],
            [
                "an alarm name prefix with spaces",
                { alarmNamePrefix: "pg replication" },
                `BackupReplication.alarmNamePrefix: "pg replication" is not allowed; expected at most 200 characters of A-Z, a-z, 0-9, '.', '_' and '-'`,
            ],
        ];
        for (const [what, change, message] of errors) {
            it(`rejects ${what}`, () => {
                assert.throws(
                    () => validateBackupReplicationArgs({ ...ARGS, ...change }),
                    (e: Error) => e.message === message,
                );
            });
        }
    });
});
