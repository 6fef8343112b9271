import { StackValidationPolicy } from "@pulumi/policy";
import { MINIO_TENANT, objectRef } from "../lib";

/** Root-credential variables MinIO reads (MINIO_ACCESS_KEY/MINIO_SECRET_KEY are their old names). */
const ROOT_VARIABLES = ["MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD", "MINIO_ACCESS_KEY", "MINIO_SECRET_KEY"];

/**
 * A MinIO Tenant takes its root credentials from a Secret: spec.configuration names a Secret of the stack,
 * in the Tenant's namespace, with a `config.env` key (what the operator reads), and spec.env sets none of
 * the root-credential variables in plain text.
 */
export const tenantRequireCredentialsSecret: StackValidationPolicy = {
    name: "tenant-require-credentials-secret",
    description:
        "MinIO Tenants must read their root credentials from a Secret (spec.configuration with config.env), never from spec.env.",
    enforcementLevel: "mandatory",
    severity: "critical",
    remediationSteps:
        "Point spec.configuration.name at a Secret in the Tenant's namespace whose config.env holds `export MINIO_ROOT_USER=…` and `export MINIO_ROOT_PASSWORD=…` (MinioTenant creates it), and remove root credentials from spec.env.",
    validateStack: (args, reportViolation) => {
        const secrets = args.resources.filter((r) => r.type === "kubernetes:core/v1:Secret");
        for (const t of args.resources) {
            if (t.type !== MINIO_TENANT) continue;
            const ns = t.props?.metadata?.namespace;
            const inEnv = (t.props?.spec?.env ?? [])
                .filter((e: any) => ROOT_VARIABLES.includes(e?.name) && e?.value !== undefined)
                .map((e: any) => e.name);
            if (inEnv.length) {
                reportViolation(
                    `Tenant ${objectRef(t.props)} sets ${inEnv.join(", ")} in spec.env (plain text in the Tenant); move them to the config.env of its spec.configuration Secret.`,
                    t.urn,
                );
            }
            const name = t.props?.spec?.configuration?.name;
            if (typeof name !== "string" || name === "") {
                reportViolation(
                    `Tenant ${objectRef(t.props)} has no spec.configuration: its root credentials come from no Secret. Name a Secret with a config.env key.`,
                    t.urn,
                );
                continue;
            }
            const secret = secrets.find((s) => s.props?.metadata?.name === name && s.props?.metadata?.namespace === ns);
            // A payload marked secret may reach an offline run redacted (a string): its keys cannot be checked.
            const payloads = [secret?.props?.stringData, secret?.props?.data].filter((p) => p !== undefined);
            const hidden = payloads.some((p) => typeof p !== "object" || p === null);
            const keys = payloads.filter((p) => typeof p === "object" && p).flatMap((p) => Object.keys(p));
            if (!secret || (!hidden && !keys.includes("config.env"))) {
                reportViolation(
                    `Tenant ${objectRef(t.props)} reads its root credentials from Secret ${ns}/${name}, but the stack has ${secret ? "it without a config.env key" : "no such Secret"}; create it with config.env (export MINIO_ROOT_USER=…, export MINIO_ROOT_PASSWORD=…).`,
                    t.urn,
                );
            }
        }
    },
};
