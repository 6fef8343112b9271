import { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES, objectRef } from "../lib";
import { cidrProblem, parseCidr } from "../../components/shared/cidr";

/** Why a LoadBalancer Service spec's source ranges are not acceptable, or undefined when they are. */
export function sourceRangesProblem(spec: Record<string, any> | undefined): string | undefined {
    if (spec?.type !== "LoadBalancer") return undefined;
    const ranges: unknown[] = spec.loadBalancerSourceRanges ?? [];
    if (ranges.length === 0)
        return "sets no loadBalancerSourceRanges, so every address that routes to the VPC reaches it";
    for (const r of ranges) {
        const problem = typeof r === "string" ? cidrProblem(r) : "not a string";
        if (problem) return `has loadBalancerSourceRanges entry ${JSON.stringify(r)}: ${problem}`;
        if (parseCidr(r as string).prefix === 0) return `admits everyone (${r})`;
    }
    return undefined;
}

/**
 * Every cross-region load balancer (a LoadBalancer Service, the LoadBalancer services CloudNativePG manages for
 * a Cluster, a Pooler's LoadBalancer service, and a Strimzi Kafka `loadbalancer` listener) must restrict its sources to the peer region's CIDR blocks.
 */
export const serviceRequireLoadBalancerSourceRanges: ResourceValidationPolicy = {
    name: "service-require-load-balancer-source-ranges",
    description:
        "LoadBalancer Services (plain, CloudNativePG managed services, Pooler service templates, Strimzi loadbalancer listeners) must set loadBalancerSourceRanges to specific CIDR blocks.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Set the peer region's VPC CIDR blocks in config key peerCidrs (comma-separated, e.g. 10.20.0.0/16); the program puts them in spec.loadBalancerSourceRanges of every cross-region load balancer.",
    validateResource: (args, reportViolation) => {
        const ref = objectRef(args.props);
        const fix = "Set config key peerCidrs to the peer region's VPC CIDR blocks.";
        if (args.type === "kubernetes:core/v1:Service") {
            const p = sourceRangesProblem(args.props?.spec);
            if (p) reportViolation(`Service ${ref} (LoadBalancer) ${p}. ${fix}`);
        } else if (args.type === TYPES.cnpgCluster) {
            for (const s of args.props?.spec?.managed?.services?.additional ?? []) {
                const p = sourceRangesProblem(s?.serviceTemplate?.spec);
                if (p)
                    reportViolation(
                        `Cluster ${ref}: managed service ${s?.serviceTemplate?.metadata?.name ?? "?"} (LoadBalancer) ${p}. ${fix}`,
                    );
            }
        } else if (args.type === TYPES.kafka) {
            // Strimzi puts a `loadbalancer` listener's configuration.loadBalancerSourceRanges on its NLB Services.
            for (const l of args.props?.spec?.kafka?.listeners ?? []) {
                if (l?.type !== "loadbalancer") continue;
                const p = sourceRangesProblem({
                    type: "LoadBalancer",
                    loadBalancerSourceRanges: l.configuration?.loadBalancerSourceRanges,
                });
                if (p) reportViolation(`Kafka ${ref}: listener ${l.name} (loadbalancer) ${p}. ${fix}`);
            }
        } else if (args.type === TYPES.cnpgPooler) {
            const p = sourceRangesProblem(args.props?.spec?.serviceTemplate?.spec);
            if (p) reportViolation(`Pooler ${ref}: its LoadBalancer service ${p}. ${fix}`);
        }
    },
};
