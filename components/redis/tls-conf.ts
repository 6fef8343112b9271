/**
 * TLS settings shared by the redis.conf and sentinel.conf renderers and the scripts that run redis-cli:
 * where the mounted certificate files are, the `tls-*` lines, and redis-cli's TLS flags. Pure. Re-exported
 * by conf.ts.
 *
 * Every Redis server and Sentinel listens on TLS only (`port 0`, `tls-port <port>`) and speaks TLS to its
 * peers (`tls-replication yes`, `tls-cluster yes`). What Redis verifies: an outgoing connection (a replica to
 * its master, a cluster node to another, a Sentinel to a server or another Sentinel, redis-cli) checks that
 * the peer's certificate chains to `tls-ca-cert-file`; Redis sends the hostname as SNI but does not compare
 * it with the certificate's names (src/tls.c connTLSConnect sets no X509 host check; shown on redis-server
 * 7.0 by test/redis-rendered-server.spec.ts), so the CA is the whole trust anchor: each Redis instance has
 * its own CA (components/redis/redis-certificates.ts).
 */
import { TLS_AUTH_CLIENTS, TlsAuthClients } from "../../config/redis";
import { checkOneOf, checkPath } from "./conf-checks";

/** Where the TLS Secret (kubernetes.io/tls plus ca.crt) is mounted in every Redis pod. */
export const TLS_DIR = "/etc/redis-tls";

/** The certificate files a Redis server, Sentinel or redis-cli reads. */
export interface RedisTlsFiles {
    /** PEM certificate (the server's, also presented as client certificate to peers). Defaults to /etc/redis-tls/tls.crt. */
    readonly certFile?: string;
    /** PEM private key of certFile. Defaults to /etc/redis-tls/tls.key. */
    readonly keyFile?: string;
    /** PEM CA certificate peers must chain to. Defaults to /etc/redis-tls/ca.crt. */
    readonly caCertFile?: string;
}

/** TLS options of redis.conf and sentinel.conf. */
export interface RedisTlsOptions extends RedisTlsFiles {
    /** `tls-auth-clients`: no, optional or yes (clients must present a certificate signed by the CA). Defaults to no. */
    readonly authClients?: TlsAuthClients;
}

/** {@link RedisTlsOptions} with every default applied. */
export type ResolvedRedisTlsOptions = Required<RedisTlsOptions>;

/** Validates {@link RedisTlsOptions} and applies every documented default. */
export function validateRedisTlsOptions(o: RedisTlsOptions = {}): ResolvedRedisTlsOptions {
    return {
        certFile: checkPath("tls.certFile", o.certFile ?? `${TLS_DIR}/tls.crt`),
        keyFile: checkPath("tls.keyFile", o.keyFile ?? `${TLS_DIR}/tls.key`),
        caCertFile: checkPath("tls.caCertFile", o.caCertFile ?? `${TLS_DIR}/ca.crt`),
        authClients: checkOneOf("tls.authClients", o.authClients ?? "no", TLS_AUTH_CLIENTS),
    };
}

/**
 * The listener and TLS lines of a redis.conf or sentinel.conf: no plaintext port, `tls-port`, the files,
 * `tls-auth-clients`, TLS 1.2+ and TLS to peers (`tls-replication yes`; Sentinel uses it for its connections
 * to servers and other Sentinels), plus `tls-cluster yes` for a cluster node.
 */
export function renderTlsLines(port: number, tls: ResolvedRedisTlsOptions, cluster = false): string[] {
    return [
        "port 0",
        `tls-port ${port}`,
        `tls-cert-file ${tls.certFile}`,
        `tls-key-file ${tls.keyFile}`,
        `tls-ca-cert-file ${tls.caCertFile}`,
        `tls-auth-clients ${tls.authClients}`,
        'tls-protocols "TLSv1.2 TLSv1.3"',
        "tls-replication yes",
        ...(cluster ? ["tls-cluster yes"] : []),
    ];
}

/**
 * redis-cli's TLS flags for a script: `--tls --cacert <ca> --cert <cert> --key <key>` (the certificate is
 * presented, so the same command works whatever `tls-auth-clients` is).
 */
export function redisCliTlsArgs(files: RedisTlsFiles = {}): string {
    const f = validateRedisTlsOptions(files);
    return `--tls --cacert ${f.caCertFile} --cert ${f.certFile} --key ${f.keyFile}`;
}
