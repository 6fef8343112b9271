import { StackValidationPolicy } from "@pulumi/policy";
import { TYPES, objectRef } from "../lib";
import { peerIsPrimary, peerOf } from "../peer";

/**
 * Both regions agree on which one is primary: this stack's CloudNativePG Cluster names as `replica.primary` the
 * same member the peer stack exports as `postgres.topology.primary`, and when the peer is that primary, this
 * Cluster replicates from it (`replica.source` is the peer's `topology.self`). A disagreement is split brain by
 * configuration: two primaries, or a replica following nobody. Checked where the stack sees its peer (the
 * secondary-role stack under the real CLI; both stacks offline).
 */
export const pairRequireAgreedPrimary: StackValidationPolicy = {
    name: "pair-require-agreed-primary",
    description:
        "Both stacks must agree on the primary: the Cluster's spec.replica.primary equals the peer's exported postgres.topology.primary, and a replica's spec.replica.source is the primary peer's name.",
    enforcementLevel: "mandatory",
    severity: "critical",
    remediationSteps:
        "Set the same geo-data:primaryRegion in both stack files and deploy the pair in the documented order (docs/operations.md); the program derives replica.primary/source from it.",
    validateStack: (args, reportViolation) => {
        const peer = peerOf(args.resources)?.outputs;
        const topology = peer?.postgres?.topology;
        if (!topology?.primary) return;
        for (const c of args.resources.filter((r) => r.type === TYPES.cnpgCluster)) {
            const replica = c.props?.spec?.replica ?? {};
            if (replica.primary !== topology.primary) {
                reportViolation(
                    `Cluster ${objectRef(c.props)} has spec.replica.primary ${JSON.stringify(replica.primary ?? null)}, but the peer stack (${peer?.pair?.region}) exports primary ${JSON.stringify(topology.primary)} (primaryRegion ${peer?.pair?.primaryRegion}): the regions disagree on the primary. Set the same geo-data:primaryRegion in both stacks.`,
                    c.urn,
                );
            } else if (peerIsPrimary(peer!) && replica.source !== topology.self) {
                reportViolation(
                    `Cluster ${objectRef(c.props)} is a replica of ${topology.primary} but has spec.replica.source ${JSON.stringify(replica.source ?? null)}; it must replicate from the primary peer ${JSON.stringify(topology.self)}.`,
                    c.urn,
                );
            }
        }
    },
};
