/**
 * Fixtures of the upgrade rehearsal (tools/drill/upgrade-rehearsal.ts): the database and role names the program
 * renders by default, throwaway passwords, a CA and a server certificate for 127.0.0.1, and CREATE SUBSCRIPTION
 * built from the rendered Subscription spec and the subscriber's `externalClusters` entry.
 */
import * as fs from "fs";
import * as path from "path";
import { POSTGRES_KEYS } from "../../config";
import {
    ReplicationLink,
    UPGRADE_REPLICATION_ROLE,
    logicalPeerEntry,
    subscriptionSpec,
} from "../../components/postgres/upgrade";
import { AS_POSTGRES, LocalPostgres } from "./postgres-local";
import { ProcessGroup, mustRun } from "./processes";

export const DB = String(POSTGRES_KEYS.postgresDatabase.default);
export const OWNER = String(POSTGRES_KEYS.postgresOwner.default);
export const PASSWORDS = { app: "rehearsal-app-pw", replicator: "rehearsal-repl-pw" };

/** A CA and a server certificate for 127.0.0.1, files owned by the server user (key 0600). */
export async function mintTls(group: ProcessGroup): Promise<{ ca: string; cert: string; key: string }> {
    const dir = group.tempDir("tls");
    const o = (args: string[]) => mustRun("openssl", args, { cwd: dir });
    await o(
        ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"].concat([
            "-subj",
            "/CN=rehearsal-ca",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
        ]),
    );
    await o(
        ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=127.0.0.1"].concat(
            ["-keyout", "server.key", "-out", "server.csr"],
        ),
    );
    fs.writeFileSync(path.join(dir, "ext.cnf"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    await o(
        [
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "1",
        ].concat(["-extfile", "ext.cnf", "-out", "server.crt"]),
    );
    fs.chmodSync(path.join(dir, "server.key"), 0o600);
    if (AS_POSTGRES) await mustRun("chown", ["-R", "postgres:postgres", dir]);
    fs.chmodSync(dir, 0o755);
    return { ca: path.join(dir, "ca.crt"), cert: path.join(dir, "server.crt"), key: path.join(dir, "server.key") };
}

/** CREATE SUBSCRIPTION from the rendered spec and the subscriber's externalClusters entry for the publisher. */
export function createSubscriptionSql(l: ReplicationLink, publisher: LocalPostgres, ca: string, serverMajor: number) {
    const spec = subscriptionSpec(l, DB) as { parameters: Record<string, string> };
    const entry = logicalPeerEntry(
        { name: l.publisher, serverCa: { name: "unused", key: "ca.crt" } },
        { namespace: "local", database: DB, role: UPGRADE_REPLICATION_ROLE, passwordSecret: "unused" },
    ) as { connectionParameters: Record<string, string> };
    const conn = { ...entry.connectionParameters, host: "127.0.0.1", port: String(publisher.port) };
    const conninfo = Object.entries({ ...conn, sslrootcert: ca, password: PASSWORDS.replicator })
        .map(([k, v]) => `${k}=${v}`)
        .join(" ");
    // `failover` needs PostgreSQL 17 on both sides; the local server may be older.
    const params = Object.entries(spec.parameters).filter(([k]) => k !== "failover" || serverMajor >= 17);
    return `CREATE SUBSCRIPTION ${l.subscription} CONNECTION '${conninfo}' PUBLICATION ${l.publication} WITH (${params.map(([k, v]) => `${k} = ${v}`).join(", ")})`;
}
