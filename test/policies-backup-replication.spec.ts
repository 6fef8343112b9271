import { strict as assert } from "assert";
import { bucketReplicationRequireKmsReencryption as policy } from "../policies/aws/bucket-replication-require-kms-reencryption";
import { policies } from "../policies/policies";
import { RecordedResource } from "../tools/harness";
import { runPolicies } from "../tools/policy-runner";
import { render } from "./support";

const TYPE = "aws:s3/bucketReplicationConfig:BucketReplicationConfig";
const NAME = "geo-replication-use1-to-usw2-config";
const URN = `urn:pulumi:us-west::geo-data::geo:index:DataRegion$geo:backup:BackupReplication$${TYPE}::${NAME}`;
const WHAT = "Replication rule postgres-to-usw2 of bucket geo-pg-backups-123456789012-us-east-1";

/** A deep copy of us-west's resources with `change` applied to the first rule of the us-east → us-west config. */
async function westWith(change: (rule: any) => void): Promise<RecordedResource[]> {
    const west = await render("us-west");
    const copy: RecordedResource[] = JSON.parse(JSON.stringify(west.resources));
    const cfg = copy.find((r) => r.type === TYPE && r.name === NAME);
    assert.ok(cfg, `no ${TYPE} ${NAME}`);
    change(cfg.inputs.rules[0]);
    return copy;
}

async function violations(resources: RecordedResource[]): Promise<[string, string, string, string][]> {
    const v = await runPolicies([policy], resources, { stack: "us-west" });
    return v.map((x) => [x.enforcementLevel, x.name, x.urn, x.message]);
}

const cases: [string, (rule: any) => void, string][] = [
    [
        "a disabled rule",
        (r) => (r.status = "Disabled"),
        `${WHAT} has status "Disabled"; set status: Enabled so the backups keep reaching the other region.`,
    ],
    [
        "SSE-KMS objects not selected",
        (r) => (r.sourceSelectionCriteria.sseKmsEncryptedObjects.status = "Disabled"),
        `${WHAT} does not replicate SSE-KMS objects (sourceSelectionCriteria.sseKmsEncryptedObjects.status is "Disabled"); set it to Enabled, or every KMS-encrypted backup is skipped.`,
    ],
    [
        "no replica KMS key",
        (r) => delete r.destination.encryptionConfiguration,
        `${WHAT} has no destination.encryptionConfiguration.replicaKmsKeyId; set it to a KMS key of the destination region so the replicas are re-encrypted with it.`,
    ],
    [
        "delete markers replicated",
        (r) => (r.deleteMarkerReplication.status = "Enabled"),
        `${WHAT} replicates delete markers (deleteMarkerReplication.status is "Enabled"); set it to Disabled so a delete or Barman's retention in one region cannot erase the other region's copy.`,
    ],
    [
        "delete marker replication unset",
        (r) => delete r.deleteMarkerReplication,
        `${WHAT} replicates delete markers (deleteMarkerReplication.status is unset); set it to Disabled so a delete or Barman's retention in one region cannot erase the other region's copy.`,
    ],
    [
        "the source bucket as destination",
        (r) => (r.destination.bucket = "arn:aws:s3:::geo-pg-backups-123456789012-us-east-1"),
        `${WHAT} replicates into its own bucket (arn:aws:s3:::geo-pg-backups-123456789012-us-east-1); set destination.bucket to the other region's bucket ARN.`,
    ],
];

describe("policy bucket-replication-require-kms-reencryption", () => {
    it("is in the pack, named <kind>-<verb>-<what>, mandatory", () => {
        assert.ok(policies.includes(policy));
        assert.match(policy.name, /^[a-z0-9]+(-[a-z0-9]+)*-(enable|disallow|configure|require)-[a-z0-9-]+$/);
        assert.equal(policy.enforcementLevel, "mandatory");
    });

    it("passes the program's own us-west output (both directions)", async () => {
        const west = await render("us-west");
        assert.equal(west.resources.filter((r) => r.type === TYPE).length, 2);
        assert.deepEqual(await violations(west.resources), []);
    });

    for (const [what, change, message] of cases) {
        it(`fails ${what}`, async () => {
            assert.deepEqual(await violations(await westWith(change)), [["mandatory", NAME, URN, message]]);
        });
    }
});
