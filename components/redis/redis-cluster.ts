/**
 * RedisCluster: a cluster-mode Redis (or Valkey) on a plain StatefulSet — one region's cache. N pods
 * (masters + one replica each), a headless Service for the stable pod names and the cluster bus, a
 * client Service, redis.conf rendered by conf.ts into a ConfigMap (read-only) whose last line includes
 * the password file from a generated Secret, a PDB, a redis_exporter sidecar with a ServiceMonitor and
 * alerts, and an idempotent Job that forms the cluster once (and exits 0 on a formed cluster).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { clusterCreateScript, renderRedisConf } from "./conf";
import { containerSecurityContext, meta, podSecurityContext, resources as resourcesOf } from "../shared/k8s";
import { imageTag, standardLabels } from "../shared/labels";
import { redisClusterPods } from "../../config/redis";
import { argChecks } from "../shared/validate";
import { clusterAlertRules } from "./redis-monitoring";
import { EXPORTER_RESOURCES, HELPER_RESOURCES } from "./sizing";
import {
    RedisServerArgs,
    checkRedisEngine,
    checkRedisNames,
    checkRedisStorage,
    redisServerDefaults,
} from "./server-args";
import {
    PATHS,
    REDIS_PORT,
    REDIS_UID,
    SECRET_KEYS,
    TLS_MOUNT,
    tlsVolume,
    engineImage,
    exporterContainer,
    podFqdn,
    redisServerContainer,
    redisServerVolumes,
    secretEnv,
    serviceFqdn,
    shortHash,
} from "./workload";
import { createRedisServerSet, redisServerNames } from "./server-set";

/** Arguments of RedisCluster (with the shared RedisServerArgs). */
export interface RedisClusterArgs extends RedisServerArgs {
    /** Instance name: Kubernetes objects are `redis-<instance>`, `redis-<instance>-headless`, … */
    readonly instance: string;
    /** Pods: masters plus one replica each, an even number from 6 to 60. Defaults to 6. */
    readonly replicas?: number;
}

/** RedisClusterArgs with every default applied. */
export type ResolvedRedisClusterArgs = Required<Omit<RedisClusterArgs, "dependsOn">>;

/** Applies the documented defaults and validates; throws an error naming the property, the value and what is allowed. */
export function validateRedisClusterArgs(args: RedisClusterArgs): ResolvedRedisClusterArgs {
    const a: ResolvedRedisClusterArgs = {
        ...redisServerDefaults(args),
        instance: args.instance,
        replicas: args.replicas ?? 6,
    };
    const { check } = argChecks("RedisCluster");
    checkRedisNames(check, a);
    checkRedisEngine(check, a);
    check("replicas", a.replicas, redisClusterPods(a.replicas));
    checkRedisStorage(check, a);
    return a;
}

/** Kubernetes names of a RedisCluster's objects. */
export function redisClusterNames(instance: string) {
    const base = `redis-${instance}`;
    return {
        ...redisServerNames(base),
        client: base,
        pdb: base,
        /** The create Job's name carries a hash of what it runs, so a change creates a new Job. */
        job: (hash: string) => `${base}-create-${hash}`,
    };
}

/**
 * The redis.conf of a cluster node: the seed's settings, TLS only (clients and the cluster bus, certificates
 * from the mounted TLS Secret); per-pod hostnames come from the command line.
 */
export function clusterRedisConf(
    a: Pick<ResolvedRedisClusterArgs, "maxmemory" | "maxmemoryPolicy" | "tlsAuthClients">,
): string {
    return renderRedisConf({
        mode: "cluster",
        tls: { authClients: a.tlsAuthClients },
        maxmemory: a.maxmemory,
        maxmemoryPolicy: a.maxmemoryPolicy,
        // Redirects name stable pod DNS names, which survive a pod's IP change.
        clusterPreferredEndpointType: "hostname",
        authIncludePath: `${PATHS.secret}/${SECRET_KEYS.authConf}`,
        dir: PATHS.data,
        port: REDIS_PORT,
    });
}

/** Every node as `host:port`, masters first (redis-cli makes the first N/2 masters). */
export function clusterHosts(a: Pick<ResolvedRedisClusterArgs, "instance" | "namespace" | "replicas">): string[] {
    const n = redisClusterNames(a.instance);
    return Array.from(
        { length: a.replicas },
        (_, i) => `${podFqdn(`${n.base}-${i}`, n.headless, a.namespace)}:${REDIS_PORT}`,
    );
}

/** A cluster-mode Redis of one region. */
export class RedisCluster extends pulumi.ComponentResource {
    /** The client Service's DNS name (any node; clients follow MOVED redirects to pod DNS names). */
    public readonly host: string;
    public readonly port: number;
    /** `rediss://<host>:<port>`: TLS only, the server certificate signed by the CA in `caSecretName`. */
    public readonly url: string;
    /** Name of the Secret holding the instance's CA certificate (`ca.crt`), which clients verify the servers with. */
    public readonly caSecretName: string;
    /** Name of the Secret holding the applications' client certificate (`tls-auth-clients yes` only). */
    public readonly clientTlsSecretName?: string;
    /** Name of the Secret holding `password` and `auth.conf`. */
    public readonly secretName: string;
    /** The generated password (secret). */
    public readonly password: pulumi.Output<string>;
    public readonly statefulSet: k8s.apps.v1.StatefulSet;

