import { ResourceValidationPolicy } from "@pulumi/policy";
import { MINIO_TENANT, objectRef } from "../lib";

/**
 * Every pool of a MinIO Tenant needs at least 4 servers and 4 volumes per server: fewer servers cannot
 * keep an erasure set readable and writable through the loss of one server, fewer volumes leave too few
 * drives per set for a parity that survives it.
 */
export const tenantRequireMinGeometry: ResourceValidationPolicy = {
    name: "tenant-require-min-geometry",
    description: "Every MinIO Tenant pool must have at least 4 servers and at least 4 volumes per server.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Set spec.pools[].servers and spec.pools[].volumesPerServer to 4 or more (config keys minioServers, minioVolumesPerServer).",
    configSchema: {
        properties: {
            minServers: { type: "integer", minimum: 1, default: 4 },
            minVolumesPerServer: { type: "integer", minimum: 1, default: 4 },
        },
    },
    validateResource: (args, reportViolation) => {
        if (args.type !== MINIO_TENANT) return;
        const { minServers, minVolumesPerServer } = args.getConfig<{
            minServers: number;
            minVolumesPerServer: number;
        }>();
        for (const pool of args.props?.spec?.pools ?? []) {
            const { servers, volumesPerServer } = pool ?? {};
            if (typeof servers !== "number" || servers < minServers) {
                reportViolation(
                    `Tenant ${objectRef(args.props)} pool ${JSON.stringify(pool?.name)} has servers ${JSON.stringify(servers)}; at least ${minServers} are required to survive the loss of a server. Set geo-data:minioServers to ${minServers} or more.`,
                );
            }
            if (typeof volumesPerServer !== "number" || volumesPerServer < minVolumesPerServer) {
                reportViolation(
                    `Tenant ${objectRef(args.props)} pool ${JSON.stringify(pool?.name)} has volumesPerServer ${JSON.stringify(volumesPerServer)}; at least ${minVolumesPerServer} are required. Set geo-data:minioVolumesPerServer to ${minVolumesPerServer} or more.`,
                );
            }
        }
    },
};
