/**
 * Pure redis.conf rendering: validates {@link RedisConfOptions}, renders redis.conf, its secret part
 * ({@link renderAuthConf}) and the cluster-forming Job's script. Re-exported by conf.ts.
 */
import * as path from "path";
import { MAXMEMORY_POLICIES, MaxmemoryPolicy, REDIS_DEFAULT_MAXMEMORY } from "../../config/redis";
import {
    checkBind,
    checkFileName,
    checkHost,
    checkHostPort,
    checkInt,
    checkMemory,
    checkOneOf,
    checkPath,
    fail,
    quoteSecret,
    shQuote,
} from "./conf-checks";
import {
    RedisTlsFiles,
    RedisTlsOptions,
    ResolvedRedisTlsOptions,
    redisCliTlsArgs,
    renderTlsLines,
    validateRedisTlsOptions,
} from "./tls-conf";

/** How a Redis instance participates: a Redis Cluster node, a Sentinel-managed master, or its replica. */
export type RedisMode = "cluster" | "replica-source" | "replica";
/** Every {@link RedisMode}. */
export const REDIS_MODES: readonly RedisMode[] = ["cluster", "replica-source", "replica"];

/** AOF fsync policies (`appendfsync`). */
export type AppendFsync = "always" | "everysec" | "no";
/** Every {@link AppendFsync}. */
export const APPEND_FSYNC_POLICIES: readonly AppendFsync[] = ["always", "everysec", "no"];

/** Which endpoint a cluster node advertises to clients in redirects (`cluster-preferred-endpoint-type`). */
export type ClusterEndpointType = "ip" | "hostname";
/** Every {@link ClusterEndpointType}. */
export const CLUSTER_ENDPOINT_TYPES: readonly ClusterEndpointType[] = ["ip", "hostname"];

/** One RDB snapshot rule: snapshot after `seconds` if at least `changes` keys changed. */
export interface SaveRule {
    /** Seconds since the last snapshot. */
    readonly seconds: number;
    /** Minimum number of changed keys. */
    readonly changes: number;
}

/** The seed's RDB snapshot rules: `save 900 1`, `save 300 10`, `save 60 10000`. */
export const DEFAULT_SAVE_RULES: readonly SaveRule[] = [
    { seconds: 900, changes: 1 },
    { seconds: 300, changes: 10 },
    { seconds: 60, changes: 10000 },
];

/** A `host:port` replication source. */
export interface RedisEndpoint {
    /** DNS name or IPv4 address. */
    readonly host: string;
    /** TCP port. Defaults to 6379. */
    readonly port?: number;
}

