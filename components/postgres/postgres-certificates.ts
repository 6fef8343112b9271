/**
 * PostgresCertificates: the TLS trust the two regions' CloudNativePG clusters share, generated once (by the
 * stack with `role: primary`) and handed to the other stack through the StackReference as secret outputs.
 *
 * A server CA signs a server certificate per region (the cluster's in-cluster service names plus its
 * cross-region endpoint `pg-rw.<region>.<dnsZone>`, which the peer verifies with sslmode=verify-full); its
 * private key never leaves this stack's state. A client CA signs the `streaming_replica` certificate both
 * regions present, so whichever region is the replica can authenticate to whichever is primary. Its key
 * goes to both regions: CloudNativePG signs the PgBouncer poolers' client certificates
 * (`cnpg_pooler_pgbouncer`) with the clientCASecret's `ca.key` (internal/controller/cluster_create.go,
 * reconcilePoolerSecrets); that adds nothing a region already holding the streaming_replica key could not
 * do. CloudNativePG's certificates API takes them as user-provided Secrets (serverCASecret/serverTLSSecret,
 * clientCASecret/replicationTLSSecret); certificates are renewed by `pulumi up` once inside
 * `earlyRenewalHours` of expiry.
 */
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { regionalHostname } from "../shared/naming";
import { argChecks, dnsLabel, dnsName, intBetween } from "../shared/validate";
import { poolerHostnames, poolerName, replicationEndpointLabel } from "./naming";

/** The user CloudNativePG streams as; the client certificate's CN must be exactly this. */
export const STREAMING_REPLICA_USER = "streaming_replica";

/** TLS material one region's cluster needs (keys secret). */
export interface ClusterTlsMaterial {
    /** PEM of the server CA (shared by the regions). */
    readonly serverCaCert: pulumi.Input<string>;
    /** PEM certificate and key of the client CA (shared by the regions). */
    readonly clientCaCert: pulumi.Input<string>;
    readonly clientCaKey: pulumi.Input<string>;
    /** PEM certificate and key of this region's server. */
    readonly serverCert: pulumi.Input<string>;
    readonly serverKey: pulumi.Input<string>;
    /** PEM certificate and key of the `streaming_replica` client. */
    readonly replicationCert: pulumi.Input<string>;
    readonly replicationKey: pulumi.Input<string>;
}

/** Arguments of PostgresCertificates. */
export interface PostgresCertificatesArgs {
    /** Kubernetes name of the Cluster in every region (its services are `<name>-rw/-ro/-r`). */
    readonly clusterName: string;
    /** Namespace of the Cluster in every region. */
    readonly namespace: string;
    /** The regions of the pair; each gets a server certificate. */
    readonly regions: readonly string[];
    /** DNS zone of the cross-region endpoints. */
    readonly dnsZone: string;
    /** Validity of the CA, in hours. Defaults to 87600 (10 years). */
    readonly caValidityHours?: number;
    /** Validity of server and client certificates, in hours. Defaults to 17520 (2 years). */
    readonly validityHours?: number;
    /** `pulumi up` replaces a certificate this many hours before it expires. Defaults to 1440 (60 days). */
    readonly earlyRenewalHours?: number;
}

/** PostgresCertificatesArgs with every default applied. */
export type ResolvedPostgresCertificatesArgs = Required<PostgresCertificatesArgs>;

/** Applies the documented defaults and validates; throws naming the property, the value and what is allowed. */
export function validatePostgresCertificatesArgs(args: PostgresCertificatesArgs): ResolvedPostgresCertificatesArgs {
    const a: ResolvedPostgresCertificatesArgs = {
        ...args,
        caValidityHours: args.caValidityHours ?? 87600,
        validityHours: args.validityHours ?? 17520,
        earlyRenewalHours: args.earlyRenewalHours ?? 1440,
    };
    const { check } = argChecks("PostgresCertificates");
    check("clusterName", a.clusterName, dnsLabel(a.clusterName));
    check("namespace", a.namespace, dnsLabel(a.namespace));
    check("dnsZone", a.dnsZone, dnsName(a.dnsZone));
    check(
        "regions",
        a.regions,
        a.regions.length === 2 && a.regions[0] !== a.regions[1] ? undefined : "expected two different regions",
    );
    check("validityHours", a.validityHours, intBetween(24 * 30, a.caValidityHours)(a.validityHours));
    check(
        "earlyRenewalHours",
        a.earlyRenewalHours,
        intBetween(24, a.validityHours - 24)(a.earlyRenewalHours) &&
            `expected an integer from 24 to ${a.validityHours - 24} (validityHours - 24)`,
    );
    return a;
}

/**
 * The DNS names a region's server certificate carries: the cluster's three services and the two poolers'
 * (PgBouncer serves clients with the cluster's serverTLSSecret unless told otherwise) in every in-cluster
 * form, the region's cross-region endpoint, the rw pooler's regional name and the writer name.
 */
