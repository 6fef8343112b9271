/**
 * Pure builders shared by RedisCluster and RedisReplicated: names, images, the Redis server and
 * redis_exporter containers, the hardened pod spec, Services, the PDB and the auth Secret's content.
 * They create no resources; the components compose them (see test/redis-components.spec.ts).
 */
import * as crypto from "crypto";
import type * as k8s from "@pulumi/kubernetes";
import type { RedisEngine } from "../../config";
import {
    Resources,
    containerSecurityContext,
    podSecurityContext,
    resources as resourcesOf,
    zoneSpread,
} from "../shared/k8s";
import { images } from "../shared/versions";
import { TLS_DIR, redisCliTlsArgs } from "./tls-conf";

type Container = k8s.types.input.core.v1.Container;
type PodSpec = k8s.types.input.core.v1.PodSpec;

/** The Redis client port. */
export const REDIS_PORT = 6379;
/** The Redis Cluster bus port (client port + 10000). */
export const CLUSTER_BUS_PORT = 16379;
/** The Sentinel port. */
export const SENTINEL_PORT = 26379;
/** The redis_exporter port (named "metrics"). */
export const METRICS_PORT = 9121;
/** UID/GID of the `redis` user in the official Redis and Valkey images. */
export const REDIS_UID = 999;

/** Where the containers mount what they read. */
export const PATHS = {
    /** ConfigMap with redis.conf (read-only). */
    config: "/etc/redis",
    /** Secret with auth.conf (read-only); redis.conf includes `${secret}/auth.conf`. */
    secret: "/etc/redis-secret",
    /** The data volume (PVC) or, for Sentinel, the writable emptyDir. */
    data: "/data",
    /** Sentinel template ConfigMap (read-only). */
    sentinelConfig: "/etc/redis-sentinel",
    /** Sentinel auth Secret (read-only). */
    sentinelSecret: "/etc/redis-sentinel-secret",
    /** The TLS Secret (tls.crt, tls.key, ca.crt; read-only), in every container that talks to Redis. */
    tls: TLS_DIR,
} as const;

/** Keys of the TLS Secret `redis-<instance>-tls` (type kubernetes.io/tls plus the CA). */
export const TLS_SECRET_KEYS = { cert: "tls.crt", key: "tls.key", ca: "ca.crt" } as const;

/** The read-only mount of the TLS Secret (volume "tls"). */
export const TLS_MOUNT = { name: "tls", mountPath: PATHS.tls, readOnly: true } as const;

/**
 * The TLS Secret volume: mode 0440, readable by the pod's fsGroup (the non-root redis user, which Redis,
 * redis-cli and the exporter run as) and nobody else.
 */
export function tlsVolume(secretName: string): k8s.types.input.core.v1.Volume {
    return { name: "tls", secret: { secretName, defaultMode: 0o440 } };
}

/** redis-cli's TLS flags inside a pod (the mounted TLS Secret). */
export const CLI_TLS = redisCliTlsArgs();

/** Keys of the auth Secret. */
export const SECRET_KEYS = {
    /** renderAuthConf: requirepass + masterauth, included by redis.conf. */
    authConf: "auth.conf",
    /** The bare password: REDISCLI_AUTH of probes and the create Job, REDIS_PASSWORD of the exporter. */
    password: "password",
    /** renderSentinelAuthConf: `sentinel auth-pass`. */
    sentinelAuthConf: "sentinel-auth.conf",
} as const;

/** The pinned image of an engine (from versions.ts). Both ship `redis-server` and `redis-cli`. */
export function engineImage(engine: RedisEngine): string {
    return engine === "valkey" ? images.valkey : images.redis;
}

/** The in-cluster DNS name of a Service (`<svc>.<ns>.svc.cluster.local`). */
export function serviceFqdn(service: string, namespace: string): string {
    return `${service}.${namespace}.svc.cluster.local`;
}

/** The stable DNS name of a StatefulSet pod behind its headless Service. */
export function podFqdn(pod: string, headless: string, namespace: string): string {
    return `${pod}.${serviceFqdn(headless, namespace)}`;
}

/** A short, stable hash of some text (config checksums, Job names). */
export function shortHash(...parts: string[]): string {
    return crypto.createHash("sha256").update(parts.join("\u0000")).digest("hex").slice(0, 10);
}

/** Env var with the pod's own name (for per-pod announce names). */
export const POD_NAME_ENV = { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } };

/** Env var taking a key of the auth Secret. */
export function secretEnv(name: string, secretName: string, key: string = SECRET_KEYS.password) {
    return { name, valueFrom: { secretKeyRef: { name: secretName, key } } };
}