/** Options of {@link renderRedisConf}. */
export interface RedisConfOptions {
    /** How the instance participates (cluster node, Sentinel-managed master, or replica). */
    readonly mode: RedisMode;
    /** TLS client port (`tls-port`; there is no plaintext port); in cluster mode the bus port is port + 10000. Defaults to 6379. */
    readonly port?: number;
    /**
     * TLS for clients, replication and the cluster bus: the certificate files and `tls-auth-clients`. TLS
     * cannot be turned off. Defaults to {} (the files under /etc/redis-tls, tls-auth-clients no).
     */
    readonly tls?: RedisTlsOptions;
    /** Data directory (AOF, RDB, nodes.conf); the PVC mount. Defaults to /data. */
    readonly dir?: string;
    /** Addresses to listen on (`bind`); a leading `-` makes an address optional. Defaults to ["*", "-::*"]. */
    readonly bind?: readonly string[];
    /** `protected-mode`; irrelevant once a password is set, kept on as a second line of defence. Defaults to true. */
    readonly protectedMode?: boolean;
    /**
     * Path of the file holding {@link renderAuthConf}'s output (a mounted Secret), included last so
     * nothing in this file can override it. Defaults to /etc/redis-secret/auth.conf.
     */
    readonly authIncludePath?: string;
    /**
     * Memory limit in Redis units (`768mb`, `1gb`, `0` = unlimited); Kubernetes quantities such as `768Mi`
     * are rejected. Defaults to 768mb (75% of the seed's 1Gi container limit, leaving room for the
     * copy-on-write of AOF rewrites and replication buffers).
     */
    readonly maxmemory?: string;
    /** Eviction policy when maxmemory is reached. Defaults to allkeys-lru (sessions and caches, per the seed). */
    readonly maxmemoryPolicy?: MaxmemoryPolicy;
    /** Append-only file persistence. Defaults to true. */
    readonly appendonly?: boolean;
    /** AOF fsync policy. Defaults to everysec. */
    readonly appendfsync?: AppendFsync;
    /** RDB snapshot rules; an empty list disables snapshots (`save ""`). Defaults to {@link DEFAULT_SAVE_RULES}. */
    readonly save?: readonly SaveRule[];
    /**
     * Replication backlog; a replica that reconnects within it resyncs partially instead of copying the whole
     * dataset again, which matters on cross-region links. Defaults to 64mb.
     */
    readonly replBacklogSize?: string;
    /** A master refuses writes unless at least this many replicas are connected (`min-replicas-to-write`). Defaults to 0. */
    readonly minReplicasToWrite?: number;
    /** Seconds of replica lag that still count as connected for `min-replicas-to-write`. Defaults to 10. */
    readonly minReplicasMaxLag?: number;
    /**
     * `replica-priority`: 0 means Sentinel never promotes this instance (replicas outside the primary region);
     * not allowed in mode "cluster". Defaults to none (Redis's 100).
     */
    readonly replicaPriority?: number;
    /**
     * Stable DNS name this instance announces: `cluster-announce-hostname` in cluster mode,
     * `replica-announce-ip` otherwise. One ConfigMap serves every pod of a StatefulSet, so per-pod names are
     * normally passed on the command line instead (`--replica-announce-ip "$(POD_NAME).<service>"`).
     * Defaults to none (the pod IP is announced).
     */
    readonly announceHostname?: string;
    /** Replication source, required for and only allowed in mode "replica" (`replicaof <host> <port>`). */
    readonly replicaOf?: RedisEndpoint;
    /** Cluster mode: milliseconds before a node is considered failing. Defaults to 15000. */
    readonly clusterNodeTimeout?: number;
    /** Cluster mode: stop serving all slots when some are uncovered. Defaults to false (the seed's `no`). */
    readonly clusterRequireFullCoverage?: boolean;
    /** Cluster mode: replicas a master keeps before one may migrate to an orphaned master. Defaults to 1. */
    readonly clusterMigrationBarrier?: number;
    /** Cluster mode: file name of the cluster state file, placed under `dir`. Defaults to nodes.conf. */
    readonly clusterConfigFile?: string;
    /** Cluster mode: endpoint advertised in MOVED/ASK redirects. Defaults to ip. */
    readonly clusterPreferredEndpointType?: ClusterEndpointType;
}

/** {@link RedisConfOptions} after validation, with every default applied. */
export interface ResolvedRedisConfOptions {
    readonly mode: RedisMode;
    readonly port: number;
    readonly tls: ResolvedRedisTlsOptions;
    readonly dir: string;
    readonly bind: readonly string[];
    readonly protectedMode: boolean;
    readonly authIncludePath: string;
    readonly maxmemory: string;
    readonly maxmemoryPolicy: MaxmemoryPolicy;
    readonly appendonly: boolean;
    readonly appendfsync: AppendFsync;
    readonly save: readonly SaveRule[];
    readonly replBacklogSize: string;
    readonly minReplicasToWrite: number;
    readonly minReplicasMaxLag: number;
    readonly replicaPriority?: number;
    readonly announceHostname?: string;
    /** Present exactly in mode "replica". */
    readonly replicaOf?: Required<RedisEndpoint>;
    /** Present exactly in mode "cluster". */
    readonly cluster?: {
        readonly nodeTimeout: number;
        readonly requireFullCoverage: boolean;
        readonly migrationBarrier: number;
        readonly configFile: string;
        readonly preferredEndpointType: ClusterEndpointType;
    };
}

