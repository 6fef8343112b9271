/**
 * The update pass: the changes users are told they can make (the switchover, size changes) applied as
 * updates over the first apply, the way Pulumi carries them out — `ignoreChanges` paths keep their live
 * values; an object the server refuses to update in place is replaced only where the program declared it
 * (`deleteBeforeReplace`/`replaceOnChanges`, never on a protected resource); anything else is a refusal.
 */
import { checkConfigsAgree } from "../../components/shared/pair";
import { rehearsalOverrides } from "../switchover";
import { loadPairConfigs, parsePair } from "../runbook/config";
import { KubeClient, failureMessage } from "./kube";
import {
    ApplyResult,
    Entry,
    FIELD_MANAGER,
    Finding,
    ObjectRef,
    Warning,
    applyOne,
    checkPods,
    classify,
    describe,
    inApplyOrder,
    keyOf,
    refOf,
} from "./apply";

/** A config change the docs say is safe to make on a running deployment. */
export interface Variant {
    name: string;
    /** What changes, for the report. */
    description: string;
    /** `key=value` for every stack, `stack/key=value` for one (as `npm run plan -- --config`). */
    overrides: Record<string, string>;
}

/**
 * Size changes docs/configuration.md, docs/postgres.md and docs/redis.md present as changes of a running
 * deployment (replicas, memory, storage growth), each on its own.
 */
export const SIZE_VARIANTS: Variant[] = [
    { name: "postgresInstances", description: "PostgreSQL instances 3 → 4", overrides: { postgresInstances: "4" } },
    {
        name: "postgresStorageSize",
        description: "PostgreSQL data volume 100Gi → 200Gi",
        overrides: { postgresStorageSize: "200Gi" },
    },
    {
        name: "postgresWalStorageSize",
        description: "PostgreSQL WAL volume 20Gi → 40Gi",
        overrides: { postgresWalStorageSize: "40Gi" },
    },
    {
        name: "postgresPoolerInstances",
        description: "PgBouncer pods 2 → 3",
        overrides: { postgresPoolerInstances: "3" },
    },
    { name: "redisClusterReplicas", description: "redis-cache pods 6 → 8", overrides: { redisClusterReplicas: "8" } },
    {
        name: "redisSessionsReplicas",
        description: "redis-sessions pods 3 → 4",
        overrides: { redisSessionsReplicas: "4" },
    },
    { name: "redisSentinels", description: "Sentinels 3 → 5", overrides: { redisSentinels: "5" } },
    { name: "redisMaxmemory", description: "Redis maxmemory 768mb → 512mb", overrides: { redisMaxmemory: "512mb" } },
    {
        name: "redisStorageSize",
        description: "Redis data volumes 10Gi → 20Gi",
        overrides: { redisStorageSize: "20Gi" },
    },
];

/** The switchover's topology (`npm run switchover -- --to <the other region>`): both stacks re-rendered. */
export function switchoverVariant(): Variant {
    const configs = parsePair(loadPairConfigs());
    const primaryRegion = checkConfigsAgree(Object.values(configs));
    const target = Object.values(configs).find((c) => c.region !== primaryRegion)!;
    return {
        name: `switchover-to-${target.stack}`,
        description: `switchover: ${target.stack} (${target.region}) becomes primary, as npm run switchover -- --to ${target.stack} rehearses`,
        overrides: rehearsalOverrides(target.stack, configs, false),
    };
}

/** What one variant did to one stack's objects. */
export interface UpdateReport {
    variant: string;
    description: string;
    /** Updated in place. */
    updated: ObjectRef[];
    /** New objects (created by the update). */
    created: ObjectRef[];
    /** Objects of the first apply the update no longer renders (Pulumi deletes them). */
    deleted: ObjectRef[];
    /** Changed only in `ignoreChanges` paths: Pulumi sends nothing. */
    ignored: (ObjectRef & { paths: string[] })[];
    /** Refused in place, replaced as the program declares (deleteBeforeReplace/replaceOnChanges). */
    replaced: Finding[];
    /** Refused in place and not declared replaceable (or protected): the update would fail or replace data. */
    refused: Finding[];
    /** Rejected outright (also as a new object), or its Pods would be rejected. */
    rejected: Finding[];
    warnings: Warning[];
}

function pathParts(p: string): string[] {
    return p.split(/\.|\[(\d+)\]/).filter((x) => x !== undefined && x !== "");
}

function getPath(obj: any, parts: string[]): any {
    return parts.reduce((o, k) => (o === undefined || o === null ? undefined : o[k]), obj);
}

function setPath(obj: any, parts: string[], value: any): void {
    let o = obj;
    for (const k of parts.slice(0, -1)) {
        if (o[k] === undefined) o[k] = /^\d+$/.test(k) ? [] : {};
        o = o[k];
    }
    const last = parts[parts.length - 1];
    if (value === undefined) delete o[last];
    else o[last] = value;
}

