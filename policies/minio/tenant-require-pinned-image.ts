import { ResourceValidationPolicy } from "@pulumi/policy";
import { MINIO_TENANT, objectRef, unpinnedReason } from "../lib";

/**
 * A MinIO Tenant names its server image explicitly and pinned. Without spec.image the operator picks its
 * built-in default, which points at Docker Hub, where community MinIO images are no longer published.
 */
export const tenantRequirePinnedImage: ResourceValidationPolicy = {
    name: "tenant-require-pinned-image",
    description: "MinIO Tenants must set spec.image to a pinned tag or digest (never the operator's default).",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps: "Set spec.image to images.minio from components/shared/versions.ts (a RELEASE tag or a digest).",
    validateResource: (args, reportViolation) => {
        if (args.type !== MINIO_TENANT) return;
        const image = args.props?.spec?.image;
        if (typeof image !== "string" || image === "") {
            reportViolation(
                `Tenant ${objectRef(args.props)} has no spec.image: the operator would run its default image from Docker Hub. Set spec.image to the pinned images.minio.`,
            );
            return;
        }
        const why = unpinnedReason(image);
        if (why)
            reportViolation(
                `Tenant ${objectRef(args.props)} spec.image ${image} ${why}; pin a RELEASE tag or a digest.`,
            );
    },
};