/** Options of {@link clusterCreateScript}. */
export interface ClusterCreateScriptOptions {
    /** Every cluster node as `host:port` (stable pod DNS names), masters first as redis-cli assigns them. */
    readonly hosts: readonly string[];
    /** Replicas per master (`--cluster-replicas`). Defaults to 1. */
    readonly replicas?: number;
    /** Seconds to wait for every node to answer PING before failing. Defaults to 300. */
    readonly timeoutSeconds?: number;
    /** Seconds between PING attempts. Defaults to 2. */
    readonly intervalSeconds?: number;
    /** Certificate files redis-cli connects with (over TLS, verifying the nodes against the CA). Defaults to {} (under /etc/redis-tls). */
    readonly tls?: RedisTlsFiles;
}

function rejectOutside(mode: RedisMode, allowed: RedisMode, options: Record<string, unknown>): void {
    for (const [option, value] of Object.entries(options)) {
        if (value !== undefined && mode !== allowed) {
            fail(option, value, `no value: ${option} only applies to mode ${allowed} (mode is ${mode})`);
        }
    }
}

/**
 * Validates {@link RedisConfOptions} and applies every documented default. Throws an Error naming the
 * option, the value and what is allowed.
 */
export function validateRedisConfOptions(opts: RedisConfOptions): ResolvedRedisConfOptions {
    const mode = checkOneOf("mode", opts.mode, REDIS_MODES);
    rejectOutside(mode, "cluster", {
        clusterNodeTimeout: opts.clusterNodeTimeout,
        clusterRequireFullCoverage: opts.clusterRequireFullCoverage,
        clusterMigrationBarrier: opts.clusterMigrationBarrier,
        clusterConfigFile: opts.clusterConfigFile,
        clusterPreferredEndpointType: opts.clusterPreferredEndpointType,
    });
    if (mode === "cluster" && opts.replicaPriority !== undefined) {
        fail("replicaPriority", opts.replicaPriority, "no value in mode cluster (Sentinel reads replica-priority)");
    }
    rejectOutside(mode, "replica", { replicaOf: opts.replicaOf });
    if (mode === "replica" && opts.replicaOf === undefined) {
        fail("replicaOf", opts.replicaOf, "the master's {host, port} when mode is replica");
    }
    // The cluster bus listens on port + 10000, which must be a valid port too.
    const port = checkInt("port", opts.port ?? 6379, 1, mode === "cluster" ? 55535 : 65535);
    for (const rule of opts.save ?? DEFAULT_SAVE_RULES) {
        checkInt("save.seconds", rule.seconds, 1);
        checkInt("save.changes", rule.changes, 1);
    }
    return {
        mode,
        port,
        tls: validateRedisTlsOptions(opts.tls),
        dir: checkPath("dir", opts.dir ?? "/data"),
        bind: checkBind("bind", opts.bind ?? ["*", "-::*"]),
        protectedMode: opts.protectedMode ?? true,
        authIncludePath: checkPath("authIncludePath", opts.authIncludePath ?? "/etc/redis-secret/auth.conf"),
        maxmemory: checkMemory("maxmemory", opts.maxmemory ?? REDIS_DEFAULT_MAXMEMORY),
        maxmemoryPolicy: checkOneOf("maxmemoryPolicy", opts.maxmemoryPolicy ?? "allkeys-lru", MAXMEMORY_POLICIES),
        appendonly: opts.appendonly ?? true,
        appendfsync: checkOneOf("appendfsync", opts.appendfsync ?? "everysec", APPEND_FSYNC_POLICIES),
        save: opts.save ?? DEFAULT_SAVE_RULES,
        replBacklogSize: checkMemory("replBacklogSize", opts.replBacklogSize ?? "64mb"),
        minReplicasToWrite: checkInt("minReplicasToWrite", opts.minReplicasToWrite ?? 0, 0),
        minReplicasMaxLag: checkInt("minReplicasMaxLag", opts.minReplicasMaxLag ?? 10, 1),
        replicaPriority:
            opts.replicaPriority === undefined ? undefined : checkInt("replicaPriority", opts.replicaPriority, 0),
        announceHostname:
            opts.announceHostname === undefined ? undefined : checkHost("announceHostname", opts.announceHostname),
        replicaOf:
            opts.replicaOf === undefined
                ? undefined
                : {
                      host: checkHost("replicaOf.host", opts.replicaOf.host),
                      port: checkInt("replicaOf.port", opts.replicaOf.port ?? 6379, 1, 65535),
                  },
        cluster:
            mode !== "cluster"
                ? undefined
                : {
                      nodeTimeout: checkInt("clusterNodeTimeout", opts.clusterNodeTimeout ?? 15000, 1),
                      requireFullCoverage: opts.clusterRequireFullCoverage ?? false,
                      migrationBarrier: checkInt("clusterMigrationBarrier", opts.clusterMigrationBarrier ?? 1, 0),
                      configFile: checkFileName("clusterConfigFile", opts.clusterConfigFile ?? "nodes.conf"),
                      preferredEndpointType: checkOneOf(
                          "clusterPreferredEndpointType",
                          opts.clusterPreferredEndpointType ?? "ip",
                          CLUSTER_ENDPOINT_TYPES,
                      ),
                  },
    };
}

