/**
 * RedisReplicated: a Sentinel-mode Redis (or Valkey) replicated across the two regions — e.g. sessions.
 *
 * In the primary region (region === primaryRegion): a StatefulSet whose pod 0 starts as the master and
 * the others as its replicas (a start script asks the Sentinels, then the other pods, for the current master
 * first, so a restarted former master rejoins as a replica), `redis-<instance>-sentinel` Sentinels (at least
 * 3, quorum a strict majority, password-protected) that fail over inside the region, and an internal
 * LoadBalancer Service published by external-dns as `redis-<instance>.<region>.<dnsZone>` that selects the
 * current master only (the pods' role label, kept current by a sidecar). In the other region: replicas only,
 * `replicaof` that name, `replica-priority 0`. No Sentinels there: a two-region Sentinel quorum cannot tell a
 * partition from a region loss, so the cross-region switchover is the config change of `primaryRegion`, as
 * for PostgreSQL.
 *
 * Every pod announces a region-qualified name, `redis-<instance>-<region>-<ordinal>.<namespace>.svc.cluster.local`
 * (a per-pod ClusterIP Service of its own region): the other region's replicas appear in the master's INFO
 * under names that do not resolve here, so this region's Sentinels never adopt them (with identical names in
 * both regions a Sentinel took a foreign replica for the master itself and sent it REPLICAOF).
 *
 * The password is generated once, by the stack whose `role` is primary, and handed to the other stack
 * through the StackReference (args.password); it does not change on a switchover.
 *
 * The data pods and the Sentinels are server sets (server-set.ts); the Sentinels' spec is in redis-sentinels.ts,
 * the role-label sidecar and its RBAC in role-label.ts, args, names and rendered conf in redis-replicated-args.ts.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { internalLoadBalancerAnnotations, meta } from "../shared/k8s";
import { replicatedAlertRules } from "./redis-monitoring";
import { EXPORTER_RESOURCES } from "./sizing";
import { ROLE_LABEL, announceExpression, sessionsStartScript } from "./sessions-scripts";
import { createRedisServerSet, RedisServerSet } from "./server-set";
import {
    createRoleLabelAccess,
    roleLabelContainer,
    roleLabelFile,
    roleLabelToolsContainer,
    roleLabelVolumes,
} from "./role-label";
import { createSentinels } from "./redis-sentinels";
import {
    PATHS,
    REDIS_PORT,
    SENTINEL_PORT,
    engineImage,
    exporterContainer,
    redisServerContainer,
    redisServerVolumes,
    serviceFqdn,
    serviceLabels,
    servicePort,
    shortHash,
} from "./workload";

export * from "./redis-replicated-args";
import {
    ResolvedRedisReplicatedArgs,
    RedisReplicatedArgs,
    podServiceName,
    redisReplicatedNames,
    replicatedRedisConf,
    replicationEndpoint,
    validateRedisReplicatedArgs,
} from "./redis-replicated-args";

export { sentinelCommand, sessionsStartScript } from "./sessions-scripts";

/** A Sentinel-mode Redis replicated across the regions. */
export class RedisReplicated extends pulumi.ComponentResource {
    /** Sentinel Service host (primary region) — clients ask it for the master — or undefined elsewhere. */
    public readonly sentinelHost?: string;
    /** Local read Service host (every data pod). */
    public readonly readHost: string;
    /** `rediss://<readHost>:6379`: TLS only, the server certificate signed by the CA in `caSecretName`. */
    public readonly readUrl: string;
    /** `rediss://<sentinelHost>:26379` (primary region), or undefined elsewhere. */
    public readonly sentinelUrl?: string;
    /** Name of the Secret holding the instance's CA certificate (`ca.crt`), shared by both regions' pods. */
    public readonly caSecretName: string;
    /** Name of the Secret holding the applications' client certificate (`tls-auth-clients yes` only). */
    public readonly clientTlsSecretName?: string;
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
        const endpoint = replicationEndpoint(a.instance, a.primaryRegion, a.dnsZone);

        const pw =
            a.password ??
            new random.RandomPassword(`${name}-password`, { length: 32, special: false }, { parent: this }).result;
        this.password = pulumi.secret(pulumi.output(pw));

