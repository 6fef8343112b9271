/**
 * Scorecard rules for PostgreSQL (CloudNativePG Cluster), its backups and its PgBouncer Poolers.
 *
 * CloudNativePG facts used: `synchronous.method any|first` with `number` W waits for W standbys; with
 * `dataDurability: required` writes wait while fewer than W can confirm, with `preferred` they go on
 * alone; with `failoverQuorum: true` it promotes only when R + W > N (N = instances − 1 potential sync
 * standbys, R = ready standbys). `archive_timeout` defaults to 5min. There is no automatic cross-region
 * failover: a replica cluster is promoted by config (`pulumi up`).
 */
import { placement } from "./placement";
import { Domain, DomainScore, Res, RuleContext, ScoreRow, lostIn, objectsOf, ref, score } from "./model";

const FAILOVER_RTO = "automatic failover: seconds to ~1 min";
const REGION_RTO = "decide + `pulumi up` of the survivor + DNS TTL";

/** The CNPG Clusters of a stack's resources. */
function clusters(resources: Res[]): Record<string, any>[] {
    return objectsOf(resources, "Cluster", "postgresql.cnpg.io/");
}

/** True when the cluster is the designated primary (no `replica` section, or self = primary). */
export function isPrimaryCluster(c: Record<string, any>): boolean {
    const r = c.spec?.replica;
    if (!r) return true;
    if (r.enabled === true) return false;
    return !r.primary || r.primary === r.self;
}

/** The S3 replication of the object-store prefix of `serverName`, from either stack's resources. */
function s3Replication(ctx: RuleContext, serverName: string): string | undefined {
    for (const r of [...ctx.resources, ...(ctx.peer ?? [])]) {
        if (!r.type.endsWith(":BucketReplicationConfig")) continue;
        for (const rule of r.inputs.rules ?? []) {
            const prefix = String(rule.filter?.prefix ?? rule.prefix ?? "");
            if (rule.status !== "Enabled" || !prefix.includes(`${serverName}/`)) continue;
            const rtc = rule.destination?.replicationTime;
            return rtc?.status === "Enabled"
                ? `S3 replication (RTC ${rtc.time?.minutes ?? 15} min, 99.99%)`
                : "S3 replication (no time control: unbounded)";
        }
    }
    return undefined;
}

function archiveTimeout(c: Record<string, any>): string {
    return String(c.spec?.postgresql?.parameters?.archive_timeout ?? "5min");
}

/** What losing `k` of `n` instances does to a primary cluster's writes. */
export function primaryLoss(n: number, k: number, sync: Record<string, any> | undefined): DomainScore {
    const lost = `${k} of ${n} instance(s) lost (the primary among them, worst case)`;
    if (k >= n) return score("no", "since the last archived WAL", "restore from backup", `${lost}: none left`);
    const survivors = n - k;
    if (!sync || !sync.number)
        return score(
            "yes",
            "the streaming lag (asynchronous replication, unbounded)",
            FAILOVER_RTO,
            `${lost}; no synchronous replication`,
        );
    const w = Number(sync.number);
    const method = `${sync.method ?? "any"} ${w}`;
    if ((sync.dataDurability ?? "required") === "preferred")
        return score(
            "yes",
            w >= k ? "0 while a standby confirms; otherwise what had not replicated" : "commits held only by the lost",
            FAILOVER_RTO,
            `${lost}; synchronous ${method}, dataDurability preferred (writes never wait)`,
        );
    if (w < k) {
        return sync.failoverQuorum
            ? score(
                  "manual",
                  "0 if you wait; a manual promotion may lose commits",
                  "until a lost standby returns (or `kubectl cnpg promote`)",
                  `${lost}; failoverQuorum: R + W > N fails (R ${survivors}, W ${w}, N ${n - 1})`,
              )
            : score(
                  "yes",
                  "commits confirmed only by the lost standbys",
                  FAILOVER_RTO,
                  `${lost}; synchronous ${method} covers fewer than the lost standbys, no failoverQuorum`,
              );
    }
    if (survivors - 1 < w)
        return score(
            "no",
            "0",
            "until an instance returns: writes wait",
            `${lost}; dataDurability required needs ${w} standby(s), ${survivors - 1} remain after the failover`,
        );
    return score(
        "yes",
        "0",
        FAILOVER_RTO,
        `${lost}; quorum ${method} required${sync.failoverQuorum ? ", failoverQuorum holds" : ""}; ${survivors - 1} standby(s) remain ≥ ${w}`,
    );
}