const yesNo = (b: boolean): string => (b ? "yes" : "no");

/**
 * Renders redis.conf for one {@link RedisMode}. The password is not in it: the file ends with
 * `include <authIncludePath>`, whose content is {@link renderAuthConf}'s output.
 */
export function renderRedisConf(opts: RedisConfOptions): string {
    const o = validateRedisConfOptions(opts);
    const lines = [
        `# redis.conf for mode ${o.mode}, rendered by geo-data components/redis/conf.ts.`,
        "# requirepass/masterauth come from the included Secret file (last line), never from this file.",
        `bind ${o.bind.join(" ")}`,
        `protected-mode ${yesNo(o.protectedMode)}`,
        ...renderTlsLines(o.port, o.tls, o.cluster !== undefined),
        `dir ${o.dir}`,
        `maxmemory ${o.maxmemory}`,
        `maxmemory-policy ${o.maxmemoryPolicy}`,
        `appendonly ${yesNo(o.appendonly)}`,
        `appendfsync ${o.appendfsync}`,
        ...(o.save.length === 0 ? ['save ""'] : o.save.map((r) => `save ${r.seconds} ${r.changes}`)),
        `repl-backlog-size ${o.replBacklogSize}`,
        `min-replicas-to-write ${o.minReplicasToWrite}`,
        `min-replicas-max-lag ${o.minReplicasMaxLag}`,
        ...(o.replicaPriority === undefined ? [] : [`replica-priority ${o.replicaPriority}`]),
    ];
    if (o.cluster) {
        lines.push(
            "cluster-enabled yes",
            `cluster-config-file ${path.posix.join(o.dir, o.cluster.configFile)}`,
            `cluster-node-timeout ${o.cluster.nodeTimeout}`,
            `cluster-require-full-coverage ${yesNo(o.cluster.requireFullCoverage)}`,
            `cluster-migration-barrier ${o.cluster.migrationBarrier}`,
            `cluster-preferred-endpoint-type ${o.cluster.preferredEndpointType}`,
        );
        if (o.announceHostname !== undefined) lines.push(`cluster-announce-hostname ${o.announceHostname}`);
    } else if (o.announceHostname !== undefined) {
        lines.push(`replica-announce-ip ${o.announceHostname}`);
    }
    if (o.replicaOf) lines.push(`replicaof ${o.replicaOf.host} ${o.replicaOf.port}`);
    lines.push(`include ${o.authIncludePath}`);
    return lines.join("\n") + "\n";
}