/** The Redis server container: config and auth read-only, data on /data, probes authenticated from the Secret. */
export function redisServerContainer(a: {
    readonly image: string;
    readonly command: string[];
    readonly args?: string[];
    readonly secretName: string;
    readonly resources: Resources;
    readonly clusterBus?: boolean;
}): Container {
    const ping = `redis-cli ${CLI_TLS} -h 127.0.0.1 -p ${REDIS_PORT} ping | grep -q PONG`;
    return {
        name: "redis",
        image: a.image,
        command: a.command,
        ...(a.args ? { args: a.args } : {}),
        env: [POD_NAME_ENV, secretEnv("REDISCLI_AUTH", a.secretName)],
        ports: [
            { name: "redis", containerPort: REDIS_PORT, protocol: "TCP" },
            ...(a.clusterBus ? [{ name: "cluster-bus", containerPort: CLUSTER_BUS_PORT, protocol: "TCP" }] : []),
        ],
        resources: resourcesOf(a.resources),
        securityContext: containerSecurityContext(true),
        volumeMounts: [
            { name: "data", mountPath: PATHS.data },
            { name: "config", mountPath: PATHS.config, readOnly: true },
            { name: "auth", mountPath: PATHS.secret, readOnly: true },
            TLS_MOUNT,
            { name: "tmp", mountPath: "/tmp" },
        ],
        // TCP probes open and close a connection without a TLS handshake; readiness speaks TLS and PINGs.
        startupProbe: { tcpSocket: { port: "redis" }, periodSeconds: 5, failureThreshold: 60 },
        livenessProbe: { tcpSocket: { port: "redis" }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 },
        readinessProbe: {
            exec: { command: ["sh", "-c", ping] },
            periodSeconds: 5,
            timeoutSeconds: 3,
            failureThreshold: 3,
        },
    };
}

/**
 * The redis_exporter sidecar scraping the local server over TLS (`rediss://`, the server certificate verified
 * against the CA: it names 127.0.0.1) with the password from the Secret, presenting the pod's certificate.
 */
export function exporterContainer(secretName: string, res: Resources): Container {
    return {
        name: "exporter",
        image: images.redisExporter,
        env: [
            { name: "REDIS_ADDR", value: `rediss://127.0.0.1:${REDIS_PORT}` },
            secretEnv("REDIS_PASSWORD", secretName),
            { name: "REDIS_EXPORTER_TLS_CA_CERT_FILE", value: `${PATHS.tls}/${TLS_SECRET_KEYS.ca}` },
            { name: "REDIS_EXPORTER_TLS_CLIENT_CERT_FILE", value: `${PATHS.tls}/${TLS_SECRET_KEYS.cert}` },
            { name: "REDIS_EXPORTER_TLS_CLIENT_KEY_FILE", value: `${PATHS.tls}/${TLS_SECRET_KEYS.key}` },
        ],
        volumeMounts: [TLS_MOUNT],
        ports: [{ name: "metrics", containerPort: METRICS_PORT, protocol: "TCP" }],
        resources: resourcesOf(res),
        securityContext: containerSecurityContext(true),
        readinessProbe: { httpGet: { path: "/health", port: "metrics" }, periodSeconds: 10 },
        // /health answers while the exporter runs, whether or not Redis does: a hung exporter is restarted,
        // a Redis outage restarts nothing.
        livenessProbe: { httpGet: { path: "/health", port: "metrics" }, periodSeconds: 10, failureThreshold: 6 },
    };
}

/** Volumes of a Redis server pod (the data volume comes from the volumeClaimTemplate). */
export function redisServerVolumes(
    configMap: string,
    secretName: string,
    tlsSecretName: string,
): k8s.types.input.core.v1.Volume[] {
    return [
        { name: "config", configMap: { name: configMap, items: [{ key: "redis.conf", path: "redis.conf" }] } },
        // 0440: readable by the pod's fsGroup (the redis user), nobody else.
        {
            name: "auth",
            secret: { secretName, defaultMode: 0o440, items: [{ key: SECRET_KEYS.authConf, path: "auth.conf" }] },
        },
        tlsVolume(tlsSecretName),
        { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
    ];
}

/** The hardened pod spec every Redis pod shares: non-root, no token, spread over zones. */
export function podSpec(
    selector: Record<string, string>,
    spec: Pick<PodSpec, "containers" | "initContainers" | "volumes" | "serviceAccountName">,
): PodSpec {
    return {
        securityContext: podSecurityContext(REDIS_UID),
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        terminationGracePeriodSeconds: 30,
        topologySpreadConstraints: zoneSpread(selector),
        ...spec,
    };
}

/** A volumeClaimTemplate named "data". */
export function dataClaim(labels: Record<string, string>, storageClass: string, size: string) {
    return {
        metadata: { name: "data", labels },
        spec: {
            accessModes: ["ReadWriteOnce"],
            storageClassName: storageClass,
            resources: { requests: { storage: size } },
        },
    };
}

/** The `app.kubernetes.io/*` labels plus `geo-data/service`, which tells a workload's Services apart. */
export function serviceLabels(labels: Record<string, string>, role: string): Record<string, string> {
    return { ...labels, "geo-data/service": role };
}

/** A TCP Service port that targets the container port of the same name. */
export function servicePort(name: string, port: number): k8s.types.input.core.v1.ServicePort {
    return { name, port, targetPort: name, protocol: "TCP" };
}

/**
 * Spec of a headless Service: stable per-pod DNS names, published before the pods are ready (Redis nodes
 * and Sentinels must find each other while they start).
 */
export function headlessServiceSpec(
    selector: Record<string, string>,
    ports: k8s.types.input.core.v1.ServicePort[],
): k8s.types.input.core.v1.ServiceSpec {
    return { clusterIP: "None", publishNotReadyAddresses: true, selector, ports };
}

/** Spec of an in-cluster (ClusterIP) Service. */
export function clusterIpServiceSpec(
    selector: Record<string, string>,
    ports: k8s.types.input.core.v1.ServicePort[],
): k8s.types.input.core.v1.ServiceSpec {
    return { type: "ClusterIP", selector, ports };
}
