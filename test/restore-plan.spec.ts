/**
 * The restore drill's plan side, without servers (the real drill runs in CI: npm run drill:restore): the
 * rendered serverName / destinationPath / replication prefix must line up for a region-loss restore, the
 * lifecycle must keep what Barman's retention needs, and the ObjectStore maps to the sidecar's arguments.
 */
import { strict as assert } from "assert";
import {
    checkBackupPair,
    lifecycleViolations,
    restoreRoute,
    scheduleIntervalDays,
} from "../tools/drill/restore/checks";
import { batchesBefore, chooseBackup } from "../tools/drill/restore/drill";
import { barmanPolicy, localArgs, sidecarBackupArgs, sidecarWalArchiveArgs } from "../tools/drill/restore/flags";
import { StackBackupPlan, stackBackupPlan } from "../tools/drill/restore/plan";
import { ageBackupInfo } from "../tools/drill/restore/retention";
import { quantityBytes } from "../tools/drill/restore/report";
import { manifestObjects } from "../tools/manifests";
import { render } from "./support";

const EAST_BUCKET = "geo-pg-backups-123456789012-us-east-1";
const WEST_BUCKET = "geo-pg-backups-123456789012-us-west-2";
const EAST_KEY = "arn:aws:kms:us-east-1:123456789012:geo-backup-kms-key";

async function plans(): Promise<{ east: StackBackupPlan; west: StackBackupPlan }> {
    const [e, w] = await Promise.all([render("us-east"), render("us-west")]);
    return {
        east: stackBackupPlan("us-east", manifestObjects(e.resources), e.resources),
        west: stackBackupPlan("us-west", manifestObjects(w.resources), w.resources),
    };
}

/** A deep copy with `edit` applied (plans are read-only renders). */
function mutate(p: StackBackupPlan, edit: (p: any) => void): StackBackupPlan {
    const c = JSON.parse(JSON.stringify(p));
    edit(c);
    return c;
}

describe("restore drill: rendered plan", function () {
    this.timeout(60000);

    it("reads both stacks' archive locations from the render", async () => {
        const { east, west } = await plans();
        assert.deepEqual(east.archive, { cluster: "pg-use1", barmanObjectName: "pg-backups", serverName: "pg-use1" });
        assert.equal(east.objectStores[0].destinationPath, `s3://${EAST_BUCKET}/postgres`);
        assert.equal(west.objectStores[0].destinationPath, `s3://${WEST_BUCKET}/postgres`);
        assert.deepEqual(east.schedule, { name: "pg-daily", schedule: "0 0 2 * * *", method: "plugin" });
    });

    it("routes us-east's archive to a us-west restore and back, with the lifecycle keeping what retention needs", async () => {
        const { east, west } = await plans();
        assert.deepEqual(checkBackupPair(east, west), []);
        const route = restoreRoute(east, west, [...east.replication, ...west.replication]);
        assert.equal(route.source.prefix, "postgres/pg-use1/");
        assert.equal(route.replication.prefix, "postgres/pg-use1/");
        assert.equal(route.target.store.bucket, WEST_BUCKET);
        assert.equal(route.target.prefix, "postgres/pg-use1/");
    });

    it("fails naming serverName when us-west restores a different server than us-east archives", async () => {
        const { east, west } = await plans();
        const bad = mutate(
            west,
            (p) => (p.externalClusters.find((e: any) => e.cluster === "pg-use1").serverName = "pg-east"),
        );
        assert.match(
            checkBackupPair(east, bad).join("\n"),
            /^serverName: us-west externalClusters\[pg-use1\] restores serverName "pg-east", but us-east archives as serverName "pg-use1"/m,
        );
    });

    it("fails naming destinationPath when us-west's ObjectStore prefix differs from the replicated keys", async () => {
        const { east, west } = await plans();
        const bad = mutate(west, (p) => (p.objectStores[0].prefix = "pg"));
        assert.match(
            checkBackupPair(east, bad).join("\n"),
            /^destinationPath: us-west ObjectStore pg-backups .* puts pg-use1 at "pg\/pg-use1\/", but the replicated copy .* lands at "postgres\/pg-use1\/"/m,
        );
    });

    it("fails naming the replication prefix when the rule no longer selects the archive", async () => {
        const { east, west } = await plans();
        const bad = mutate(west, (p) =>
            p.replication
                .filter((r: any) => r.sourceBucket === EAST_BUCKET)
                .forEach((r: any) => (r.prefix = "postgres/pg-east/")),
        );
        assert.match(
            checkBackupPair(east, bad).join("\n"),
            /^replication prefix: rule "postgres-to-usw2" .* selects "postgres\/pg-east\/", which does not contain us-east's archive "postgres\/pg-use1\/"/m,
        );
    });

    it("fails when the replica copy expires before the oldest backup retention still needs", async () => {
        const { east, west } = await plans();
        const bad = mutate(
            west,
            (p) => (p.lifecycle.find((r: any) => r.prefix === "postgres/pg-use1/").expirationDays = 31),
        );
        assert.deepEqual(checkBackupPair(east, bad), [
            `us-west: lifecycle rule "expire-replica-pg-use1" expires "postgres/pg-use1/" after 31 days, but Barman may ` +
                `still need objects under "postgres/pg-use1/" that are 31 days old (retentionPolicy 30d + 1 day(s) ` +
                `between backups): expire later than 31 days`,
        ]);
        assert.deepEqual(
            lifecycleViolations(
                "x",
                [{ id: "r", prefix: "", enabled: true, transitions: [{ days: 30, storageClass: "GLACIER" }] }],
                "postgres/a/",
                "30d",
                "0 0 2 * * *",
            ),
            [
                `x: lifecycle rule "r" moves "(whole bucket)" to GLACIER after 30 days; barman-cloud cannot read objects there without an S3 restore: use GLACIER_IR`,
            ],
        );
        assert.deepEqual(
            [
                scheduleIntervalDays("0 0 2 * * *"),
                scheduleIntervalDays("0 0 2 * * 0"),
                scheduleIntervalDays("0 0 2 1 * *"),
            ],
            [1, 7, 31],
        );
    });
});

