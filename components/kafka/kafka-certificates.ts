/**
 * KafkaCertificates: the trust of the two regions' cross-region Kafka listeners, generated once (by the stack
 * with `role: primary`) and handed to the other stack through the StackReference as secret outputs.
 *
 * Strimzi keeps generating and renewing each cluster's own cluster CA for the internal listener; only the
 * `xregion` listener serves a certificate of ours (`configuration.brokerCertChainAndKey`), signed by a pair
 * CA both regions' MirrorMaker 2 trust. One certificate per region covers `*.kafka.<region>.<zone>` (every
 * broker's advertised name and the bootstrap name), so scaling the brokers needs no new certificate. Kafka
 * reads the key as a PEM keystore, which must be PKCS#8: the key is written in that form.
 */
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { argChecks, dnsName, intBetween } from "../shared/validate";
import { crossRegionHostnames } from "./naming";

/** TLS material one region's Kafka needs for its cross-region listener and its mirror (keys secret). */
export interface KafkaTlsMaterial {
    /** PEM of the pair CA (trusted by MirrorMaker 2 in either region). */
    readonly caCert: pulumi.Input<string>;
    /** PEM certificate and PKCS#8 key of this region's cross-region listener. */
    readonly listenerCert: pulumi.Input<string>;
    readonly listenerKey: pulumi.Input<string>;
}

/** Arguments of KafkaCertificates. */
export interface KafkaCertificatesArgs {
    /** The regions of the pair; each gets a listener certificate. */
    readonly regions: readonly string[];
    /** DNS zone of the cross-region names. */
    readonly dnsZone: string;
    /** Validity of the CA, in hours. Defaults to 87600 (10 years). */
    readonly caValidityHours?: number;
    /** Validity of the listener certificates, in hours. Defaults to 17520 (2 years). */
    readonly validityHours?: number;
    /** `pulumi up` replaces a certificate this many hours before it expires. Defaults to 1440 (60 days). */
    readonly earlyRenewalHours?: number;
}

/** KafkaCertificatesArgs with every default applied. */
export type ResolvedKafkaCertificatesArgs = Required<KafkaCertificatesArgs>;

/** Applies the documented defaults and validates; throws naming the property, the value and what is allowed. */
export function validateKafkaCertificatesArgs(args: KafkaCertificatesArgs): ResolvedKafkaCertificatesArgs {
    const a: ResolvedKafkaCertificatesArgs = {
        ...args,
        caValidityHours: args.caValidityHours ?? 87600,
        validityHours: args.validityHours ?? 17520,
        earlyRenewalHours: args.earlyRenewalHours ?? 1440,
    };
    const { check } = argChecks("KafkaCertificates");
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

/** The DNS names of a region's cross-region listener certificate: the wildcard of its Kafka domain and the bootstrap. */
export function listenerDnsNames(region: string, dnsZone: string): string[] {
    const h = crossRegionHostnames(region, dnsZone);
    return [h.wildcard, h.bootstrap];
}

/** The pair CA and one cross-region listener certificate per region. */
export class KafkaCertificates extends pulumi.ComponentResource {
    /** PEM of the pair CA certificate (public). */
    public readonly caCert: pulumi.Output<string>;
    /** Per region: PEM certificate and PKCS#8 key (secret) of its cross-region listener. */
    public readonly listeners: Readonly<Record<string, { cert: pulumi.Output<string>; key: pulumi.Output<string> }>>;

    constructor(name: string, args: KafkaCertificatesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("geo:kafka:KafkaCertificates", name, {}, opts);
        const a = validateKafkaCertificatesArgs(args);
        const child = { parent: this };
        const key = (role: string) =>
            new tls.PrivateKey(`${name}-${role}-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, child);
        const subject = (commonName: string) => ({ commonName, organization: "geo-data" });
        const caKey = key("ca");
        const ca = new tls.SelfSignedCert(
            `${name}-ca`,
            {
                privateKeyPem: caKey.privateKeyPem,
                subject: subject("Kafka cross-region CA"),
                isCaCertificate: true,
                validityPeriodHours: a.caValidityHours,
                earlyRenewalHours: a.earlyRenewalHours,
                allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
            },
            child,
        );
        const listeners: Record<string, { cert: pulumi.Output<string>; key: pulumi.Output<string> }> = {};
        for (const region of a.regions) {
            const k = key(`listener-${region}`);
            const names = listenerDnsNames(region, a.dnsZone);
            const csr = new tls.CertRequest(
                `${name}-listener-${region}-csr`,
                { privateKeyPem: k.privateKeyPem, subject: subject(names[1]), dnsNames: names },
                child,
            );
            const cert = new tls.LocallySignedCert(
                `${name}-listener-${region}-cert`,
                {
                    certRequestPem: csr.certRequestPem,
                    caPrivateKeyPem: caKey.privateKeyPem,
                    caCertPem: ca.certPem,
                    validityPeriodHours: a.validityHours,
                    earlyRenewalHours: a.earlyRenewalHours,
                    allowedUses: ["digital_signature", "key_encipherment", "server_auth"],
                },
                child,
            );
            listeners[region] = { cert: cert.certPem, key: pulumi.secret(k.privateKeyPemPkcs8) };
        }
        this.caCert = ca.certPem;
        this.listeners = listeners;
        this.registerOutputs({ caCert: this.caCert });
    }

    /** What one region's Kafka needs. */
    public materialFor(region: string): KafkaTlsMaterial {
        const l = this.listeners[region];
        if (!l) throw new Error(`KafkaCertificates: no listener certificate for ${region}`);
        return { caCert: this.caCert, listenerCert: l.cert, listenerKey: l.key };
    }
}