    constructor(name: string, args: RedisClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("geo:redis:RedisCluster", name, {}, opts);
        const a = validateRedisClusterArgs(args);
        const n = redisClusterNames(a.instance);
        const image = engineImage(a.engine);
        const ns = a.namespace;

        const password = new random.RandomPassword(
            `${name}-password`,
            { length: 32, special: false },
            { parent: this },
        );
        this.password = pulumi.secret(password.result);
        const containers = [
            redisServerContainer({
                image,
                command: ["redis-server"],
                args: [
                    `${PATHS.config}/redis.conf`,
                    "--cluster-announce-hostname",
                    `$(POD_NAME).${serviceFqdn(n.headless, ns)}`,
                ],
                secretName: n.secret,
                resources: a.resources,
                clusterBus: true,
            }),
            exporterContainer(n.secret, EXPORTER_RESOURCES),
        ];
        const set = createRedisServerSet(
            name,
            {
                names: n,
                namespace: ns,
                instance: n.base,
                component: "cluster",
                image,
                replicas: a.replicas,
                // Cluster nodes are peers: start them together (also after a full outage).
                podManagementPolicy: "Parallel",
                clientRole: "client",
                containers,
                volumes: redisServerVolumes(n.configMap, n.secret, n.tls),
                files: { "redis.conf": clusterRedisConf(a) },
                claim: { storageClass: a.storageClass, size: a.storageSize },
                // The certificate is public: its hash must not make the StatefulSet spec secret.
                tlsHash: pulumi.unsecret(pulumi.output(a.tls.cert)).apply((c) => shortHash(c)),
            },
            this,
            {
                auth: { password: this.password },
                tls: { material: a.tls, authClients: a.tlsAuthClients },
                protect: a.protect,
                afterPdb: (s) => this.createJob(name, a, n, image, s.statefulSet),
                monitor: {
                    alerts: n.alerts,
                    rules: clusterAlertRules({ namespace: ns, service: n.headless, workload: n.base }),
                    dependsOn: args.dependsOn?.monitoring ?? [],
                },
            },
        );
        this.statefulSet = set.statefulSet;

        this.host = serviceFqdn(n.client, ns);
        this.port = REDIS_PORT;
        this.url = `rediss://${this.host}:${this.port}`;
        this.secretName = n.secret;
        this.caSecretName = n.ca;
        this.clientTlsSecretName = a.tlsAuthClients === "yes" ? n.clientTls : undefined;
        this.registerOutputs({
            host: this.host,
            port: this.port,
            url: this.url,
            secretName: this.secretName,
            caSecretName: this.caSecretName,
            clientTlsSecretName: this.clientTlsSecretName,
        });
    }

    /**
     * The create Job: named after a hash of its script and image, so a change (more nodes, new image) creates
     * a new Job instead of patching an immutable one; the script exits 0 on a formed cluster.
     */
    private createJob(
        name: string,
        a: ResolvedRedisClusterArgs,
        n: ReturnType<typeof redisClusterNames>,
        image: string,
        statefulSet: k8s.apps.v1.StatefulSet,
    ): void {
        const ns = a.namespace;
        const script = clusterCreateScript({ hosts: clusterHosts(a), replicas: 1 });
        const jobName = n.job(shortHash(script, image));
        const jobLabels = standardLabels({
            app: "redis",
            instance: n.base,
            component: "cluster-create",
            version: imageTag(image),
        });
        new k8s.batch.v1.Job(
            `${name}-create`,
            {
                metadata: meta(jobName, ns, jobLabels),
                spec: {
                    backoffLimit: 4,
                    activeDeadlineSeconds: 1800,
                    // Deleted a day after it finishes; a re-created Job (pulumi up --refresh) is a no-op.
                    ttlSecondsAfterFinished: 86400,
                    template: {
                        metadata: { labels: jobLabels },
                        spec: {
                            restartPolicy: "Never",
                            automountServiceAccountToken: false,
                            enableServiceLinks: false,
                            securityContext: podSecurityContext(REDIS_UID),
                            containers: [
                                {
                                    name: "create",
                                    image,
                                    command: ["sh", "-c", script],
                                    env: [secretEnv("REDISCLI_AUTH", n.secret)],
                                    resources: resourcesOf(HELPER_RESOURCES),
                                    securityContext: containerSecurityContext(true),
                                    volumeMounts: [TLS_MOUNT],
                                },
                            ],
                            volumes: [tlsVolume(n.tls)],
                        },
                    },
                },
            },
            { parent: this, dependsOn: [statefulSet], deleteBeforeReplace: true },
        );
    }
}
