/**
 * The Sentinels of RedisReplicated's primary region: a server set (createRedisServerSet) of Sentinel pods
 * that read the data set's Secret and seed their sentinel.conf from the data pods' ROLE at start. Who reaches
 * them is the network fence's business (components/platform/network-policies.ts).
 */
import type * as pulumi from "@pulumi/pulumi";
import { sentinelInitScript } from "./conf";
import { containerSecurityContext, resources as resourcesOf } from "../shared/k8s";
import { HELPER_RESOURCES, SENTINEL_RESOURCES } from "./sizing";
import { sentinelCommand } from "./sessions-scripts";
import { createRedisServerSet, RedisServerSet, RedisServerSetSpec } from "./server-set";
import {
    ResolvedRedisReplicatedArgs,
    announcedNames,
    redisReplicatedNames,
    replicatedSentinelConf,
} from "./redis-replicated-args";
import {
    PATHS,
    POD_NAME_ENV,
    REDIS_PORT,
    SECRET_KEYS,
    SENTINEL_PORT,
    CLI_TLS,
    TLS_MOUNT,
    engineImage,
    secretEnv,
    serviceFqdn,
    tlsVolume,
} from "./workload";

/** The Sentinel set's spec: `redis-<instance>-sentinel` pods, an emptyDir for the config Sentinel rewrites. */
export function sentinelSetSpec(a: ResolvedRedisReplicatedArgs): RedisServerSetSpec {
    const n = redisReplicatedNames(a.instance);
    const ns = a.namespace;
    const image = engineImage(a.engine);
    const init = sentinelInitScript({
        candidates: announcedNames(a).map((host) => `${host}:${REDIS_PORT}`),
        masterName: a.masterName,
        templatePath: `${PATHS.sentinelConfig}/sentinel.conf`,
        authPath: `${PATHS.sentinelSecret}/auth.conf`,
        targetPath: `${PATHS.data}/sentinel.conf`,
    });
    const mounts = [
        { name: "data", mountPath: PATHS.data },
        { name: "template", mountPath: PATHS.sentinelConfig, readOnly: true },
        { name: "auth", mountPath: PATHS.sentinelSecret, readOnly: true },
        TLS_MOUNT,
    ];
    return {
        names: {
            base: n.sentinel,
            headless: n.sentinelHeadless,
            client: n.sentinel,
            configMap: n.sentinelConfigMap,
            secret: n.secret,
        },
        namespace: ns,
        instance: n.base,
        component: "sentinel",
        image,
        replicas: a.sentinels,
        podManagementPolicy: "Parallel",
        clientRole: "client",
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
                volumeMounts: [mounts[0], TLS_MOUNT],
                startupProbe: { tcpSocket: { port: "sentinel" }, periodSeconds: 5, failureThreshold: 60 },
                livenessProbe: { tcpSocket: { port: "sentinel" }, periodSeconds: 10, failureThreshold: 6 },
                readinessProbe: {
                    exec: { command: ["sh", "-c", `redis-cli ${CLI_TLS} -p ${SENTINEL_PORT} ping | grep -q PONG`] },
                    periodSeconds: 5,
                },
            },
        ],
        // Sentinel rewrites its config: "data" is a writable emptyDir, rebuilt from the template on start.
        volumes: [
            { name: "template", configMap: { name: n.sentinelConfigMap } },
            {
                name: "auth",
                secret: {
                    secretName: n.secret,
                    defaultMode: 0o440,
                    items: [{ key: SECRET_KEYS.sentinelAuthConf, path: "auth.conf" }],
                },
            },
            tlsVolume(n.tls),
        ],
        files: { "sentinel.conf": replicatedSentinelConf(a), "init.sh": init },
    };
}

/**
 * Creates the primary region's Sentinels (Pulumi names `<name>-sentinel…`) after the data set, reading its
 * Secret; returns the Sentinel Service's host.
 */
export function createSentinels(
    name: string,
    a: ResolvedRedisReplicatedArgs,
    data: RedisServerSet,
    parent: pulumi.Resource,
): string {
    const spec = sentinelSetSpec(a);
    const ns = a.namespace;
    createRedisServerSet(`${name}-sentinel`, spec, parent, {
        auth: { secret: data.secret },
        tls: { secret: data.tlsSecret },
        statefulSetName: `${name}-sentinel`,
        dependsOn: [data.statefulSet],
    });
    return serviceFqdn(spec.names.client, ns);
}
