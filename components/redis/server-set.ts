/**
 * One Redis server set: the objects every Redis StatefulSet of geo-data is made of — the auth Secret (or
 * another set's), a ConfigMap of its files, a headless and a client Service whose ports come from the
 * containers, the StatefulSet (config-hash annotation, a data claim or an emptyDir), a PDB and optionally the
 * ServiceMonitor and PrometheusRule. RedisCluster's nodes, RedisReplicated's data pods and its Sentinels are
 * users of it.
 *
 * A function, not a nested component: an extra parent level would change the URNs of the protected
 * StatefulSets. It registers its objects in a fixed order; the hooks `beforeStatefulSet` and `afterPdb` let a
 * caller add its own objects at the two places where they belong (what the StatefulSet waits for; what comes
 * before the monitor).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { renderAuthConf, renderSentinelAuthConf } from "./conf";
import { meta } from "../shared/k8s";
import { createTlsSecret } from "../shared/secrets";
import type { TlsAuthClients } from "../../config/redis";
import type { RedisTlsMaterial } from "./redis-certificates";
import { imageTag, selectorLabels, standardLabels } from "../shared/labels";
import { AlertRule, monitoringResource, prometheusRuleSpec, serviceMonitorSpec } from "../monitoring/monitors";
import {
    SECRET_KEYS,
    TLS_SECRET_KEYS,
    clusterIpServiceSpec,
    dataClaim,
    headlessServiceSpec,
    podSpec,
    serviceLabels,
    servicePort,
    shortHash,
} from "./workload";

/** The StatefulSet fields a claim-backed set keeps from its creation (see createRedisServerSet). */
export const VOLUME_CLAIM_TEMPLATES_IGNORED = ["spec.volumeClaimTemplates"] as const;

type Container = k8s.types.input.core.v1.Container;
type ServicePort = k8s.types.input.core.v1.ServicePort;
type StatefulSetSpec = k8s.types.input.apps.v1.StatefulSetSpec;
type Volume = k8s.types.input.core.v1.Volume;

/** Kubernetes names of a server set's objects. */
export interface RedisServerSetNames {
    /** The StatefulSet and its PDB; pods are `<base>-<ordinal>`. */
    readonly base: string;
    /** The headless Service (stable pod DNS names). */
    readonly headless: string;
    /** The client (ClusterIP) Service. */
    readonly client: string;
    /** The ConfigMap of `files`. */
    readonly configMap: string;
    /** The auth Secret (created here or read from another set). */
    readonly secret: string;
}

/**
 * The names a Redis workload derives from its base name `redis-<instance>`: `<base>-headless`, the ConfigMap
 * `<base>-config`, the Secret `<base>-auth`, the TLS Secrets `<base>-tls` (the pods' certificate, key and CA),
 * `<base>-ca` (the CA alone, for clients) and `<base>-client-tls` (the applications' client certificate,
 * with `tls-auth-clients yes`), the ServiceMonitor `<base>` and the PrometheusRule `<base>-alerts`.
 */
export function redisServerNames(base: string) {
    return {
        base,
        headless: `${base}-headless`,
        configMap: `${base}-config`,
        secret: `${base}-auth`,
        tls: `${base}-tls`,
        ca: `${base}-ca`,
        clientTls: `${base}-client-tls`,
        serviceMonitor: base,
        alerts: `${base}-alerts`,
    };
}

