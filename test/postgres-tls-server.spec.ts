/**
 * Real PostgreSQL (Debian's 15) on loopback with the rendered TLS-only configuration: the us-east Cluster's
 * `spec.postgresql.pg_hba` placed where CloudNativePG 1.30 places it (pkg/postgres/configuration.go,
 * hbaTemplateString: fixed rules, user rules, default `host all all all scram-sha-256`), its ident maps, and its
 * rendered parameters (ssl_min_protocol_version, password_encryption). Certificates are minted with openssl in
 * the rendered profile (server CA → server certificate with the rendered DNS names; client CA →
 * `streaming_replica`). Proves: an application user with `sslmode=disable` is refused, `sslmode=verify-full`
 * with the CA and a rendered host name is accepted (TLS 1.3, SCRAM hash stored), a TLS 1.2-only client is
 * refused, and the streaming_replica certificate still authenticates a replication connection.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LOOPBACK, freePort, run } from "./redis-support";
import { find, inputs, render } from "./support";

const PG_BIN = ["15", "16", "17"]
    .map((v) => `/usr/lib/postgresql/${v}/bin`)
    .find((d) => fs.existsSync(`${d}/postgres`));
const AS_POSTGRES = process.getuid?.() === 0;

function pg(bin: string, args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 30000) {
    const file = path.join(PG_BIN!, bin);
    return AS_POSTGRES
        ? run(
              "runuser",
              ["-u", "postgres", "--", "env", ...Object.entries(env).map(([k, v]) => `${k}=${v}`), file, ...args],
              {},
              timeoutMs,
          )
        : run(file, args, env, timeoutMs);
}

function openssl(args: string[], cwd: string): void {
    const r = spawnSync("openssl", args, { cwd, encoding: "utf8", timeout: 15000 });
    if (r.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.stderr}`);
}

/**
 * pg_hba.conf as CloudNativePG 1.30 assembles it around the user rules. The two `local … peer map=…` lines
 * (the instance manager and metrics exporter on the pod's Unix socket) become `local all all trust` here:
 * this test's superuser has no OS-user mapping; no TCP rule differs.
 */
export function cnpgHba(userRules: readonly string[]): string {
    return [
        "local all all trust",
        "hostssl postgres streaming_replica all cert map=cnpg_streaming_replica",
        "hostssl replication streaming_replica all cert map=cnpg_streaming_replica",
        "hostssl all cnpg_pooler_pgbouncer all cert map=cnpg_pooler_pgbouncer",
        ...userRules,
        "host all all all scram-sha-256",
        "",
    ].join("\n");
}

