/**
 * The arguments RedisCluster and RedisReplicated share — namespace, engine, memory, storage, resources,
 * protection, monitoring dependencies — with their defaults and checks, applied once for both. Pure.
 */
import type * as pulumi from "@pulumi/pulumi";
import { REDIS_DEFAULT_MAXMEMORY, RedisEngine, TLS_AUTH_CLIENTS, TlsAuthClients } from "../../config/redis";
import type { RedisTlsMaterial } from "./redis-certificates";
import { MaxmemoryPolicy, MAXMEMORY_POLICIES } from "../../config/redis";
import type { Resources } from "../shared/k8s";
import { argChecks, binaryQuantity, dnsLabel, dnsName, oneOf } from "../shared/validate";
import { REDIS_RESOURCES } from "./sizing";

/** Arguments every Redis server component takes. */
export interface RedisServerArgs {
    /** Namespace of every object. */
    readonly namespace: string;
    /** This region's TLS material of the instance (RedisCertificates.materialFor, or the peer stack's). */
    readonly tls: RedisTlsMaterial;
    /** `tls-auth-clients` of every server and Sentinel of the instance. Defaults to "no". */
    readonly tlsAuthClients?: TlsAuthClients;
    /** Server software. Defaults to "redis". */
    readonly engine?: RedisEngine;
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

/** RedisServerArgs with every default applied. */
export type ResolvedRedisServerArgs = Required<Omit<RedisServerArgs, "dependsOn">>;

/** Applies the documented defaults of RedisServerArgs. */
export function redisServerDefaults(args: RedisServerArgs): ResolvedRedisServerArgs {
    return {
        namespace: args.namespace,
        tls: args.tls,
        tlsAuthClients: args.tlsAuthClients ?? "no",
        engine: args.engine ?? "redis",
        maxmemory: args.maxmemory ?? REDIS_DEFAULT_MAXMEMORY,
        maxmemoryPolicy: args.maxmemoryPolicy ?? "allkeys-lru",
        storageSize: args.storageSize ?? "10Gi",
        storageClass: args.storageClass ?? "fast-ssd",
        resources: args.resources ?? REDIS_RESOURCES,
        protect: args.protect ?? true,
    };
}

type Check = ReturnType<typeof argChecks>["check"];

/** Checks the instance (`redis-<instance>-headless` must stay a DNS label; pods add "-NN") and the namespace. */
export function checkRedisNames(check: Check, a: { readonly instance: string; readonly namespace: string }): void {
    check(
        "instance",
        a.instance,
        dnsLabel(a.instance) ?? (a.instance.length > 30 ? "expected at most 30 characters" : undefined),
    );
    check("namespace", a.namespace, dnsLabel(a.namespace));
}

/** Checks the engine. */
export function checkRedisEngine(check: Check, a: Pick<ResolvedRedisServerArgs, "engine" | "tlsAuthClients">): void {
    check("engine", a.engine, oneOf(["redis", "valkey"])(a.engine));
    check("tlsAuthClients", a.tlsAuthClients, oneOf(TLS_AUTH_CLIENTS)(a.tlsAuthClients));
}

/** Checks the eviction policy and the data volumes. */
export function checkRedisStorage(
    check: Check,
    a: Pick<ResolvedRedisServerArgs, "maxmemoryPolicy" | "storageSize" | "storageClass">,
): void {
    check("maxmemoryPolicy", a.maxmemoryPolicy, oneOf(MAXMEMORY_POLICIES)(a.maxmemoryPolicy));
    check("storageSize", a.storageSize, binaryQuantity(a.storageSize));
    check("storageClass", a.storageClass, dnsName(a.storageClass));
}