/** The object Pulumi would send: `ignoreChanges` paths keep the values of the first apply. */
export function withIgnoredChanges(
    next: Record<string, any>,
    prev: Record<string, any>,
    ignore: string[] = [],
): Record<string, any> {
    const out = structuredClone(next);
    for (const p of ignore) {
        const parts = pathParts(p);
        setPath(out, parts, structuredClone(getPath(prev, parts)));
    }
    return out;
}

/** Whether a failed update is the server refusing an in-place change (an immutable field). */
export function isImmutableRefusal(status: number, message: string): boolean {
    return (
        status === 422 &&
        /immutable|updates to [a-z]+ spec for fields other than|Forbidden: may not be changed/i.test(message)
    );
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Applies `next` over the live `base` objects, records what happened, then restores `base` so the next
 * variant starts from the first apply again.
 */
export async function applyUpdate(
    client: KubeClient,
    variant: Variant,
    base: Entry[],
    next: Entry[],
    enforceLevels: Map<string, string>,
): Promise<UpdateReport> {
    const report: UpdateReport = {
        variant: variant.name,
        description: variant.description,
        updated: [],
        created: [],
        deleted: [],
        ignored: [],
        replaced: [],
        refused: [],
        rejected: [],
        warnings: [],
    };
    const before = new Map(base.map((e) => [keyOf(e.obj), e]));
    const after = new Set(next.map((e) => keyOf(e.obj)));
    for (const e of base) if (!after.has(keyOf(e.obj))) report.deleted.push(refOf(e.obj));
    const restore: { obj: Record<string, any>; recreate: boolean }[] = [];
    const removeAfter: Record<string, any>[] = [];

    for (const e of inApplyOrder(next)) {
        const prev = before.get(keyOf(e.obj));
        const ref = refOf(e.obj);
        const sink: ApplyResult = { applied: [], rejected: [], warnings: [] };
        if (!prev) {
            const stored = await applyOne(client, e.obj, enforceLevels, sink);
            if (stored) {
                report.created.push(ref);
                removeAfter.push(e.obj);
            }
        } else {
            if (same(prev.obj, e.obj)) continue;
            const sent = withIgnoredChanges(e.obj, prev.obj, e.options.ignoreChanges);
            if (same(prev.obj, sent)) {
                const paths = (e.options.ignoreChanges ?? []).filter(
                    (p) => !same(getPath(prev.obj, pathParts(p)), getPath(e.obj, pathParts(p))),
                );
                report.ignored.push({ ...ref, paths });
                continue;
            }
            const res = await client.apply(sent, FIELD_MANAGER);
            for (const w of res.warnings) sink.warnings.push(classify(ref, w, enforceLevels));
            if (res.status < 300) {
                report.updated.push(ref);
                restore.push({ obj: prev.obj, recreate: false });
                const denied = await checkPods(client, sent, enforceLevels);
                if (denied) sink.rejected.push(denied);
            } else if (isImmutableRefusal(res.status, failureMessage(res))) {
                const message = failureMessage(res);
                const declared = e.options.deleteBeforeReplace || (e.options.replaceOnChanges?.length ?? 0) > 0;
                if (declared && !e.options.protect) {
                    report.replaced.push({ ...ref, message: `replaced (declared by the program): ${message}` });
                    await client.delete(e.obj.apiVersion, e.obj.kind, ref.namespace, ref.name);
                    await applyOne(client, sent, enforceLevels, sink);
                    restore.push({ obj: prev.obj, recreate: true });
                } else {
                    const why = e.options.protect
                        ? "the resource is protected, so pulumi up stops here (a replacement would delete and recreate it)"
                        : "Pulumi would delete and recreate it (not declared by the program)";
                    report.refused.push({ ...ref, message: `${message} — ${why}` });
                }
            } else {
                sink.rejected.push({ ...ref, message: failureMessage(res) });
            }
        }
        report.rejected.push(...sink.rejected);
        report.warnings.push(...sink.warnings);
    }

    // Back to the first apply.
    for (const o of removeAfter.reverse())
        await client.delete(o.apiVersion, o.kind, o.metadata?.namespace, o.metadata.name);
    for (const { obj, recreate } of restore) {
        if (recreate) await client.delete(obj.apiVersion, obj.kind, obj.metadata?.namespace, obj.metadata.name);
        const res = await client.apply(obj, FIELD_MANAGER);
        if (res.status >= 300)
            throw new Error(`cannot restore ${describe(refOf(obj))} after ${variant.name}: ${failureMessage(res)}`);
    }
    return report;
}
