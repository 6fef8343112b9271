import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PART_OF } from "../shared/labels";
import { Namespaces } from "../shared/naming";

/** Arguments of DataNamespaces. */
export interface DataNamespacesArgs {
    /** The namespace names, from config (`namespacePrefix`). */
    readonly names: Namespaces;
    /** This stack's AWS region, recorded as a label for cross-cluster tooling. */
    readonly region: string;
    /**
     * Domains whose pods are IP targets of an AWS NLB (a cross-region endpoint: CloudNativePG's `pg-rw-lb`,
     * the `-rw` pooler, the Redis sessions endpoint; later MinIO and Kafka). Their namespaces get the AWS
     * Load Balancer Controller's readiness-gate label, so a rolling update or an in-region failover does not
     * take a pod out before its replacement is a healthy target. Defaults to NLB_TARGET_DOMAINS.
     */
    readonly nlbTargetDomains?: readonly (keyof Namespaces)[];
}

/** Every domain that publishes a cross-region endpoint through an NLB with IP targets (monitoring: `prometheus-peer`). */
export const NLB_TARGET_DOMAINS: readonly (keyof Namespaces)[] = ["postgres", "redis", "minio", "kafka", "monitoring"];

/**
 * The namespace label that makes the AWS Load Balancer Controller inject its pod readiness gate (a pod is
 * Ready only once it is a healthy target of its target group; only with target-type ip):
 * https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/deploy/pod_readiness_gate/
 */
export const READINESS_GATE_LABEL = "elbv2.k8s.aws/pod-readiness-gate-inject";

/**
 * The data-tier namespaces. Pod Security Admission enforces `baseline` and warns/audits at `restricted`
 * (our own workloads meet `restricted`; some operator-managed pods do not yet). Namespaces whose pods are
 * NLB IP targets carry the AWS Load Balancer Controller's readiness-gate label.
 */
export class DataNamespaces extends pulumi.ComponentResource {
    /** Namespace name per domain (the same strings as `args.names`, for convenient dependsOn wiring). */
    public readonly names: Namespaces;
    /** The Namespace resources, keyed by domain. */
    public readonly namespaces: Readonly<Record<keyof Namespaces, k8s.core.v1.Namespace>>;

    constructor(name: string, args: DataNamespacesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("geo:platform:DataNamespaces", name, {}, opts);
        const entries = Object.entries(args.names) as [keyof Namespaces, string][];
        const nlbTargets = new Set(args.nlbTargetDomains ?? NLB_TARGET_DOMAINS);
        const namespaces = {} as Record<keyof Namespaces, k8s.core.v1.Namespace>;
        for (const [domain, ns] of entries) {
            namespaces[domain] = new k8s.core.v1.Namespace(
                `${name}-${domain}`,
                {
                    metadata: {
                        name: ns,
                        labels: {
                            "app.kubernetes.io/part-of": PART_OF,
                            "app.kubernetes.io/managed-by": "pulumi",
                            "geo-data/domain": domain,
                            "geo-data/region": args.region,
                            "pod-security.kubernetes.io/enforce": "baseline",
                            "pod-security.kubernetes.io/warn": "restricted",
                            "pod-security.kubernetes.io/audit": "restricted",
                            ...(nlbTargets.has(domain) ? { [READINESS_GATE_LABEL]: "enabled" } : {}),
                        },
                    },
                },
                { parent: this },
            );
        }
        this.names = args.names;
        this.namespaces = namespaces;
        this.registerOutputs({ names: this.names });
    }
}