describe("restore drill: barman-cloud mapping", function () {
    this.timeout(60000);

    it("maps the rendered ObjectStore exactly as the plugin's sidecar does", async () => {
        const { east } = await plans();
        const store = east.objectStores[0];
        const dest = `s3://${EAST_BUCKET}/postgres`;
        assert.deepEqual(sidecarWalArchiveArgs(store, "pg-use1"), [
            "--snappy",
            "-e",
            "aws:kms",
            `--sse-kms-key-id=${EAST_KEY}`,
            "--cloud-provider",
            "aws-s3",
            dest,
            "pg-use1",
        ]);
        assert.deepEqual(sidecarBackupArgs(store, "pg-use1", "b1"), [
            "--user",
            "postgres",
            "--name",
            "b1",
            "--gzip",
            "--encryption",
            "aws:kms",
            "--jobs",
            "2",
            `--sse-kms-key-id=${EAST_KEY}`,
            "--cloud-provider",
            "aws-s3",
            dest,
            "pg-use1",
        ]);
        assert.equal(barmanPolicy("30d"), "RECOVERY WINDOW OF 30 DAYS");
        assert.throws(() => barmanPolicy("30x"), /retentionPolicy "30x" is not a valid policy/);
    });

    it("falls back to gzip and drops --sse-kms-key-id for Debian's Barman 3.4, and says so", () => {
        const m = localArgs(
            ["--snappy", "-e", "aws:kms", "--sse-kms-key-id=k", "s3://b/p", "s"],
            { version: "3.4.0", snappy: false, sseKmsKeyId: false },
            "http://127.0.0.1:1",
            "wal-archive",
        );
        assert.deepEqual(m.args, ["--gzip", "-e", "aws:kms", "--endpoint-url", "http://127.0.0.1:1", "s3://b/p", "s"]);
        assert.deepEqual(m.notes, [
            "wal-archive: rendered --snappy cannot run with Barman 3.4.0 here (python-snappy); used --gzip",
            `wal-archive: Barman 3.4.0 does not know --sse-kms-key-id; rendered "--sse-kms-key-id=k" not exercised`,
        ]);
    });
});

describe("restore drill: bad inputs and helpers", () => {
    const backups = [
        {
            backup_id: "20261201T100000",
            begin_time: "2026-12-01T10:00:00Z",
            end_time: "2026-12-01T10:00:05Z",
            begin_wal: "1",
            end_wal: "2",
        },
        {
            backup_id: "20261201T110000",
            begin_time: "2026-12-01T11:00:00Z",
            end_time: "2026-12-01T11:00:05Z",
            begin_wal: "3",
            end_wal: "4",
        },
    ];

    it("picks the newest backup that ended before the target, and refuses a missing backup or an early target", () => {
        assert.equal(
            chooseBackup(backups, "2026-12-01T11:30:00Z", undefined, "s3://b/p", "s").backup_id,
            "20261201T110000",
        );
        assert.throws(
            () => chooseBackup(backups, "2026-12-01T09:00:00Z", undefined, "s3://b/p", "s"),
            /^Error: recovery target time 2026-12-01T09:00:00Z is before the end of the first backup in s3:\/\/b\/p\/s \(20261201T100000 ended 2026-12-01T10:00:05Z\)/,
        );
        assert.throws(
            () => chooseBackup(backups, "2026-12-01T11:30:00Z", "nope", "s3://b/p", "s"),
            /^Error: backup "nope" not found in s3:\/\/b\/p\/s \(available: 20261201T100000, 20261201T110000\)$/,
        );
    });

    it("knows which batches a target keeps, ages backup.info dates and parses storage sizes", () => {
        const b = [
            { name: "a", from: 1, to: 10, startedAt: "2026-12-01T10:00:00Z", committedBy: "2026-12-01T10:00:01Z" },
            { name: "b", from: 11, to: 20, startedAt: "2026-12-01T10:00:02Z", committedBy: "2026-12-01T10:00:03Z" },
        ];
        assert.equal(batchesBefore(b, "2026-12-01T10:00:01.5Z")?.to, 10);
        assert.throws(() => batchesBefore(b, "2026-12-01T10:00:02.5Z"), /falls inside batch b's transaction/);
        assert.equal(
            ageBackupInfo("begin_time=2026-12-01 15:00:00+00:00\nend_time=2026-12-01 15:00:09+00:00\n", 31),
            "begin_time=2026-10-31 15:00:00+00:00\nend_time=2026-10-31 15:00:09+00:00\n",
        );
        assert.deepEqual([quantityBytes("100Gi"), quantityBytes("1G")], [100 * 2 ** 30, 1e9]);
    });
});
