/**
 * Small, pure builders for Kubernetes object fragments that every workload shares: hardened security
 * contexts, resource requirements, zone spreading and disruption budgets. They create no resources.
 */
import * as k8s from "@pulumi/kubernetes";

type Input = k8s.types.input.core.v1.PodSecurityContext;

/** The zone topology key used for spreading and anti-affinity. */
export const ZONE_KEY = "topology.kubernetes.io/zone";
/** The node topology key. */
export const HOST_KEY = "kubernetes.io/hostname";

/**
 * Pod security context: non-root with a fixed UID/GID, fsGroup for the volumes, RuntimeDefault seccomp.
 * Defaults to UID/GID 999 (the uid of the redis/postgres users in the official images).
 */
export function podSecurityContext(uid = 999, gid = uid): Input {
    return {
        runAsNonRoot: true,
        runAsUser: uid,
        runAsGroup: gid,
        fsGroup: gid,
        fsGroupChangePolicy: "OnRootMismatch",
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/** Container security context: no privilege escalation, all capabilities dropped, read-only root FS. */
export function containerSecurityContext(readOnlyRootFilesystem = true): k8s.types.input.core.v1.SecurityContext {
    return {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem,
        runAsNonRoot: true,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/** Requests and limits of one container. */
export interface Resources {
    readonly requests: { readonly cpu: string; readonly memory: string };
    readonly limits: { readonly cpu: string; readonly memory: string };
}

/** Builds `resources` from a typed pair, copying so callers cannot share mutable objects. */
export function resources(r: Resources): { requests: Record<string, string>; limits: Record<string, string> } {
    return { requests: { ...r.requests }, limits: { ...r.limits } };
}

/**
 * Topology spread over zones (hard) and hosts (soft) for pods matching `selector`: with N replicas over Z
 * zones no zone holds more than ceil(N/Z).
 */
export function zoneSpread(selector: Record<string, string>): k8s.types.input.core.v1.TopologySpreadConstraint[] {
    return [
        {
            maxSkew: 1,
            topologyKey: ZONE_KEY,
            whenUnsatisfiable: "DoNotSchedule",
            labelSelector: { matchLabels: selector },
        },
        {
            maxSkew: 1,
            topologyKey: HOST_KEY,
            whenUnsatisfiable: "ScheduleAnyway",
            labelSelector: { matchLabels: selector },
        },
    ];
}

/** Standard object metadata: explicit name and namespace plus labels (and optional annotations). */
export function meta(
    name: string,
    namespace: string,
    labels: Record<string, string>,
    annotations?: Record<string, string>,
): { name: string; namespace: string; labels: Record<string, string>; annotations?: Record<string, string> } {
    return annotations ? { name, namespace, labels, annotations } : { name, namespace, labels };
}

/**
 * Annotations of an internal NLB (AWS Load Balancer Controller, IP targets) that external-dns publishes under
 * `hostnames` (comma-separated): how a Service becomes reachable from the other region by a stable name.
 */
export function internalLoadBalancerAnnotations(hostnames: string): Record<string, string> {
    return {
        "service.beta.kubernetes.io/aws-load-balancer-type": "external",
        "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
        "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
        "external-dns.alpha.kubernetes.io/hostname": hostnames,
    };
}
