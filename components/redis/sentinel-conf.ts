/**
 * Pure sentinel.conf rendering: the template (a ConfigMap), its secret part (a Secret) and the init script
 * that finds the current master and joins them into Sentinel's writable file. Re-exported by conf.ts.
 */
import {
    checkBind,
    checkHost,
    checkHostPort,
    checkInt,
    checkName,
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

/** Options of {@link renderSentinelConf}. */
export interface SentinelConfOptions {
    /** Name Sentinel and its clients use for the monitored master. Defaults to mymaster. */
    readonly masterName?: string;
    /** Stable DNS name (or IPv4 address) of the initial master. */
    readonly masterHost: string;
    /** Port of the initial master. Defaults to 6379. */
    readonly masterPort?: number;
    /** Number of Sentinels deployed (at least 3); the quorum is {@link sentinelQuorum} of it. Defaults to 3. */
    readonly sentinels?: number;
    /** Sentinel TLS port (`tls-port`; there is no plaintext port). Defaults to 26379. */
    readonly port?: number;
    /**
     * TLS for Sentinel's clients and for its connections to the servers and the other Sentinels
     * (`tls-replication yes`). TLS cannot be turned off. Defaults to {} (the files under /etc/redis-tls, tls-auth-clients no).
     */
    readonly tls?: RedisTlsOptions;
    /** Working directory (the writable emptyDir). Defaults to /data. */
    readonly dir?: string;
    /** Addresses to listen on. Defaults to ["*", "-::*"]. */
    readonly bind?: readonly string[];
    /** Milliseconds without a valid reply before an instance is subjectively down. Defaults to 15000 (as cluster-node-timeout). */
    readonly downAfterMilliseconds?: number;
    /** Failover timeout in milliseconds. Defaults to 180000. */
    readonly failoverTimeout?: number;
    /** Replicas reconfigured to the new master at the same time after a failover. Defaults to 1. */
    readonly parallelSyncs?: number;
    /**
     * Stable DNS name this Sentinel announces (`sentinel announce-ip`, a hostname since
     * `announce-hostnames yes`). Per-pod names are normally passed on the command line instead
     * (`redis-server sentinel.conf --sentinel announce-ip "$(POD_NAME).<service>"`, which Sentinel persists).
     * Defaults to none (the pod IP is announced).
     */
    readonly announceHostname?: string;
}

/** {@link SentinelConfOptions} after validation, with every default applied. */
export interface ResolvedSentinelConfOptions {
    readonly masterName: string;
    readonly masterHost: string;
    readonly masterPort: number;
    readonly sentinels: number;
    readonly quorum: number;
    readonly port: number;
    readonly tls: ResolvedRedisTlsOptions;
    readonly dir: string;
    readonly bind: readonly string[];
    readonly downAfterMilliseconds: number;
    readonly failoverTimeout: number;
    readonly parallelSyncs: number;
    readonly announceHostname?: string;
}

/** Options of {@link sentinelInitScript}. */
export interface SentinelInitScriptOptions {
    /**
     * Every Redis pod of the monitored set as `host:port` (their announced names). The script asks each for
     * its `ROLE` and monitors the one that reports master; it never assumes pod 0 is the master.
     */
    readonly candidates: readonly string[];
    /** The master name of the template's `sentinel monitor` line. Defaults to mymaster. */
    readonly masterName?: string;
    /** Rendered {@link renderSentinelConf} (ConfigMap mount). Defaults to /etc/redis-sentinel/sentinel.conf. */
    readonly templatePath?: string;
    /** Rendered {@link renderSentinelAuthConf} (Secret mount). Defaults to /etc/redis-sentinel-secret/auth.conf. */
    readonly authPath?: string;
    /** Writable file Sentinel is started with (on an emptyDir). Defaults to /data/sentinel.conf. */
    readonly targetPath?: string;
    /** Seconds to look for exactly one master among the candidates before failing. Defaults to 120. */
    readonly discoverTimeoutSeconds?: number;
    /** Certificate files redis-cli asks the candidates with (TLS, verified against the CA). Defaults to {} (under /etc/redis-tls). */
    readonly tls?: RedisTlsFiles;
}

/** Throws unless `sentinels` is an integer of at least 3 (fewer cannot survive one failure with a majority). */
export function validateSentinelCount(sentinels: number): number {
    if (!Number.isInteger(sentinels) || sentinels < 3) {
        fail("sentinels", sentinels, "an integer >= 3 (a majority must survive the loss of one Sentinel)");
    }
    return sentinels;
}

/** The Sentinel quorum for `sentinels` Sentinels: a strict majority, floor(n/2)+1. Throws for fewer than 3. */
export function sentinelQuorum(sentinels: number): number {
    return Math.floor(validateSentinelCount(sentinels) / 2) + 1;
}

/** Validates {@link SentinelConfOptions} and applies every documented default. */
export function validateSentinelConfOptions(opts: SentinelConfOptions): ResolvedSentinelConfOptions {
    const sentinels = validateSentinelCount(opts.sentinels ?? 3);
    return {
        masterName: checkName("masterName", opts.masterName ?? "mymaster"),
        masterHost: checkHost("masterHost", opts.masterHost),
        masterPort: checkInt("masterPort", opts.masterPort ?? 6379, 1, 65535),
        sentinels,
        quorum: sentinelQuorum(sentinels),
        port: checkInt("port", opts.port ?? 26379, 1, 65535),
        tls: validateRedisTlsOptions(opts.tls),
        dir: checkPath("dir", opts.dir ?? "/data"),
        bind: checkBind("bind", opts.bind ?? ["*", "-::*"]),
        downAfterMilliseconds: checkInt("downAfterMilliseconds", opts.downAfterMilliseconds ?? 15000, 1),
        failoverTimeout: checkInt("failoverTimeout", opts.failoverTimeout ?? 180000, 1),
        parallelSyncs: checkInt("parallelSyncs", opts.parallelSyncs ?? 1, 1),
        announceHostname:
            opts.announceHostname === undefined ? undefined : checkHost("announceHostname", opts.announceHostname),
    };
}

/**
 * Renders the sentinel.conf template (a ConfigMap). `resolve-hostnames`/`announce-hostnames` precede
 * `sentinel monitor`: when they follow it, Sentinel stores the master's resolved IP instead of its stable
 * DNS name. The template holds no secret; {@link sentinelInitScript} appends {@link renderSentinelAuthConf}.
 */
export function renderSentinelConf(opts: SentinelConfOptions): string {
    const o = validateSentinelConfOptions(opts);
    const m = o.masterName;
    return (
        [
            "# sentinel.conf template, rendered by geo-data components/redis/conf.ts.",
            "# Sentinel rewrites its config: start it from the writable copy made by the init script, which",
            "# monitors the master it found and appends the Secret's lines; never from this read-only template.",
            `bind ${o.bind.join(" ")}`,
            ...renderTlsLines(o.port, o.tls),
            `dir ${o.dir}`,
            "sentinel resolve-hostnames yes",
            "sentinel announce-hostnames yes",
            ...(o.announceHostname === undefined ? [] : [`sentinel announce-ip ${o.announceHostname}`]),
            `sentinel monitor ${m} ${o.masterHost} ${o.masterPort} ${o.quorum}`,
            `sentinel down-after-milliseconds ${m} ${o.downAfterMilliseconds}`,
            `sentinel failover-timeout ${m} ${o.failoverTimeout}`,
            `sentinel parallel-syncs ${m} ${o.parallelSyncs}`,
        ].join("\n") + "\n"
    );
}

/**
 * Renders the secret part of sentinel.conf (a Kubernetes Secret): `sentinel auth-pass <masterName>` (to the
 * Redis servers), `requirepass` (clients of this Sentinel must AUTH) and `sentinel sentinel-pass` (to the
 * other Sentinels, which require the same password). It must follow the `sentinel monitor` line, so it is
 * appended after the template.
 */
export function renderSentinelAuthConf(masterName: string, password: string): string {
    const quoted = quoteSecret("password", password);
    return (
        `sentinel auth-pass ${checkName("masterName", masterName)} ${quoted}\n` +
        `requirepass ${quoted}\n` +
        `sentinel sentinel-pass ${quoted}\n`
    );
}

/**
 * Renders the POSIX sh script of the Sentinel init container. It finds the current master by asking every
 * candidate for its `ROLE` (authenticated with `REDISCLI_AUTH`), bounded by `discoverTimeoutSeconds`, and
 * accepts exactly one master — never pod 0 by default, so Sentinels that all restart at once (their state is
 * on an emptyDir) monitor the master the last failover chose, not a replica; zero or several masters keep
 * it waiting, then it fails (the pod restarts and tries again). It then writes the template with the
 * `sentinel monitor` line pointing at that master, plus the Secret's lines, into the writable target file
 * with mode 0600. Sentinel re-creates that file on every config rewrite with mode 0644 & ~umask, so start it
 * under umask 077 (`sh -c 'umask 077 && exec redis-server /data/sentinel.conf --sentinel'`). Redis 7.0
 * Sentinel started with an unresolvable master name rewrites its file with an empty host; a master that
 * answered ROLE by that name resolves.
 */
export function sentinelInitScript(opts: SentinelInitScriptOptions): string {
    if (opts.candidates.length === 0) fail("candidates", opts.candidates, "at least one host:port");
    const candidates = opts.candidates.map((c) => checkHostPort("candidates", c));
    const masterName = checkName("masterName", opts.masterName ?? "mymaster");
    const template = checkPath("templatePath", opts.templatePath ?? "/etc/redis-sentinel/sentinel.conf");
    const auth = checkPath("authPath", opts.authPath ?? "/etc/redis-sentinel-secret/auth.conf");
    const target = checkPath("targetPath", opts.targetPath ?? "/data/sentinel.conf");
    const timeout = checkInt("discoverTimeoutSeconds", opts.discoverTimeoutSeconds ?? 120, 1);
    const tls = redisCliTlsArgs(opts.tls);
    return `#!/bin/sh
# Sentinel init step, rendered by geo-data components/redis/conf.ts: asks every Redis pod for its ROLE,
# then writes the sentinel.conf template monitoring the one master, plus the Secret's lines.
set -eu
: "\${REDISCLI_AUTH:?REDISCLI_AUTH must hold the Redis password}"
export REDISCLI_AUTH
candidates=${shQuote(candidates.join(" "))}
master_name=${shQuote(masterName)}
template=${shQuote(template)}
auth=${shQuote(auth)}
target=${shQuote(target)}
deadline=$(( $(date +%s) + ${timeout} ))
while :; do
  masters=""
  for node in $candidates; do
    role=$(timeout 3 redis-cli ${tls} -h "\${node%:*}" -p "\${node##*:}" role 2>/dev/null | head -n 1 || true)
    if [ "$role" = "master" ]; then masters="$masters $node"; fi
  done
  # shellcheck disable=SC2086 # one word per master
  set -- $masters
  [ "$#" -eq 1 ] && break
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "sentinel-init: expected exactly one master among $candidates, found $#:$masters (for ${timeout}s)" >&2
    exit 1
  fi
  sleep 2
done
master=$1
echo "sentinel-init: the current master is $master"
umask 077
sed "s|^sentinel monitor $master_name [^ ]* [0-9]* |sentinel monitor $master_name \${master%:*} \${master##*:} |" "$template" > "$target.tmp"
cat "$auth" >> "$target.tmp"
mv "$target.tmp" "$target"
echo "sentinel-init: wrote $target"
`;
}
