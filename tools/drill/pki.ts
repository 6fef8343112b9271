/**
 * Test-minted TLS material for the real-server specs and the drills (openssl): a CA, a server/client
 * certificate naming localhost and 127.0.0.1, a second unrelated CA and a misnamed certificate.
 */
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";

/** A certificate and its key, PEM files. */
export interface CertFiles {
    readonly cert: string;
    readonly key: string;
}

/**
 * Test-minted TLS material (openssl, ECDSA P-256, valid one day), laid out like the pods' TLS Secret mount:
 * `<dir>/ca.crt`, `<dir>/tls.crt`, `<dir>/tls.key` (the server certificate names localhost and 127.0.0.1 and
 * may serve as client and server, like the program's). `otherCa` is a second, unrelated CA with a certificate
 * of the same names; `wrongName` is signed by the right CA but names only `impostor.invalid`.
 */
export interface TestPki {
    readonly dir: string;
    readonly caCert: string;
    readonly server: CertFiles;
    readonly otherCa: { readonly caCert: string } & CertFiles;
    readonly wrongName: CertFiles;
    /** redis-cli's flags for this material (what the program renders, with these paths). */
    readonly cliArgs: string[];
    /** The TLS lines of a hand-written redis.conf / sentinel.conf listening on `port` (TLS only). */
    conf(port: number, files?: CertFiles): string;
}

function openssl(args: readonly string[], cwd: string): void {
    execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"], timeout: 10000 });
}

function mintCa(dir: string, name: string): void {
    openssl(
        [
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            `${name}.key`,
            "-out",
            `${name}.crt`,
            "-days",
            "1",
            "-subj",
            `/O=geo-data test/CN=${name}`,
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
        dir,
    );
}

function mintSigned(dir: string, ca: string, name: string, san: string): CertFiles {
    fs.writeFileSync(
        path.join(dir, `${name}.ext`),
        `subjectAltName=${san}\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n`,
    );
    openssl(
        [
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            `${name}.key`,
            "-out",
            `${name}.csr`,
            "-subj",
            `/O=geo-data test/CN=${name}`,
        ],
        dir,
    );
    openssl(
        [
            "x509",
            "-req",
            "-in",
            `${name}.csr`,
            "-CA",
            `${ca}.crt`,
            "-CAkey",
            `${ca}.key`,
            "-set_serial",
            String(crypto.randomInt(1, 2 ** 31)),
            "-days",
            "1",
            "-out",
            `${name}.crt`,
            "-extfile",
            `${name}.ext`,
        ],
        dir,
    );
    return { cert: path.join(dir, `${name}.crt`), key: path.join(dir, `${name}.key`) };
}

/** Mints a {@link TestPki} under `dir` (created). Takes about 0.1 s. */
export function mintTestPki(dir: string): TestPki {
    fs.mkdirSync(dir, { recursive: true });
    mintCa(dir, "ca");
    mintCa(dir, "other-ca");
    const names = "DNS:localhost,IP:127.0.0.1";
    const server = mintSigned(dir, "ca", "tls", names);
    const other = mintSigned(dir, "other-ca", "other", names);
    const wrongName = mintSigned(dir, "ca", "wrong-name", "DNS:impostor.invalid");
    const caCert = path.join(dir, "ca.crt");
    return {
        dir,
        caCert,
        server,
        otherCa: { caCert: path.join(dir, "other-ca.crt"), ...other },
        wrongName,
        cliArgs: ["--tls", "--cacert", caCert, "--cert", server.cert, "--key", server.key],
        conf: (port, files = server) =>
            [
                "port 0",
                `tls-port ${port}`,
                `tls-cert-file ${files.cert}`,
                `tls-key-file ${files.key}`,
                `tls-ca-cert-file ${caCert}`,
                // The program's default (redisTlsAuthClients); Redis's own default is yes.
                "tls-auth-clients no",
                "tls-replication yes",
                "",
            ].join("\n"),
    };
}
