import { ResourceValidationPolicy } from "@pulumi/policy";
import { imagesOf, isKubernetesObject, unpinnedReason } from "../lib";

/**
 * Every container image in a Kubernetes object (workload pod templates, CloudNativePG `imageName`, MinIO
 * `image`) must be pinned to an exact tag or a digest, so a reschedule never silently changes the software.
 */
export const workloadDisallowUnpinnedImages: ResourceValidationPolicy = {
    name: "workload-disallow-unpinned-images",
    description:
        "Container images must be pinned to an exact version tag or a sha256 digest, never :latest, no tag, or a bare major version.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Pin the image in components/shared/versions.ts to an exact version tag (e.g. redis:7.4.6-alpine) or a digest (image@sha256:…).",
    validateResource: (args, reportViolation) => {
        if (!isKubernetesObject(args.type)) return;
        for (const { path, image } of imagesOf(args.props)) {
            const reason = unpinnedReason(image);
            if (reason) {
                reportViolation(
                    `${path} "${image}" ${reason}; pin it to an exact version or digest in components/shared/versions.ts.`,
                );
            }
        }
    },
};