function postgresRow(c: Record<string, any>, ctx: RuleContext): ScoreRow {
    const spec = c.spec ?? {};
    const n = Number(spec.instances ?? 1);
    const sync = spec.postgresql?.synchronous;
    const p = placement(n, spec, ctx.zones);
    const self = spec.replica?.self ?? c.metadata?.name;
    const primary = isPrimaryCluster(c);
    const archive = archiveTimeout(c);
    const domains = {} as Record<Domain, DomainScore>;
    for (const d of ["pod", "node", "zone"] as const) {
        const k = lostIn(d, p);
        let s: DomainScore;
        if (n === 1 && d !== "zone")
            s = score("no", "0 (the volume survives)", "pod restart on its volume: minutes", "1 instance");
        else if (!primary)
            s =
                k < n
                    ? score(
                          "yes",
                          "— (replica)",
                          "— (the standbys keep following)",
                          `replica of ${spec.replica?.primary}`,
                      )
                    : score(
                          "yes",
                          "— (replica)",
                          "rebuilt from the primary region",
                          `replica of ${spec.replica?.primary}`,
                      );
        else s = primaryLoss(n, k, sync);
        if (p.unschedulable) s = { ...s, why: `${s.why}; ${p.unschedulable} instance(s) cannot schedule` };
        domains[d] = { ...s, why: `${s.why} [${p.because}]` };
    }
    const peers = (spec.externalClusters ?? []).map((e: any) => e.name).filter((x: string) => x && x !== self);
    const replication = s3Replication(ctx, self);
    const lagRpo = `the cross-region streaming lag; streaming down: ≤ archive_timeout (${archive}) + ${replication ?? "no S3 replication: unbounded"}`;
    if (!primary) {
        domains.region = score("yes", "0 (no writes here)", "— (the primary region keeps serving)", "replica cluster");
    } else if (!peers.length) {
        domains.region = replication
            ? score(
                  "manual",
                  `≤ archive_timeout (${archive}) + ${replication}`,
                  "restore in the other region",
                  "no replica cluster; backups replicated",
              )
            : score(
                  "no",
                  "everything since the region's last backup",
                  "restore",
                  "no replica cluster, no replicated backups",
              );
    } else {
        const follower = ctx.peer && clusters(ctx.peer).find((pc) => pc.spec?.replica?.source === self);
        domains.region =
            ctx.peer && !follower
                ? score(
                      "no",
                      "everything",
                      "rebuild",
                      `externalClusters name ${peers.join(", ")}, but the peer stack renders no replica of ${self}`,
                  )
                : score(
                      "manual",
                      lagRpo,
                      REGION_RTO,
                      `replica cluster ${peers.join(", ")} in the other region follows ${self}`,
                  );
    }
    return {
        key: "postgres",
        service: "PostgreSQL",
        resource: ref(c),
        domains,
        facts: {
            instances: n,
            synchronous: sync ? `${sync.method} ${sync.number} ${sync.dataDurability ?? "required"}` : "none",
            failoverQuorum: !!sync?.failoverQuorum,
            archive_timeout: archive,
            role: primary ? "primary" : "replica",
            perZone: p.perZone,
        },
    };
}

function backupRow(ctx: RuleContext, c: Record<string, any>): ScoreRow | undefined {
    const spec = c.spec ?? {};
    const archiver = (spec.plugins ?? []).find((pl: any) => pl.isWALArchiver);
    const scheduled = objectsOf(ctx.resources, "ScheduledBackup", "postgresql.cnpg.io/").find(
        (b) => b.spec?.cluster?.name === c.metadata?.name,
    );
    if (!archiver && !scheduled) return undefined;
    const store = objectsOf(ctx.resources, "ObjectStore", "barmancloud.cnpg.io/").find(
        (o) => o.metadata?.name === archiver?.parameters?.barmanObjectName,
    );
    const server = archiver?.parameters?.serverName ?? c.metadata?.name;
    const archive = archiveTimeout(c);
    const rpo = archiver
        ? `≤ archive_timeout (${archive})`
        : `since the last base backup (${scheduled?.spec?.schedule})`;
    const restore = `restore: the last base backup (schedule \`${scheduled?.spec?.schedule ?? "none"}\`) + WAL replay`;
    const inRegion = score("yes", rpo, restore, "S3 keeps objects across the region's zones");
    const replication = s3Replication(ctx, server);
    return {
        key: "backups",
        service: "PostgreSQL backups",
        resource: store ? ref(store) : ref(scheduled!),
        domains: {
            pod: inRegion,
            node: inRegion,
            zone: inRegion,
            region: replication
                ? score("yes", `${rpo} + ${replication}`, restore, `${server}/ replicated to the other region's bucket`)
                : score("no", "every backup of this region", "—", `no S3 replication of ${server}/`),
        },
        facts: {
            walArchiver: !!archiver,
            schedule: scheduled?.spec?.schedule ?? "none",
            retention: store?.spec?.retentionPolicy ?? "none",
            archive_timeout: archive,
            replication: replication ?? "none",
        },
    };
}

function poolerRow(pooler: Record<string, any>, primary: boolean, ctx: RuleContext): ScoreRow {
    const spec = pooler.spec ?? {};
    const n = Number(spec.instances ?? 1);
    const p = placement(n, spec.template?.spec ?? {}, ctx.zones);
    const domains = {} as Record<Domain, DomainScore>;
    for (const d of ["pod", "node", "zone"] as const) {
        const k = lostIn(d, p);
        domains[d] =
            k < n
                ? score(
                      "yes",
                      "— (stateless)",
                      "clients reconnect: seconds",
                      `${n - k} of ${n} PgBouncer pod(s) remain [${p.because}]`,
                  )
                : score(
                      "no",
                      "— (stateless)",
                      "until a pod is rescheduled",
                      `all ${n} PgBouncer pod(s) lost [${p.because}]`,
                  );
    }
    domains.region = primary
        ? score("manual", "— (stateless)", REGION_RTO, "the survivor's pooler serves once its cluster is promoted")
        : score("yes", "— (stateless)", "—", "the primary region's pooler keeps serving");
    const type = spec.type ?? "rw";
    return {
        key: `pooler-${type}`,
        service: `PgBouncer ${type}`,
        resource: ref(pooler),
        domains,
        facts: { instances: n, poolMode: spec.pgbouncer?.poolMode ?? "session", perZone: p.perZone },
    };
}

/** Rows for every CNPG Cluster (and its backups and poolers) of the stack. */
export function postgresRows(ctx: RuleContext): ScoreRow[] {
    const rows: ScoreRow[] = [];
    for (const c of clusters(ctx.resources)) {
        rows.push(postgresRow(c, ctx));
        const b = backupRow(ctx, c);
        if (b) rows.push(b);
        for (const pl of objectsOf(ctx.resources, "Pooler", "postgresql.cnpg.io/"))
            if (pl.spec?.cluster?.name === c.metadata?.name) rows.push(poolerRow(pl, isPrimaryCluster(c), ctx));
    }
    return rows;
}
