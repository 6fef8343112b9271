/**
 * The certificate machinery a component uses to mint its own TLS trust with @pulumi/tls (PostgreSQL, Redis,
 * MinIO and Kafka certificates all use it): an ECDSA P-256 CA, certificates it signs, and the validity
 * arguments every such component takes. Keys stay in Pulumi state (secret); `pulumi up` replaces a
 * certificate once it is inside `earlyRenewalHours` of its expiry (the provider marks it for replacement on
 * read), and whatever mounts it follows the new PEM.
 */
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { argChecks, dnsName, intBetween, twoRegions } from "./validate";

/** Validity arguments of a certificate-minting component. */
export interface CertificateValidityArgs {
    /** Validity of the CA, in hours. Defaults to 87600 (10 years). */
    readonly caValidityHours?: number;
    /** Validity of the certificates the CA signs, in hours. Defaults to 17520 (2 years). */
    readonly validityHours?: number;
    /** `pulumi up` replaces a certificate (and the CA) this many hours before it expires. Defaults to 1440 (60 days). */
    readonly earlyRenewalHours?: number;
}

/** CertificateValidityArgs with every default applied. */
export type ResolvedCertificateValidity = Required<CertificateValidityArgs>;

/** Applies the documented validity defaults and checks them; errors name `component`. */
export function validateCertificateValidity(
    component: string,
    args: CertificateValidityArgs,
): ResolvedCertificateValidity {
    const a: ResolvedCertificateValidity = {
        caValidityHours: args.caValidityHours ?? 87600,
        validityHours: args.validityHours ?? 17520,
        earlyRenewalHours: args.earlyRenewalHours ?? 1440,
    };
    const { check } = argChecks(component);
    check("validityHours", a.validityHours, intBetween(24 * 30, a.caValidityHours)(a.validityHours));
    check(
        "earlyRenewalHours",
        a.earlyRenewalHours,
        intBetween(24, a.validityHours - 24)(a.earlyRenewalHours) &&
            `expected an integer from 24 to ${a.validityHours - 24} (validityHours - 24)`,
    );
    return a;
}

/** The arguments every certificate component of a region pair takes besides validity. */
export interface PairCertificateArgs extends CertificateValidityArgs {
    /** The regions of the pair. */
    readonly regions: readonly string[];
    /** DNS zone of the cross-region names. */
    readonly dnsZone: string;
}

/**
 * Checks `dnsZone` and `regions` (two different ones), then applies and checks the validity defaults; errors
 * name `component`. Component-specific properties are checked by the caller before this.
 */
export function validatePairCertificateArgs<A extends PairCertificateArgs>(
    component: string,
    args: A,
): A & ResolvedCertificateValidity {
    const { check } = argChecks(component);
    check("dnsZone", args.dnsZone, dnsName(args.dnsZone));
    check("regions", args.regions, twoRegions(args.regions));
    return { ...args, ...validateCertificateValidity(component, args) };
}

/** A CA: its key (secret, never leaves the minting stack's state) and self-signed certificate. */
export interface CertificateAuthority {
    readonly key: tls.PrivateKey;
    readonly cert: tls.SelfSignedCert;
}

/** A signed certificate: PEM certificate (public) and key (secret). */
export interface SignedCertificate {
    readonly cert: pulumi.Output<string>;
    readonly key: pulumi.Output<string>;
}

/** Key usages of a server-only certificate. */
export const SERVER_USES = ["digital_signature", "key_encipherment", "server_auth"];
/** Key usages of a server certificate that also authenticates as a client to its peers (replication, cluster bus). */
export const PEER_USES = ["digital_signature", "key_encipherment", "server_auth", "client_auth"];
/** Key usages of a client-only certificate. */
export const CLIENT_USES = ["digital_signature", "key_encipherment", "client_auth"];

const subject = (commonName: string) => ({ commonName, organization: "geo-data" });

function privateKey(name: string, role: string, parent: pulumi.Resource): tls.PrivateKey {
    return new tls.PrivateKey(`${name}-${role}-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent });
}

/** A CA named `${name}-${role}` (key `${name}-${role}-key`), children of `parent`. */
export function createCertificateAuthority(
    name: string,
    role: string,
    commonName: string,
    v: ResolvedCertificateValidity,
    parent: pulumi.Resource,
): CertificateAuthority {
    const key = privateKey(name, role, parent);
    const cert = new tls.SelfSignedCert(
        `${name}-${role}`,
        {
            privateKeyPem: key.privateKeyPem,
            subject: subject(commonName),
            isCaCertificate: true,
            validityPeriodHours: v.caValidityHours,
            earlyRenewalHours: v.earlyRenewalHours,
            allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
        },
        { parent },
    );
    return { key, cert };
}

/** What a certificate names and may be used for. */
export interface CertificateSubject {
    readonly commonName: string;
    /** DNS subject alternative names (wildcards allowed in the leftmost label). */
    readonly dnsNames: readonly string[];
    /** IP subject alternative names. Defaults to none. */
    readonly ipAddresses?: readonly string[];
    /** Key usages (SERVER_USES, PEER_USES, CLIENT_USES, …). */
    readonly uses: readonly string[];
    /**
     * The form of the returned key: `sec1` (the default, `BEGIN EC PRIVATE KEY`) or `pkcs8` (`BEGIN PRIVATE
     * KEY`, which Kafka's PEM keystore requires).
     */
    readonly keyFormat?: "sec1" | "pkcs8";
}

/** A certificate signed by `ca`, named `${name}-${role}-cert` (key `-key`, request `-csr`), children of `parent`. */
export function signCertificate(
    name: string,
    role: string,
    ca: CertificateAuthority,
    s: CertificateSubject,
    v: ResolvedCertificateValidity,
    parent: pulumi.Resource,
): SignedCertificate {
    const key = privateKey(name, role, parent);
    const csr = new tls.CertRequest(
        `${name}-${role}-csr`,
        {
            privateKeyPem: key.privateKeyPem,
            subject: subject(s.commonName),
            dnsNames: [...s.dnsNames],
            ...(s.ipAddresses ? { ipAddresses: [...s.ipAddresses] } : {}),
        },
        { parent },
    );
    const cert = new tls.LocallySignedCert(
        `${name}-${role}-cert`,
        {
            certRequestPem: csr.certRequestPem,
            caPrivateKeyPem: ca.key.privateKeyPem,
            caCertPem: ca.cert.certPem,
            validityPeriodHours: v.validityHours,
            earlyRenewalHours: v.earlyRenewalHours,
            allowedUses: [...s.uses],
        },
        { parent },
    );
    const pem = s.keyFormat === "pkcs8" ? key.privateKeyPemPkcs8 : key.privateKeyPem;
    return { cert: cert.certPem, key: pulumi.secret(pem) };
}
