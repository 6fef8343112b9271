import { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES, objectRef } from "../lib";

/** TLS versions PostgreSQL may be limited to (`ssl_min_protocol_version`). */
const TLS_VERSIONS = ["TLSv1.2", "TLSv1.3"];
/** PgBouncer sslmodes that refuse a plaintext client / verify the server. */
const CLIENT_MODES = ["require", "verify-ca", "verify-full"];
const SERVER_MODES = ["verify-ca", "verify-full"];

/** One pg_hba line split into fields (comments and blank lines give none). */
function hbaFields(line: unknown): string[] {
    return typeof line === "string" ? line.replace(/#.*/, "").trim().split(/\s+/).filter(Boolean) : [];
}

/**
 * True when the user rules reject every non-TLS TCP connection before anything accepts one: CloudNativePG's
 * fixed rules before them are `local` and `hostssl` only, and its default `host all all all …` after them
 * would accept plaintext passwords unless a `hostnossl all all <everywhere> reject` comes first.
 */
export function rejectsNonTls(rules: unknown[], everywhere: string[]): boolean {
    const covered = new Set<string>();
    const done = () => covered.has("all") || everywhere.every((a) => covered.has(a));
    for (const line of rules) {
        const [type, db, user, address, method] = hbaFields(line);
        if (type !== "host" && type !== "hostnossl") continue; // local, hostssl, hostgssenc: never plaintext TCP
        if (type === "hostnossl" && db === "all" && user === "all" && method === "reject") {
            covered.add(address);
            if (done()) return true;
        } else if (method !== "reject") return false; // accepts a connection before plaintext is refused
    }
    return done();
}

/**
 * PostgreSQL must never accept a non-TLS connection: CloudNativePG Clusters reject `hostnossl` in pg_hba ahead
 * of the operator's default rule, keep TLS 1.2 or newer and SCRAM password hashes; Poolers require TLS from
 * clients and verify the server's certificate.
 */
export const postgresDisallowNonTls: ResourceValidationPolicy = {
    name: "postgres-disallow-non-tls",
    description:
        "CloudNativePG Clusters and Poolers must refuse non-TLS connections (pg_hba hostnossl reject, TLS 1.2+, SCRAM; PgBouncer client TLS required and server certificate verified).",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "On the Cluster: spec.postgresql.pg_hba starting with `hostnossl all all all reject`, parameters ssl_min_protocol_version TLSv1.3 (or TLSv1.2) and password_encryption scram-sha-256. On the Pooler: spec.pgbouncer.parameters client_tls_sslmode require and server_tls_sslmode verify-full, and spec.pgbouncer.pg_hba rejecting hostnossl for 0.0.0.0/0 and ::/0 (PostgresCluster and PgBouncerPooler do this).",
    validateResource: (args, reportViolation) => {
        const ref = objectRef(args.props);
        if (args.type === TYPES.cnpgCluster) {
            const pg = args.props?.spec?.postgresql ?? {};
            if (!rejectsNonTls(pg.pg_hba ?? [], ["all"]))
                reportViolation(
                    `Cluster ${ref} accepts non-TLS connections: CloudNativePG's default rule \`host all all all scram-sha-256\` admits plaintext unless spec.postgresql.pg_hba rejects them first. Add \`hostnossl all all all reject\` as the first pg_hba rule.`,
                );
            const min = pg.parameters?.ssl_min_protocol_version;
            if (!TLS_VERSIONS.includes(min))
                reportViolation(
                    `Cluster ${ref} has ssl_min_protocol_version ${JSON.stringify(min)}; set spec.postgresql.parameters.ssl_min_protocol_version to TLSv1.3 (or TLSv1.2).`,
                );
            const enc = pg.parameters?.password_encryption;
            if (enc !== "scram-sha-256")
                reportViolation(
                    `Cluster ${ref} has password_encryption ${JSON.stringify(enc)}; set spec.postgresql.parameters.password_encryption to scram-sha-256.`,
                );
        } else if (args.type === TYPES.cnpgPooler) {
            const b = args.props?.spec?.pgbouncer ?? {};
            const client = b.parameters?.client_tls_sslmode;
            if (!CLIENT_MODES.includes(client))
                reportViolation(
                    `Pooler ${ref} accepts plaintext clients (client_tls_sslmode ${JSON.stringify(client ?? "prefer (CloudNativePG default)")}); set spec.pgbouncer.parameters.client_tls_sslmode to require.`,
                );
            const server = b.parameters?.server_tls_sslmode;
            if (server !== undefined && !SERVER_MODES.includes(server))
                reportViolation(
                    `Pooler ${ref} has server_tls_sslmode ${JSON.stringify(server)}; set spec.pgbouncer.parameters.server_tls_sslmode to verify-full.`,
                );
            if (!rejectsNonTls(b.pg_hba ?? [], ["0.0.0.0/0", "::/0"]))
                reportViolation(
                    `Pooler ${ref}: PgBouncer's hba (CloudNativePG appends \`host all all 0.0.0.0/0 md5\`) admits non-TLS clients; add \`hostnossl all all 0.0.0.0/0 reject\` and \`hostnossl all all ::/0 reject\` to spec.pgbouncer.pg_hba.`,
                );
        }
    },
};
