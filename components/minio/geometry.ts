/**
 * Erasure-coding arithmetic of one MinIO server pool: the erasure set MinIO forms from `servers ×
 * volumesPerServer` drives, the parity that survives the loss of one whole server, and the usable capacity.
 * Pure; config/minio.ts (config validation) and MinioTenant (args validation) both use it, so the rule and
 * its wording exist once.
 *
 * MinIO (cmd/endpoint-ellipses.go, getSetIndexes) splits a pool's drives into equal erasure sets of 2 to 16
 * drives, choosing among the sizes that divide the drive count and spread evenly over the servers (the set
 * size is a multiple of the server count, or divides it) the largest — our reading of that function; the
 * default 4 × 4 = 16 drives is one set of 16 either way. `mc admin info` shows the set size MinIO chose. A set spreads its drives evenly over
 * the servers, so losing one server loses `ceil(setSize / servers)` drives of every set. Reads need
 * `setSize - parity` drives (the data shards), writes the same, plus one when data = parity (MinIO's write
 * quorum, cmd/erasure.go defaultWQuorum).
 */

/** MinIO's smallest and largest erasure set. */
const MIN_SET = 2;
const MAX_SET = 16;

/** The erasure set size MinIO picks for `servers × volumesPerServer` drives in one pool. */
export function erasureSetSize(servers: number, volumesPerServer: number): number {
    const drives = servers * volumesPerServer;
    for (let size = Math.min(MAX_SET, drives); size >= MIN_SET; size--) {
        if (drives % size !== 0) continue;
        if (size % servers === 0 || servers % size === 0) return size;
    }
    throw new Error(`no symmetric erasure set for ${servers} servers × ${volumesPerServer} volumes`);
}

/** What a pool's geometry and parity give. */
export interface ErasureGeometry {
    readonly servers: number;
    readonly volumesPerServer: number;
    /** Drives per erasure set. */
    readonly setSize: number;
    /** Erasure sets in the pool. */
    readonly sets: number;
    /** Parity shards per object (`EC:<parity>`, MINIO_STORAGE_CLASS_STANDARD). */
    readonly parity: number;
    /** Drives of each set on one server: what the loss of one server takes from every set. */
    readonly drivesPerServerInSet: number;
    /** Drives a write needs in each set. */
    readonly writeQuorum: number;
    /** Usable fraction of the raw capacity (data / set size). */
    readonly usableFraction: number;
}

/** The geometry of a pool with `parity` (not checked; see {@link parityProblem}). */
export function erasureGeometry(servers: number, volumesPerServer: number, parity: number): ErasureGeometry {
    const setSize = erasureSetSize(servers, volumesPerServer);
    const data = setSize - parity;
    return {
        servers,
        volumesPerServer,
        setSize,
        sets: (servers * volumesPerServer) / setSize,
        parity,
        drivesPerServerInSet: Math.ceil(setSize / servers),
        writeQuorum: data === parity ? data + 1 : data,
        usableFraction: data / setSize,
    };
}

/** The smallest parity with which the pool keeps reads and writes after losing one whole server. */
export function minParityForServerLoss(servers: number, volumesPerServer: number): number {
    const setSize = erasureSetSize(servers, volumesPerServer);
    for (let parity = 1; parity <= setSize / 2; parity++) {
        if (!parityProblem(servers, volumesPerServer, parity)) return parity;
    }
    return Math.floor(setSize / 2) + 1;
}

/**
 * Why `parity` is not acceptable for the pool (undefined when it is): it must be at most half the set
 * (MinIO's limit) and large enough that the loss of one server leaves every set readable and writable.
 */
export function parityProblem(servers: number, volumesPerServer: number, parity: number): string | undefined {
    const g = erasureGeometry(servers, volumesPerServer, parity);
    const max = Math.floor(g.setSize / 2);
    if (!Number.isInteger(parity) || parity < 1 || parity > max) {
        return `expected an integer from 1 to ${max} (half of the ${g.setSize}-drive erasure set of ${servers} servers × ${volumesPerServer} volumes)`;
    }
    const left = g.setSize - g.drivesPerServerInSet;
    if (parity < g.drivesPerServerInSet || left < g.writeQuorum) {
        return (
            `EC:${parity} does not survive the loss of one server: each of the ${g.sets} erasure set(s) of ${g.setSize} drives loses ${g.drivesPerServerInSet} drives with a server, ` +
            `so parity must be at least ${g.drivesPerServerInSet} (reads) with ${left} drives left for a write quorum of ${g.writeQuorum}; use at least EC:${minParityFor(g)}`
        );
    }
    return undefined;
}

function minParityFor(g: ErasureGeometry): number {
    for (let p = g.drivesPerServerInSet; p <= g.setSize / 2; p++) {
        const data = g.setSize - p;
        if (g.setSize - g.drivesPerServerInSet >= (data === p ? data + 1 : data)) return p;
    }
    return g.setSize / 2;
}

/** Raw and usable bytes of the pool with `volumeBytes` per volume. */
export function capacity(g: ErasureGeometry, volumeBytes: number): { raw: number; usable: number } {
    const raw = g.servers * g.volumesPerServer * volumeBytes;
    return { raw, usable: raw * g.usableFraction };
}
