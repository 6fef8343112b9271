/**
 * The pair and cluster keys of a region stack: which region this is, its role and peer, which region is
 * primary, how to reach its Kubernetes cluster, and the names shared by every service.
 */
import * as pulumi from "@pulumi/pulumi";
import { Namespaces, backupRoleName, namespaceNames, replicationRoleName } from "../components/shared/naming";
import { ConfigError, dnsLabel, dnsName, oneOf, show, stackName } from "../components/shared/validate";
import { KeySpec, PROJECT, Reader } from "./reader";

/** AWS regions this program accepts for `region`/`peerRegion`/`primaryRegion`. */
export const AWS_REGIONS = [
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ca-central-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-central-1",
    "eu-north-1",
    "eu-south-1",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "sa-east-1",
] as const;

/** The role of a stack in the region pair. */
export type Role = "primary" | "secondary";

/** The pair and cluster keys, in docs order. */
export const REGION_KEYS = {
    region: { type: "string", description: "AWS region this stack deploys to (e.g. us-east-1)." },
    role: {
        type: "string",
        description:
            "This stack's role in the pair: `primary` owns the shared cross-region material; `secondary` reads it from `primaryStack`.",
    },
    peerRegion: { type: "string", description: "AWS region of the other stack of the pair." },
    primaryRegion: {
        type: "string",
        default: "",
        description:
            "Region that currently holds the writable primaries. Empty = the `role: primary` stack's region. Changing it in both stacks is the switchover.",
    },
    primaryStack: {
        type: "string",
        default: "",
        description:
            "Fully qualified name (`org/geo-data/us-east`) of the primary stack; required when `role` is secondary.",
    },
    disasterFailover: {
        type: "boolean",
        default: false,
        description:
            "Disaster failover: lets this stack take the primary role without a demotion token while the other stack's deployed outputs still claim it (that region is lost). Only with primaryRegion = this region; turn it off once the lost region is rebuilt and deployed as a replica.",
    },
    mintCertificates: {
        type: "boolean",
        default: false,
        description:
            "`role: secondary` stack only, once the primary-role stack's region is lost for good: generate the pair's PostgreSQL TLS (new server and client CAs) in this stack instead of reading it from `primaryStack`, so `pulumi up` here renews the certificates. Role passwords are still read from `primaryStack`'s last outputs.",
    },
    kubeContext: {
        type: "string",
        default: "",
        description: "kubeconfig context of this region's cluster. Empty = the current context.",
    },
    kubeconfig: {
        type: "string",
        default: "",
        secret: true,
        description:
            "kubeconfig contents or path for this region's cluster (set with --secret). Empty = the ambient kubeconfig.",
    },
    manageOperators: {
        type: "boolean",
        default: true,
        description:
            "Install the pinned operators (CloudNativePG, Barman Cloud plugin, cert-manager, Strimzi, MinIO, kube-prometheus-stack). Set false where they are managed elsewhere.",
    },
    namespacePrefix: {
        type: "string",
        default: "geo",
        description: "Prefix of the data-tier namespaces (`<prefix>-postgres`, `<prefix>-redis`, …).",
    },
    dnsZone: {
        type: "string",
        default: "data.internal",
        description: "DNS zone for cross-region endpoints: `<service>.<region>.<dnsZone>`.",
    },
    protect: {
        type: "boolean",
        default: true,
        description: "Protect stateful resources (clusters, volumes, buckets) from deletion.",
    },
    storageClass: { type: "string", default: "fast-ssd", description: "StorageClass of every persistent volume." },
} as const satisfies Record<string, KeySpec>;

