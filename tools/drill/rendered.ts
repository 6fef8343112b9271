/**
 * What the drills take from the program: both stacks rendered under the plan's mocks (tools/harness, the
 * same render `npm run plan` writes to out/<stack>/manifests.yaml), and the pieces each drill runs — the
 * CloudNativePG Cluster's parameters and synchronous stanza, the Pooler's PgBouncer settings, the Redis
 * ConfigMaps, Secrets, StatefulSet command lines and the cluster-forming Job. Secret values are the mocks'
 * deterministic stand-ins (the drills only need the servers to agree on them).
 */
import { RenderResult, StackOutputs, renderStack, unwrapSecrets } from "../harness";
import { loadStackConfig } from "../stack-config";

/** The two stacks of the pair, rendered with `overrides` (keys with or without `geo-data:`). */
export interface RenderedPair {
    readonly east: RenderResult;
    readonly west: RenderResult;
}

/** Renders us-east, then us-west with us-east's outputs behind its StackReference (as `npm run plan`). */
export async function renderPair(overrides: Record<string, string> = {}): Promise<RenderedPair> {
    const e = loadStackConfig("us-east", overrides);
    const east = await renderStack({ stack: "us-east", config: e.config, secretKeys: e.secretKeys });
    const w = loadStackConfig("us-west", overrides);
    const refs: Record<string, StackOutputs> = {};
    const ref = w.config["geo-data:primaryStack"];
    if (ref) refs[ref] = { outputs: east.outputs, secretOutputNames: east.secretOutputNames };
    const west = await renderStack({
        stack: "us-west",
        config: w.config,
        secretKeys: w.secretKeys,
        stackReferences: refs,
    });
    return { east, west };
}

/** The Kubernetes object of `kind` named `name` (or whose name starts with `name` when `prefix`), secrets unwrapped. */
export function object(r: RenderResult, kind: string, name: string, prefix = false): Record<string, any> {
    const found = r.resources
        .map((x) => x.inputs)
        .filter(
            (i) => i?.kind === kind && (prefix ? String(i.metadata?.name).startsWith(name) : i.metadata?.name === name),
        );
    if (found.length !== 1)
        throw new Error(`${r.stack}: expected one ${kind} ${name}${prefix ? "*" : ""}, found ${found.length}`);
    return unwrapSecrets(found[0]);
}

/** CloudNativePG's `spec.postgresql.synchronous`. */
export interface Synchronous {
    readonly method: "any" | "first";
    readonly number: number;
    readonly dataDurability?: "required" | "preferred";
    readonly failoverQuorum?: boolean;
}

/** What the PostgreSQL drills run: the rendered Cluster and its read-write Pooler. */
export interface PostgresPlan {
    readonly clusterName: string;
    readonly instances: number;
    readonly parameters: Record<string, string>;
    readonly pgHba: string[];
    readonly synchronous?: Synchronous;
    readonly durability?: string;
    readonly pooler: {
        readonly poolMode: string;
        readonly parameters: Record<string, string>;
        readonly instances: number;
    };
}

/** The PostgreSQL plan of `r`. */
export function postgresPlan(r: RenderResult): PostgresPlan {
    const cluster = object(r, "Cluster", "pg");
    const pooler = object(r, "Pooler", "pg-pooler-rw");
    return {
        clusterName: cluster.metadata.name,
        instances: cluster.spec.instances,
        parameters: { ...cluster.spec.postgresql.parameters },
        pgHba: [...(cluster.spec.postgresql.pg_hba ?? [])],
        synchronous: cluster.spec.postgresql.synchronous,
        durability: cluster.metadata.labels?.["geo-data/durability"],
        pooler: {
            poolMode: pooler.spec.pgbouncer.poolMode ?? "session",
            parameters: { ...pooler.spec.pgbouncer.parameters },
            instances: pooler.spec.instances,
        },
    };
}

/** One instance as CloudNativePG's status sees it when it computes synchronous_standby_names. */
export interface InstanceState {
    readonly name: string;
    readonly primary?: boolean;
    /** Ready (PodHealthy) in the cluster status. */
    readonly healthy: boolean;
}

