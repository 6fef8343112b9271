/**
 * Scorecard rules for Redis: the cluster-mode cache and the Sentinel-managed sessions store.
 *
 * Redis facts used: replication is asynchronous; a cluster master unreachable for `cluster-node-timeout`
 * is replaced by its replica once a majority of masters agree; `redis-cli --cluster create` pairs masters
 * and replicas avoiding the same IP, not the same zone; with `cluster-require-full-coverage no` the other
 * slots keep serving. Sentinel fails over when `quorum` Sentinels see the master down for
 * `down-after-milliseconds` and a majority of all Sentinels elects a leader; `min-replicas-to-write m`
 * refuses writes while fewer than m replicas acknowledged within `min-replicas-max-lag` seconds.
 */
import { placement } from "./placement";
import { Domain, DomainScore, RuleContext, ScoreRow, directive, lostIn, objectsOf, ref, score, seconds } from "./model";

function statefulSet(ctx: RuleContext, instance: string, component: string): Record<string, any> | undefined {
    return objectsOf(ctx.resources, "StatefulSet").find(
        (s) =>
            s.metadata?.labels?.["app.kubernetes.io/instance"] === instance &&
            s.metadata?.labels?.["app.kubernetes.io/component"] === component,
    );
}

/** The data of the ConfigMaps in the stack, key by key, for one instance label. */
function confFiles(resources: RuleContext["resources"], instance: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const cm of objectsOf(resources, "ConfigMap"))
        if (cm.metadata?.labels?.["app.kubernetes.io/instance"] === instance) Object.assign(out, cm.data ?? {});
    return out;
}

function replicasPerMaster(ctx: RuleContext, instance: string): number {
    for (const job of objectsOf(ctx.resources, "Job")) {
        if (job.metadata?.labels?.["app.kubernetes.io/instance"] !== instance) continue;
        const m = /--cluster-replicas (\d+)/.exec(JSON.stringify(job));
        if (m) return Number(m[1]);
    }
    return 1;
}

function cacheRow(ctx: RuleContext, sts: Record<string, any>): ScoreRow {
    const instance = sts.metadata.labels["app.kubernetes.io/instance"];
    const conf = confFiles(ctx.resources, instance)["redis.conf"] ?? "";
    const n = Number(sts.spec?.replicas ?? 1);
    const r = replicasPerMaster(ctx, instance);
    const masters = Math.floor(n / (r + 1));
    const timeout = Number(directive(conf, "cluster-node-timeout") ?? 15000);
    const fullCoverage = directive(conf, "cluster-require-full-coverage") !== "no";
    const fsync = `AOF ${directive(conf, "appendonly") === "yes" ? directive(conf, "appendfsync") : "off"}`;
    const p = placement(n, sts.spec?.template?.spec ?? {}, ctx.zones);
    const rto = `cluster-node-timeout (${seconds(timeout)}) + 1–2 s`;
    const rpo = "writes not yet replicated (asynchronous, typically < 1 s)";
    const domains = {} as Record<Domain, DomainScore>;
    for (const d of ["pod", "node", "zone"] as const) {
        const k = lostIn(d, p);
        const lost = `${k} of ${n} pods lost (${masters} masters × ${r} replica(s)) [${p.because}]`;
        if (k <= r && k < masters / 2)
            domains[d] = score("yes", rpo, rto, `${lost}: a replica of each lost master survives`);
        else {
            const cause =
                k >= masters / 2
                    ? "the masters that remain are no majority, so no failover is voted"
                    : "a master and its replicas can share it (pairing is not zone-aware)";
            domains[d] = fullCoverage
                ? score(
                      "no",
                      rpo,
                      "until the pods return",
                      `${lost}: ${cause}; cluster-require-full-coverage yes stops every slot`,
                  )
                : score("partial", rpo, `its slots: until the pods return; others: ${rto}`, `${lost}: ${cause}`);
        }
    }
    domains.region = score(
        "no",
        "the whole cache (refilled from the source of truth)",
        "the survivor's cache starts cold",
        "no cross-region replication (a cache)",
    );
    return {
        key: "redis-cache",
        service: "Redis cache (cluster)",
        resource: ref(sts),
        domains,
        facts: {
            pods: n,
            replicasPerMaster: r,
            "cluster-node-timeout": timeout,
            persistence: fsync,
            perZone: p.perZone,
        },
    };
}

/** Whether `resources` (the other stack) renders Redis replicas that follow this region's sessions master. */
function peerFollows(peer: RuleContext["resources"], instance: string): boolean {
    const conf = confFiles(peer, instance)["redis.conf"] ?? "";
    return directive(conf, "replicaof") !== undefined;
}