/** The stack's place in the pair (keys region, role, peerRegion, primaryRegion, primaryStack, disasterFailover). */
export interface PairConfig {
    readonly region: string;
    readonly peerRegion: string;
    readonly role: Role;
    /** Region currently holding the writable primaries. */
    readonly primaryRegion: string;
    /** True when this stack's region is `primaryRegion`. */
    readonly isPrimary: boolean;
    /** The primary stack's fully qualified name (secondary stacks only). */
    readonly primaryStack?: string;
    /** `disasterFailover`: take the primary role although the peer's deployed outputs still claim it. */
    readonly disasterFailover: boolean;
    /** `mintCertificates`: this (secondary) stack generates the pair's PostgreSQL TLS instead of reading it. */
    readonly mintCertificates: boolean;
}

/** Where the stack deploys and the names every service shares. */
export interface ClusterConfig {
    readonly kubernetes: { readonly context?: string; readonly kubeconfig?: pulumi.Output<string> };
    readonly manageOperators: boolean;
    readonly namespaces: Namespaces;
    /** `namespacePrefix`: also the prefix of AWS names (backup bucket, IAM role). */
    readonly namespacePrefix: string;
    readonly dnsZone: string;
    readonly protect: boolean;
    readonly storageClass: string;
}

type RegionKey = keyof typeof REGION_KEYS;

export function parsePair(r: Reader<RegionKey>): PairConfig {
    const regions = oneOf(AWS_REGIONS);
    const region = r.str("region", regions);
    const peerRegion = r.str("peerRegion", regions, (v) =>
        v === region ? `must differ from region (${region})` : undefined,
    );
    const role = r.str("role", oneOf(["primary", "secondary"])) as Role;
    const primaryStack = r.str("primaryStack", stackName);
    if (role === "secondary" && primaryStack === "") {
        throw new ConfigError(
            `${PROJECT}:primaryStack`,
            "is required when role is secondary: the secondary reads the primary's outputs through a StackReference (e.g. acme/geo-data/us-east)",
        );
    }
    const defaultPrimary = role === "primary" ? region : peerRegion;
    const primaryRegion = r.str("primaryRegion", oneOf([region, peerRegion])) || defaultPrimary;
    const disasterFailover = r.bool("disasterFailover");
    const mintCertificates = r.bool("mintCertificates");
    if (mintCertificates && role !== "secondary") {
        throw new ConfigError(
            `${PROJECT}:mintCertificates`,
            "true is not allowed with role primary: the role: primary stack always mints the pair's certificates; the key lets a role: secondary stack take that over after the primary-role stack's region is lost for good",
        );
    }
    return {
        region,
        peerRegion,
        role,
        primaryRegion,
        isPrimary: primaryRegion === region,
        primaryStack: primaryStack || undefined,
        disasterFailover,
        mintCertificates,
    };
}

export function parseCluster(r: Reader<RegionKey>, pair: Pick<PairConfig, "region" | "peerRegion">): ClusterConfig {
    const kubeContext = r.str("kubeContext");
    const kubeconfigRaw = r.str("kubeconfig");
    const prefix = r.str("namespacePrefix", dnsLabel, (v) =>
        v.length > 40 ? "expected at most 40 characters" : undefined,
    );
    // IAM role names are derived from the prefix and both region codes and may not exceed 64 characters.
    const longest = [
        backupRoleName(prefix, pair.region),
        replicationRoleName(prefix, pair.region, pair.peerRegion),
    ].sort((a, b) => b.length - a.length)[0];
    if (longest.length > 64) {
        throw new ConfigError(
            `${PROJECT}:namespacePrefix`,
            `${show(prefix)} is too long: the derived IAM role name ${longest} has ${longest.length} characters (IAM allows 64); use at most ${prefix.length - (longest.length - 64)} characters`,
        );
    }
    return {
        kubernetes: Object.freeze({
            context: kubeContext || undefined,
            kubeconfig: kubeconfigRaw ? pulumi.secret(kubeconfigRaw) : undefined,
        }),
        manageOperators: r.bool("manageOperators"),
        namespaces: Object.freeze(namespaceNames(prefix)),
        namespacePrefix: prefix,
        dnsZone: r.str("dnsZone", dnsName),
        protect: r.bool("protect"),
        storageClass: r.str("storageClass", dnsName),
    };
}
