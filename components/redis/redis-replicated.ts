/**
 * RedisReplicated: a Sentinel-mode Redis (or Valkey) replicated across the two regions — e.g. sessions.
 *
 * In the primary region (region === primaryRegion): a StatefulSet whose pod 0 starts as the master and
 * the others as its replicas (a start script asks the Sentinels for the current master first, so a
 * restarted former master rejoins as a replica), `redis-<instance>-sentinel` Sentinels (at least 3, quorum
 * a strict majority) that fail over inside the region, and an internal LoadBalancer Service published by
 * external-dns as `redis-<instance>.<region>.<dnsZone>` for the other region's replicas. In the other
 * region: replicas only, `replicaof` that name. No Sentinels there: a two-region Sentinel quorum cannot
 * tell a partition from a region loss, so the cross-region switchover is the config change of
 * `primaryRegion`, as for PostgreSQL (docs-drafts/redis.md).
 *
 * The password is generated once, by the stack whose `role` is primary, and handed to the other stack
 * through the StackReference (args.password); it does not change on a switchover.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { RedisEngine } from "../../config";
import {
    MaxmemoryPolicy,
    MAXMEMORY_POLICIES,
    renderAuthConf,
    renderRedisConf,
    renderSentinelAuthConf,
    renderSentinelConf,
    sentinelInitScript,
} from "./conf";
import { Resources, containerSecurityContext, meta, resources as resourcesOf } from "../shared/k8s";
import { imageTag, selectorLabels, standardLabels } from "../shared/labels";
import { regionalHostname } from "../shared/naming";
import { argChecks, binaryQuantity, dnsLabel, dnsName, intBetween, oneOf } from "../shared/validate";
import { monitoringResource, prometheusRuleSpec, serviceMonitorSpec } from "../monitoring/monitors";
import { replicatedAlertRules } from "./redis-monitoring";
import { EXPORTER_RESOURCES, HELPER_RESOURCES, REDIS_RESOURCES, SENTINEL_RESOURCES } from "./sizing";
import {
    METRICS_PORT,
    PATHS,
    POD_NAME_ENV,
    REDIS_PORT,
    SECRET_KEYS,
    SENTINEL_PORT,
    dataClaim,
    engineImage,
    exporterContainer,
    podFqdn,
    podSpec,
    redisServerContainer,
    redisServerVolumes,
    serviceFqdn,
    serviceLabels,
    shortHash,
    clusterIpServiceSpec,
    headlessServiceSpec,
    servicePort,
} from "./workload";

/** Label that lets a namespace's pods reach the Sentinels (the NetworkPolicy admits it). */
export const SENTINEL_CLIENT_NAMESPACE_LABEL = "geo-data/redis-sentinel-client";

/** Arguments of RedisReplicated. */
export interface RedisReplicatedArgs {
    /** Instance name: Kubernetes objects are `redis-<instance>`, `redis-<instance>-sentinel`, … */
    readonly instance: string;
    /** Namespace of every object. */
    readonly namespace: string;
    /** This stack's AWS region. */
    readonly region: string;
    /** The region holding the master (config `primaryRegion`). */
    readonly primaryRegion: string;
    /** DNS zone of cross-region endpoints (config `dnsZone`). */
    readonly dnsZone: string;
    /**
     * The shared password (secret). Pass the primary-role stack's output in the other stack. Defaults to a
     * newly generated RandomPassword.
     */
    readonly password?: pulumi.Input<string>;
    /** Server software. Defaults to "redis". */
    readonly engine?: RedisEngine;
    /** Redis pods in this region (primary region: master + replicas), 2 to 9. Defaults to 3. */
    readonly replicas?: number;
    /** Sentinels in the primary region, an odd number from 3 to 9. Defaults to 3. */
    readonly sentinels?: number;
    /** `min-replicas-to-write` of the master, 0 to replicas - 1. Defaults to 1. */
    readonly minReplicasToWrite?: number;
    /** Name of the master in Sentinel (what clients ask Sentinel for). Defaults to the instance name. */
    readonly masterName?: string;
    /** `maxmemory` in Redis units. Defaults to "768mb". */
    readonly maxmemory?: string;
    /** `maxmemory-policy`. Defaults to "allkeys-lru". */
    readonly maxmemoryPolicy?: MaxmemoryPolicy;
    /** Data volume of each pod. Defaults to "10Gi". */
    readonly storageSize?: string;
    /** StorageClass of the data volumes. Defaults to "fast-ssd". */
    readonly storageClass?: string;
    /** Requests and limits of the Redis container. Defaults to REDIS_RESOURCES (512Mi/250m, 1Gi/500m). */
    readonly resources?: Resources;
    /** `protect` on the StatefulSet (its PVCs are retained by the StatefulSet's retention policy). Defaults to true. */
    readonly protect?: boolean;
    /** Operator resources the ServiceMonitor/PrometheusRule wait for. Defaults to none. */
    readonly dependsOn?: { readonly monitoring?: pulumi.Resource[] };
}

