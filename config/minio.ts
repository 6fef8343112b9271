/**
 * MinIO keys `minio*`: the tenant's pool geometry, parity, volumes, resources, buckets, lifecycle (tiering to
 * the region's AWS tier bucket) and the cross-region bucket replication. The erasure rule (parity that
 * survives one server) lives in components/minio/geometry.ts and is used here and by MinioTenant.
 */
import { capacity, erasureGeometry, parityProblem } from "../components/minio/geometry";
import {
    Check,
    ConfigError,
    binaryQuantity,
    cpuQuantity,
    dnsName,
    intBetween,
    oneOf,
    quantityBytes,
} from "../components/shared/validate";
import { KeySpec, PROJECT, Reader } from "./reader";

/** AWS storage classes the tier bucket may move MinIO's tiered objects to: both readable without a restore. */
export const MINIO_TIER_STORAGE_CLASSES = ["GLACIER_IR", "STANDARD_IA"] as const;
export type MinioTierStorageClass = (typeof MINIO_TIER_STORAGE_CLASSES)[number];

/** The MinIO keys, in docs order. */
export const MINIO_KEYS = {
    minioServers: {
        type: "integer",
        default: 4,
        description: "MinIO servers (pods) of the tenant's pool in each region, 4 to 32, spread over the zones.",
    },
    minioVolumesPerServer: {
        type: "integer",
        default: 4,
        description: "Volumes (PVCs) per MinIO server, 4 to 16.",
    },
    minioVolumeSize: {
        type: "string",
        default: "100Gi",
        description: "Size of each MinIO volume (binary units, e.g. 100Gi).",
    },
    minioStorageClass: {
        type: "string",
        default: "",
        description: "StorageClass of the MinIO volumes. Empty = `storageClass`.",
    },
    minioParity: {
        type: "integer",
        default: 4,
        description:
            "Erasure parity `EC:N` (MINIO_STORAGE_CLASS_STANDARD). Must survive the loss of one whole server: 4 × 4 volumes form one 16-drive set that needs EC:4 (12 data + 4 parity, 75% usable).",
    },
    minioCpuRequest: { type: "string", default: "1", description: "CPU request of each MinIO server." },
    minioCpuLimit: { type: "string", default: "4", description: "CPU limit of each MinIO server." },
    minioMemory: {
        type: "string",
        default: "4Gi",
        description: "Memory request and limit of each MinIO server (binary units).",
    },
    minioBuckets: {
        type: "string",
        default: "files",
        description:
            "Comma-separated buckets the setup Job creates (versioned, tiered, replicated), e.g. `files,uploads`.",
    },
    minioTransitionDays: {
        type: "integer",
        default: 30,
        description:
            "Days after which MinIO moves an object to the region's AWS tier bucket (whose lifecycle stores it as `minioTierStorageClass`).",
    },
    minioNoncurrentExpireDays: {
        type: "integer",
        default: 30,
        description: "Days MinIO keeps a noncurrent (overwritten or deleted) object version before expiring it.",
    },
    minioTierStorageClass: {
        type: "string",
        default: "GLACIER_IR",
        description:
            "Storage class the AWS tier bucket's lifecycle moves tiered objects to on arrival: GLACIER_IR or STANDARD_IA (GLACIER and DEEP_ARCHIVE need a restore before MinIO could serve the object, so they are refused).",
    },
    minioReplication: {
        type: "boolean",
        default: true,
        description:
            "Two-way bucket replication of every bucket between the regions (objects, versions, delete markers and deletes), configured by the `role: secondary` stack's setup Job.",
    },
} as const satisfies Record<string, KeySpec>;

/** MinIO settings (keys `minio*`). */
export interface MinioConfig {
    readonly servers: number;
    readonly volumesPerServer: number;
    readonly volumeSize: string;
    /** StorageClass of the volumes (minioStorageClass, or storageClass). */
    readonly storageClass: string;
    /** Erasure parity (EC:N). */
    readonly parity: number;
    readonly resources: {
        readonly requests: { readonly cpu: string; readonly memory: string };
        readonly limits: { readonly cpu: string; readonly memory: string };
    };
    readonly buckets: readonly string[];
    readonly transitionDays: number;
    readonly noncurrentExpireDays: number;
    readonly tierStorageClass: MinioTierStorageClass;
    readonly replication: boolean;
}

