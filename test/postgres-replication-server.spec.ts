/**
 * Real PostgreSQL (Debian's 15) on loopback: the cross-region link exactly as the program renders it.
 *
 * A "us-east" primary gets a server certificate (from the server CA) with the DNS names and key usage of
 * the rendered us-east CertRequest/LocallySignedCert, and accepts `streaming_replica` only with a client
 * certificate from the client CA (CloudNativePG's pg_hba). A "us-west" standby is cloned with
 * pg_basebackup and streams using the connection parameters of us-west's rendered `externalClusters` entry
 * for pg-use1 (host, port, user, dbname, sslmode verify-full, application_name) — what CloudNativePG puts
 * in primary_conninfo — with `hostaddr` pointing the name at 127.0.0.1. Certificates are made with openssl
 * (the Pulumi TLS provider cannot run offline) from the rendered profile. The spec checks that the link
 * streams over verified TLS, that the primary's pg_stat_replication names it the way the cross-region
 * alerts select it, and that a wrong host name, a missing client certificate or one from the wrong CA is
 * refused.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { crossRegionAlertRules } from "../components/postgres/postgres-monitoring";
import { LOOPBACK, freePort, run, waitFor } from "./redis-support";
import { find, inputs, render } from "./support";

const PG_BIN = ["15", "16", "17"]
    .map((v) => `/usr/lib/postgresql/${v}/bin`)
    .find((d) => fs.existsSync(`${d}/postgres`));
/** PostgreSQL refuses to run as root: as root (CI), every server command runs as the `postgres` user. */
const AS_POSTGRES = process.getuid?.() === 0;

/** Runs a PostgreSQL binary (as `postgres` when we are root), bounded in time. */
function pg(bin: string, args: string[], timeoutMs = 30000) {
    const file = path.join(PG_BIN!, bin);
    return AS_POSTGRES
        ? run("runuser", ["-u", "postgres", "--", file, ...args], {}, timeoutMs)
        : run(file, args, {}, timeoutMs);
}