/** RedisReplicatedArgs with every default applied (the password stays optional: absent = generate). */
export type ResolvedRedisReplicatedArgs = Required<Omit<RedisReplicatedArgs, "dependsOn" | "password">> & {
    readonly password?: pulumi.Input<string>;
    /** True when this region holds the master. */
    readonly primary: boolean;
};

/** Applies the documented defaults and validates; throws an error naming the property, the value and what is allowed. */
export function validateRedisReplicatedArgs(args: RedisReplicatedArgs): ResolvedRedisReplicatedArgs {
    const replicas = args.replicas ?? 3;
    const a: ResolvedRedisReplicatedArgs = {
        instance: args.instance,
        namespace: args.namespace,
        region: args.region,
        primaryRegion: args.primaryRegion,
        dnsZone: args.dnsZone,
        password: args.password,
        engine: args.engine ?? "redis",
        replicas,
        sentinels: args.sentinels ?? 3,
        minReplicasToWrite: args.minReplicasToWrite ?? 1,
        masterName: args.masterName ?? args.instance,
        maxmemory: args.maxmemory ?? "768mb",
        maxmemoryPolicy: args.maxmemoryPolicy ?? "allkeys-lru",
        storageSize: args.storageSize ?? "10Gi",
        storageClass: args.storageClass ?? "fast-ssd",
        resources: args.resources ?? REDIS_RESOURCES,
        protect: args.protect ?? true,
        primary: args.region === args.primaryRegion,
    };
    const { check } = argChecks("RedisReplicated");
    check(
        "instance",
        a.instance,
        dnsLabel(a.instance) ?? (a.instance.length > 30 ? "expected at most 30 characters" : undefined),
    );
    check("namespace", a.namespace, dnsLabel(a.namespace));
    check("dnsZone", a.dnsZone, dnsName(a.dnsZone));
    check("engine", a.engine, oneOf(["redis", "valkey"])(a.engine));
    check("replicas", a.replicas, intBetween(2, 9)(a.replicas));
    check(
        "sentinels",
        a.sentinels,
        intBetween(3, 9)(a.sentinels) || a.sentinels % 2 === 0
            ? "expected an odd integer from 3 to 9 (a strict majority must survive one Sentinel loss)"
            : undefined,
    );
    check(
        "minReplicasToWrite",
        a.minReplicasToWrite,
        intBetween(0, replicas - 1)(a.minReplicasToWrite) &&
            `expected an integer from 0 to ${replicas - 1} (replicas - 1)`,
    );
    check(
        "masterName",
        a.masterName,
        /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(a.masterName) ? undefined : "expected letters, digits, '.', '_' and '-'",
    );
    check("maxmemoryPolicy", a.maxmemoryPolicy, oneOf(MAXMEMORY_POLICIES)(a.maxmemoryPolicy));
    check("storageSize", a.storageSize, binaryQuantity(a.storageSize));
    check("storageClass", a.storageClass, dnsName(a.storageClass));
    return a;
}

/** Kubernetes names of a RedisReplicated's objects. */
export function redisReplicatedNames(instance: string) {
    const base = `redis-${instance}`;
    return {
        base,
        headless: `${base}-headless`,
        /** ClusterIP Service over every data pod: local reads (replicas are read-only). */
        read: `${base}-read`,
        /** Internal LoadBalancer of the primary region, published as the cross-region endpoint. */
        primary: `${base}-primary`,
        configMap: `${base}-config`,
        secret: `${base}-auth`,
        sentinel: `${base}-sentinel`,
        sentinelHeadless: `${base}-sentinel-headless`,
        sentinelConfigMap: `${base}-sentinel-config`,
        serviceMonitor: base,
        alerts: `${base}-alerts`,
    };
}

/** The cross-region endpoint of the master: `redis-<instance>.<primaryRegion>.<dnsZone>`. */
export function replicationEndpoint(instance: string, primaryRegion: string, dnsZone: string): string {
    return regionalHostname(redisReplicatedNames(instance).base, primaryRegion, dnsZone);
}

