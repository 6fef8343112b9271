/**
 * The Kafka part of the cross-stack contract: what the primary-role stack publishes (secret) and how the other
 * stack reads it through its StackReference — the pair CA, the other region's cross-region listener
 * certificate and every Kafka user's password (MirrorMaker 2's included), so that both regions' clusters
 * accept the same credentials and either region's mirror trusts the other.
 */
import * as pulumi from "@pulumi/pulumi";
import type { KafkaTlsMaterial } from "./kafka-certificates";

/** Name of the stack output. */
export const KAFKA_PEER_OUTPUT = "kafkaPeer";

/** The value of the `kafkaPeer` stack output (all of it secret). */
export interface KafkaPeerMaterial {
    /** PEM of the pair CA. */
    readonly caCert: string;
    /** The reading (other) region's cross-region listener certificate and PKCS#8 key. */
    readonly listenerCert: string;
    readonly listenerKey: string;
    /** SCRAM password per Kafka user name. */
    readonly passwords: Record<string, string>;
}

/** The `kafkaPeer` output a primary-role stack exports, for `peerRegion`. */
export function kafkaPeerOutput(
    tls: KafkaTlsMaterial,
    passwords: pulumi.Input<Record<string, string>>,
): pulumi.Output<KafkaPeerMaterial> {
    return pulumi.secret(
        pulumi
            .all([tls.caCert, tls.listenerCert, tls.listenerKey, passwords])
            .apply(([caCert, listenerCert, listenerKey, p]) => ({
                caCert,
                listenerCert,
                listenerKey,
                passwords: p,
            })),
    );
}

/** Reads the primary-role stack's `kafkaPeer` output: this region's TLS material and the shared passwords (secret). */
export function readKafkaPeer(primaryStack: pulumi.StackReference): {
    tls: KafkaTlsMaterial;
    passwords: pulumi.Output<Record<string, string>>;
} {
    const peer = primaryStack.requireOutput(KAFKA_PEER_OUTPUT) as pulumi.Output<KafkaPeerMaterial>;
    const field = <K extends keyof KafkaPeerMaterial>(k: K) => pulumi.secret(peer.apply((p) => p[k]));
    return {
        tls: {
            caCert: field("caCert") as pulumi.Output<string>,
            listenerCert: field("listenerCert") as pulumi.Output<string>,
            listenerKey: field("listenerKey") as pulumi.Output<string>,
        },
        passwords: field("passwords") as pulumi.Output<Record<string, string>>,
    };
}
