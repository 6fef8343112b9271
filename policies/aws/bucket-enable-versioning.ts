import { StackValidationPolicy } from "@pulumi/policy";
import { TYPES, bucketRef, bucketSiblings, buckets } from "../lib";

/** Backup buckets keep object versions, so an overwrite or a delete (or ransomware) can be undone. */
export const bucketEnableVersioning: StackValidationPolicy = {
    name: "bucket-enable-versioning",
    description: "Every S3 bucket must have versioning enabled through an aws.s3.BucketVersioning resource.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Add aws.s3.BucketVersioning {bucket: <bucket name>, versioningConfiguration: {status: Enabled}}.",
    validateStack: (args, reportViolation) => {
        for (const b of buckets(args.resources)) {
            const enabled = bucketSiblings(args.resources, b, TYPES.s3Versioning).some(
                (v) => v.props?.versioningConfiguration?.status === "Enabled",
            );
            if (!enabled) {
                reportViolation(
                    `Bucket ${bucketRef(b)} has no BucketVersioning with status Enabled; add one so deleted or overwritten backups can be recovered.`,
                    b.urn,
                );
            }
        }
    },
};