/** The redis.conf of this region's pods: master-capable in the primary region, replicas of the endpoint elsewhere. */
export function replicatedRedisConf(a: ResolvedRedisReplicatedArgs): string {
    const common = {
        maxmemory: a.maxmemory,
        maxmemoryPolicy: a.maxmemoryPolicy,
        authIncludePath: `${PATHS.secret}/${SECRET_KEYS.authConf}`,
        dir: PATHS.data,
        port: REDIS_PORT,
    };
    return a.primary
        ? renderRedisConf({ ...common, mode: "replica-source", minReplicasToWrite: a.minReplicasToWrite })
        : renderRedisConf({
              ...common,
              mode: "replica",
              replicaOf: { host: replicationEndpoint(a.instance, a.primaryRegion, a.dnsZone), port: REDIS_PORT },
          });
}

/** The sentinel.conf template of the primary region: monitors pod 0 by its stable DNS name. */
export function replicatedSentinelConf(a: ResolvedRedisReplicatedArgs): string {
    const n = redisReplicatedNames(a.instance);
    return renderSentinelConf({
        masterName: a.masterName,
        masterHost: podFqdn(`${n.base}-0`, n.headless, a.namespace),
        masterPort: REDIS_PORT,
        sentinels: a.sentinels,
        port: SENTINEL_PORT,
        dir: PATHS.data,
    });
}

/** Options of {@link sessionsStartScript}. */
export interface StartScriptOptions {
    /** The StatefulSet name (pods are `<statefulSet>-<ordinal>`). */
    readonly statefulSet: string;
    /** Domain of the pods' stable names: `<headless>.<namespace>.svc.cluster.local`. */
    readonly podDomain: string;
    /** Sentinel Service host. */
    readonly sentinelHost: string;
    readonly sentinelPort: number;
    readonly masterName: string;
    /** redis.conf path. */
    readonly configPath: string;
    /** Seconds to wait for a Sentinel answer. Defaults to 5. */
    readonly sentinelTimeoutSeconds?: number;
}

/**
 * The POSIX sh start script of a primary-region data pod. It asks the Sentinels for the current master
 * (`SENTINEL GET-MASTER-ADDR-BY-NAME`, bounded): when they name another pod it starts as that pod's replica
 * — so a former master that restarts after a failover rejoins as a replica instead of a second master —
 * when they name this pod it starts as master; when no Sentinel answers (first start) pod 0 is the master
 * and the others replicate from it. It always announces its stable DNS name (`--replica-announce-ip`), so
 * Sentinel and the replicas know it by name, not by a pod IP that changes. Reads `$POD_NAME`.
 */
export function sessionsStartScript(o: StartScriptOptions): string {
    const timeout = o.sentinelTimeoutSeconds ?? 5;
    return `#!/bin/sh
# Start script of a Sentinel-managed Redis pod, rendered by geo-data components/redis/redis-replicated.ts.
set -eu
self="$POD_NAME.${o.podDomain}"
first="${o.statefulSet}-0.${o.podDomain}"
# Sentinels have no password: do not send the server password to them.
reply=$(env -u REDISCLI_AUTH timeout ${timeout} redis-cli -h ${o.sentinelHost} -p ${o.sentinelPort} --raw sentinel get-master-addr-by-name ${o.masterName} 2>/dev/null || true)
master=$(printf '%s\\n' "$reply" | sed -n 1p)
port=$(printf '%s\\n' "$reply" | sed -n 2p)
case "$port" in ''|*[!0-9]*) master="" ;; esac
if [ -z "$master" ]; then
  echo "start: no Sentinel answered; pod 0 is the master"
  port=${REDIS_PORT}
  if [ "$POD_NAME" = "${o.statefulSet}-0" ]; then master="$self"; else master="$first"; fi
fi
if [ "$master" = "$self" ]; then
  echo "start: $self starts as master"
  exec redis-server ${o.configPath} --replica-announce-ip "$self"
fi
echo "start: $self starts as a replica of $master:$port"
exec redis-server ${o.configPath} --replica-announce-ip "$self" --replicaof "$master" "$port"
`;
}

/** The Sentinel container's command: start from the writable copy under umask 077, announcing the pod's name. */
export function sentinelCommand(announceDomain: string): string[] {
    return [
        "sh",
        "-c",
        `umask 077 && exec redis-server ${PATHS.data}/sentinel.conf --sentinel --sentinel announce-ip "$POD_NAME.${announceDomain}"`,
    ];
}

