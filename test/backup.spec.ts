import { strict as assert } from "assert";
import { parseRegionConfig } from "../config";
import {
    backupAccessPolicy,
    defaultBackupBucketName,
    issuerOf,
    lifecycleRules,
    validateBackupBucketArgs,
} from "../components/backup/backup-bucket";
import { documentedDefaults, find, inputs, ofType, render } from "./support";

const BUCKET = "geo-pg-backups-123456789012-us-east-1";
const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;
const KMS = "arn:aws:kms:us-east-1:123456789012:geo-backup-kms-key";
const OIDC =
    "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
const ISSUER = "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";

describe("backup bucket (AWS)", () => {
    it("creates a protected, versioned, SSE-KMS, private bucket named from prefix, account and region", async () => {
        const east = await render("us-east");
        const bucket = find(east, "aws:s3/bucket:Bucket", "geo-backup-bucket");
        assert.equal(inputs(bucket).bucket, BUCKET);
        assert.equal(inputs(bucket).region, "us-east-1");
        assert.equal(inputs(bucket).forceDestroy, false);
        assert.deepEqual(bucket.options.protect, true);
        assert.deepEqual(bucket.options.retainOnDelete, true);
        const sib = (type: string, name: string) => inputs(find(east, type, name));
        assert.deepEqual(sib("aws:s3/bucketVersioning:BucketVersioning", "geo-backup-versioning"), {
            bucket: BUCKET,
            region: "us-east-1",
            versioningConfiguration: { status: "Enabled" },
        });
        assert.deepEqual(
            sib(
                "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                "geo-backup-encryption",
            ).rules,
            [
                {
                    applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: KMS },
                    bucketKeyEnabled: true,
                },
            ],
        );
        assert.deepEqual(
            sib("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "geo-backup-public-access-block"),
            {
                bucket: BUCKET,
                region: "us-east-1",
                blockPublicAcls: true,
                blockPublicPolicy: true,
                ignorePublicAcls: true,
                restrictPublicBuckets: true,
            },
        );
        assert.deepEqual(sib("aws:s3/bucketOwnershipControls:BucketOwnershipControls", "geo-backup-ownership").rule, {
            objectOwnership: "BucketOwnerEnforced",
        });
        const key = find(east, "aws:kms/key:Key", "geo-backup-kms-key");
        assert.equal(inputs(key).enableKeyRotation, true);
        assert.equal(inputs(key).deletionWindowInDays, 30);
        assert.equal(key.options.protect, true);
        assert.equal(inputs(find(east, "aws:kms/alias:Alias", "geo-backup-kms-alias")).name, `alias/${BUCKET}`);
        assert.deepEqual(east.outputs.backup, {
            bucketName: BUCKET,
            bucketArn: BUCKET_ARN,
            kmsKeyArn: KMS,
            roleArn: "arn:aws:iam::123456789012:geo-pg-backups-use1",
            prefix: "postgres",
            objectStoreName: "pg-backups",
            alarmTopicArn: "arn:aws:sns:us-east-1:123456789012:geo-alerts-us-east-1",
        });
    });

    it("archives to Glacier Instant Retrieval after 30 days and expires by age only the replicated copy and retired archives", async () => {
        const east = await render("us-east");
        const lc = inputs(
            find(east, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "geo-backup-lifecycle"),
        );
        // No expiration of the own archive's current objects: Barman's retention (the ObjectStore's
        // retentionPolicy) deletes them, so failed scheduled backups never let S3 delete the newest base backup.
        assert.deepEqual(lc.rules, [
            {
                id: "archive-and-expire-noncurrent",
                status: "Enabled",
                filter: {},
                transitions: [{ days: 30, storageClass: "GLACIER_IR" }],
                noncurrentVersionTransitions: [{ noncurrentDays: 30, storageClass: "GLACIER_IR" }],
                noncurrentVersionExpiration: { noncurrentDays: 40 },
                abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
            },
            {
                id: "expired-delete-markers",
                status: "Enabled",
                filter: {},
                expiration: { expiredObjectDeleteMarker: true },
            },
            // The disaster runbook moves a diverged archive there: no Barman manages it any more.
            {
                id: "expire-retired-archives",
                status: "Enabled",
                filter: { prefix: "diverged/" },
                expiration: { days: 40 },
            },
            // us-west's archive, copied here by replication (deletes are not replicated): backupRetentionDays.
            {
                id: "expire-replica-pg-usw2",
                status: "Enabled",
                filter: { prefix: "postgres/pg-usw2/" },
                expiration: { days: 40 },
            },
        ]);
        const objectStore = inputs(
            find(east, "kubernetes:barmancloud.cnpg.io/v1:ObjectStore", "geo-postgres-main-objectstore"),
        );
        assert.equal(objectStore.spec.retentionPolicy, "30d");
        const r = await render("us-east", { backupRetentionDays: "90" });
        const lc90 = inputs(
            find(r, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "geo-backup-lifecycle"),
        );
        assert.deepEqual(
            [lc90.rules[0].expiration, lc90.rules[0].noncurrentVersionExpiration],
            [undefined, { noncurrentDays: 90 }],
        );
        assert.deepEqual(lc90.rules[3], {
            id: "expire-replica-pg-usw2",
            status: "Enabled",
            filter: { prefix: "postgres/pg-usw2/" },
            expiration: { days: 90 },
        });
    });

    it("us-west's bucket expires its copy of us-east's archive, never its own member's or a restored cluster's folder", async () => {
        for (const [stack, overrides, own] of [
            ["us-west", {}, ["postgres/pg-usw2/"]],
            [
                "us-west",
                { postgresRecoveryTargetTime: "2026-11-24T07:00:00+01:00" },
                ["postgres/pg-usw2/", "postgres/pg-pitr-20261124t060000/"],
            ],
        ] as const) {
            const r = await render(stack, overrides);
            const rules = inputs(
                find(r, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "geo-backup-lifecycle"),
            ).rules;
            assert.deepEqual(
                rules.filter((x: any) => x.expiration?.days !== undefined),
                [
                    {
                        id: "expire-retired-archives",
                        status: "Enabled",
                        filter: { prefix: "diverged/" },
                        expiration: { days: 40 },
                    },
                    {
                        id: "expire-replica-pg-use1",
                        status: "Enabled",
                        filter: { prefix: "postgres/pg-use1/" },
                        expiration: { days: 40 },
                    },
                ],
            );
            // The folders this region's clusters archive into (their ObjectStore path plus serverName).
            const archived = ofType(r, "kubernetes:postgresql.cnpg.io/v1:Cluster").map(
                (c) => `postgres/${inputs(c).spec.plugins[0].parameters.serverName}/`,
            );
            assert.deepEqual(archived, own);
            for (const rule of rules)
                for (const f of archived)
                    assert.ok(
                        rule.expiration?.days === undefined || !f.startsWith(rule.filter.prefix ?? ""),
                        `${rule.id} covers ${f}`,
                    );
        }
    });

    it("denies every request without TLS 1.2+", async () => {
        const east = await render("us-east");
        const policy = JSON.parse(inputs(find(east, "aws:s3/bucketPolicy:BucketPolicy", "geo-backup-policy")).policy);
        assert.deepEqual(policy.Statement, [
            {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [BUCKET_ARN, `${BUCKET_ARN}/*`],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
            {
                Sid: "DenyOldTls",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [BUCKET_ARN, `${BUCKET_ARN}/*`],
                Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } },
            },
        ]);
    });

    it("gives the database pods (IRSA) access to their own prefix and key only", async () => {
        const east = await render("us-east");
        const role = inputs(find(east, "aws:iam/role:Role", "geo-backup-role"));
        assert.equal(role.name, "geo-pg-backups-use1");
        assert.deepEqual(JSON.parse(role.assumeRolePolicy).Statement, [
            {
                Sid: "DatabasePodsOnly",
                Effect: "Allow",
                Principal: { Federated: OIDC },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: {
                    StringEquals: {
                        [`${ISSUER}:aud`]: "sts.amazonaws.com",
                        [`${ISSUER}:sub`]: ["system:serviceaccount:geo-postgres:pg"],
                    },
                },
            },
        ]);
        const access: any = JSON.parse(
            inputs(find(east, "aws:iam/rolePolicy:RolePolicy", "geo-backup-role-policy")).policy,
        );
        // Read the whole prefix (the other region's replicated archive included), write only its own folder.
        assert.deepEqual(access.Statement.slice(2, 4), [
            { Sid: "ReadUnderPrefix", Effect: "Allow", Action: ["s3:GetObject"], Resource: `${BUCKET_ARN}/postgres/*` },
            {
                Sid: "WriteOwnFolders",
                Effect: "Allow",
                Action: ["s3:PutObject", "s3:DeleteObject"],
                Resource: [`${BUCKET_ARN}/postgres/pg-use1/*`],
            },
        ]);
        assert.ok(!JSON.stringify(access).includes('"s3:*"'), "no wildcard S3 actions");
        assert.ok(!JSON.stringify(access).includes(`"${BUCKET_ARN}/*"`), "no access outside the prefix");
        assert.deepEqual(access, backupAccessPolicy(BUCKET_ARN, "postgres", KMS, "us-east-1", ["pg-use1"]));
        const restoring = JSON.parse(
            inputs(
                find(
                    await render("us-east", { postgresRecoveryTargetTime: "2026-11-24T07:00:00+01:00" }),
                    "aws:iam/rolePolicy:RolePolicy",
                    "geo-backup-role-policy",
                ),
            ).policy,
        );
        assert.deepEqual(restoring.Statement[3].Resource, [
            `${BUCKET_ARN}/postgres/pg-use1/*`,
            `${BUCKET_ARN}/postgres/pg-pitr-20261124t060000/*`,
        ]);
    });

    it("uses a configured KMS key and bucket name instead of creating them", async () => {
        const kms = "arn:aws:kms:us-east-1:999999999999:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        const r = await render("us-east", { backupKmsKeyArn: kms, backupBucketName: "acme-db-backups-east" });
        assert.deepEqual(
            ofType(r, "aws:kms/key:Key").map((k) => k.name),
            ["geo-minio-tier-kms-key"],
            "no backup key (MinIO's tier bucket has its own)",
        );
        assert.equal(inputs(find(r, "aws:s3/bucket:Bucket", "geo-backup-bucket")).bucket, "acme-db-backups-east");
        const enc = inputs(
            find(
                r,
                "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                "geo-backup-encryption",
            ),
        );
        assert.equal(enc.rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId, kms);
        assert.equal(
            inputs(find(r, "kubernetes:barmancloud.cnpg.io/v1:ObjectStore", "geo-postgres-main-objectstore")).spec
                .configuration.destinationPath,
            "s3://acme-db-backups-east/postgres",
        );
    });

    it("unprotects nothing silently: protect false drops protect and retainOnDelete together", async () => {
        const r = await render("us-east", { protect: "false" });
        for (const [type, name] of [
            ["aws:s3/bucket:Bucket", "geo-backup-bucket"],
            ["aws:kms/key:Key", "geo-backup-kms-key"],
            ["kubernetes:postgresql.cnpg.io/v1:Cluster", "geo-postgres-main-cluster"],
        ]) {
            const res = find(r, type, name);
            assert.deepEqual([res.options.protect, res.options.retainOnDelete], [false, false], name);
        }
    });

    describe("validation", () => {
        const EAST = {
            "geo-data:region": "us-east-1",
            "geo-data:peerRegion": "us-west-2",
            "geo-data:role": "primary",
            "geo-data:oidcProviderArn": OIDC,
        };
        const err = (extra: Record<string, string>) => {
            try {
                parseRegionConfig({ ...EAST, ...extra }, "t");
            } catch (e) {
                return (e as Error).message;
            }
            throw new Error("expected a ConfigError");
        };
        it("requires the OIDC provider ARN and explains its form", () => {
            const { ["geo-data:oidcProviderArn"]: _, ...noOidc } = EAST;
            void _;
            assert.throws(
                () => parseRegionConfig(noOidc, "t"),
                (e: Error) =>
                    e.message ===
                    "geo-data:oidcProviderArn: is required; set it with `pulumi config set oidcProviderArn <value>`",
            );
            assert.match(
                err({ "geo-data:oidcProviderArn": "arn:aws:iam::123:role/x" }),
                /^geo-data:oidcProviderArn: "arn:aws:iam::123:role\/x" is not allowed; expected the IAM OIDC provider/,
            );
        });
        it("rejects an S3 expiry shorter than the recovery window plus a week", () => {
            assert.equal(
                err({ "geo-data:backupRetentionDays": "30" }),
                "geo-data:backupRetentionDays: 30 is not allowed; expected an integer from 37 to 3650: objects Barman's retention deleted stay recoverable for at least postgresBackupRetention plus a week",
            );
            assert.match(
                err({ "geo-data:postgresBackupRetention": "2m" }),
                /^geo-data:backupRetentionDays: 40 is not allowed; expected an integer from 69 to 3650/,
            );
        });
        it("rejects bad bucket names, KMS ARNs and over-long derived names", () => {
            assert.match(
                err({ "geo-data:backupBucketName": "My.Bucket" }),
                /^geo-data:backupBucketName: "My.Bucket" is not allowed; expected an S3 bucket name/,
            );
            assert.equal(
                err({ "geo-data:backupKmsKeyArn": "alias/foo" }),
                'geo-data:backupKmsKeyArn: "alias/foo" is not allowed; expected an ARN like arn:aws:kms:<region>:<account>:<resource>',
            );
            assert.equal(
                err({ "geo-data:namespacePrefix": "abcdefghij-abcdefghij-abcdefghij" }),
                "geo-data:backupBucketName: is empty and the derived name abcdefghij-abcdefghij-abcdefghij-pg-backups-<account>-us-east-1 would have 66 characters (S3 allows 63); set backupBucketName or shorten namespacePrefix",
            );
        });
        it("applies exactly the documented defaults", () => {
            assert.deepEqual(documentedDefaults("components/backup/backup-bucket.ts", "BackupBucketArgs"), {
                prefix: '"postgres"',
                writableFolders: "all of `prefix`",
                replicaFolders: "none",
                kmsKeyArn: "a new key for this bucket (rotation on)",
                archiveAfterDays: "30",
                noncurrentExpirationDays: "40",
                protect: "true",
                tags: "none",
            });
            const a = validateBackupBucketArgs({
                bucketName: "b",
                region: "us-east-1",
                oidcProviderArn: OIDC,
                serviceAccounts: ["system:serviceaccount:db:pg"],
                roleName: "r",
            });
            assert.deepEqual(
                {
                    prefix: a.prefix,
                    writableFolders: a.writableFolders,
                    replicaFolders: a.replicaFolders,
                    kmsKeyArn: a.kmsKeyArn,
                    archiveAfterDays: a.archiveAfterDays,
                    noncurrentExpirationDays: a.noncurrentExpirationDays,
                    protect: a.protect,
                    tags: a.tags,
                },
                {
                    prefix: "postgres",
                    writableFolders: undefined, // the role may write all of `prefix`
                    replicaFolders: [],
                    kmsKeyArn: undefined, // a new key
                    archiveAfterDays: 30,
                    noncurrentExpirationDays: 40,
                    protect: true,
                    tags: {},
                },
            );
        });
        it("pure helpers", () => {
            assert.equal(
                defaultBackupBucketName("geo", "123456789012", "us-west-2"),
                "geo-pg-backups-123456789012-us-west-2",
            );
            assert.equal(issuerOf(OIDC), ISSUER);
            const a = validateBackupBucketArgs({
                bucketName: "b",
                region: "us-east-1",
                oidcProviderArn: OIDC,
                serviceAccounts: ["system:serviceaccount:db:pg"],
                roleName: "r",
            });
            assert.deepEqual(
                [a.prefix, a.archiveAfterDays, a.noncurrentExpirationDays, a.protect, a.kmsKeyArn, a.replicaFolders],
                ["postgres", 30, 40, true, undefined, []],
            );
            // The lifecycle of a bucket without replica folders: no age expiry outside diverged/.
            assert.deepEqual(
                lifecycleRules(a).map((r) => [r.id, r.filter, r.expiration]),
                [
                    ["archive-and-expire-noncurrent", {}, undefined],
                    ["expired-delete-markers", {}, { expiredObjectDeleteMarker: true }],
                    ["expire-retired-archives", { prefix: "diverged/" }, { days: 40 }],
                ],
            );
            assert.throws(
                () =>
                    validateBackupBucketArgs({
                        bucketName: "b",
                        region: "us-east-1",
                        oidcProviderArn: OIDC,
                        serviceAccounts: ["system:serviceaccount:db:pg"],
                        roleName: "r",
                        writableFolders: ["pg-use1"],
                        replicaFolders: ["pg-use1"],
                    }),
                (e: Error) =>
                    e.message ===
                    'BackupBucket.replicaFolders: "pg-use1" is not allowed; expected a folder only replication writes, not one of writableFolders (its current objects would expire by age)',
            );
            assert.throws(
                () =>
                    validateBackupBucketArgs({
                        bucketName: "b",
                        region: "us-east-1",
                        oidcProviderArn: OIDC,
                        serviceAccounts: ["system:serviceaccount:db:pg"],
                        roleName: "r",
                        replicaFolders: ["postgres/pg-usw2"],
                    }),
                (e: Error) =>
                    e.message ===
                    "BackupBucket.replicaFolders: \"postgres/pg-usw2\" is not allowed; expected lower-case letters, digits and '-' (no slashes)",
            );
            assert.throws(
                () =>
                    validateBackupBucketArgs({
                        bucketName: "b",
                        region: "us-east-1",
                        oidcProviderArn: OIDC,
                        serviceAccounts: ["pg"],
                        roleName: "r",
                    }),
                (e: Error) =>
                    e.message ===
                    'BackupBucket.serviceAccounts: "pg" is not allowed; expected system:serviceaccount:<namespace>:<name>',
            );
            assert.throws(
                () =>
                    validateBackupBucketArgs({
                        bucketName: "b",
                        region: "us-east-1",
                        oidcProviderArn: OIDC,
                        serviceAccounts: ["system:serviceaccount:db:pg"],
                        roleName: "r",
                        noncurrentExpirationDays: 30,
                    }),
                (e: Error) =>
                    e.message ===
                    "BackupBucket.noncurrentExpirationDays: 30 is not allowed; expected an integer from 31 to 3650 (S3 expires objects only after their transition)",
            );
            // The component refuses another region's EKS provider too, not only config/.
            assert.throws(
                () =>
                    validateBackupBucketArgs({
                        bucketName: "b",
                        region: "us-west-2",
                        oidcProviderArn: OIDC,
                        serviceAccounts: ["system:serviceaccount:db:pg"],
                        roleName: "r",
                    }),
                /^ConfigError: BackupBucket\.oidcProviderArn: .* it names the EKS OIDC provider of us-east-1, but this stack deploys to us-west-2/,
            );
        });
    });
});