/**
 * Renders the secret part of redis.conf: `requirepass` (clients and the default user) and `masterauth`
 * (used when this node replicates, including after a failover). Store it in a Kubernetes Secret mounted
 * at {@link RedisConfOptions.authIncludePath}.
 */
export function renderAuthConf(password: string): string {
    const quoted = quoteSecret("password", password);
    return `requirepass ${quoted}\nmasterauth ${quoted}\n`;
}

/**
 * Renders the POSIX sh script of the one-shot, idempotent cluster-forming Job (run in the Redis image).
 * It reads the password from `REDISCLI_AUTH` (redis-cli's own variable, so it never appears in a process
 * list), waits (bounded by `timeoutSeconds`) until every host answers PING, exits 0 without changes when
 * any node already reports `cluster_state:ok` or knows other nodes (`cluster_known_nodes` > 1), and
 * otherwise runs `redis-cli --cluster create <hosts> --cluster-replicas <replicas> --cluster-yes`. Every
 * redis-cli call speaks TLS and verifies the nodes against the CA (`tls` files).
 */
export function clusterCreateScript(opts: ClusterCreateScriptOptions): string {
    const replicas = checkInt("replicas", opts.replicas ?? 1, 0);
    const minimum = 3 * (replicas + 1);
    if (opts.hosts.length < minimum) {
        fail("hosts", opts.hosts, `at least ${minimum} host:port entries (3 masters with ${replicas} replica(s) each)`);
    }
    if (new Set(opts.hosts).size !== opts.hosts.length) fail("hosts", opts.hosts, "distinct host:port entries");
    const hosts = opts.hosts.map((h) => checkHostPort("hosts", h));
    const timeout = checkInt("timeoutSeconds", opts.timeoutSeconds ?? 300, 1);
    const interval = checkInt("intervalSeconds", opts.intervalSeconds ?? 2, 1);
    const tls = redisCliTlsArgs(opts.tls);
    return `#!/bin/sh
# Forms the Redis Cluster once; rendered by geo-data components/redis/conf.ts.
set -eu
: "\${REDISCLI_AUTH:?REDISCLI_AUTH must hold the Redis password}"
export REDISCLI_AUTH
hosts=${shQuote(hosts.join(" "))}
deadline=$(( $(date +%s) + ${timeout} ))
for node in $hosts; do
  host=\${node%:*}
  port=\${node##*:}
  while :; do
    reply=$(redis-cli ${tls} -h "$host" -p "$port" ping 2>&1 || true)
    [ "$reply" = "PONG" ] && break
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "cluster-create: $node did not answer PING within ${timeout}s; last reply: $reply" >&2
      exit 1
    fi
    sleep ${interval}
  done
done
echo "cluster-create: all nodes answer PING"
for node in $hosts; do
  info=$(redis-cli ${tls} -h "\${node%:*}" -p "\${node##*:}" cluster info | tr -d '\\r')
  state=$(printf '%s\\n' "$info" | sed -n 's/^cluster_state://p')
  known=$(printf '%s\\n' "$info" | sed -n 's/^cluster_known_nodes://p')
  if [ "$state" = "ok" ] || [ "\${known:-1}" -gt 1 ]; then
    echo "cluster-create: cluster already formed ($node: cluster_state:$state, cluster_known_nodes:$known); nothing to do"
    if [ "$state" != "ok" ]; then
      echo "cluster-create: warning: cluster_state is $state; inspect with redis-cli --cluster check $node" >&2
    fi
    exit 0
  fi
done
echo "cluster-create: forming the cluster"
# shellcheck disable=SC2086 # one argument per host
redis-cli ${tls} --cluster create $hosts --cluster-replicas ${replicas} --cluster-yes
`;
}
