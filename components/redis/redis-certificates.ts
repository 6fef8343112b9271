/**
 * RedisCertificates: the TLS trust of the pair's Redis instances, generated once (by the stack with
 * `role: primary`, or a secondary with `mintCertificates`) and handed to the other stack through the
 * StackReference as secret outputs (`redisPeerTls`), like PostgresCertificates.
 *
 * Each instance has its own CA, shared by the two regions: Redis verifies only that a peer's certificate
 * chains to `tls-ca-cert-file`, never the peer's hostname (components/redis/tls-conf.ts), so the CA is the
 * whole trust anchor — a sessions replica accepts only a certificate signed by the sessions CA, which signs
 * nothing but the sessions pods' (and Sentinels') certificates of the two regions; a cache key cannot
 * impersonate the sessions master. Per instance and region one server certificate names every name a client
 * or peer connects to (for clients that do verify hostnames); it is also the pods' client certificate to
 * their peers (replication, cluster bus, Sentinel), hence server_auth + client_auth. One client certificate per
 * instance is for applications when `tls-auth-clients yes`. Renewed by `pulumi up` inside `earlyRenewalHours`.
 */
import * as pulumi from "@pulumi/pulumi";
import { REDIS_MAX_SESSIONS_REPLICAS } from "../../config/redis";
import {
    CLIENT_USES,
    CertificateValidityArgs,
    PEER_USES,
    SignedCertificate,
    createCertificateAuthority,
    signCertificate,
    validateCertificateValidity,
} from "../shared/certificates";
import { regionalHostname } from "../shared/naming";
import { argChecks, dnsLabel, dnsName, twoRegions } from "../shared/validate";
import { redisReplicatedNames, podServiceName } from "./redis-replicated-args";
import { redisServerNames } from "./server-set";

/** How an instance runs: cluster mode (a region's cache) or Sentinel mode across the regions (sessions). */
export type RedisTlsKind = "cluster" | "replicated";

/** TLS material of one instance in one region (keys secret). */
export interface RedisTlsMaterial {
    /** PEM of the instance's CA (shared by the regions). */
    readonly caCert: pulumi.Input<string>;
    /** PEM certificate and key of this region's pods (server and peer-client certificate). */
    readonly cert: pulumi.Input<string>;
    readonly key: pulumi.Input<string>;
    /** PEM certificate and key of the applications' client certificate (for `tls-auth-clients yes`). */
    readonly clientCert: pulumi.Input<string>;
    readonly clientKey: pulumi.Input<string>;
}

/** Arguments of RedisCertificates. */
export interface RedisCertificatesArgs extends CertificateValidityArgs {
    /** The instances (`cache`, `sessions`) and how each runs. */
    readonly instances: readonly { readonly instance: string; readonly kind: RedisTlsKind }[];
    /** Namespace of the Redis workloads in every region. */
    readonly namespace: string;
    /** The regions of the pair; each gets a server certificate per instance. */
    readonly regions: readonly string[];
    /** DNS zone of the cross-region endpoints. */
    readonly dnsZone: string;
}

/** The in-cluster forms of a Service name: `svc`, `svc.ns`, `svc.ns.svc`, `svc.ns.svc.cluster.local`. */
function serviceForms(service: string, namespace: string): string[] {
    return [
        service,
        `${service}.${namespace}`,
        `${service}.${namespace}.svc`,
        `${service}.${namespace}.svc.cluster.local`,
    ];
}

/** The pods behind a headless Service: `*.<headless>.<ns>.svc[.cluster.local]` and the Service's own forms. */
function headlessForms(headless: string, namespace: string): string[] {
    return [
        ...serviceForms(headless, namespace),
        `*.${headless}.${namespace}.svc`,
        `*.${headless}.${namespace}.svc.cluster.local`,
    ];
}

/** Loopback names: probes, the exporter (`rediss://127.0.0.1`, which Go verifies as an IP SAN) and sidecars. */
export const LOOPBACK_NAMES = { dns: ["localhost"], ip: ["127.0.0.1"] } as const;

