import { StackValidationPolicy } from "@pulumi/policy";
import { TYPES, archiveFolders, bucketRef, buckets, prefixesOverlap } from "../lib";

/**
 * No two CloudNativePG Clusters archive into the same object-store folder (or one inside the other): the Barman
 * Cloud plugin refuses a non-empty folder ("Expected empty archive", plugin-barman-cloud#842) or, forced, mixes
 * two timelines so neither cluster can be restored. A restore or a major upgrade renders a second Cluster
 * beside the first: it must archive under its own serverName.
 */
export const clusterDisallowSharedArchivePath: StackValidationPolicy = {
    name: "cluster-disallow-shared-archive-path",
    description:
        "No two CloudNativePG Clusters may archive WAL and base backups into the same object-store folder (bucket, path and serverName), nor one into a folder inside the other's.",
    enforcementLevel: "mandatory",
    severity: "critical",
    remediationSteps:
        "Give each Cluster its own spec.plugins[].parameters.serverName (e.g. its own name, or its member name in a distributed topology), so each writes <destinationPath>/<serverName>/ alone.",
    validateStack: (args, reportViolation) => {
        for (const b of buckets(args.resources)) {
            const folders = archiveFolders(args.resources, bucketRef(b));
            for (let i = 0; i < folders.length; i++) {
                for (let j = i + 1; j < folders.length; j++) {
                    const [x, y] = [folders[i], folders[j]];
                    if (x.cluster === y.cluster || !prefixesOverlap(x.folder, y.folder)) continue;
                    const at = x.folder === y.folder ? `the same folder ${x.folder}` : `${x.folder} and ${y.folder}`;
                    const urn = args.resources.find(
                        (r) =>
                            r.type === TYPES.cnpgCluster &&
                            `${r.props?.metadata?.namespace ?? "default"}/${r.props?.metadata?.name}` === y.cluster,
                    )?.urn;
                    reportViolation(
                        `Clusters ${x.cluster} and ${y.cluster} archive into ${at} of bucket ${bucketRef(b)}: give ${y.cluster} its own serverName.`,
                        urn,
                    );
                }
            }
        }
    },
};
