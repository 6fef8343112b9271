import { StackValidationPolicy } from "@pulumi/policy";
import { TYPES, bucketRef, buckets } from "../lib";
import { peerOf } from "../peer";

const arnOf = (name: string) => `arn:aws:s3:::${name}`;

/**
 * The database backups exist in both regions: each region's backup bucket (tag `geo-data/purpose:
 * database-backups`) replicates into the other region's. The stack with `role: secondary` owns both directions
 * (components/backup/backup-replication.ts), so this is checked there, against the peer's exported `backup`
 * (bucketName, bucketArn) read through its StackReference. A stack that sees no peer, or whose peer is the
 * secondary, has nothing to check.
 */
export const bucketRequireReplication: StackValidationPolicy = {
    name: "bucket-require-replication",
    description:
        "The secondary-role stack must replicate its backup bucket into the peer region's and the peer's into its own (enabled BucketReplicationConfig rules, one per direction).",
    enforcementLevel: "mandatory",
    severity: "critical",
    remediationSteps:
        "Keep both BackupReplication directions in the role: secondary stack (components/region.ts backupReplications): aws.s3.BucketReplicationConfig on each backup bucket with an Enabled rule whose destination.bucket is the other region's bucket ARN (from the peer's backup output).",
    configSchema: {
        properties: { purposes: { type: "array", items: { type: "string" }, default: ["database-backups"] } },
    },
    validateStack: (args, reportViolation) => {
        const { purposes } = args.getConfig<{ purposes: string[] }>();
        const peer = peerOf(args.resources)?.outputs;
        if (!peer || peer.pair?.role !== "primary" || !peer.backup?.bucketName) return;
        const configs = args.resources.filter((r) => r.type === TYPES.s3Replication);
        const replicates = (from: string, to: string) =>
            configs.some(
                (c) =>
                    c.props?.bucket === from &&
                    (c.props?.rules ?? []).some(
                        (r: any) => r?.status === "Enabled" && r?.destination?.bucket === arnOf(to),
                    ),
            );
        const peerBucket = peer.backup.bucketName;
        for (const b of buckets(args.resources)) {
            if (!purposes.includes(b.props?.tags?.["geo-data/purpose"])) continue;
            const own = bucketRef(b);
            for (const [from, to] of [
                [own, peerBucket],
                [peerBucket, own],
            ]) {
                if (!replicates(from, to))
                    reportViolation(
                        `Backup bucket ${from} is not replicated into ${to}: no BucketReplicationConfig on ${from} has an Enabled rule with destination.bucket ${arnOf(to)}. Keep the BackupReplication ${from === own ? "to" : "from"} the peer region in this (secondary-role) stack.`,
                        b.urn,
                    );
            }
        }
    },
};
