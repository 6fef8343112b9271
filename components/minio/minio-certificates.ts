/**
 * MinioCertificates: the TLS trust the two regions' MinIO tenants share, generated once (by the stack with
 * `role: primary`, or a secondary with `mintCertificates`) and handed to the other stack through the
 * StackReference as a secret output, like PostgresCertificates.
 *
 * One CA signs a server certificate per region carrying every in-cluster name of the tenant's Services and
 * pods plus the region's cross-region endpoint `minio.<region>.<dnsZone>`. Each tenant trusts the CA
 * (spec.externalCaCertSecret → /tmp/certs/CAs), so a region's MinIO verifies the peer when it replicates,
 * and the setup Job verifies both. The operator's auto-cert (requestAutoCert) is off: its certificates
 * come from each cluster's own Kubernetes CA, which the other region does not trust, and carry no
 * cross-region name.
 */
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { argChecks, dnsLabel, dnsName } from "../shared/validate";
import { minioDnsNames } from "./naming";

/** What one region's tenant needs (key secret). */
export interface MinioTlsMaterial {
    readonly caCert: pulumi.Input<string>;
    readonly serverCert: pulumi.Input<string>;
    readonly serverKey: pulumi.Input<string>;
}

/** Arguments of MinioCertificates. */
export interface MinioCertificatesArgs {
    /** Namespace of the tenant in every region. */
    readonly namespace: string;
    /** The regions of the pair; each gets a server certificate. */
    readonly regions: readonly string[];
    /** DNS zone of the cross-region endpoints. */
    readonly dnsZone: string;
    /** Validity of the CA, in hours. Defaults to 87600 (10 years). */
    readonly caValidityHours?: number;
    /** Validity of the server certificates, in hours. Defaults to 17520 (2 years). */
    readonly validityHours?: number;
    /** `pulumi up` replaces a certificate this many hours before it expires. Defaults to 1440 (60 days). */
    readonly earlyRenewalHours?: number;
}

/** MinioCertificatesArgs with every default applied. */
export type ResolvedMinioCertificatesArgs = Required<MinioCertificatesArgs>;

/** Applies the documented defaults and validates. */
export function validateMinioCertificatesArgs(args: MinioCertificatesArgs): ResolvedMinioCertificatesArgs {
    const a: ResolvedMinioCertificatesArgs = {
        ...args,
        caValidityHours: args.caValidityHours ?? 87600,
        validityHours: args.validityHours ?? 17520,
        earlyRenewalHours: args.earlyRenewalHours ?? 1440,
    };
    const { check } = argChecks("MinioCertificates");
    check("namespace", a.namespace, dnsLabel(a.namespace));
    check("dnsZone", a.dnsZone, dnsName(a.dnsZone));
    check(
        "regions",
        a.regions,
        a.regions.length === 2 && a.regions[0] !== a.regions[1] ? undefined : "expected two different regions",
    );
    check(
        "earlyRenewalHours",
        a.earlyRenewalHours,
        a.earlyRenewalHours >= 24 && a.earlyRenewalHours < a.validityHours && a.validityHours <= a.caValidityHours
            ? undefined
            : "expected 24 <= earlyRenewalHours < validityHours <= caValidityHours",
    );
    return a;
}

/** The pair's MinIO CA and one server certificate per region. */
export class MinioCertificates extends pulumi.ComponentResource {
    /** PEM of the CA certificate (public). */
    public readonly caCert: pulumi.Output<string>;
    /** Per region: PEM certificate and key (secret) of its servers. */
    public readonly servers: Readonly<Record<string, { cert: pulumi.Output<string>; key: pulumi.Output<string> }>>;

    constructor(name: string, args: MinioCertificatesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("geo:minio:MinioCertificates", name, {}, opts);
        const a = validateMinioCertificatesArgs(args);
        const child = { parent: this };
        const key = (role: string) =>
            new tls.PrivateKey(`${name}-${role}-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, child);
        const subject = (commonName: string) => ({ commonName, organization: "geo-data" });
        const caKey = key("ca");
        const ca = new tls.SelfSignedCert(
            `${name}-ca`,
            {
                privateKeyPem: caKey.privateKeyPem,
                subject: subject("geo-data MinIO CA"),
                isCaCertificate: true,
                validityPeriodHours: a.caValidityHours,
                earlyRenewalHours: a.earlyRenewalHours,
                allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
            },
            child,
        );
        const servers: Record<string, { cert: pulumi.Output<string>; key: pulumi.Output<string> }> = {};
        for (const region of a.regions) {
            const k = key(`server-${region}`);
            const dnsNames = minioDnsNames(a.namespace, region, a.dnsZone);
            const csr = new tls.CertRequest(
                `${name}-server-${region}-csr`,
                { privateKeyPem: k.privateKeyPem, subject: subject(dnsNames[3]), dnsNames },
                child,
            );
            const cert = new tls.LocallySignedCert(
                `${name}-server-${region}-cert`,
                {
                    certRequestPem: csr.certRequestPem,
                    caPrivateKeyPem: caKey.privateKeyPem,
                    caCertPem: ca.certPem,
                    validityPeriodHours: a.validityHours,
                    earlyRenewalHours: a.earlyRenewalHours,
                    allowedUses: ["digital_signature", "key_encipherment", "server_auth", "client_auth"],
                },
                child,
            );
            servers[region] = { cert: cert.certPem, key: pulumi.secret(k.privateKeyPem) };
        }
        this.caCert = ca.certPem;
        this.servers = servers;
        this.registerOutputs({ caCert: this.caCert });
    }

    /** What one region's tenant needs. */
    public materialFor(region: string): MinioTlsMaterial {
        const s = this.servers[region];
        if (!s) throw new Error(`MinioCertificates: no server certificate for ${region}`);
        return { caCert: this.caCert, serverCert: s.cert, serverKey: s.key };
    }
}