/** What a server set is made of: plain data, no resources (redisStatefulSetSpec renders it). */
export interface RedisServerSetSpec {
    readonly names: RedisServerSetNames;
    readonly namespace: string;
    /** `app.kubernetes.io/instance` (a RedisReplicated's Sentinels carry its data set's). */
    readonly instance: string;
    /** `app.kubernetes.io/component`: "cluster", "server" or "sentinel". */
    readonly component: string;
    /** The server image; its tag is `app.kubernetes.io/version`. */
    readonly image: string;
    readonly replicas: number;
    /** "Parallel" for peers (cluster nodes, Sentinels); "OrderedReady" where pod 0 must come up first. */
    readonly podManagementPolicy: "Parallel" | "OrderedReady";
    /** The client Service's `geo-data/service` label and the suffix of its Pulumi name: "client" or "read". */
    readonly clientRole: string;
    /** The pods' ServiceAccount. Defaults to none. */
    readonly serviceAccountName?: string;
    /** Init containers. Defaults to none. */
    readonly initContainers?: Container[];
    /**
     * The containers, the server first: the client Service exposes the server's first port, the headless
     * Service every container port, in order.
     */
    readonly containers: Container[];
    /** Pod volumes other than "data". */
    readonly volumes: Volume[];
    /** The ConfigMap's files, by key. */
    readonly files: Readonly<Record<string, string>>;
    /** The pods' `geo-data/config-hash` annotation. Defaults to the shortHash of the files, in order. */
    readonly configHash?: string;
    /**
     * The pods' `geo-data/tls-hash` annotation, a hash of their certificate: Redis reads its certificate at
     * start, so a certificate renewed by `pulumi up` rolls the pods. Defaults to none (no annotation).
     */
    readonly tlsHash?: pulumi.Input<string>;
    /** Each pod's "data" volume claim (retained when the set is deleted or scaled). Defaults to none (an emptyDir). */
    readonly claim?: { readonly storageClass: string; readonly size: string };
    /** Size limit of the "data" emptyDir used when there is no claim. Defaults to "16Mi". */
    readonly scratchSize?: string;
}

/** The labels of every object of the set and the pods' selector. */
export function redisServerSetLabels(spec: Pick<RedisServerSetSpec, "instance" | "component" | "image">) {
    const ids = { app: "redis", instance: spec.instance, component: spec.component };
    return { labels: standardLabels({ ...ids, version: imageTag(spec.image) }), selector: selectorLabels(ids) };
}

/** The Service ports of the set: every container port for the headless Service, the server's first for the client. */
export function redisServerSetPorts(containers: readonly Container[]): {
    headless: ServicePort[];
    client: ServicePort[];
} {
    const ports = (c: Container) =>
        ((c.ports ?? []) as { name: string; containerPort: number }[]).map((p) => servicePort(p.name, p.containerPort));
    return { headless: containers.flatMap(ports), client: ports(containers[0]).slice(0, 1) };
}

