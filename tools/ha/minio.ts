/**
 * Scorecard rules for the MinIO tenant.
 *
 * MinIO facts used: a pool's drives form erasure sets of up to 16 drives spread evenly over the servers;
 * with parity P in a set of N drives, reads need N − P drives and writes N − P (plus one when data =
 * parity). `MINIO_STORAGE_CLASS_STANDARD=EC:P` sets P; unset, MinIO's default is 4 for sets of 8 or more
 * drives (2 for 4–5, 3 for 6–7). Bucket replication (`mc replicate add`) is asynchronous.
 */
import { placement } from "./placement";
import { Domain, DomainScore, Res, RuleContext, ScoreRow, lostIn, objectsOf, ref, score } from "./model";

/** Erasure set size MinIO picks for `drives` drives: the largest size from 16 down to 2 dividing them. */
export function erasureSetSize(drives: number): number {
    for (let n = 16; n >= 2; n--) if (drives % n === 0) return n;
    return drives;
}

/** MinIO's default parity for a set of `n` drives. */
export function defaultParity(n: number): number {
    return n >= 8 ? 4 : n >= 6 ? 3 : n >= 4 ? 2 : n >= 2 ? 1 : 0;
}

/** Reads and writes of one erasure set after `lost` of its `size` drives are gone, at parity `parity`. */
export function erasureAfter(size: number, parity: number, lost: number): { reads: boolean; writes: boolean } {
    const data = size - parity;
    const writeQuorum = data === parity ? data + 1 : data;
    return { reads: size - lost >= data, writes: size - lost >= writeQuorum };
}

function replicatedBuckets(resources: Res[]): boolean {
    return objectsOf(resources, "Job").some(
        (j) => j.metadata?.labels?.["app.kubernetes.io/name"] === "minio" && /mc replicate add/.test(JSON.stringify(j)),
    );
}

function tenantRow(ctx: RuleContext, t: Record<string, any>): ScoreRow {
    const pool = (t.spec?.pools ?? [])[0] ?? {};
    const servers = Number(pool.servers ?? 1);
    const volumes = Number(pool.volumesPerServer ?? 1);
    const drives = servers * volumes;
    const size = erasureSetSize(drives);
    const env = (t.spec?.env ?? []).find((e: any) => e.name === "MINIO_STORAGE_CLASS_STANDARD")?.value;
    const parity = env ? Number(/EC:(\d+)/.exec(env)?.[1] ?? NaN) : defaultParity(size);
    const perServer = Math.ceil(size / servers);
    const p = placement(servers, pool, ctx.zones);
    const domains = {} as Record<Domain, DomainScore>;
    for (const d of ["pod", "node", "zone"] as const) {
        const k = lostIn(d, p);
        const lost = Math.min(size, k * perServer);
        const after = erasureAfter(size, parity, lost);
        const why = `${k} of ${servers} servers lost = ${lost} of the set's ${size} drives; EC:${parity} reads need ${size - parity} [${p.because}]`;
        domains[d] = after.writes
            ? score("yes", "0", "0 (erasure coding: no failover)", `${why}${lost === parity ? "; no margin left" : ""}`)
            : after.reads
              ? score("partial", "0", "writes: until the servers return", `${why}: reads only`)
              : score("no", "0 once the drives return", "until the servers return", `${why}: no read quorum`);
    }
    const replicated = replicatedBuckets(ctx.resources) || (ctx.peer ? replicatedBuckets(ctx.peer) : false);
    domains.region =
        !replicated && !ctx.peer
            ? score("unknown", "—", "—", "no bucket replication in this stack; the other stack was not rendered")
            : replicated
              ? score(
                    "manual",
                    "objects not yet replicated (asynchronous, typically seconds)",
                    "applications move to the survivor's tenant",
                    "two-way bucket replication (`mc replicate add`)",
                )
              : score("no", "every object of this region", "—", "no bucket replication");
    return {
        key: "minio",
        service: "MinIO",
        resource: ref(t),
        domains,
        facts: { servers, volumesPerServer: volumes, erasureSet: size, parity: `EC:${parity}`, perZone: p.perZone },
    };
}

/** Rows for the MinIO Tenants of the stack. */
export function minioRows(ctx: RuleContext): ScoreRow[] {
    return objectsOf(ctx.resources, "Tenant", "minio.min.io/").map((t) => tenantRow(ctx, t));
}
