/**
 * The pair and cluster keys of a region stack: which region this is, its role and peer, which region is
 * primary, how to reach its Kubernetes cluster, and the names shared by every service.
 */
import * as pulumi from "@pulumi/pulumi";
import { Namespaces, backupRoleName, namespaceNames, replicationRoleName } from "../components/shared/naming";
import { cidrList, cidrsOverlap, parseCidr, splitCidrList } from "../components/shared/cidr";
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

/** The default `clientNamespaceLabel`: application namespaces carry `geo-data/client: "true"`. */
export const DEFAULT_CLIENT_NAMESPACE_LABEL = "geo-data/client=true";

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
    clientNamespaceLabel: {
        type: "string",
        default: DEFAULT_CLIENT_NAMESPACE_LABEL,
        description:
            "`key=value` label of the application namespaces: the data namespaces' NetworkPolicies admit pods of namespaces carrying it to the poolers, Redis and the Sentinels (`kubectl label namespace <app> geo-data/client=true`).",
    },
    peerCidrs: {
        type: "string",
        default: "",
        description:
            "The peer region's VPC CIDR blocks, comma-separated (e.g. `10.20.0.0/16`): `loadBalancerSourceRanges` of every cross-region load balancer, and admitted by the NetworkPolicies on the cross-region ports. Empty = none (the cross-region load balancers then fail policy `service-require-load-balancer-source-ranges`).",
    },
    loadBalancerSubnetCidrs: {
        type: "string",
        default: "",
        description:
            "CIDR blocks of this region's subnets that hold the internal NLBs, comma-separated: an NLB with IP targets health-checks, and (without client IP preservation) forwards, from its own addresses there, so the NetworkPolicies admit them on the cross-region ports. Empty = none (NLB targets stay unhealthy where NetworkPolicies are enforced).",
    },
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
    /** Who may reach the data tier over the network (keys clientNamespaceLabel, peerCidrs, loadBalancerSubnetCidrs). */
    readonly network: NetworkConfig;
}

/** The network fence: application namespaces, the peer region and this region's NLB subnets. */
export interface NetworkConfig {
    /** Label (key and value) of the namespaces whose pods may connect to the data services. */
    readonly clientNamespaceLabel: { readonly key: string; readonly value: string };
    /** The peer region's VPC CIDR blocks. */
    readonly peerCidrs: readonly string[];
    /** This region's internal-NLB subnets. */
    readonly loadBalancerSubnetCidrs: readonly string[];
}

const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/** A Kubernetes label `key=value` (key: optional DNS-subdomain prefix and `/`, name of at most 63 characters). */
export const labelSelectorPair = (v: string): string | undefined => {
    const expected =
        "expected key=value with a Kubernetes label key (e.g. geo-data/client) and a non-empty value of at most 63 letters, digits, '-', '_' or '.' (e.g. true)";
    const eq = v.indexOf("=");
    if (eq < 0) return expected;
    const [key, value] = [v.slice(0, eq), v.slice(eq + 1)];
    const slash = key.lastIndexOf("/");
    const [prefix, name] = slash < 0 ? [undefined, key] : [key.slice(0, slash), key.slice(slash + 1)];
    if (prefix !== undefined && (prefix === "" || dnsName(prefix) !== undefined)) return expected;
    return LABEL_NAME.test(name) && LABEL_NAME.test(value) ? undefined : expected;
};

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
        network: parseNetwork(r),
    };
}

function parseNetwork(r: Reader<RegionKey>): NetworkConfig {
    const label = r.str("clientNamespaceLabel", labelSelectorPair);
    const eq = label.indexOf("=");
    const peerCidrs = splitCidrList(r.str("peerCidrs", cidrList()));
    const lbCidrs = splitCidrList(r.str("loadBalancerSubnetCidrs", cidrList()));
    for (const own of lbCidrs) {
        const clash = peerCidrs.find((p) => cidrsOverlap(parseCidr(p), parseCidr(own)));
        if (clash) {
            throw new ConfigError(
                `${PROJECT}:loadBalancerSubnetCidrs`,
                `${show(own)} overlaps ${show(clash)} of geo-data:peerCidrs; this region's subnets and the peer region's VPC cannot share addresses (peered or routed VPCs must not overlap)`,
            );
        }
    }
    return Object.freeze({
        clientNamespaceLabel: Object.freeze({ key: label.slice(0, eq), value: label.slice(eq + 1) }),
        peerCidrs: Object.freeze(peerCidrs),
        loadBalancerSubnetCidrs: Object.freeze(lbCidrs),
    });
}
