import { StackValidationPolicy } from "@pulumi/policy";
import { TYPES, objectRef } from "../lib";

/**
 * Every CloudNativePG Cluster has an active ScheduledBackup taking base backups through the plugin: WAL
 * alone cannot be restored without a base backup, and the recovery window is measured from them.
 */
export const clusterRequireScheduledBackup: StackValidationPolicy = {
    name: "cluster-require-scheduled-backup",
    description:
        "Every CloudNativePG Cluster must have a ScheduledBackup (method plugin, not suspended) in its namespace.",
    enforcementLevel: "mandatory",
    severity: "critical",
    remediationSteps:
        "Add a ScheduledBackup with spec.cluster.name set to the cluster, method: plugin, pluginConfiguration.name: barman-cloud.cloudnative-pg.io and a 6-field schedule such as 0 0 2 * * *.",
    validateStack: (args, reportViolation) => {
        const schedules = args.resources.filter((r) => r.type === TYPES.cnpgScheduledBackup);
        for (const c of args.resources.filter((r) => r.type === TYPES.cnpgCluster)) {
            const ns = c.props?.metadata?.namespace ?? "default";
            const name = c.props?.metadata?.name;
            const mine = schedules.filter(
                (s) => (s.props?.metadata?.namespace ?? "default") === ns && s.props?.spec?.cluster?.name === name,
            );
            const active = mine.filter((s) => s.props?.spec?.suspend !== true && s.props?.spec?.method === "plugin");
            if (active.length === 0) {
                const why = mine.length
                    ? "its ScheduledBackups are suspended or do not use method: plugin"
                    : "no ScheduledBackup targets it";
                reportViolation(`Cluster ${objectRef(c.props)} has no active scheduled base backup: ${why}.`, c.urn);
            }
        }
    },
};
