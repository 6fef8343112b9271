/**
 * Deterministic names. Everything another region (or a human running a runbook) needs to find is derived
 * from config here, never copied by hand.
 */
import { dnsLabel } from "./validate";

/** The data-tier namespaces, one per service domain. */
export interface Namespaces {
    readonly postgres: string;
    readonly redis: string;
    readonly minio: string;
    readonly kafka: string;
    readonly monitoring: string;
}

/** The namespaces for a prefix: `<prefix>-postgres`, `<prefix>-redis`, … */
export function namespaceNames(prefix: string): Namespaces {
    return {
        postgres: `${prefix}-postgres`,
        redis: `${prefix}-redis`,
        minio: `${prefix}-minio`,
        kafka: `${prefix}-kafka`,
        monitoring: `${prefix}-monitoring`,
    };
}

/** Namespaces of the operators installed by the platform layer (fixed: the upstream manifests assume them). */
export const operatorNamespaces = {
    cnpg: "cnpg-system",
    certManager: "cert-manager",
    strimzi: "strimzi-system",
    minio: "minio-operator",
} as const;

/**
 * The short region code used in names: us-east-1 → "use1", us-west-2 → "usw2", ap-southeast-1 → "apse1",
 * ap-south-1 → "aps1", eu-central-1 → "euc1". Every compass part keeps its initial, so no two regions share a
 * code (ap-south-1 and ap-southeast-1 would, with the first letter alone).
 */
export function regionCode(region: string): string {
    const m = /^([a-z]{2})-(?:gov-)?(north|south)?(east|west|central)?-([0-9]+)$/.exec(region);
    if (!m || (!m[2] && !m[3])) throw new Error(`not an AWS region name: ${region}`);
    return `${m[1]}${m[2]?.[0] ?? ""}${m[3]?.[0] ?? ""}${m[4]}`;
}

/**
 * The public DNS name of a service endpoint in a region, inside the configured zone:
 * `<service>.<region>.<zone>`, e.g. `pg-rw.us-east-1.data.example.com`. Used for cross-region replication.
 */
export function regionalHostname(service: string, region: string, zone: string): string {
    if (dnsLabel(service) !== undefined) throw new Error(`not a DNS label: ${service}`);
    return `${service}.${region}.${zone}`;
}

/** IAM role of a region's database pods (IRSA): `<prefix>-pg-backups-<region code>` (IAM is global). */
export function backupRoleName(prefix: string, region: string): string {
    return `${prefix}-pg-backups-${regionCode(region)}`;
}

/** IAM role S3 assumes to replicate backups from one region's bucket to the other's. */
export function replicationRoleName(prefix: string, from: string, to: string): string {
    return `${prefix}-pg-replication-${regionCode(from)}-${regionCode(to)}`;
}