export function serverDnsNames(clusterName: string, namespace: string, region: string, dnsZone: string): string[] {
    const names: string[] = [];
    const services = [
        ...["rw", "ro", "r"].map((s) => `${clusterName}-${s}`),
        poolerName(clusterName, "rw"),
        poolerName(clusterName, "ro"),
    ];
    for (const svc of services) {
        names.push(svc, `${svc}.${namespace}`, `${svc}.${namespace}.svc`, `${svc}.${namespace}.svc.cluster.local`);
    }
    // The writer name does not depend on which region is primary: any region's pooler may carry it.
    const pooler = poolerHostnames(clusterName, { region, primaryRegion: region, dnsZone });
    names.push(
        regionalHostname(replicationEndpointLabel(clusterName), region, dnsZone),
        pooler.regional,
        pooler.writer,
    );
    return names;
}

/** The pair's two CAs, one server certificate per region and the shared replication client certificate. */
export class PostgresCertificates extends pulumi.ComponentResource {
    /** PEM of the server CA certificate (public). */
    public readonly serverCaCert: pulumi.Output<string>;
    /** PEM certificate (public) and key (secret) of the client CA. */
    public readonly clientCa: { readonly cert: pulumi.Output<string>; readonly key: pulumi.Output<string> };
    /** Per region: PEM certificate and key of its server (keys secret). */
    public readonly servers: Readonly<Record<string, { cert: pulumi.Output<string>; key: pulumi.Output<string> }>>;
    /** PEM certificate and key of the `streaming_replica` client (key secret). */
    public readonly replication: { readonly cert: pulumi.Output<string>; readonly key: pulumi.Output<string> };

    constructor(name: string, args: PostgresCertificatesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("geo:postgres:PostgresCertificates", name, {}, opts);
        const a = validatePostgresCertificatesArgs(args);
        const child = { parent: this };
        const key = (role: string) =>
            new tls.PrivateKey(`${name}-${role}-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, child);
        const subject = (commonName: string) => ({ commonName, organization: "geo-data" });
        type Authority = { key: tls.PrivateKey; cert: tls.SelfSignedCert };

        const authority = (role: string, commonName: string): Authority => {
            const k = key(role);
            const cert = new tls.SelfSignedCert(
                `${name}-${role}`,
                {
                    privateKeyPem: k.privateKeyPem,
                    subject: subject(commonName),
                    isCaCertificate: true,
                    validityPeriodHours: a.caValidityHours,
                    earlyRenewalHours: a.earlyRenewalHours,
                    allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
                },
                child,
            );
            return { key: k, cert };
        };
        const signed = (ca: Authority, role: string, commonName: string, dnsNames: string[], uses: string[]) => {
            const k = key(role);
            const csr = new tls.CertRequest(
                `${name}-${role}-csr`,
                { privateKeyPem: k.privateKeyPem, subject: subject(commonName), dnsNames },
                child,
            );
            const cert = new tls.LocallySignedCert(
                `${name}-${role}-cert`,
                {
                    certRequestPem: csr.certRequestPem,
                    caPrivateKeyPem: ca.key.privateKeyPem,
                    caCertPem: ca.cert.certPem,
                    validityPeriodHours: a.validityHours,
                    earlyRenewalHours: a.earlyRenewalHours,
                    allowedUses: uses,
                },
                child,
            );
            return { cert: cert.certPem, key: pulumi.secret(k.privateKeyPem) };
        };

        const serverCa = authority("server-ca", `${a.clusterName} PostgreSQL server CA`);
        const clientCa = authority("client-ca", `${a.clusterName} PostgreSQL client CA`);
        const servers: Record<string, { cert: pulumi.Output<string>; key: pulumi.Output<string> }> = {};
        for (const region of a.regions) {
            const names = serverDnsNames(a.clusterName, a.namespace, region, a.dnsZone);
            servers[region] = signed(serverCa, `server-${region}`, `${a.clusterName}-rw`, names, [
                "digital_signature",
                "key_encipherment",
                "server_auth",
            ]);
        }
        this.serverCaCert = serverCa.cert.certPem;
        this.clientCa = { cert: clientCa.cert.certPem, key: pulumi.secret(clientCa.key.privateKeyPem) };
        this.servers = servers;
        this.replication = signed(
            clientCa,
            "replication",
            STREAMING_REPLICA_USER,
            [],
            ["digital_signature", "key_encipherment", "client_auth"],
        );
        this.registerOutputs({ serverCaCert: this.serverCaCert, clientCaCert: this.clientCa.cert });
    }

    /** What one region's cluster needs. */
    public materialFor(region: string): ClusterTlsMaterial {
        const server = this.servers[region];
        if (!server) throw new Error(`PostgresCertificates: no server certificate for ${region}`);
        return {
            serverCaCert: this.serverCaCert,
            clientCaCert: this.clientCa.cert,
            clientCaKey: this.clientCa.key,
            serverCert: server.cert,
            serverKey: server.key,
            replicationCert: this.replication.cert,
            replicationKey: this.replication.key,
        };
    }
}