/** A Sentinel-mode Redis replicated across the regions. */
export class RedisReplicated extends pulumi.ComponentResource {
    /** Sentinel Service host (primary region) — clients ask it for the master — or undefined elsewhere. */
    public readonly sentinelHost?: string;
    /** Local read Service host (every data pod). */
    public readonly readHost: string;
    /** The cross-region endpoint replicas follow: `redis-<instance>.<primaryRegion>.<dnsZone>`. */
    public readonly replicationEndpoint: string;
    public readonly masterName: string;
    public readonly secretName: string;
    /** The shared password (secret). */
    public readonly password: pulumi.Output<string>;
    public readonly statefulSet: k8s.apps.v1.StatefulSet;

    constructor(name: string, args: RedisReplicatedArgs, opts?: pulumi.ComponentResourceOptions) {
        super("geo:redis:RedisReplicated", name, {}, opts);
        const a = validateRedisReplicatedArgs(args);
        const n = redisReplicatedNames(a.instance);
        const ns = a.namespace;
        const image = engineImage(a.engine);
        const version = imageTag(image);
        const ids = { app: "redis", instance: n.base, component: "server" };
        const labels = standardLabels({ ...ids, version });
        const selector = selectorLabels(ids);
        const sentinelIds = { app: "redis", instance: n.base, component: "sentinel" };
        const sentinelLabels = standardLabels({ ...sentinelIds, version });
        const sentinelSelector = selectorLabels(sentinelIds);
        const endpoint = replicationEndpoint(a.instance, a.primaryRegion, a.dnsZone);

        const pw =
            a.password ??
            new random.RandomPassword(`${name}-password`, { length: 32, special: false }, { parent: this }).result;
        this.password = pulumi.secret(pulumi.output(pw));
        const secret = new k8s.core.v1.Secret(
            `${name}-auth`,
            {
                metadata: meta(n.secret, ns, labels),
                type: "Opaque",
                stringData: {
                    [SECRET_KEYS.authConf]: pulumi.secret(this.password.apply(renderAuthConf)),
                    [SECRET_KEYS.password]: this.password,
                    ...(a.primary
                        ? {
                              [SECRET_KEYS.sentinelAuthConf]: pulumi.secret(
                                  this.password.apply((p) => renderSentinelAuthConf(a.masterName, p)),
                              ),
                          }
                        : {}),
                },
            },
            { parent: this },
        );

        const redisConf = replicatedRedisConf(a);
        const podDomain = serviceFqdn(n.headless, ns);
        const startScript = a.primary
            ? sessionsStartScript({
                  statefulSet: n.base,
                  podDomain,
                  sentinelHost: serviceFqdn(n.sentinel, ns),
                  sentinelPort: SENTINEL_PORT,
                  masterName: a.masterName,
                  configPath: `${PATHS.config}/redis.conf`,
              })
            : undefined;
        const configMap = new k8s.core.v1.ConfigMap(
            `${name}-config`,
            {
                metadata: meta(n.configMap, ns, labels),
                data: { "redis.conf": redisConf, ...(startScript ? { "start.sh": startScript } : {}) },
            },
            { parent: this },
        );
        const headlessLabels = serviceLabels(labels, "headless");
        const headless = new k8s.core.v1.Service(
            `${name}-headless`,
            {
                metadata: meta(n.headless, ns, headlessLabels),
                spec: headlessServiceSpec(selector, [
                    servicePort("redis", REDIS_PORT),
                    servicePort("metrics", METRICS_PORT),
                ]),
            },
            { parent: this },
        );
        new k8s.core.v1.Service(
            `${name}-read`,
            {
                metadata: meta(n.read, ns, serviceLabels(labels, "read")),
                spec: clusterIpServiceSpec(selector, [servicePort("redis", REDIS_PORT)]),
            },
            { parent: this },
        );

        const volumes = redisServerVolumes(n.configMap, n.secret);
        if (startScript)
            volumes[0] = {
                name: "config",
                configMap: {
                    name: n.configMap,
                    items: [
                        { key: "redis.conf", path: "redis.conf" },
                        { key: "start.sh", path: "start.sh" },
                    ],
                },
            };
        this.statefulSet = new k8s.apps.v1.StatefulSet(
            `${name}-statefulset`,
            {
                metadata: meta(n.base, ns, labels),
                spec: {
                    serviceName: n.headless,
                    replicas: a.replicas,
                    // Pod 0 (the first master) is up before its replicas start.
                    podManagementPolicy: "OrderedReady",
                    updateStrategy: { type: "RollingUpdate" },
                    persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
                    selector: { matchLabels: selector },
                    template: {
                        metadata: {
                            labels,
                            annotations: { "geo-data/config-hash": shortHash(redisConf, startScript ?? "") },
                        },
                        spec: podSpec(selector, {
                            containers: [
                                redisServerContainer({
                                    image,
                                    command: startScript
                                        ? ["sh", `${PATHS.config}/start.sh`]
                                        : [
                                              "sh",
                                              "-c",
                                              `exec redis-server ${PATHS.config}/redis.conf --replica-announce-ip "$POD_NAME.${podDomain}"`,
                                          ],
                                    secretName: n.secret,
                                    resources: a.resources,
                                }),
                                exporterContainer(n.secret, EXPORTER_RESOURCES),
                            ],
                            volumes,
                        }),
                    },
                    volumeClaimTemplates: [dataClaim(selector, a.storageClass, a.storageSize)],
                },
            },
            { parent: this, dependsOn: [configMap, secret, headless], protect: a.protect },
        );
        new k8s.policy.v1.PodDisruptionBudget(
            `${name}-pdb`,
            { metadata: meta(n.base, ns, labels), spec: { maxUnavailable: 1, selector: { matchLabels: selector } } },
            { parent: this },
        );

        if (a.primary) {
            // The cross-region endpoint: every data pod is a valid replication source (a replica of a
            // replica receives the master's stream, and PSYNC continues across them), so the LoadBalancer
            // needs no notion of which pod is the master.
            new k8s.core.v1.Service(
                `${name}-primary`,
                {
                    metadata: meta(n.primary, ns, serviceLabels(labels, "primary"), {
                        "service.beta.kubernetes.io/aws-load-balancer-type": "external",
                        "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
                        "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
                        "external-dns.alpha.kubernetes.io/hostname": endpoint,
                    }),
                    spec: {
                        type: "LoadBalancer",
                        selector,
                        ports: [servicePort("redis", REDIS_PORT)],
                    },
                },
                { parent: this },
            );
            this.sentinelHost = this.sentinels(name, a, n, sentinelLabels, sentinelSelector, secret);
        }

        const monOpts = { parent: this, dependsOn: args.dependsOn?.monitoring ?? [] };
        monitoringResource(
            `${name}-servicemonitor`,
            "ServiceMonitor",
            meta(n.serviceMonitor, ns, labels),
            serviceMonitorSpec({ selector: serviceLabels(selector, "headless"), port: "metrics" }),
            monOpts,
        );
        monitoringResource(
            `${name}-alerts`,
            "PrometheusRule",
            meta(n.alerts, ns, labels),
            prometheusRuleSpec(
                `redis-${n.base}`,
                replicatedAlertRules({
                    namespace: ns,
                    service: n.headless,
                    workload: n.base,
                    primary: a.primary,
                    minReplicasToWrite: a.minReplicasToWrite,
                }),
            ),
            monOpts,
        );

        this.readHost = serviceFqdn(n.read, ns);
        this.replicationEndpoint = endpoint;
        this.masterName = a.masterName;
        this.secretName = n.secret;
        this.registerOutputs({
            sentinelHost: this.sentinelHost,
            readHost: this.readHost,
            replicationEndpoint: this.replicationEndpoint,
            masterName: this.masterName,
            secretName: this.secretName,
        });
    }