describe("TLS-only PostgreSQL on a real server (rendered pg_hba and parameters)", function () {
    this.timeout(60000);
    let dir = "";
    let port = 0;
    let started = "";
    let host = "";
    const PASSWORD = "app-password-for-test";

    const connect = (params: Record<string, string | undefined>, sql = "SELECT 1") =>
        pg(
            "psql",
            [
                "-X",
                "-A",
                "-t",
                "-d",
                Object.entries({ hostaddr: LOOPBACK, host, port: String(port), dbname: "app", user: "app", ...params })
                    .filter(([, v]) => v !== undefined)
                    .map(([k, v]) => `${k}=${v}`)
                    .join(" "),
                "-c",
                sql,
            ],
            { PGPASSWORD: PASSWORD, PGCONNECT_TIMEOUT: "5" },
        );

    before(async function () {
        if (!PG_BIN || spawnSync("sh", ["-c", "command -v openssl"]).status !== 0) {
            if (process.env.GEO_REQUIRE_SERVERS)
                throw new Error(
                    "GEO_REQUIRE_SERVERS is set but PostgreSQL or openssl is missing; run scripts/install-servers.sh",
                );
            this.skip();
        }
        const east = await render("us-east");
        const spec = inputs(find(east, "kubernetes:postgresql.cnpg.io/v1:Cluster", "geo-postgres-main-cluster")).spec
            .postgresql;
        const csr = inputs(
            find(east, "tls:index/certRequest:CertRequest", "geo-postgres-certificates-server-us-east-1-csr"),
        );
        const client = inputs(
            find(east, "tls:index/certRequest:CertRequest", "geo-postgres-certificates-replication-csr"),
        );
        host = csr.dnsNames.find((d: string) => d === "pg-pooler-rw.geo-postgres.svc");
        assert.ok(host, "the server certificate names the rw pooler's service");

        dir = fs.mkdtempSync(path.join(os.tmpdir(), "geo-pgtls-"));
        fs.chmodSync(dir, 0o755);
        fs.writeFileSync(
            path.join(dir, "server.ext"),
            `subjectAltName=${csr.dnsNames.map((d: string) => `DNS:${d}`).join(",")}\nextendedKeyUsage=serverAuth\n`,
        );
        fs.writeFileSync(path.join(dir, "client.ext"), "extendedKeyUsage=clientAuth\n");
        const key = (n: string) =>
            openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", `${n}.key`], dir);
        for (const ca of ["server-ca", "client-ca"]) {
            key(ca);
            openssl(
                [
                    "req",
                    "-x509",
                    "-new",
                    "-key",
                    `${ca}.key`,
                    "-subj",
                    `/O=geo-data/CN=${ca}`,
                    "-days",
                    "2",
                    "-out",
                    `${ca}.crt`,
                    "-addext",
                    "basicConstraints=critical,CA:TRUE",
                    "-addext",
                    "keyUsage=critical,keyCertSign,cRLSign",
                ],
                dir,
            );
        }
        const leaf = (n: string, cn: string, ca: string) => {
            key(n);
            openssl(["req", "-new", "-key", `${n}.key`, "-subj", `/O=geo-data/CN=${cn}`, "-out", `${n}.csr`], dir);
            openssl(
                [
                    "x509",
                    "-req",
                    "-in",
                    `${n}.csr`,
                    "-CA",
                    `${ca}.crt`,
                    "-CAkey",
                    `${ca}.key`,
                    "-CAcreateserial",
                    "-days",
                    "2",
                    "-extfile",
                    `${n}.ext`,
                    "-out",
                    `${n}.crt`,
                ],
                dir,
            );
        };
        leaf("server", csr.subject.commonName, "server-ca");
        leaf("client", client.subject.commonName, "client-ca");
        if (AS_POSTGRES) spawnSync("chown", ["-R", "postgres:postgres", dir]);
        for (const f of ["server.key", "client.key"]) fs.chmodSync(path.join(dir, f), 0o600);

        port = await freePort(false, 42000);
        const data = path.join(dir, "data");
        const init = await pg("initdb", [
            "-D",
            data,
            "-U",
            "postgres",
            "--auth-local=trust",
            "--auth-host=reject",
            "--no-sync",
        ]);
        assert.equal(init.code, 0, init.stderr);
        const params = Object.entries(spec.parameters as Record<string, string>)
            .filter(([k]) => k === "ssl_min_protocol_version" || k === "password_encryption")
            .map(([k, v]) => `${k}='${v}'`);
        assert.deepEqual(params.sort(), ["password_encryption='scram-sha-256'", "ssl_min_protocol_version='TLSv1.3'"]);
        fs.appendFileSync(
            path.join(data, "postgresql.conf"),
            [
                `listen_addresses='${LOOPBACK}'`,
                `port=${port}`,
                `unix_socket_directories='${dir}'`,
                "fsync=off",
                // CloudNativePG's mandatory settings: ssl on, its certificate paths, the client CA.
                "ssl=on",
                `ssl_cert_file='${dir}/server.crt'`,
                `ssl_key_file='${dir}/server.key'`,
                `ssl_ca_file='${dir}/client-ca.crt'`,
                "ssl_max_protocol_version='TLSv1.3'",
                ...params,
                "",
            ].join("\n"),
        );
        fs.writeFileSync(path.join(data, "pg_hba.conf"), cnpgHba(spec.pg_hba));
        fs.writeFileSync(
            path.join(data, "pg_ident.conf"),
            "cnpg_streaming_replica streaming_replica streaming_replica\ncnpg_pooler_pgbouncer cnpg_pooler_pgbouncer cnpg_pooler_pgbouncer\n",
        );
        const start = await pg("pg_ctl", ["-D", data, "-l", path.join(dir, "pg.log"), "-w", "-t", "30", "start"]);
        assert.equal(start.code, 0, start.stderr);
        started = data;
        const setup = await pg("psql", [
            ...["-X", "-h", dir, "-p", String(port), "-U", "postgres", "-d", "postgres"],
            ...["-c", `CREATE ROLE app LOGIN PASSWORD '${PASSWORD}'`, "-c", "CREATE DATABASE app OWNER app"],
            ...["-c", "CREATE ROLE streaming_replica LOGIN REPLICATION"],
        ]);
        assert.equal(setup.code, 0, setup.stderr);
    });

    after(async () => {
        if (started) await pg("pg_ctl", ["-D", started, "-m", "immediate", "-w", "-t", "20", "stop"]);
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("refuses the application user without TLS (sslmode=disable)", async () => {
        const r = await connect({ sslmode: "disable" });
        assert.notEqual(r.code, 0);
        assert.match(
            r.stderr,
            /pg_hba\.conf rejects connection for host "127\.0\.0\.1", user "app", database "app", no encryption/,
        );
    });

    it("accepts it with sslmode=verify-full, the server CA and a rendered host name: TLS 1.3, SCRAM", async () => {
        const r = await connect(
            { sslmode: "verify-full", sslrootcert: path.join(dir, "server-ca.crt") },
            "SELECT s.ssl, s.version FROM pg_stat_ssl s WHERE s.pid = pg_backend_pid()",
        );
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout.trim(), "t|TLSv1.3");
        const hash = await pg("psql", [
            "-X",
            "-A",
            "-t",
            "-h",
            dir,
            "-p",
            String(port),
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-c",
            "SELECT left(rolpassword, 14) FROM pg_authid WHERE rolname = 'app'",
        ]);
        assert.equal(hash.stdout.trim(), "SCRAM-SHA-256$");
    });

    it("refuses a client limited to TLS 1.2 (ssl_min_protocol_version TLSv1.3)", async () => {
        const r = await connect({
            sslmode: "verify-full",
            sslrootcert: path.join(dir, "server-ca.crt"),
            ssl_max_protocol_version: "TLSv1.2",
        });
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, /protocol version|unsupported protocol|alert/i);
    });

    it("still authenticates streaming_replica by its certificate, for replication", async () => {
        const repl = {
            user: "streaming_replica",
            dbname: "postgres",
            replication: "true",
            sslmode: "verify-full",
            sslrootcert: path.join(dir, "server-ca.crt"),
            sslcert: path.join(dir, "client.crt"),
            sslkey: path.join(dir, "client.key"),
        };
        const ok = await connect(repl, "IDENTIFY_SYSTEM");
        assert.equal(ok.code, 0, ok.stderr);
        assert.match(ok.stdout.trim(), /^[0-9]+\|1\|/);
        const plain = await connect(
            { ...repl, sslmode: "disable", sslcert: undefined, sslkey: undefined, sslrootcert: undefined },
            "IDENTIFY_SYSTEM",
        );
        assert.notEqual(plain.code, 0);
        // `all` never matches replication connections in pg_hba: a plaintext one finds no rule at all.
        assert.match(
            plain.stderr,
            /no pg_hba\.conf entry for replication connection from host "127\.0\.0\.1", user "streaming_replica", no encryption/,
        );
    });
});
