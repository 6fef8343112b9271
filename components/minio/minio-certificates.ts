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
import {
    CertificateValidityArgs,
    PEER_USES,
    SignedCertificate,
    createCertificateAuthority,
    signCertificate,
    validatePairCertificateArgs,
} from "../shared/certificates";
import { argChecks, dnsLabel } from "../shared/validate";
import { minioDnsNames } from "./naming";

/** What one region's tenant needs (key secret). */
export interface MinioTlsMaterial {
    readonly caCert: pulumi.Input<string>;
    readonly serverCert: pulumi.Input<string>;
    readonly serverKey: pulumi.Input<string>;
}

/** Arguments of MinioCertificates (validity: of the CA and of the server certificates). */
export interface MinioCertificatesArgs extends CertificateValidityArgs {
    /** Namespace of the tenant in every region. */
    readonly namespace: string;
    /** The regions of the pair; each gets a server certificate. */
    readonly regions: readonly string[];
    /** DNS zone of the cross-region endpoints. */
    readonly dnsZone: string;
}

/** MinioCertificatesArgs with every default applied. */
export type ResolvedMinioCertificatesArgs = Required<MinioCertificatesArgs>;

/** Applies the documented defaults and validates. */
export function validateMinioCertificatesArgs(args: MinioCertificatesArgs): ResolvedMinioCertificatesArgs {
    const { check } = argChecks("MinioCertificates");
    check("namespace", args.namespace, dnsLabel(args.namespace));
    return validatePairCertificateArgs("MinioCertificates", args);
}

/** The pair's MinIO CA and one server certificate per region. */
export class MinioCertificates extends pulumi.ComponentResource {
    /** PEM of the CA certificate (public). */
    public readonly caCert: pulumi.Output<string>;
    /** Per region: PEM certificate and key (secret) of its servers. */
    public readonly servers: Readonly<Record<string, SignedCertificate>>;

    constructor(name: string, args: MinioCertificatesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("geo:minio:MinioCertificates", name, {}, opts);
        const a = validateMinioCertificatesArgs(args);
        const ca = createCertificateAuthority(name, "ca", "geo-data MinIO CA", a, this);
        const servers: Record<string, SignedCertificate> = {};
        for (const region of a.regions) {
            const dnsNames = minioDnsNames(a.namespace, region, a.dnsZone);
            servers[region] = signCertificate(
                name,
                `server-${region}`,
                ca,
                { commonName: dnsNames[3], dnsNames, uses: PEER_USES },
                a,
                this,
            );
        }
        this.caCert = ca.cert.certPem;
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