/**
 * The DNS names of an instance's server certificate in `region`. Cluster mode: the client and headless
 * Services and every pod name (a wildcard under the headless Service, which MOVED redirects name). Sentinel
 * mode: the read, headless and primary Services, the per-pod Services every pod announces
 * (`redis-<instance>-<region>-N`, N up to the largest allowed count, so the peer stack need not know this
 * region's replica count), the Sentinels' Services and pods, and the cross-region endpoint this region's
 * master is published as, `redis-<instance>.<region>.<dnsZone>`.
 */
export function redisServerDnsNames(
    instance: string,
    kind: RedisTlsKind,
    namespace: string,
    region: string,
    dnsZone: string,
): string[] {
    if (kind === "cluster") {
        const n = redisServerNames(`redis-${instance}`);
        return [...serviceForms(n.base, namespace), ...headlessForms(n.headless, namespace), ...LOOPBACK_NAMES.dns];
    }
    const n = redisReplicatedNames(instance);
    const pods = Array.from({ length: REDIS_MAX_SESSIONS_REPLICAS }, (_, i) => podServiceName(instance, region, i));
    return [
        ...serviceForms(n.read, namespace),
        ...headlessForms(n.headless, namespace),
        ...serviceForms(n.primary, namespace),
        ...pods.flatMap((p) => [`${p}.${namespace}.svc`, `${p}.${namespace}.svc.cluster.local`]),
        ...serviceForms(n.sentinel, namespace),
        ...headlessForms(n.sentinelHeadless, namespace),
        regionalHostname(n.base, region, dnsZone),
        ...LOOPBACK_NAMES.dns,
    ];
}

/** Every instance's CA, server certificate per region and client certificate. */
export class RedisCertificates extends pulumi.ComponentResource {
    /** Per instance: PEM of its CA certificate (public). */
    public readonly caCerts: Readonly<Record<string, pulumi.Output<string>>>;
    private readonly servers: Record<string, Record<string, SignedCertificate>> = {};
    private readonly clients: Record<string, SignedCertificate> = {};

    constructor(name: string, args: RedisCertificatesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("geo:redis:RedisCertificates", name, {}, opts);
        const v = validateCertificateValidity("RedisCertificates", args);
        const { check } = argChecks("RedisCertificates");
        check("namespace", args.namespace, dnsLabel(args.namespace));
        check("dnsZone", args.dnsZone, dnsName(args.dnsZone));
        check("regions", args.regions, twoRegions(args.regions));
        const caCerts: Record<string, pulumi.Output<string>> = {};
        for (const { instance, kind } of args.instances) {
            check("instance", instance, dnsLabel(instance));
            const ca = createCertificateAuthority(name, `${instance}-ca`, `redis-${instance} CA`, v, this);
            caCerts[instance] = ca.cert.certPem;
            this.servers[instance] = {};
            for (const region of args.regions) {
                this.servers[instance][region] = signCertificate(
                    name,
                    `${instance}-server-${region}`,
                    ca,
                    {
                        commonName: `redis-${instance}`,
                        dnsNames: redisServerDnsNames(instance, kind, args.namespace, region, args.dnsZone),
                        ipAddresses: LOOPBACK_NAMES.ip,
                        uses: PEER_USES,
                    },
                    v,
                    this,
                );
            }
            this.clients[instance] = signCertificate(
                name,
                `${instance}-client`,
                ca,
                { commonName: `redis-${instance}-client`, dnsNames: [], uses: CLIENT_USES },
                v,
                this,
            );
        }
        this.caCerts = caCerts;
        this.registerOutputs({ caCerts });
    }

    /** What one region's pods of every instance need, by instance. */
    public materialFor(region: string): Record<string, RedisTlsMaterial> {
        const out: Record<string, RedisTlsMaterial> = {};
        for (const [instance, byRegion] of Object.entries(this.servers)) {
            const server = byRegion[region];
            if (!server) throw new Error(`RedisCertificates: no certificate of ${instance} for ${region}`);
            out[instance] = {
                caCert: this.caCerts[instance],
                cert: server.cert,
                key: server.key,
                clientCert: this.clients[instance].cert,
                clientKey: this.clients[instance].key,
            };
        }
        return out;
    }
}