function openssl(args: string[], cwd: string): void {
    const r = spawnSync("openssl", args, { cwd, encoding: "utf8", timeout: 15000 });
    if (r.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.stderr}`);
}

describe("cross-region streaming on real PostgreSQL (rendered TLS profile and connection parameters)", function () {
    this.timeout(60000);
    let dir = "";
    let primaryPort = 0;
    let standbyPort = 0;
    let conninfo: Record<string, string> = {};
    const started: string[] = [];

    const psql = (port: number, sql: string) =>
        pg("psql", ["-X", "-A", "-t", "-h", dir, "-p", String(port), "-U", "postgres", "-d", "postgres", "-c", sql]);
    /** A libpq connection string from the rendered parameters, with certificate files and hostaddr added. */
    const dsn = (over: Record<string, string | undefined> = {}) =>
        Object.entries({ ...conninfo, hostaddr: LOOPBACK, port: String(primaryPort), ...over })
            .filter(([, v]) => v !== undefined)
            .map(([k, v]) => `${k}=${v}`)
            .join(" ");

    before(async function () {
        if (!PG_BIN || spawnSync("sh", ["-c", "command -v openssl"]).status !== 0) {
            if (process.env.GEO_REQUIRE_SERVERS)
                throw new Error(
                    "GEO_REQUIRE_SERVERS is set but PostgreSQL or openssl is missing; run scripts/install-servers.sh",
                );
            console.log(
                "    (skipping real-PostgreSQL spec: postgresql or openssl not installed; run scripts/install-servers.sh)",
            );
            this.skip();
        }
        const east = await render("us-east");
        const west = await render("us-west");
        const source = inputs(
            find(west, "kubernetes:postgresql.cnpg.io/v1:Cluster", "geo-postgres-main-cluster"),
        ).spec.externalClusters.find((e: any) => e.name === "pg-use1");
        conninfo = { ...source.connectionParameters };
        const csr = inputs(
            find(east, "tls:index/certRequest:CertRequest", "geo-postgres-certificates-server-us-east-1-csr"),
        );
        const client = inputs(
            find(east, "tls:index/certRequest:CertRequest", "geo-postgres-certificates-replication-csr"),
        );
        const uses = (n: string) => inputs(find(east, "tls:index/locallySignedCert:LocallySignedCert", n)).allowedUses;
        assert.deepEqual(uses("geo-postgres-certificates-server-us-east-1-cert"), [
            "digital_signature",
            "key_encipherment",
            "server_auth",
        ]);
        assert.deepEqual(uses("geo-postgres-certificates-replication-cert"), [
            "digital_signature",
            "key_encipherment",
            "client_auth",
        ]);

        dir = fs.mkdtempSync(path.join(os.tmpdir(), "geo-pg-"));
        fs.chmodSync(dir, 0o755);
        // The rendered profile, with openssl: ECDSA P-256 keys, a server CA and a client CA, the server's DNS
        // names and the client's CN; plus a "rogue" streaming_replica certificate signed by the wrong CA.
        const ext = (name: string, body: string) => fs.writeFileSync(path.join(dir, name), body);
        ext(
            "server.ext",
            `subjectAltName=${csr.dnsNames.map((d: string) => `DNS:${d}`).join(",")}\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n`,
        );
        ext("client.ext", "keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n");
        const authority = (ca: string, cn: string) => {
            openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", `${ca}.key`], dir);
            const caExt = [
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign,digitalSignature",
            ];
            openssl(
                [
                    "req",
                    "-x509",
                    "-new",
                    "-key",
                    `${ca}.key`,
                    "-subj",
                    `/O=geo-data/CN=${cn}`,
                    "-days",
                    "30",
                    "-out",
                    `${ca}.crt`,
                    ...caExt,
                ],
                dir,
            );
        };
        const leaf = (name: string, cn: string, ca: string, extfile: string) => {
            openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", `${name}.key`], dir);
            openssl(
                ["req", "-new", "-key", `${name}.key`, "-subj", `/O=geo-data/CN=${cn}`, "-out", `${name}.csr`],
                dir,
            );
            const sign = ["-CA", `${ca}.crt`, "-CAkey", `${ca}.key`, "-CAcreateserial", "-days", "30"];
            openssl(["x509", "-req", "-in", `${name}.csr`, ...sign, "-extfile", extfile, "-out", `${name}.crt`], dir);
        };
        authority("server-ca", "pg PostgreSQL server CA");
        authority("client-ca", "pg PostgreSQL client CA");
        leaf("server", csr.subject.commonName, "server-ca", "server.ext");
        leaf("client", client.subject.commonName, "client-ca", "client.ext");
        leaf("rogue", client.subject.commonName, "server-ca", "client.ext");
        if (AS_POSTGRES) spawnSync("chown", ["-R", "postgres:postgres", dir]);
        for (const f of ["server-ca.key", "client-ca.key", "server.key", "client.key", "rogue.key"])
            fs.chmodSync(path.join(dir, f), 0o600);

        primaryPort = await freePort(false, 40000);
        standbyPort = await freePort(false, 40000);
        const primary = path.join(dir, "east");
        const init = await pg("initdb", [
            "-D",
            primary,
            "-U",
            "postgres",
            "--auth-local=trust",
            "--auth-host=reject",
            "--no-sync",
        ]);
        assert.equal(init.code, 0, init.stderr);
        fs.appendFileSync(
            path.join(primary, "postgresql.conf"),
            [
                `listen_addresses='${LOOPBACK}'`,
                `port=${primaryPort}`,
                `unix_socket_directories='${dir}'`,
                "ssl=on",
                `ssl_cert_file='${dir}/server.crt'`,
                `ssl_key_file='${dir}/server.key'`,
                // clientCASecret: client certificates must come from the client CA.
                `ssl_ca_file='${dir}/client-ca.crt'`,
                "wal_level=replica",
                "max_wal_senders=4",
                "fsync=off",
                "",
            ].join("\n"),
        );
        // CloudNativePG's rule for the replication user: TLS with a client certificate, nothing else.
        fs.writeFileSync(
            path.join(primary, "pg_hba.conf"),
            `local all all trust\nhostssl replication streaming_replica ${LOOPBACK}/32 cert\nhostssl postgres streaming_replica ${LOOPBACK}/32 cert\n`,
        );
        const start = await pg("pg_ctl", ["-D", primary, "-l", path.join(dir, "east.log"), "-w", "-t", "30", "start"]);
        assert.equal(start.code, 0, start.stderr + fs.readFileSync(path.join(dir, "east.log"), "utf8"));
        started.push(primary);
        assert.equal((await psql(primaryPort, "CREATE ROLE streaming_replica WITH LOGIN REPLICATION")).code, 0);
        for (const [k, f] of [
            ["sslcert", "client.crt"],
            ["sslkey", "client.key"],
            ["sslrootcert", "server-ca.crt"],
        ])
            conninfo[k] = path.join(dir, f);

        // us-west's bootstrap: pg_basebackup from the source, then stream with the same parameters.
        const standby = path.join(dir, "west");
        const clone = await pg("pg_basebackup", ["-d", dsn(), "-D", standby, "-R", "-X", "stream", "--no-sync"], 60000);
        assert.equal(clone.code, 0, clone.stderr);
        fs.appendFileSync(
            path.join(standby, "postgresql.conf"),
            `port=${standbyPort}\nunix_socket_directories='${dir}'\nssl=off\n`,
        );
        const s = await pg("pg_ctl", ["-D", standby, "-l", path.join(dir, "west.log"), "-w", "-t", "30", "start"]);
        assert.equal(s.code, 0, s.stderr + fs.readFileSync(path.join(dir, "west.log"), "utf8"));
        started.push(standby);
    });

    after(async () => {
        for (const d of started.reverse()) await pg("pg_ctl", ["-D", d, "-m", "immediate", "-w", "-t", "20", "stop"]);
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("streams over verified TLS, authenticated by the streaming_replica client certificate", async () => {
        const row = await waitFor(
            "the standby to stream",
            async () => {
                const r = await psql(
                    primaryPort,
                    "SELECT r.application_name, r.state, r.sync_state, s.ssl, s.client_dn FROM pg_stat_replication r JOIN pg_stat_ssl s USING (pid)",
                );
                return r.stdout.trim().includes("|streaming|") ? r.stdout.trim() : undefined;
            },
            100,
            100,
        );
        // application_name is the receiving member's name: the row the cross-region alerts select.
        assert.equal(row, "pg-usw2|streaming|async|t|/O=geo-data/CN=streaming_replica");
        const alert = crossRegionAlertRules({ cluster: "pg", namespace: "geo-postgres", peer: "pg-usw2" })[0];
        assert.match(alert.expr, /application_name="pg-usw2"/);
    });

    it("replicates writes to the other region", async () => {
        assert.equal(
            (await psql(primaryPort, "CREATE TABLE t (v text); INSERT INTO t VALUES ('from us-east')")).code,
            0,
        );
        const seen = await waitFor(
            "the row on the standby",
            async () => {
                const r = await psql(standbyPort, "SELECT v FROM t");
                return r.code === 0 && r.stdout.trim() ? r.stdout.trim() : undefined;
            },
            100,
            100,
        );
        assert.equal(seen, "from us-east");
        // The CloudNativePG default query behind PostgresCrossRegionLagBytes reads this row (0 when caught up).
        const lag = await waitFor(
            "the standby to flush",
            async () => {
                const r = await psql(
                    primaryPort,
                    "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), flush_lsn) FROM pg_stat_replication WHERE application_name = 'pg-usw2'",
                );
                return r.stdout.trim() === "0" ? r.stdout.trim() : undefined;
            },
            100,
            100,
        );
        assert.equal(lag, "0");
    });

    it("refuses a host name the server certificate does not carry (sslmode verify-full)", async () => {
        const r = await pg("psql", ["-X", "-d", dsn({ host: "pg-rw.us-west-2.data.internal" }), "-c", "SELECT 1"]);
        assert.notEqual(r.code, 0);
        // pg-rw is the first of the certificate's 23 names; pg-rw.us-west-2.data.internal is not among them.
        assert.match(
            r.stderr,
            /server certificate for "pg-rw" \(and 22 other names\) does not match host name "pg-rw\.us-west-2\.data\.internal"/,
        );
    });

    it("refuses streaming_replica without the client certificate", async () => {
        const r = await pg("psql", ["-X", "-d", dsn({ sslcert: undefined, sslkey: undefined }), "-c", "SELECT 1"]);
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, /connection requires a valid client certificate/);
    });

    it("refuses a streaming_replica certificate that the client CA did not sign", async () => {
        const r = await pg("psql", [
            "-X",
            "-d",
            dsn({ sslcert: path.join(dir, "rogue.crt"), sslkey: path.join(dir, "rogue.key") }),
            "-c",
            "SELECT 1",
        ]);
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, /SSL error: tlsv1 alert unknown ca/);
    });
});
