import { StackValidationPolicy } from "@pulumi/policy";
import { BARMAN_PLUGIN, TYPES, objectRef } from "../lib";

/**
 * Every CloudNativePG Cluster archives its WAL continuously (the basis of point-in-time recovery) through
 * the Barman Cloud plugin, into an ObjectStore that exists in its namespace. The in-tree
 * `spec.backup.barmanObjectStore` is deprecated and removed in CloudNativePG 1.31.
 */
export const clusterRequireWalArchiver: StackValidationPolicy = {
    name: "cluster-require-wal-archiver",
    description:
        "Every CloudNativePG Cluster must archive WAL through the Barman Cloud plugin (spec.plugins isWALArchiver) into an ObjectStore of its namespace.",
    enforcementLevel: "mandatory",
    severity: "critical",
    remediationSteps: `Add spec.plugins: [{name: ${BARMAN_PLUGIN}, isWALArchiver: true, parameters: {barmanObjectName: <ObjectStore>}}] and create that ObjectStore.`,
    validateStack: (args, reportViolation) => {
        const stores = new Set(
            args.resources.filter((r) => r.type === TYPES.barmanObjectStore).map((r) => objectRef(r.props)),
        );
        for (const c of args.resources.filter((r) => r.type === TYPES.cnpgCluster)) {
            const ns = c.props?.metadata?.namespace ?? "default";
            const archiver = (c.props?.spec?.plugins ?? []).find(
                (p: any) => p?.isWALArchiver === true && p?.enabled !== false,
            );
            if (!archiver) {
                reportViolation(
                    `Cluster ${objectRef(c.props)} has no WAL archiver: add the ${BARMAN_PLUGIN} plugin with isWALArchiver: true to spec.plugins.`,
                    c.urn,
                );
                continue;
            }
            if (archiver.name !== BARMAN_PLUGIN) {
                reportViolation(
                    `Cluster ${objectRef(c.props)} archives WAL with plugin ${JSON.stringify(archiver.name)}; expected ${BARMAN_PLUGIN}.`,
                    c.urn,
                );
                continue;
            }
            const store = archiver.parameters?.barmanObjectName;
            if (!store || !stores.has(`${ns}/${store}`)) {
                reportViolation(
                    `Cluster ${objectRef(c.props)} archives WAL to ObjectStore ${JSON.stringify(store ?? null)}, which this stack does not define in namespace ${ns}.`,
                    c.urn,
                );
            }
        }
    },
};
