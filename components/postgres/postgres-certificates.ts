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
import {
    CLIENT_USES,
    CertificateValidityArgs,
    SERVER_USES,
    SignedCertificate,
    createCertificateAuthority,
    signCertificate,
    validatePairCertificateArgs,
} from "../shared/certificates";
import { regionalHostname } from "../shared/naming";
import { argChecks, dnsLabel } from "../shared/validate";
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

/** Arguments of PostgresCertificates (validity: of the CAs and of the server and client certificates). */
export interface PostgresCertificatesArgs extends CertificateValidityArgs {
    /** Kubernetes name of the Cluster in every region (its services are `<name>-rw/-ro/-r`). */
    readonly clusterName: string;
    /** Namespace of the Cluster in every region. */
    readonly namespace: string;
    /** The regions of the pair; each gets a server certificate. */
    readonly regions: readonly string[];
    /** DNS zone of the cross-region endpoints. */
    readonly dnsZone: string;
}

/** PostgresCertificatesArgs with every default applied. */
export type ResolvedPostgresCertificatesArgs = Required<PostgresCertificatesArgs>;

/** Applies the documented defaults and validates; throws naming the property, the value and what is allowed. */
export function validatePostgresCertificatesArgs(args: PostgresCertificatesArgs): ResolvedPostgresCertificatesArgs {
    const { check } = argChecks("PostgresCertificates");
    check("clusterName", args.clusterName, dnsLabel(args.clusterName));
    check("namespace", args.namespace, dnsLabel(args.namespace));
    return validatePairCertificateArgs("PostgresCertificates", args);
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
    public readonly servers: Readonly<Record<string, SignedCertificate>>;
    /** PEM certificate and key of the `streaming_replica` client (key secret). */
    public readonly replication: SignedCertificate;

    constructor(name: string, args: PostgresCertificatesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("geo:postgres:PostgresCertificates", name, {}, opts);
        const a = validatePostgresCertificatesArgs(args);
        const serverCa = createCertificateAuthority(
            name,
            "server-ca",
            `${a.clusterName} PostgreSQL server CA`,
            a,
            this,
        );
        const clientCa = createCertificateAuthority(
            name,
            "client-ca",
            `${a.clusterName} PostgreSQL client CA`,
            a,
            this,
        );
        const servers: Record<string, SignedCertificate> = {};
        for (const region of a.regions) {
            const dnsNames = serverDnsNames(a.clusterName, a.namespace, region, a.dnsZone);
            const subject = { commonName: `${a.clusterName}-rw`, dnsNames, uses: SERVER_USES };
            servers[region] = signCertificate(name, `server-${region}`, serverCa, subject, a, this);
        }
        this.serverCaCert = serverCa.cert.certPem;
        this.clientCa = { cert: clientCa.cert.certPem, key: pulumi.secret(clientCa.key.privateKeyPem) };
        this.servers = servers;
        const replica = { commonName: STREAMING_REPLICA_USER, dnsNames: [], uses: CLIENT_USES };
        this.replication = signCertificate(name, "replication", clientCa, replica, a, this);
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
