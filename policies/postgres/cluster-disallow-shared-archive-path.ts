import { StackValidationPolicy } from "@pulumi/policy";
import { TYPES, archiveFolders, buckets, bucketRef } from "../lib";
import { peerOf } from "../peer";

/**
 * No two CloudNativePG Clusters may archive into the same folder: Barman refuses a non-empty archive ("Expected
 * empty archive") or, worse, mixes two timelines. Within a stack every Cluster has its own
 * `<destinationPath>/<serverName>/`; across the pair, S3 replication copies the peer's folder
 * (`<backup.prefix>/<peer serverName>/`) into this region's bucket, so this region's serverName must differ from
 * the peer's.
 */
export const clusterDisallowSharedArchivePath: StackValidationPolicy = {
    name: "cluster-disallow-shared-archive-path",
    description:
        "No two CloudNativePG Clusters may archive into the same bucket folder, including the peer region's folder that S3 replication copies into this region's bucket.",
    enforcementLevel: "mandatory",
    severity: "critical",
    remediationSteps:
        "Give each Cluster its own serverName (the program derives pg-<region code> from the region); never reuse the peer region's serverName, and never point two ObjectStores of one bucket at the same destinationPath.",
    validateStack: (args, reportViolation) => {
        const peer = peerOf(args.resources)?.outputs;
        const clusters = args.resources.filter((r) => r.type === TYPES.cnpgCluster);
        for (const b of buckets(args.resources)) {
            const folders = archiveFolders(args.resources, bucketRef(b));
            const seen = new Map<string, string>();
            for (const f of folders) {
                const other = seen.get(f.folder);
                const urn = clusters.find(
                    (c) => `${c.props?.metadata?.namespace}/${c.props?.metadata?.name}` === f.cluster,
                )?.urn;
                if (other !== undefined && other !== f.cluster) {
                    reportViolation(
                        `Clusters ${other} and ${f.cluster} both archive into s3://${bucketRef(b)}/${f.folder}; give each its own serverName.`,
                        urn,
                    );
                }
                seen.set(f.folder, f.cluster);
                const peerServer = peer?.postgres?.topology?.self;
                const prefix = peer?.backup?.prefix;
                if (peerServer && prefix !== undefined && f.folder === `${prefix ? `${prefix}/` : ""}${peerServer}/`) {
                    reportViolation(
                        `Cluster ${f.cluster} archives into s3://${bucketRef(b)}/${f.folder}, the folder where S3 replication writes the peer region's archive (serverName ${peerServer}); give this region's Cluster its own serverName.`,
                        urn,
                    );
                }
            }
        }
    },
};