function sessionsRow(ctx: RuleContext, servers: Record<string, any>): ScoreRow {
    const instance = servers.metadata.labels["app.kubernetes.io/instance"];
    const files = confFiles(ctx.resources, instance);
    const conf = files["redis.conf"] ?? "";
    const sentinelConf = files["sentinel.conf"] ?? "";
    const sentinels = statefulSet(ctx, instance, "sentinel");
    const n = Number(servers.spec?.replicas ?? 1);
    const ps = placement(n, servers.spec?.template?.spec ?? {}, ctx.zones);
    const domains = {} as Record<Domain, DomainScore>;
    const follows = directive(conf, "replicaof");
    if (follows || !sentinels) {
        const why = follows
            ? `replicas of ${follows} (replica-priority ${directive(conf, "replica-priority") ?? 100})`
            : "no Sentinels";
        for (const d of ["pod", "node", "zone", "region"] as const)
            domains[d] = follows
                ? score("yes", "0 (no writes here)", "— (the primary region keeps serving)", why)
                : score("no", "writes since the last AOF fsync", "until the pod returns", why);
        return {
            key: "redis-sessions",
            service: "Redis sessions (Sentinel)",
            resource: ref(servers),
            domains,
            facts: { servers: n, role: follows ? "replica region" : "no sentinels" },
        };
    }
    const s = Number(sentinels.spec?.replicas ?? 0);
    const pt = placement(s, sentinels.spec?.template?.spec ?? {}, ctx.zones);
    const monitor = (directive(sentinelConf, "sentinel monitor") ?? "").split(/\s+/);
    const quorum = Number(monitor[3] ?? NaN);
    const downAfter = Number(
        (directive(sentinelConf, "sentinel down-after-milliseconds") ?? "x 30000").split(/\s+/)[1],
    );
    const minReplicas = Number(directive(conf, "min-replicas-to-write") ?? 0);
    const maxLag = Number(directive(conf, "min-replicas-max-lag") ?? 10);
    const majority = Math.floor(s / 2) + 1;
    const rpo =
        minReplicas > 0
            ? `writes not yet replicated: ≤ min-replicas-max-lag (${maxLag} s), typically < 1 s`
            : "writes not yet replicated (asynchronous, unbounded: min-replicas-to-write 0)";
    const rto = `down-after-milliseconds (${seconds(downAfter)}) + election: ~${Math.round(downAfter / 1000) + 5} s`;
    for (const d of ["pod", "node", "zone"] as const) {
        const k = lostIn(d, ps);
        // A pod is one pod (the master, worst case); a node or zone takes its share of both sets.
        const ks = d === "pod" ? 0 : lostIn(d, pt);
        const left = s - ks;
        const lost = `${k} of ${n} Redis and ${ks} of ${s} Sentinel pod(s) lost, the master among them`;
        const sets = `[Redis ${ps.because}; Sentinels ${pt.because}]`;
        if (k >= n) domains[d] = score("no", rpo, "until the pods return", `${lost}: no Redis pod left ${sets}`);
        else if (left < quorum || left < majority)
            domains[d] = score(
                "no",
                rpo,
                "until the pods return",
                `${lost}: ${left} Sentinel(s) left, need quorum ${quorum} and majority ${majority} to fail over ${sets}`,
            );
        else if (n - k - 1 < minReplicas)
            domains[d] = score(
                "no",
                rpo,
                "writes refused until a replica returns",
                `${lost}: min-replicas-to-write ${minReplicas} but ${n - k - 1} replica(s) remain after the failover ${sets}`,
            );
        else
            domains[d] = score(
                "yes",
                rpo,
                rto,
                `${lost}: ${left} Sentinels ≥ quorum ${quorum} and majority ${majority}; ${n - k - 1} replica(s) ≥ min-replicas-to-write ${minReplicas} ${sets}`,
            );
    }
    domains.region = !ctx.peer
        ? score("unknown", "—", "—", "the other stack was not rendered")
        : peerFollows(ctx.peer, instance)
          ? score(
                "manual",
                "the cross-region replication lag (asynchronous)",
                "`pulumi up` of the survivor + NLB registration + DNS TTL",
                "the other region's replicas follow this master",
            )
          : score("no", "every session", "—", "the other stack renders no replica of this master");
    return {
        key: "redis-sessions",
        service: "Redis sessions (Sentinel)",
        resource: ref(servers),
        domains,
        facts: {
            servers: n,
            sentinels: s,
            quorum,
            "down-after-milliseconds": downAfter,
            "min-replicas-to-write": minReplicas,
            perZone: ps.perZone,
        },
    };
}

/** Rows for the Redis StatefulSets of the stack. */
export function redisRows(ctx: RuleContext): ScoreRow[] {
    const rows: ScoreRow[] = [];
    for (const sts of objectsOf(ctx.resources, "StatefulSet")) {
        const labels = sts.metadata?.labels ?? {};
        if (labels["app.kubernetes.io/name"] !== "redis") continue;
        if (labels["app.kubernetes.io/component"] === "cluster") rows.push(cacheRow(ctx, sts));
        else if (labels["app.kubernetes.io/component"] === "server") rows.push(sessionsRow(ctx, sts));
    }
    return rows;
}
