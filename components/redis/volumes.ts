/**
 * The Redis data volumes a stack was deployed with, and the warning an update that changes them gets: a
 * StatefulSet's volumeClaimTemplates cannot change in place, so the program keeps them as created
 * (createRedisServerSet ignores changes to them) and the volumes are grown by the documented procedure.
 */

/** What a stack publishes as `redisVolumes` (read back through its StackReference to itself). */
export interface RedisVolumes {
    readonly storageSize: string;
    readonly storageClass: string;
}

/**
 * The warning for an update whose Redis volume settings differ from the last deployment's; undefined when
 * they match or there is no earlier deployment (or it predates the `redisVolumes` output).
 */
export function redisVolumeChangeWarning(
    current: RedisVolumes,
    previous: RedisVolumes | undefined,
): string | undefined {
    if (!previous) return undefined;
    const changed = (["storageSize", "storageClass"] as const).filter((k) => previous[k] !== current[k]);
    if (!changed.length) return undefined;
    const keys = changed.map((k) =>
        k === "storageSize"
            ? `geo-data:redisStorageSize ${previous.storageSize} -> ${current.storageSize}`
            : `geo-data:storageClass ${previous.storageClass} -> ${current.storageClass}`,
    );
    return (
        `${keys.join(", ")}: the running Redis StatefulSets keep their volume claim templates (Kubernetes refuses to change them in place; ` +
        `this update leaves them and their data untouched). Grow the existing volumes with the procedure in docs/redis.md "Growing the data volumes".`
    );
}
