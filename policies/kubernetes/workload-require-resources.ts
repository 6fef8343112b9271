import { ResourceValidationPolicy } from "@pulumi/policy";
import { isKubernetesObject, objectRef, podSpecs } from "../lib";

/** The requests and limits every container must set. */
const REQUIRED = ["requests.cpu", "requests.memory", "limits.cpu", "limits.memory"] as const;

/**
 * Every container and init container of a workload (Deployment, StatefulSet, DaemonSet, Job, CronJob,
 * ReplicaSet, Pod) must set cpu and memory requests and limits, so the scheduler places it correctly and
 * a runaway process cannot starve its neighbours.
 */
export const workloadRequireResources: ResourceValidationPolicy = {
    name: "workload-require-resources",
    description:
        "Every container and init container of a Kubernetes workload must set cpu and memory requests and limits.",
    enforcementLevel: "mandatory",
    severity: "medium",
    remediationSteps:
        "Set resources.requests.{cpu,memory} and resources.limits.{cpu,memory} on the container, e.g. with components/shared/k8s.ts resources().",
    validateResource: (args, reportViolation) => {
        if (!isKubernetesObject(args.type)) return;
        const pods = args.props?.kind === "Pod" && args.props?.spec ? [args.props.spec] : podSpecs(args.props);
        pods.forEach((pod, i) => {
            for (const field of ["initContainers", "containers"] as const) {
                for (const c of pod?.[field] ?? []) {
                    const missing = REQUIRED.filter((path) => {
                        const [kind, res] = path.split(".");
                        const v = c?.resources?.[kind]?.[res];
                        return v === undefined || v === null || v === "";
                    });
                    if (missing.length) {
                        reportViolation(
                            `${args.props?.kind ?? "workload"} ${objectRef(args.props)} pod[${i}].${field}[${c?.name}] has no resources.${missing.join(", resources.")}; set cpu and memory requests and limits on every container.`,
                        );
                    }
                }
            }
        });
    },
};
