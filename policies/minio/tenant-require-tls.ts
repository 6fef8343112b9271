import { ResourceValidationPolicy } from "@pulumi/policy";
import { MINIO_TENANT, objectRef } from "../lib";

/**
 * A MinIO Tenant serves TLS: the operator's auto-cert (spec.requestAutoCert unset or true) or a certificate
 * Secret (spec.externalCertSecret). With neither, S3 credentials and objects cross the network in clear.
 */
export const tenantRequireTls: ResourceValidationPolicy = {
    name: "tenant-require-tls",
    description: "MinIO Tenants must serve TLS (operator auto-cert or spec.externalCertSecret).",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Keep spec.externalCertSecret (MinioTenant sets the pair's certificate), or remove spec.requestAutoCert: false so the operator issues one.",
    validateResource: (args, reportViolation) => {
        if (args.type !== MINIO_TENANT) return;
        const spec = args.props?.spec ?? {};
        const external = (spec.externalCertSecret ?? []).some((s: any) => typeof s?.name === "string" && s.name);
        if (spec.requestAutoCert === false && !external) {
            reportViolation(
                `Tenant ${objectRef(args.props)} has spec.requestAutoCert false and no spec.externalCertSecret: MinIO would serve plain HTTP. Give it a certificate Secret in spec.externalCertSecret or let the operator issue one.`,
            );
        }
    },
};
