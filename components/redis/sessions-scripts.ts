/**
 * The POSIX sh scripts the Sentinel-mode (sessions) pods run: the data pods' start script, the role-label
 * sidecar and the Sentinel command line. Pure: they take every name as a parameter and create nothing; the
 * real-server specs run them as rendered (test/redis-rendered-server.spec.ts, test/redis-sessions-server.spec.ts).
 */
import { PATHS } from "./workload";
import { RedisTlsFiles, redisCliTlsArgs } from "./tls-conf";

/** The pod label the role-label sidecar keeps equal to the pod's replication role (`master` / `replica`). */
export const ROLE_LABEL = "geo-data/redis-role";

/** Options of {@link sessionsStartScript}. */
export interface StartScriptOptions {
    /** Announced name of the pod with ordinal N: `<announcePrefix>N.<announceDomain>` (region-qualified). */
    readonly announcePrefix: string;
    /** Domain of the announced names (`<namespace>.svc.cluster.local`). */
    readonly announceDomain: string;
    /** Number of pods (ordinals 0 … replicas - 1). */
    readonly replicas: number;
    /** Redis port of every pod. */
    readonly redisPort: number;
    /** Sentinel Service host. */
    readonly sentinelHost: string;
    readonly sentinelPort: number;
    readonly masterName: string;
    /** redis.conf path. */
    readonly configPath: string;
    /** Seconds to wait for a Sentinel or a peer to answer. Defaults to 5. */
    readonly timeoutSeconds?: number;
    /** Certificate files redis-cli asks the Sentinels and peers with (TLS, verified against the CA). Defaults to {} (under /etc/redis-tls). */
    readonly tls?: RedisTlsFiles;
}

/** The shell expression of a pod's own announced name (`$POD_NAME` ends with the ordinal). */
export function announceExpression(announcePrefix: string, announceDomain: string): string {
    return `${announcePrefix}\${POD_NAME##*-}.${announceDomain}`;
}

/**
 * The start script of a primary-region data pod. It asks the Sentinels (authenticated with
 * `REDISCLI_AUTH`, bounded) for the current master: when they name another pod it starts as that pod's
 * replica — so a former master that restarts after a failover rejoins as a replica — and when they name this
 * pod it starts as master. When no Sentinel answers (first start, or every Sentinel restarting) it asks the
 * other pods for their `ROLE` and replicates from the one that reports master, so a restarting pod 0 does not
 * become a second master; only when no pod is master does pod 0 start as master (the others replicate from
 * it). It always announces its region-qualified name (`--replica-announce-ip`), unique across both regions.
 */
export function sessionsStartScript(o: StartScriptOptions): string {
    const timeout = o.timeoutSeconds ?? 5;
    const tls = redisCliTlsArgs(o.tls);
    const name = (i: number | string) => `${o.announcePrefix}${i}.${o.announceDomain}`;
    const peers = Array.from({ length: o.replicas }, (_, i) => `${name(i)}:${o.redisPort}`).join(" ");
    return `#!/bin/sh
# Start script of a Sentinel-managed Redis pod, rendered by geo-data components/redis/sessions-scripts.ts.
set -eu
ordinal=\${POD_NAME##*-}
self="${announceExpression(o.announcePrefix, o.announceDomain)}"
first="${name(0)}"
peers='${peers}'
reply=$(timeout ${timeout} redis-cli ${tls} -h ${o.sentinelHost} -p ${o.sentinelPort} --raw sentinel get-master-addr-by-name ${o.masterName} 2>/dev/null || true)
master=$(printf '%s\\n' "$reply" | sed -n 1p)
port=$(printf '%s\\n' "$reply" | sed -n 2p)
case "$port" in ''|*[!0-9]*) master="" ;; esac
if [ -z "$master" ]; then
  echo "start: no Sentinel answered; asking the other pods for their role"
  for peer in $peers; do
    [ "\${peer%:*}" = "$self" ] && continue
    role=$(timeout ${timeout} redis-cli ${tls} -h "\${peer%:*}" -p "\${peer##*:}" role 2>/dev/null | head -n 1 || true)
    if [ "$role" = "master" ]; then
      master=\${peer%:*}
      port=\${peer##*:}
      break
    fi
  done
fi
if [ -z "$master" ]; then
  echo "start: no pod is master"
  port=${o.redisPort}
  if [ "$ordinal" = "0" ]; then master="$self"; else master="$first"; fi
fi
if [ "$master" = "$self" ]; then
  echo "start: $self starts as master"
  exec redis-server ${o.configPath} --replica-announce-ip "$self"
fi
echo "start: $self starts as a replica of $master:$port"
exec redis-server ${o.configPath} --replica-announce-ip "$self" --replicaof "$master" "$port"
`;
}

/** Options of {@link roleLabelScript}. */
export interface RoleLabelScriptOptions {
    /** Path of the kubectl binary (copied into a shared emptyDir by an init container). */
    readonly kubectl: string;
    /** The local Redis port. */
    readonly redisPort: number;
    /** Seconds between two checks. Defaults to 2. */
    readonly intervalSeconds?: number;
    /** Certificate files redis-cli asks the local server with (TLS). Defaults to {} (under /etc/redis-tls). */
    readonly tls?: RedisTlsFiles;
}

/**
 * The role-label sidecar: every `intervalSeconds` it asks the local server for `ROLE` and, when the answer
 * changed, labels its own pod `geo-data/redis-role=master|replica` (or removes the label while the server does
 * not answer), so that a Service selecting `geo-data/redis-role: master` reaches the current master only.
 * Needs `get` and `patch` on its own pod (a Role limited to the StatefulSet's pod names) and the pod's
 * service-account token, mounted into this container only.
 */
export function roleLabelScript(o: RoleLabelScriptOptions): string {
    const interval = o.intervalSeconds ?? 2;
    return `#!/bin/sh
# Role-label sidecar, rendered by geo-data components/redis/sessions-scripts.ts.
set -u
last=unset
while :; do
  role=$(timeout 3 redis-cli ${redisCliTlsArgs(o.tls)} -h 127.0.0.1 -p ${o.redisPort} role 2>/dev/null | head -n 1 || true)
  case "$role" in
    master) want=master ;;
    slave) want=replica ;;
    *) want=none ;;
  esac
  if [ "$want" != "$last" ]; then
    if [ "$want" = none ]; then label="${ROLE_LABEL}-"; else label="${ROLE_LABEL}=$want"; fi
    if ${o.kubectl} label pod "$POD_NAME" --overwrite "$label" >/dev/null; then
      echo "role-label: $POD_NAME is $want"
      last=$want
    fi
  fi
  sleep ${interval}
done
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
