import { StackValidationPolicy } from "@pulumi/policy";
import { confValue, objectRef, podSpecs } from "../lib";

/** The directives a TLS-only Redis server or Sentinel file must set, and the value each must have. */
const REQUIRED: readonly [string, (v: string | undefined) => boolean, string][] = [
    ["port", (v) => v === "0", "port 0 (no plaintext listener)"],
    ["tls-port", (v) => v !== undefined && /^[1-9][0-9]*$/.test(v), "tls-port <port>"],
    ["tls-cert-file", (v) => v !== undefined, "tls-cert-file"],
    ["tls-key-file", (v) => v !== undefined, "tls-key-file"],
    ["tls-ca-cert-file", (v) => v !== undefined, "tls-ca-cert-file"],
    ["tls-replication", (v) => v === "yes", "tls-replication yes"],
];

const FIX =
    "render it with components/redis/conf.ts (renderRedisConf/renderSentinelConf always emit port 0, tls-port and the tls-* lines) and mount the instance's TLS Secret";

/**
 * Every Redis StatefulSet (label `app.kubernetes.io/name: redis`: servers, cluster nodes and Sentinels) must
 * mount a ConfigMap whose redis.conf / sentinel.conf listens on TLS only — `port 0`, a `tls-port`, the
 * certificate, key and CA files, `tls-replication yes` (and `tls-cluster yes` with `cluster-enabled yes`) — and
 * no container may re-open a plaintext port on its command line (`--port <n>`, `--tls-replication no`, …).
 */
export const redisRequireTls: StackValidationPolicy = {
    name: "redis-require-tls",
    description:
        "Redis servers and Sentinels must speak TLS only: port 0, tls-port, certificate/key/CA files, tls-replication yes and, in cluster mode, tls-cluster yes.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Render redis.conf / sentinel.conf with components/redis/conf.ts (TLS cannot be turned off there), mount the redis-<instance>-tls Secret at /etc/redis-tls, and do not override port, tls-replication or tls-cluster on the command line.",
    validateStack: (args, reportViolation) => {
        const configMaps = args.resources.filter((r) => r.type === "kubernetes:core/v1:ConfigMap");
        for (const sts of args.resources) {
            if (sts.type !== "kubernetes:apps/v1:StatefulSet") continue;
            const labels = sts.props?.spec?.template?.metadata?.labels ?? {};
            if (labels["app.kubernetes.io/name"] !== "redis") continue;
            const ref = `Redis StatefulSet ${objectRef(sts.props)}`;
            const ns = sts.props.metadata?.namespace;
            const pods = podSpecs(sts.props);
            const names = pods
                .flatMap((p) => p.volumes ?? [])
                .map((v: any) => v?.configMap?.name)
                .filter((n: unknown): n is string => typeof n === "string");
            const files = configMaps
                .filter((c) => c.props.metadata?.namespace === ns && names.includes(c.props.metadata?.name))
                .flatMap((c) =>
                    (["redis.conf", "sentinel.conf"] as const)
                        .filter((k) => typeof c.props.data?.[k] === "string")
                        .map((k) => ({ key: k, text: c.props.data[k] as string })),
                );
            if (files.length === 0) {
                reportViolation(
                    `${ref} mounts no ConfigMap with a redis.conf or sentinel.conf key, so TLS cannot be verified; ${FIX}.`,
                    sts.urn,
                );
                continue;
            }
            for (const { key, text } of files) {
                const wrong = REQUIRED.filter(([d, ok]) => !ok(confValue(text, d)));
                if (confValue(text, "cluster-enabled") === "yes" && confValue(text, "tls-cluster") !== "yes") {
                    wrong.push(["tls-cluster", () => false, "tls-cluster yes (the cluster bus)"]);
                }
                if (wrong.length > 0) {
                    const found = wrong.map(([d]) => `${d} ${confValue(text, d) ?? "unset"}`).join(", ");
                    reportViolation(
                        `${ref}: its ${key} has ${found}, so Redis accepts or sends plaintext; it needs ${wrong.map(([, , want]) => want).join(", ")}: ${FIX}.`,
                        sts.urn,
                    );
                }
            }
            const commandLines = pods
                .flatMap((p) => [...(p.initContainers ?? []), ...(p.containers ?? [])])
                .map((c: any) => [...(c.command ?? []), ...(c.args ?? [])].join(" "));
            for (const line of commandLines) {
                const m = /--(port\s+"?[1-9][0-9]*|tls-replication\s+"?no|tls-cluster\s+"?no)\b/.exec(line);
                if (m) {
                    reportViolation(
                        `${ref}: a container's command line sets --${m[1].replace(/\s+"?/, " ")}, which re-opens plaintext; remove it (redis.conf sets port 0 and TLS).`,
                        sts.urn,
                    );
                }
            }
        }
    },
};
