import { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES, objectRef } from "../lib";

/**
 * A CloudNativePG Cluster in a distributed topology must pass the operator's admission webhook, whose
 * rules the CRD schema does not carry (cloudnative-pg internal/webhook/v1/cluster_webhook.go):
 * `replica.enabled` and `replica.primary` are mutually exclusive; `replica.source`, `replica.self` and
 * `replica.primary` must name `externalClusters` entries; a `promotionToken` is only accepted on the
 * primary (cloudnative-pg#9273). On top of the webhook, streaming from another region must verify the
 * server's certificate (sslmode verify-full) so a hijacked DNS name cannot feed the replica.
 */
export const clusterConfigureReplicaTopology: ResourceValidationPolicy = {
    name: "cluster-configure-replica-topology",
    description:
        "A CloudNativePG Cluster's spec.replica must pass the operator's webhook rules (no enabled with primary; source, self and primary listed in externalClusters; promotionToken only on the primary), and its streaming connections must use sslmode verify-full.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Render replica and externalClusters from primaryRegion (components/postgres/postgres.ts pairTopology), remove postgresPromotionToken from a stack that is not primary, and keep sslmode verify-full with the shared CA.",
    validateResource: (args, reportViolation) => {
        if (args.type !== TYPES.cnpgCluster) return;
        const spec = args.props?.spec ?? {};
        const replica = spec.replica;
        const ref = objectRef(args.props);
        const external: any[] = Array.isArray(spec.externalClusters) ? spec.externalClusters : [];
        for (const e of external) {
            const sslmode = e?.connectionParameters?.sslmode;
            if (e?.connectionParameters && sslmode !== "verify-full") {
                reportViolation(
                    `Cluster ${ref} connects to external cluster ${JSON.stringify(e.name)} with sslmode ${JSON.stringify(sslmode ?? null)}; use verify-full with sslRootCert set to the shared CA, so the replica checks it streams from the real primary.`,
                );
            }
        }
        if (!replica) return;
        const names = new Set(external.map((e) => e?.name));
        if (replica.enabled !== undefined && replica.primary) {
            reportViolation(
                `Cluster ${ref} sets both spec.replica.enabled and spec.replica.primary, which the CloudNativePG webhook rejects; remove enabled — primary decides which member is the primary.`,
            );
        }
        const self = replica.self || args.props?.metadata?.name;
        for (const [field, value] of [
            ["source", replica.source],
            ["self", replica.self ? self : undefined],
            ["primary", replica.primary],
        ] as const) {
            if (value !== undefined && !names.has(value)) {
                reportViolation(
                    `Cluster ${ref} has spec.replica.${field} ${JSON.stringify(value)}, which is not in spec.externalClusters (${[...names].join(", ") || "none"}); list every member of the topology, this one included.`,
                );
            }
        }
        if (replica.promotionToken && replica.primary && replica.primary !== self) {
            reportViolation(
                `Cluster ${ref} has a promotionToken but is a replica (primary ${JSON.stringify(replica.primary)}, self ${JSON.stringify(self)}): CloudNativePG rejects it (cloudnative-pg#9273). Remove postgresPromotionToken from this stack in the change that demotes it.`,
            );
        }
    },
};
