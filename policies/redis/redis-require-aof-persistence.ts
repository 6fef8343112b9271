import { StackValidationPolicy } from "@pulumi/policy";
import { confValue, objectRef, redisServerStatefulSet } from "../lib";

/**
 * Every Redis server StatefulSet (label `app.kubernetes.io/name: redis`, any component but `sentinel`)
 * must mount a ConfigMap whose `redis.conf` turns AOF persistence on (`appendonly yes`) with an fsync
 * policy other than `no`, so a restarted pod does not come back empty or lose minutes of writes.
 */
export const redisRequireAofPersistence: StackValidationPolicy = {
    name: "redis-require-aof-persistence",
    description:
        "Redis server StatefulSets must mount a redis.conf with appendonly yes and appendfsync everysec or always.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Render redis.conf with components/redis/conf.ts renderRedisConf (appendonly defaults to true, appendfsync to everysec) into a ConfigMap mounted by the StatefulSet.",
    validateStack: (args, reportViolation) => {
        const configMaps = args.resources.filter((r) => r.type === "kubernetes:core/v1:ConfigMap");
        for (const sts of args.resources) {
            if (sts.type !== "kubernetes:apps/v1:StatefulSet" || !redisServerStatefulSet(sts.props)) continue;
            const ns = sts.props.metadata?.namespace;
            const volumes: any[] = sts.props.spec?.template?.spec?.volumes ?? [];
            const names = volumes.map((v) => v?.configMap?.name).filter((n): n is string => typeof n === "string");
            const conf = configMaps
                .filter((c) => c.props.metadata?.namespace === ns && names.includes(c.props.metadata?.name))
                .map((c) => c.props.data?.["redis.conf"])
                .find((t): t is string => typeof t === "string");
            if (conf === undefined) {
                reportViolation(
                    `Redis StatefulSet ${objectRef(sts.props)} mounts no ConfigMap with a redis.conf key; persistence cannot be verified.`,
                    sts.urn,
                );
                continue;
            }
            const appendonly = confValue(conf, "appendonly");
            const fsync = confValue(conf, "appendfsync") ?? "everysec";
            if (appendonly !== "yes") {
                reportViolation(
                    `Redis StatefulSet ${objectRef(sts.props)}: its redis.conf has appendonly ${appendonly ?? "unset (no)"}; set appendonly yes.`,
                    sts.urn,
                );
            } else if (fsync === "no") {
                reportViolation(
                    `Redis StatefulSet ${objectRef(sts.props)}: its redis.conf has appendfsync no; use everysec or always.`,
                    sts.urn,
                );
            }
        }
    },
};