/** What the MinIO keys are checked against, from other sections. */
export interface MinioContext {
    /** `storageClass`: the default of minioStorageClass. */
    readonly storageClass: string;
    /** `namespacePrefix` and `region`: the tier bucket's derived name must fit S3's 63 characters. */
    readonly prefix: string;
    readonly region: string;
}

const BUCKET = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

/** A comma-separated list of S3 bucket names, at least one, no duplicates. */
export const bucketList: Check<string> = (v) => {
    const names = v.split(",").map((b) => b.trim());
    const bad = names.filter((b) => !BUCKET.test(b) || b.includes("--"));
    if (bad.length || names.length === 0) {
        return `expected comma-separated bucket names of 3 to 63 characters a-z, 0-9 and '-' (bad: ${bad.map((b) => JSON.stringify(b)).join(", ")})`;
    }
    return new Set(names).size === names.length ? undefined : "expected each bucket once";
};

export function parseMinio(r: Reader<keyof typeof MINIO_KEYS>, ctx: MinioContext): MinioConfig {
    const servers = r.int("minioServers", intBetween(4, 32));
    const volumesPerServer = r.int("minioVolumesPerServer", intBetween(4, 16));
    const volumeSize = r.str("minioVolumeSize", binaryQuantity);
    const storageClass = r.str("minioStorageClass", dnsName) || ctx.storageClass;
    const parity = r.int("minioParity", (v) => parityProblem(servers, volumesPerServer, v));
    const cpuRequest = r.str("minioCpuRequest", cpuQuantity);
    const cpuLimit = r.str("minioCpuLimit", cpuQuantity, (v) =>
        cpuCores(v) < cpuCores(cpuRequest) ? `expected at least minioCpuRequest (${cpuRequest})` : undefined,
    );
    const memory = r.str("minioMemory", binaryQuantity, (v) =>
        quantityBytes(v) < 2 * 1024 ** 3 ? "expected at least 2Gi (MinIO's own minimum for a server)" : undefined,
    );
    const buckets = r
        .str("minioBuckets", bucketList)
        .split(",")
        .map((b) => b.trim());
    const transitionDays = r.int("minioTransitionDays", intBetween(1, 3650));
    const noncurrentExpireDays = r.int("minioNoncurrentExpireDays", intBetween(1, 3650));
    const tierStorageClass = r.str("minioTierStorageClass", (v) =>
        ["GLACIER", "DEEP_ARCHIVE"].includes(v)
            ? `${v} objects must be restored before they can be read, and MinIO reads a tiered object straight from the tier bucket; expected one of: ${MINIO_TIER_STORAGE_CLASSES.join(", ")}`
            : oneOf(MINIO_TIER_STORAGE_CLASSES)(v),
    ) as MinioTierStorageClass;
    // The volume size only matters for the docs' capacity figure, but a pool below 1Gi usable is a typo.
    const g = erasureGeometry(servers, volumesPerServer, parity);
    if (capacity(g, quantityBytes(volumeSize)).usable < 1024 ** 3) {
        throw new ConfigError(`${PROJECT}:minioVolumeSize`, `${volumeSize} leaves less than 1Gi usable in the pool`);
    }
    const tierBucket = `${ctx.prefix}-minio-tier-123456789012-${ctx.region}`;
    if (tierBucket.length > 63) {
        throw new ConfigError(
            `${PROJECT}:namespacePrefix`,
            `is too long for the MinIO tier bucket ${ctx.prefix}-minio-tier-<account>-${ctx.region} (${tierBucket.length} characters, S3 allows 63); use at most ${ctx.prefix.length - (tierBucket.length - 63)} characters`,
        );
    }
    return Object.freeze({
        servers,
        volumesPerServer,
        volumeSize,
        storageClass,
        parity,
        resources: Object.freeze({
            requests: { cpu: cpuRequest, memory },
            limits: { cpu: cpuLimit, memory },
        }),
        buckets: Object.freeze(buckets),
        transitionDays,
        noncurrentExpireDays,
        tierStorageClass,
        replication: r.bool("minioReplication"),
    });
}

/** Cores of a validated CPU quantity. */
export function cpuCores(v: string): number {
    return v.endsWith("m") ? Number(v.slice(0, -1)) / 1000 : Number(v);
}
