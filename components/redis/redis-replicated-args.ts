/**
 * RedisReplicated's arguments, their defaults and validation, the names of its objects and the pure
 * redis.conf / sentinel.conf it renders from them. Creates no resources.
 */
import { cidrProblem } from "../shared/cidr";
import { renderRedisConf, renderSentinelConf } from "./conf";
import type * as pulumi from "@pulumi/pulumi";
import { REDIS_MAX_SESSIONS_REPLICAS, sentinelCount } from "../../config/redis";
import { regionalHostname } from "../shared/naming";
import { argChecks, dnsLabel, dnsName, intBetween } from "../shared/validate";
import {
    RedisServerArgs,
    checkRedisEngine,
    checkRedisNames,
    checkRedisStorage,
    redisServerDefaults,
} from "./server-args";
import { redisServerNames } from "./server-set";
import { PATHS, REDIS_PORT, SECRET_KEYS, SENTINEL_PORT, serviceFqdn } from "./workload";

/** Arguments of RedisReplicated (with the shared RedisServerArgs). */
export interface RedisReplicatedArgs extends RedisServerArgs {
    /** Instance name: Kubernetes objects are `redis-<instance>`, `redis-<instance>-sentinel`, … */
    readonly instance: string;
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
    /** Redis pods in this region (primary region: master + replicas), 2 to 9. Defaults to 3. */
    readonly replicas?: number;
    /** Sentinels in the primary region, an odd number from 3 to 9. Defaults to 3. */
    readonly sentinels?: number;
    /** `min-replicas-to-write` of the master, 0 to replicas - 1. Defaults to 1. */
    readonly minReplicasToWrite?: number;
    /** Name of the master in Sentinel (what clients ask Sentinel for). Defaults to the instance name. */
    readonly masterName?: string;
    /**
     * `loadBalancerSourceRanges` of the primary region's cross-region endpoint (the peer region's CIDR blocks).
     * Defaults to none (every address that routes to the VPC).
     */
    readonly loadBalancerSourceRanges?: readonly string[];
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
        ...redisServerDefaults(args),
        instance: args.instance,
        region: args.region,
        primaryRegion: args.primaryRegion,
        dnsZone: args.dnsZone,
        password: args.password,
        replicas,
        sentinels: args.sentinels ?? 3,
        minReplicasToWrite: args.minReplicasToWrite ?? 1,
        masterName: args.masterName ?? args.instance,
        loadBalancerSourceRanges: args.loadBalancerSourceRanges ?? [],
        primary: args.region === args.primaryRegion,
    };
    const { check } = argChecks("RedisReplicated");
    checkRedisNames(check, a);
    const lastPodService = podServiceName(a.instance, a.region, replicas - 1);
    check(
        "region",
        a.region,
        dnsLabel(lastPodService) &&
            `expected a region that makes the per-pod Service name ${lastPodService} a DNS label`,
    );
    check("dnsZone", a.dnsZone, dnsName(a.dnsZone));
    checkRedisEngine(check, a);
    check("replicas", a.replicas, intBetween(2, REDIS_MAX_SESSIONS_REPLICAS)(a.replicas));
    check("sentinels", a.sentinels, sentinelCount(a.sentinels));
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
    checkRedisStorage(check, a);
    for (const r of a.loadBalancerSourceRanges) check("loadBalancerSourceRanges", r, cidrProblem(r));
    return a;
}

/** Kubernetes names of a RedisReplicated's objects. */
export function redisReplicatedNames(instance: string) {
    const base = `redis-${instance}`;
    return {
        ...redisServerNames(base),
        /** ClusterIP Service over every data pod: local reads (replicas are read-only). */
        read: `${base}-read`,
        /** Internal LoadBalancer of the primary region, published as the cross-region endpoint. */
        primary: `${base}-primary`,
        sentinel: `${base}-sentinel`,
        sentinelHeadless: `${base}-sentinel-headless`,
        sentinelConfigMap: `${base}-sentinel-config`,
        /** ServiceAccount, Role and RoleBinding of the role-label sidecar. */
        serviceAccount: base,
        roleLabel: `${base}-role-label`,
    };
}

/**
 * The per-pod Service whose name each pod announces: `redis-<instance>-<region>-<ordinal>`, unique across the
 * regions of the pair (the region's own cluster resolves it; the other region's does not).
 */
export function podServiceName(instance: string, region: string, ordinal: number): string {
    return `${redisReplicatedNames(instance).base}-${region}-${ordinal}`;
}

/** The announced names of this region's pods, in ordinal order: `<podServiceName>.<namespace>.svc.cluster.local`. */
export function announcedNames(a: Pick<ResolvedRedisReplicatedArgs, "instance" | "region" | "namespace" | "replicas">) {
    return Array.from({ length: a.replicas }, (_, i) =>
        serviceFqdn(podServiceName(a.instance, a.region, i), a.namespace),
    );
}

/** The cross-region endpoint of the master: `redis-<instance>.<primaryRegion>.<dnsZone>`. */
export function replicationEndpoint(instance: string, primaryRegion: string, dnsZone: string): string {
    return regionalHostname(redisReplicatedNames(instance).base, primaryRegion, dnsZone);
}

/**
 * The redis.conf of this region's pods: master-capable in the primary region, replicas of the endpoint
 * elsewhere; TLS only (clients and replication, certificates from the mounted TLS Secret).
 */
export function replicatedRedisConf(a: ResolvedRedisReplicatedArgs): string {
    const common = {
        tls: { authClients: a.tlsAuthClients },
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
              // Outside the primary region: never promoted by a Sentinel, whatever adopts it.
              replicaPriority: 0,
          });
}

/**
 * The sentinel.conf template of the primary region. Its `sentinel monitor` line names pod 0; the init script
 * replaces it with the pod that reports itself master.
 */
export function replicatedSentinelConf(a: ResolvedRedisReplicatedArgs): string {
    return renderSentinelConf({
        masterName: a.masterName,
        masterHost: announcedNames(a)[0],
        masterPort: REDIS_PORT,
        sentinels: a.sentinels,
        port: SENTINEL_PORT,
        tls: { authClients: a.tlsAuthClients },
        dir: PATHS.data,
    });
}
