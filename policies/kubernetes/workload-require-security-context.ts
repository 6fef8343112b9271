import { ResourceValidationPolicy } from "@pulumi/policy";
import { MINIO_TENANT, objectRef, podSpecs } from "../lib";

/** Why a container (with its pod's securityContext) may run as root or gain privileges; [] when it is locked down. */
export function securityProblems(
    pod: Record<string, any> | undefined,
    container: Record<string, any> | undefined,
): string[] {
    const c = container?.securityContext ?? {};
    const p = pod?.securityContext ?? {};
    const out: string[] = [];
    const nonRoot = c.runAsNonRoot ?? p.runAsNonRoot;
    const uid = c.runAsUser ?? p.runAsUser;
    if (nonRoot !== true) out.push(`runAsNonRoot is ${JSON.stringify(nonRoot ?? null)}`);
    if (uid === 0) out.push("runAsUser is 0");
    if (c.allowPrivilegeEscalation !== false)
        out.push(`allowPrivilegeEscalation is ${JSON.stringify(c.allowPrivilegeEscalation ?? null)}`);
    if (c.privileged === true) out.push("privileged is true");
    return out;
}

/**
 * Every container of the program's workloads (pod templates of StatefulSets, Deployments, DaemonSets, Jobs,
 * CronJobs) and of MinIO Tenant pools runs as a non-root user without privilege escalation — what the restricted
 * Pod Security level demands of the data namespaces.
 */
export const workloadRequireSecurityContext: ResourceValidationPolicy = {
    name: "workload-require-security-context",
    description:
        "Every container of a workload or MinIO Tenant pool must run as non-root (runAsNonRoot true, not uid 0) with allowPrivilegeEscalation false and not privileged.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Use components/shared/k8s.ts podSecurityContext() on the pod and containerSecurityContext() on every container (runAsNonRoot, a fixed non-zero uid, allowPrivilegeEscalation: false, capabilities.drop [ALL], seccomp RuntimeDefault); for a Tenant set pools[].securityContext and containerSecurityContext.",
    validateResource: (args, reportViolation) => {
        const ref = objectRef(args.props);
        if (args.type === MINIO_TENANT) {
            for (const pool of args.props?.spec?.pools ?? []) {
                const problems = securityProblems(pool, { securityContext: pool?.containerSecurityContext });
                if (problems.length)
                    reportViolation(
                        `Tenant ${ref} pool ${pool?.name}: ${problems.join(", ")}; set pools[].securityContext and containerSecurityContext to non-root without privilege escalation.`,
                    );
            }
            return;
        }
        // Core workloads only: operators (CloudNativePG Poolers, Strimzi) merge their own hardened defaults into CR templates.
        if (!/^kubernetes:(apps|batch)\/v1:/.test(args.type)) return;
        podSpecs(args.props).forEach((pod) => {
            for (const field of ["initContainers", "containers"] as const) {
                for (const c of pod?.[field] ?? []) {
                    const problems = securityProblems(pod, c);
                    if (problems.length)
                        reportViolation(
                            `${args.props?.kind ?? "workload"} ${ref} ${field}[${c?.name}]: ${problems.join(", ")}; run it as non-root with allowPrivilegeEscalation: false (components/shared/k8s.ts containerSecurityContext()).`,
                        );
                }
            }
        });
    },
};