    /** The primary region's Sentinels: StatefulSet, Services, PDB and the NetworkPolicy that guards them. */
    private sentinels(
        name: string,
        a: ResolvedRedisReplicatedArgs,
        n: ReturnType<typeof redisReplicatedNames>,
        labels: Record<string, string>,
        selector: Record<string, string>,
        secret: k8s.core.v1.Secret,
    ): string {
        const ns = a.namespace;
        const image = engineImage(a.engine);
        const template = replicatedSentinelConf(a);
        const masterHost = podFqdn(`${n.base}-0`, n.headless, ns);
        const init = sentinelInitScript({
            masterHost,
            templatePath: `${PATHS.sentinelConfig}/sentinel.conf`,
            authPath: `${PATHS.sentinelSecret}/auth.conf`,
            targetPath: `${PATHS.data}/sentinel.conf`,
        });
        const configMap = new k8s.core.v1.ConfigMap(
            `${name}-sentinel-config`,
            { metadata: meta(n.sentinelConfigMap, ns, labels), data: { "sentinel.conf": template, "init.sh": init } },
            { parent: this },
        );
        const headless = new k8s.core.v1.Service(
            `${name}-sentinel-headless`,
            {
                metadata: meta(n.sentinelHeadless, ns, serviceLabels(labels, "headless")),
                spec: headlessServiceSpec(selector, [servicePort("sentinel", SENTINEL_PORT)]),
            },
            { parent: this },
        );
        new k8s.core.v1.Service(
            `${name}-sentinel-client`,
            {
                metadata: meta(n.sentinel, ns, serviceLabels(labels, "client")),
                spec: clusterIpServiceSpec(selector, [servicePort("sentinel", SENTINEL_PORT)]),
            },
            { parent: this },
        );
        const mounts = [
            { name: "data", mountPath: PATHS.data },
            { name: "template", mountPath: PATHS.sentinelConfig, readOnly: true },
            { name: "auth", mountPath: PATHS.sentinelSecret, readOnly: true },
        ];
        new k8s.apps.v1.StatefulSet(
            `${name}-sentinel`,
            {
                metadata: meta(n.sentinel, ns, labels),
                spec: {
                    serviceName: n.sentinelHeadless,
                    replicas: a.sentinels,
                    podManagementPolicy: "Parallel",
                    updateStrategy: { type: "RollingUpdate" },
                    selector: { matchLabels: selector },
                    template: {
                        metadata: { labels, annotations: { "geo-data/config-hash": shortHash(template, init) } },
                        spec: podSpec(selector, {
                            initContainers: [
                                {
                                    name: "init",
                                    image,
                                    command: ["sh", `${PATHS.sentinelConfig}/init.sh`],
                                    resources: resourcesOf(HELPER_RESOURCES),
                                    securityContext: containerSecurityContext(true),
                                    volumeMounts: mounts,
                                },
                            ],
                            containers: [
                                {
                                    name: "sentinel",
                                    image,
                                    command: sentinelCommand(serviceFqdn(n.sentinelHeadless, ns)),
                                    env: [POD_NAME_ENV],
                                    ports: [{ name: "sentinel", containerPort: SENTINEL_PORT, protocol: "TCP" }],
                                    resources: resourcesOf(SENTINEL_RESOURCES),
                                    securityContext: containerSecurityContext(true),
                                    volumeMounts: mounts.slice(0, 1),
                                    startupProbe: {
                                        tcpSocket: { port: "sentinel" },
                                        periodSeconds: 5,
                                        failureThreshold: 60,
                                    },
                                    livenessProbe: {
                                        tcpSocket: { port: "sentinel" },
                                        periodSeconds: 10,
                                        failureThreshold: 6,
                                    },
                                    readinessProbe: {
                                        exec: {
                                            command: ["sh", "-c", `redis-cli -p ${SENTINEL_PORT} ping | grep -q PONG`],
                                        },
                                        periodSeconds: 5,
                                    },
                                },
                            ],
                            volumes: [
                                // Sentinel rewrites its config: a writable emptyDir, rebuilt from the template on start.
                                { name: "data", emptyDir: { sizeLimit: "16Mi" } },
                                { name: "template", configMap: { name: n.sentinelConfigMap } },
                                {
                                    name: "auth",
                                    secret: {
                                        secretName: n.secret,
                                        defaultMode: 0o440,
                                        items: [{ key: SECRET_KEYS.sentinelAuthConf, path: "auth.conf" }],
                                    },
                                },
                            ],
                        }),
                    },
                },
            },
            { parent: this, dependsOn: [configMap, secret, headless, this.statefulSet] },
        );
        new k8s.policy.v1.PodDisruptionBudget(
            `${name}-sentinel-pdb`,
            {
                metadata: meta(n.sentinel, ns, labels),
                spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
            },
            { parent: this },
        );
        // Sentinels take no password: only pods of this namespace and of namespaces labelled
        // `geo-data/redis-sentinel-client: "true"` may reach them.
        new k8s.networking.v1.NetworkPolicy(
            `${name}-sentinel-netpol`,
            {
                metadata: meta(n.sentinel, ns, labels),
                spec: {
                    podSelector: { matchLabels: selector },
                    policyTypes: ["Ingress"],
                    ingress: [
                        {
                            from: [
                                { podSelector: {} },
                                { namespaceSelector: { matchLabels: { [SENTINEL_CLIENT_NAMESPACE_LABEL]: "true" } } },
                            ],
                            ports: [{ port: SENTINEL_PORT, protocol: "TCP" }],
                        },
                    ],
                },
            },
            { parent: this },
        );
        return serviceFqdn(n.sentinel, ns);
    }
}