        const redisConf = replicatedRedisConf(a);
        const announcePrefix = `${n.base}-${a.region}-`;
        const announceDomain = `${ns}.svc.cluster.local`;
        const startScript = a.primary
            ? sessionsStartScript({
                  announcePrefix,
                  announceDomain,
                  replicas: a.replicas,
                  redisPort: REDIS_PORT,
                  sentinelHost: serviceFqdn(n.sentinel, ns),
                  sentinelPort: SENTINEL_PORT,
                  masterName: a.masterName,
                  configPath: `${PATHS.config}/redis.conf`,
              })
            : undefined;
        const labelScript = roleLabelFile();
        const volumes = redisServerVolumes(n.configMap, n.secret, n.tls);
        volumes[0] = {
            name: "config",
            configMap: {
                name: n.configMap,
                items: [
                    { key: "redis.conf", path: "redis.conf" },
                    ...(startScript ? [{ key: "start.sh", path: "start.sh" }] : []),
                    { key: "role-label.sh", path: "role-label.sh" },
                ],
            },
        };
        let sentinelHost: string | undefined;
        const set = createRedisServerSet(
            name,
            {
                names: { ...n, client: n.read },
                namespace: ns,
                instance: n.base,
                component: "server",
                image,
                replicas: a.replicas,
                // Pod 0 (the first master) is up before its replicas start.
                podManagementPolicy: "OrderedReady",
                clientRole: "read",
                serviceAccountName: n.serviceAccount,
                initContainers: [roleLabelToolsContainer()],
                containers: [
                    redisServerContainer({
                        image,
                        command: startScript
                            ? ["sh", `${PATHS.config}/start.sh`]
                            : [
                                  "sh",
                                  "-c",
                                  `exec redis-server ${PATHS.config}/redis.conf --replica-announce-ip "${announceExpression(announcePrefix, announceDomain)}"`,
                              ],
                        secretName: n.secret,
                        resources: a.resources,
                    }),
                    exporterContainer(n.secret, EXPORTER_RESOURCES),
                    roleLabelContainer(image, n.secret),
                ],
                volumes: [...volumes, ...roleLabelVolumes()],
                files: {
                    "redis.conf": redisConf,
                    ...(startScript ? { "start.sh": startScript } : {}),
                    "role-label.sh": labelScript,
                },
                // An empty part stands for a missing start.sh (outside the primary region): the value the pods
                // carry today; any other would restart them.
                configHash: shortHash(redisConf, startScript ?? "", labelScript),
                claim: { storageClass: a.storageClass, size: a.storageSize },
                // The certificate is public: its hash must not make the StatefulSet spec secret.
                tlsHash: pulumi.unsecret(pulumi.output(a.tls.cert)).apply((c) => shortHash(c)),
            },
            this,
            {
                auth: { password: this.password, sentinelMasterName: a.primary ? a.masterName : undefined },
                tls: { material: a.tls, authClients: a.tlsAuthClients },
                protect: a.protect,
                beforeStatefulSet: ({ labels, selector }) => {
                    this.podServices(name, a, labels, selector);
                    return createRoleLabelAccess(name, n, ns, labels, a.replicas, this);
                },
                afterPdb: (data) => {
                    if (a.primary) sentinelHost = this.primaryRegionObjects(name, a, endpoint, data);
                },
                monitor: {
                    alerts: n.alerts,
                    rules: replicatedAlertRules({
                        namespace: ns,
                        service: n.headless,
                        workload: n.base,
                        primary: a.primary,
                        minReplicasToWrite: a.minReplicasToWrite,
                    }),
                    dependsOn: args.dependsOn?.monitoring ?? [],
                },
            },
        );
        this.statefulSet = set.statefulSet;
        this.sentinelHost = sentinelHost;

        this.readHost = serviceFqdn(n.read, ns);
        this.readUrl = `rediss://${this.readHost}:${REDIS_PORT}`;
        this.sentinelUrl = sentinelHost === undefined ? undefined : `rediss://${sentinelHost}:${SENTINEL_PORT}`;
        this.replicationEndpoint = endpoint;
        this.masterName = a.masterName;
        this.secretName = n.secret;
        this.caSecretName = n.ca;
        this.clientTlsSecretName = a.tlsAuthClients === "yes" ? n.clientTls : undefined;
        this.registerOutputs({
            sentinelHost: this.sentinelHost,
            sentinelUrl: this.sentinelUrl,
            readHost: this.readHost,
            readUrl: this.readUrl,
            caSecretName: this.caSecretName,
            clientTlsSecretName: this.clientTlsSecretName,
            replicationEndpoint: this.replicationEndpoint,
            masterName: this.masterName,
            secretName: this.secretName,
        });
    }

    /** One ClusterIP Service per pod: the region-qualified name it announces (stable across pod restarts). */
    private podServices(
        name: string,
        a: ResolvedRedisReplicatedArgs,
        labels: Record<string, string>,
        selector: Record<string, string>,
    ): void {
        const base = redisReplicatedNames(a.instance).base;
        for (let i = 0; i < a.replicas; i++) {
            new k8s.core.v1.Service(
                `${name}-pod-${i}`,
                {
                    metadata: meta(podServiceName(a.instance, a.region, i), a.namespace, serviceLabels(labels, "pod")),
                    spec: {
                        type: "ClusterIP",
                        // Sentinels and replicas must reach a pod that is starting or loading its data.
                        publishNotReadyAddresses: true,
                        selector: { ...selector, "statefulset.kubernetes.io/pod-name": `${base}-${i}` },
                        ports: [servicePort("redis", REDIS_PORT)],
                    },
                },
                { parent: this },
            );
        }
    }

    /**
     * The primary region's cross-region endpoint — the current master only (replicas in the other region
     * follow it and applications there write through it; the role-label sidecar moves the label on a
     * failover) — and its Sentinels. Returns the Sentinel Service's host.
     */
    private primaryRegionObjects(
        name: string,
        a: ResolvedRedisReplicatedArgs,
        endpoint: string,
        data: RedisServerSet,
    ): string {
        const n = redisReplicatedNames(a.instance);
        new k8s.core.v1.Service(
            `${name}-primary`,
            {
                metadata: meta(
                    n.primary,
                    a.namespace,
                    serviceLabels(data.labels, "primary"),
                    internalLoadBalancerAnnotations(endpoint),
                ),
                spec: {
                    type: "LoadBalancer",
                    ...(a.loadBalancerSourceRanges.length
                        ? { loadBalancerSourceRanges: [...a.loadBalancerSourceRanges] }
                        : {}),
                    selector: { ...data.selector, [ROLE_LABEL]: "master" },
                    ports: [servicePort("redis", REDIS_PORT)],
                },
            },
            { parent: this },
        );
        return createSentinels(name, a, data, this);
    }
}