/** The StatefulSet spec of a server set. Pure. */
export function redisStatefulSetSpec(spec: RedisServerSetSpec): StatefulSetSpec {
    const { labels, selector } = redisServerSetLabels(spec);
    const configHash = spec.configHash ?? shortHash(...Object.values(spec.files));
    const volumes = spec.claim
        ? spec.volumes
        : [{ name: "data", emptyDir: { sizeLimit: spec.scratchSize ?? "16Mi" } }, ...spec.volumes];
    return {
        serviceName: spec.names.headless,
        replicas: spec.replicas,
        podManagementPolicy: spec.podManagementPolicy,
        updateStrategy: { type: "RollingUpdate" },
        ...(spec.claim
            ? { persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" } }
            : {}),
        selector: { matchLabels: selector },
        template: {
            metadata: {
                labels,
                annotations: {
                    "geo-data/config-hash": configHash,
                    ...(spec.tlsHash !== undefined ? { "geo-data/tls-hash": spec.tlsHash } : {}),
                },
            },
            spec: podSpec(selector, {
                ...(spec.serviceAccountName ? { serviceAccountName: spec.serviceAccountName } : {}),
                ...(spec.initContainers ? { initContainers: spec.initContainers } : {}),
                containers: spec.containers,
                volumes,
            }),
        },
        ...(spec.claim
            ? { volumeClaimTemplates: [dataClaim(selector, spec.claim.storageClass, spec.claim.size)] }
            : {}),
    };
}

/** The set's labels, selector and Secrets: what the hooks build on. */
export interface RedisServerSetParts {
    readonly labels: Record<string, string>;
    readonly selector: Record<string, string>;
    readonly secret: k8s.core.v1.Secret;
    /** The TLS Secret the pods mount (created here or read from another set). */
    readonly tlsSecret: k8s.core.v1.Secret;
}

/** A created server set. */
export interface RedisServerSet extends RedisServerSetParts {
    readonly configMap: k8s.core.v1.ConfigMap;
    readonly headless: k8s.core.v1.Service;
    readonly statefulSet: k8s.apps.v1.StatefulSet;
}

/** How createRedisServerSet creates the set: the resources and the differences between its users. */
export interface RedisServerSetOptions {
    /**
     * The auth Secret: created from a password (auth.conf and the bare password, plus the Sentinels'
     * auth-pass file when `sentinelMasterName` is set), or another set's Secret, read.
     */
    readonly auth:
        | { readonly password: pulumi.Output<string>; readonly sentinelMasterName?: string }
        | { readonly secret: k8s.core.v1.Secret };
    /**
     * The TLS Secrets: created from the instance's material (`redis-<instance>-tls` for the pods, `-ca` for
     * clients and, with `authClients` yes, `-client-tls` for applications), or another set's TLS Secret, read.
     */
    readonly tls:
        | { readonly material: RedisTlsMaterial; readonly authClients: TlsAuthClients }
        | { readonly secret: k8s.core.v1.Secret };
    /** Pulumi name of the StatefulSet. Defaults to `<name>-statefulset`. */
    readonly statefulSetName?: string;
    /** `protect` on the StatefulSet. Defaults to none (not protected). */
    readonly protect?: boolean;
    /** What the StatefulSet waits for besides its ConfigMap, Secret and headless Service. Defaults to none. */
    readonly dependsOn?: pulumi.Resource[];
    /** Creates objects after the Services; the StatefulSet waits for those it returns. Defaults to none. */
    readonly beforeStatefulSet?: (parts: RedisServerSetParts) => pulumi.Resource[];
    /** Creates objects after the PDB, before the monitor. Defaults to none. */
    readonly afterPdb?: (set: RedisServerSet) => void;
    /** The ServiceMonitor (named `names.base`, scraping the headless Service's "metrics" port) and alerts. Defaults to none. */
    readonly monitor?: {
        readonly alerts: string;
        readonly rules: readonly AlertRule[];
        readonly dependsOn: pulumi.Resource[];
    };
}

/**
 * The TLS Secrets of an instance (Pulumi names `<name>-tls-server`, `-tls-ca`, `-tls-client`): the pods'
 * certificate, key and CA (type kubernetes.io/tls), the CA alone for clients, and with `authClients` yes
 * the applications' client certificate. Returns the pods' Secret.
 */
export function createRedisTlsSecrets(
    name: string,
    names: Pick<ReturnType<typeof redisServerNames>, "tls" | "ca" | "clientTls">,
    namespace: string,
    labels: Record<string, string>,
    tls: { readonly material: RedisTlsMaterial; readonly authClients: TlsAuthClients },
    parent: pulumi.Resource,
): k8s.core.v1.Secret {
    const scope = { name, namespace, labels, parent };
    const m = tls.material;
    const server = createTlsSecret(scope, "server", names.tls, "kubernetes.io/tls", {
        [TLS_SECRET_KEYS.cert]: m.cert,
        [TLS_SECRET_KEYS.key]: pulumi.secret(m.key),
        [TLS_SECRET_KEYS.ca]: m.caCert,
    });
    createTlsSecret(scope, "ca", names.ca, "Opaque", { [TLS_SECRET_KEYS.ca]: m.caCert });
    if (tls.authClients === "yes") {
        createTlsSecret(scope, "client", names.clientTls, "kubernetes.io/tls", {
            [TLS_SECRET_KEYS.cert]: m.clientCert,
            [TLS_SECRET_KEYS.key]: pulumi.secret(m.clientKey),
            [TLS_SECRET_KEYS.ca]: m.caCert,
        });
    }
    return server;
}

/**
 * Creates a server set as children of `parent`, Pulumi names `<name>-auth`, `-tls-server`, `-tls-ca`,
 * (`-tls-client`), `-config`, `-headless`, `-<clientRole>`, `-statefulset`, `-pdb`, `-servicemonitor` and
 * `-alerts`, in that order.
 */
export function createRedisServerSet(
    name: string,
    spec: RedisServerSetSpec,
    parent: pulumi.Resource,
    opts: RedisServerSetOptions,
): RedisServerSet {
    const n = spec.names;
    const ns = spec.namespace;
    const { labels, selector } = redisServerSetLabels(spec);
    const auth = opts.auth;
    const secret =
        "secret" in auth
            ? auth.secret
            : new k8s.core.v1.Secret(
                  `${name}-auth`,
                  {
                      metadata: meta(n.secret, ns, labels),
                      type: "Opaque",
                      stringData: {
                          [SECRET_KEYS.authConf]: pulumi.secret(auth.password.apply(renderAuthConf)),
                          [SECRET_KEYS.password]: auth.password,
                          ...(auth.sentinelMasterName !== undefined
                              ? {
                                    [SECRET_KEYS.sentinelAuthConf]: pulumi.secret(
                                        auth.password.apply((p) => renderSentinelAuthConf(auth.sentinelMasterName!, p)),
                                    ),
                                }
                              : {}),
                      },
                  },
                  { parent },
              );
    const tlsSecret =
        "secret" in opts.tls
            ? opts.tls.secret
            : createRedisTlsSecrets(name, redisServerNames(n.base), ns, labels, opts.tls, parent);
    const configMap = new k8s.core.v1.ConfigMap(
        `${name}-config`,
        { metadata: meta(n.configMap, ns, labels), data: { ...spec.files } },
        { parent },
    );
    const ports = redisServerSetPorts(spec.containers);
    const headless = new k8s.core.v1.Service(
        `${name}-headless`,
        {
            metadata: meta(n.headless, ns, serviceLabels(labels, "headless")),
            spec: headlessServiceSpec(selector, ports.headless),
        },
        { parent },
    );
    new k8s.core.v1.Service(
        `${name}-${spec.clientRole}`,
        {
            metadata: meta(n.client, ns, serviceLabels(labels, spec.clientRole)),
            spec: clusterIpServiceSpec(selector, ports.client),
        },
        { parent },
    );
    const extra = opts.beforeStatefulSet?.({ labels, selector, secret, tlsSecret }) ?? [];
    const statefulSet = new k8s.apps.v1.StatefulSet(
        opts.statefulSetName ?? `${name}-statefulset`,
        { metadata: meta(n.base, ns, labels), spec: redisStatefulSetSpec(spec) },
        {
            parent,
            dependsOn: [configMap, secret, tlsSecret, headless, ...(opts.dependsOn ?? []), ...extra],
            protect: opts.protect,
            // A StatefulSet's volumeClaimTemplates are immutable (the API server refuses the update, and
            // Pulumi would delete and recreate the set, or stop at `protect`): a later redisStorageSize or
            // storageClass change must not touch a running set. Existing volumes are grown in place instead
            // (docs/redis.md "Growing the data volumes"); npm run apply-check proves the update is accepted.
            ...(spec.claim ? { ignoreChanges: [...VOLUME_CLAIM_TEMPLATES_IGNORED] } : {}),
        },
    );
    new k8s.policy.v1.PodDisruptionBudget(
        `${name}-pdb`,
        { metadata: meta(n.base, ns, labels), spec: { maxUnavailable: 1, selector: { matchLabels: selector } } },
        { parent },
    );
    const set = { labels, selector, secret, tlsSecret, configMap, headless, statefulSet };
    opts.afterPdb?.(set);

    if (opts.monitor) {
        const monOpts = { parent, dependsOn: opts.monitor.dependsOn };
        monitoringResource(
            `${name}-servicemonitor`,
            "ServiceMonitor",
            meta(n.base, ns, labels),
            serviceMonitorSpec({ selector: serviceLabels(selector, "headless"), port: "metrics" }),
            monOpts,
        );
        monitoringResource(
            `${name}-alerts`,
            "PrometheusRule",
            meta(opts.monitor.alerts, ns, labels),
            prometheusRuleSpec(`redis-${n.base}`, opts.monitor.rules),
            monOpts,
        );
    }
    return set;
}
