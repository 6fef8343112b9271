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
import {
    CertificateValidityArgs,
    SERVER_USES,
    SignedCertificate,
    createCertificateAuthority,
    signCertificate,
    validatePairCertificateArgs,
} from "../shared/certificates";
import { crossRegionHostnames } from "./naming";

/** TLS material one region's Kafka needs for its cross-region listener and its mirror (keys secret). */
export interface KafkaTlsMaterial {
    /** PEM of the pair CA (trusted by MirrorMaker 2 in either region). */
    readonly caCert: pulumi.Input<string>;
    /** PEM certificate and PKCS#8 key of this region's cross-region listener. */
    readonly listenerCert: pulumi.Input<string>;
    readonly listenerKey: pulumi.Input<string>;
}

/** Arguments of KafkaCertificates (validity: of the CA and of the listener certificates). */
export interface KafkaCertificatesArgs extends CertificateValidityArgs {
    /** The regions of the pair; each gets a listener certificate. */
    readonly regions: readonly string[];
    /** DNS zone of the cross-region names. */
    readonly dnsZone: string;
}

/** KafkaCertificatesArgs with every default applied. */
export type ResolvedKafkaCertificatesArgs = Required<KafkaCertificatesArgs>;

/** Applies the documented defaults and validates; throws naming the property, the value and what is allowed. */
export function validateKafkaCertificatesArgs(args: KafkaCertificatesArgs): ResolvedKafkaCertificatesArgs {
    return validatePairCertificateArgs("KafkaCertificates", args);
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
    public readonly listeners: Readonly<Record<string, SignedCertificate>>;

    constructor(name: string, args: KafkaCertificatesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("geo:kafka:KafkaCertificates", name, {}, opts);
        const a = validateKafkaCertificatesArgs(args);
        const ca = createCertificateAuthority(name, "ca", "Kafka cross-region CA", a, this);
        const listeners: Record<string, SignedCertificate> = {};
        for (const region of a.regions) {
            const names = listenerDnsNames(region, a.dnsZone);
            listeners[region] = signCertificate(
                name,
                `listener-${region}`,
                ca,
                { commonName: names[1], dnsNames: names, uses: SERVER_USES, keyFormat: "pkcs8" },
                a,
                this,
            );
        }
        this.caCert = ca.cert.certPem;
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
