import { StackValidationPolicy } from "@pulumi/policy";
import { TYPES } from "../lib";

/** A value for messages: JSON, or "unset". */
const show = (v: unknown): string => (v === undefined || v === null ? "unset" : JSON.stringify(v));

/** The bucket name of an S3 bucket ARN (`arn:aws:s3:::name` → name); a plain name is returned as is. */
function bucketNameOf(arnOrName: string): string {
    const i = arnOrName.indexOf(":::");
    return arnOrName.startsWith("arn:") && i >= 0 ? arnOrName.slice(i + 3) : arnOrName;
}

/**
 * Cross-region replication of backups must produce an independent, encrypted copy: the rule is enabled,
 * replicates SSE-KMS objects (every backup is one) re-encrypted with a key of the destination region, does
 * not replicate delete markers (a bad delete or Barman's retention in one region must not erase the other
 * region's copy), and writes to a different bucket.
 */
export const bucketReplicationRequireKmsReencryption: StackValidationPolicy = {
    name: "bucket-replication-require-kms-reencryption",
    description:
        "Every S3 replication rule must be enabled, replicate SSE-KMS objects re-encrypted with a destination key, leave delete markers unreplicated, and target another bucket.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "In aws.s3.BucketReplicationConfig rules set status: Enabled, sourceSelectionCriteria.sseKmsEncryptedObjects.status: Enabled, destination.encryptionConfiguration.replicaKmsKeyId: <destination region key ARN>, deleteMarkerReplication.status: Disabled, and destination.bucket: the other region's bucket ARN.",
    validateStack: (args, reportViolation) => {
        for (const config of args.resources.filter((r) => r.type === TYPES.s3Replication)) {
            const bucket = config.props?.bucket;
            ((config.props?.rules ?? []) as any[]).forEach((rule, i) => {
                const what = `Replication rule ${rule?.id ?? `#${i + 1}`} of bucket ${bucket ?? config.name}`;
                const report = (message: string) => reportViolation(`${what} ${message}`, config.urn);
                if (rule?.status !== "Enabled")
                    report(
                        `has status ${show(rule?.status)}; set status: Enabled so the backups keep reaching the other region.`,
                    );
                const sse = rule?.sourceSelectionCriteria?.sseKmsEncryptedObjects?.status;
                if (sse !== "Enabled")
                    report(
                        `does not replicate SSE-KMS objects (sourceSelectionCriteria.sseKmsEncryptedObjects.status is ${show(sse)}); set it to Enabled, or every KMS-encrypted backup is skipped.`,
                    );
                if (!rule?.destination?.encryptionConfiguration?.replicaKmsKeyId)
                    report(
                        "has no destination.encryptionConfiguration.replicaKmsKeyId; set it to a KMS key of the destination region so the replicas are re-encrypted with it.",
                    );
                const markers = rule?.deleteMarkerReplication?.status;
                if (markers !== "Disabled")
                    report(
                        `replicates delete markers (deleteMarkerReplication.status is ${show(markers)}); set it to Disabled so a delete or Barman's retention in one region cannot erase the other region's copy.`,
                    );
                const destination = rule?.destination?.bucket;
                if (
                    typeof destination === "string" &&
                    typeof bucket === "string" &&
                    bucketNameOf(destination) === bucket
                )
                    report(
                        `replicates into its own bucket (${destination}); set destination.bucket to the other region's bucket ARN.`,
                    );
            });
        }
    },
};