/**
 * synchronous_standby_names exactly as CloudNativePG 1.30 computes it from `synchronous` (pkg/postgres/
 * replication/explicit.go and SynchronousStandbyNamesConfig.String()):
 * - dataDurability `required` (the default): every instance — healthy standbys sorted, then the others
 *   sorted, then the primary itself — so the count never drops below `number` and writes wait;
 *   `METHOD number ("a","b",…)` with the method upper-cased.
 * - `preferred`: only the healthy standbys, `number` capped at their count; none → "" (asynchronous).
 * (`maxStandbyNamesFromCluster`, `standbyNamesPre/Post` are not rendered by the program, so not modelled.)
 */
export function synchronousStandbyNames(
    sync: Synchronous | undefined,
    clusterName: string,
    instances: readonly InstanceState[],
): string {
    if (!sync) return "";
    const quote = (n: string) => `"${n.replace(/"/g, '""')}"`;
    const format = (n: number, names: string[]) => `${sync.method.toUpperCase()} ${n} (${names.map(quote).join(",")})`;
    const healthyStandbys = instances
        .filter((i) => !i.primary && i.healthy)
        .map((i) => i.name)
        .sort();
    if (sync.dataDurability === "preferred") {
        if (healthyStandbys.length === 0) return "";
        return format(Math.min(sync.number, healthyStandbys.length), healthyStandbys);
    }
    const others = instances
        .filter((i) => !i.primary && !i.healthy)
        .map((i) => i.name)
        .sort();
    const primary = instances.filter((i) => i.primary).map((i) => i.name);
    const names = [...healthyStandbys, ...others, ...primary];
    return format(sync.number, names.length ? names : [`${clusterName}-placeholder`]);
}

/** What the Redis drills run (both modes; the sessions store from both regions). */
export interface RedisPlan {
    readonly cache: { conf: string; args: string[]; auth: string; password: string; jobScript: string };
    readonly sessions: {
        eastConf: string;
        westConf: string;
        auth: string;
        password: string;
        sentinelTemplate: string;
        sentinelAuth: string;
        sentinelCommand: string[];
        eastStart: string;
        westCommand: string[];
    };
}

/** The Redis plan: the cache from `stack`'s render, the sessions store from both regions. */
export function redisPlan(pair: RenderedPair, stack: "us-east" | "us-west"): RedisPlan {
    const self = stack === "us-east" ? pair.east : pair.west;
    const cm = (r: RenderResult, n: string) => object(r, "ConfigMap", n).data;
    const secret = (r: RenderResult, n: string) => object(r, "Secret", n).stringData;
    const container = (r: RenderResult, n: string) => object(r, "StatefulSet", n).spec.template.spec.containers[0];
    return {
        cache: {
            conf: cm(self, "redis-cache-config")["redis.conf"],
            args: container(self, "redis-cache").args,
            auth: secret(self, "redis-cache-auth")["auth.conf"],
            password: secret(self, "redis-cache-auth").password,
            jobScript: object(self, "Job", "redis-cache-create-", true).spec.template.spec.containers[0].command[2],
        },
        sessions: {
            eastConf: cm(pair.east, "redis-sessions-config")["redis.conf"],
            westConf: cm(pair.west, "redis-sessions-config")["redis.conf"],
            auth: secret(pair.east, "redis-sessions-auth")["auth.conf"],
            password: secret(pair.east, "redis-sessions-auth").password,
            sentinelTemplate: cm(pair.east, "redis-sessions-sentinel-config")["sentinel.conf"],
            sentinelAuth: secret(pair.east, "redis-sessions-auth")["sentinel-auth.conf"],
            sentinelCommand: container(pair.east, "redis-sessions-sentinel").command,
            eastStart: cm(pair.east, "redis-sessions-config")["start.sh"],
            westCommand: container(pair.west, "redis-sessions").command,
        },
    };
}

/** A `directive value` of a rendered redis.conf / sentinel.conf (the first match), or undefined. */
export function directive(conf: string, name: string): string | undefined {
    const m = new RegExp(`^${name.replace(/ /g, "\\s+")}\\s+(.+)$`, "m").exec(conf);
    return m?.[1].trim();
}
