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
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { renderAuthConf, renderSentinelAuthConf, sentinelInitScript } from "./conf";
import { containerSecurityContext, meta, resources as resourcesOf } from "../shared/k8s";
import { imageTag, selectorLabels, standardLabels } from "../shared/labels";
import { monitoringResource, prometheusRuleSpec, serviceMonitorSpec } from "../monitoring/monitors";
import { replicatedAlertRules } from "./redis-monitoring";
import { EXPORTER_RESOURCES, HELPER_RESOURCES, ROLE_LABEL_RESOURCES, SENTINEL_RESOURCES } from "./sizing";
import {
    ROLE_LABEL,
    announceExpression,
    roleLabelScript,
    sentinelCommand,
    sessionsStartScript,
} from "./sessions-scripts";
import { images } from "../shared/versions";
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
    podSpec,
    redisServerContainer,
    redisServerVolumes,
    secretEnv,
    serviceFqdn,
    serviceLabels,
    shortHash,
    clusterIpServiceSpec,
    headlessServiceSpec,
    servicePort,
} from "./workload";

/** Where the role-label sidecar finds kubectl (an emptyDir the `tools` init container fills). */
const TOOLS_PATH = "/tools";

export * from "./redis-replicated-args";
import {
    ResolvedRedisReplicatedArgs,
    RedisReplicatedArgs,
    SENTINEL_CLIENT_NAMESPACE_LABEL,
    announcedNames,
    podServiceName,
    redisReplicatedNames,
    replicatedRedisConf,
    replicatedSentinelConf,
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
        const labelScript = roleLabelScript({ kubectl: `${TOOLS_PATH}/kubectl`, redisPort: REDIS_PORT });
        const configMap = new k8s.core.v1.ConfigMap(
            `${name}-config`,
            {
                metadata: meta(n.configMap, ns, labels),
                data: {
                    "redis.conf": redisConf,
                    ...(startScript ? { "start.sh": startScript } : {}),
                    "role-label.sh": labelScript,
                },
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
        // One ClusterIP Service per pod: the region-qualified name it announces (stable across pod restarts).
        for (let i = 0; i < a.replicas; i++) {
            new k8s.core.v1.Service(
                `${name}-pod-${i}`,
                {
                    metadata: meta(podServiceName(a.instance, a.region, i), ns, serviceLabels(labels, "pod")),
                    spec: {
                        type: "ClusterIP",
                        // Sentinels and replicas must reach a pod that is starting or loading its data.
                        publishNotReadyAddresses: true,
                        selector: { ...selector, "statefulset.kubernetes.io/pod-name": `${n.base}-${i}` },
                        ports: [servicePort("redis", REDIS_PORT)],
                    },
                },
                { parent: this },
            );
        }
        const labeller = this.roleLabelAccess(name, n, ns, labels, a.replicas);

        const volumes = redisServerVolumes(n.configMap, n.secret);
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
        volumes.push(
            { name: "tools", emptyDir: { sizeLimit: "128Mi" } },
            {
                // The service-account token, mounted into the role-label sidecar only.
                name: "kube-api-access",
                projected: {
                    defaultMode: 0o440,
                    sources: [
                        { serviceAccountToken: { path: "token", expirationSeconds: 3607 } },
                        { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
                        {
                            downwardAPI: {
                                items: [{ path: "namespace", fieldRef: { fieldPath: "metadata.namespace" } }],
                            },
                        },
                    ],
                },
            },
        );
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
                            annotations: {
                                "geo-data/config-hash": shortHash(redisConf, startScript ?? "", labelScript),
                            },
                        },
                        spec: podSpec(selector, {
                            serviceAccountName: n.serviceAccount,
                            initContainers: [
                                {
                                    name: "tools",
                                    image: images.kubectl,
                                    command: ["sh", "-c", `cp "$(command -v kubectl)" ${TOOLS_PATH}/kubectl`],
                                    resources: resourcesOf(HELPER_RESOURCES),
                                    securityContext: containerSecurityContext(true),
                                    volumeMounts: [{ name: "tools", mountPath: TOOLS_PATH }],
                                },
                            ],
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
                                {
                                    name: "role-label",
                                    image,
                                    command: ["sh", `${PATHS.config}/role-label.sh`],
                                    env: [
                                        POD_NAME_ENV,
                                        secretEnv("REDISCLI_AUTH", n.secret),
                                        { name: "HOME", value: "/tmp" },
                                    ],
                                    resources: resourcesOf(ROLE_LABEL_RESOURCES),
                                    securityContext: containerSecurityContext(true),
                                    volumeMounts: [
                                        { name: "config", mountPath: PATHS.config, readOnly: true },
                                        { name: "tools", mountPath: TOOLS_PATH, readOnly: true },
                                        { name: "tmp", mountPath: "/tmp" },
                                        {
                                            name: "kube-api-access",
                                            mountPath: "/var/run/secrets/kubernetes.io/serviceaccount",
                                            readOnly: true,
                                        },
                                    ],
                                },
                            ],
                            volumes,
                        }),
                    },
                    volumeClaimTemplates: [dataClaim(selector, a.storageClass, a.storageSize)],
                },
            },
            { parent: this, dependsOn: [configMap, secret, headless, ...labeller], protect: a.protect },
        );
        new k8s.policy.v1.PodDisruptionBudget(
            `${name}-pdb`,
            { metadata: meta(n.base, ns, labels), spec: { maxUnavailable: 1, selector: { matchLabels: selector } } },
            { parent: this },
        );

        if (a.primary) {
            // The cross-region endpoint: the current master only (replicas in the other region follow it and
            // applications there write through it). The role-label sidecar moves the label on a failover.
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
                        selector: { ...selector, [ROLE_LABEL]: "master" },
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

    /**
     * ServiceAccount, Role and RoleBinding of the role-label sidecar: `get` and `patch` on this StatefulSet's
     * own pods (by name) in this namespace, nothing else.
     */
    private roleLabelAccess(
        name: string,
        n: ReturnType<typeof redisReplicatedNames>,
        ns: string,
        labels: Record<string, string>,
        replicas: number,
    ): pulumi.Resource[] {
        const account = new k8s.core.v1.ServiceAccount(
            `${name}-serviceaccount`,
            { metadata: meta(n.serviceAccount, ns, labels), automountServiceAccountToken: false },
            { parent: this },
        );
        const role = new k8s.rbac.v1.Role(
            `${name}-role-label`,
            {
                metadata: meta(n.roleLabel, ns, labels),
                rules: [
                    {
                        apiGroups: [""],
                        resources: ["pods"],
                        resourceNames: Array.from({ length: replicas }, (_, i) => `${n.base}-${i}`),
                        verbs: ["get", "patch"],
                    },
                ],
            },
            { parent: this },
        );
        const binding = new k8s.rbac.v1.RoleBinding(
            `${name}-role-label-binding`,
            {
                metadata: meta(n.roleLabel, ns, labels),
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: n.roleLabel },
                subjects: [{ kind: "ServiceAccount", name: n.serviceAccount, namespace: ns }],
            },
            { parent: this },
        );
        return [account, role, binding];
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
        const init = sentinelInitScript({
            candidates: announcedNames(a).map((host) => `${host}:${REDIS_PORT}`),
            masterName: a.masterName,
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
                                    env: [secretEnv("REDISCLI_AUTH", n.secret)],
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
                                    // Sentinels require the password: probes and `kubectl exec … redis-cli` use it.
                                    env: [POD_NAME_ENV, secretEnv("REDISCLI_AUTH", n.secret)],
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
        // Sentinels require the password (requirepass, from the Secret); where NetworkPolicies are enforced,
        // only pods of this namespace and of namespaces labelled `geo-data/redis-sentinel-client: "true"` reach them.
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
