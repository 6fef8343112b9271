/**
 * Pure Redis/Sentinel configuration logic (redis-conf.ts: redis.conf; sentinel-conf.ts: sentinel.conf): renders redis.conf, sentinel.conf, their secret parts and the
 * shell scripts the Redis workloads run. Creates no resources; every function takes its inputs as
 * parameters and is covered by table-driven specs (test/redis-conf.spec.ts) and by specs that run the
 * rendered files against a real redis-server (test/redis-server.spec.ts).
 *
 * Secrets never appear in the rendered configuration files:
 * - redis.conf ends with `include <authIncludePath>`; that file is {@link renderAuthConf}'s output, stored
 *   in a Kubernetes Secret and mounted read-only.
 * - Sentinel rewrites its configuration file at runtime (it persists its state there and refuses to start
 *   when the file is not writable), so its file cannot be a read-only ConfigMap, and `include` does not
 *   keep the secret out of it either: on the first rewrite Sentinel copies the included
 *   `sentinel auth-pass` into the main file, where a stale copy would later override a rotated password.
 *   Instead an init container runs {@link sentinelInitScript}, which finds the current master (ROLE of
 *   every Redis pod), then concatenates the ConfigMap template ({@link renderSentinelConf}, monitoring that
 *   master) and the Secret's {@link renderSentinelAuthConf} into a file on a writable emptyDir (mode 0600);
 *   Sentinel is then started on that file under umask 077.
 */
export * from "./redis-conf";
export * from "./sentinel-conf";
export * from "./tls-conf";
