/**
 * The only reader of Pulumi config. `loadConfig()` reads every `geo-data:*` key once, applies the
 * defaults, validates everything and returns one typed, readonly RegionConfig; invalid config throws a
 * ConfigError naming the key, the value and what is allowed, before any resource is registered.
 *
 * CONFIG_SCHEMA is the single list of keys: Pulumi.yaml's `config:` block and the README's table are
 * checked against it by test/config-schema.spec.ts.
 */
import * as pulumi from "@pulumi/pulumi";
import { Namespaces, namespaceNames } from "./components/shared/naming";
import { Check, ConfigError, dnsLabel, dnsName, ensure, oneOf, show, stackName } from "./components/shared/validate";

/** The Pulumi project name; also the config namespace. */
export const PROJECT = "geo-data";

/** AWS regions this program accepts for `region`/`peerRegion`/`primaryRegion`. */
export const AWS_REGIONS = [
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1",
    "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1", "eu-south-1",
    "ap-south-1", "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "ap-northeast-2", "sa-east-1",
] as const;

/** The role of a stack in the region pair. */
export type Role = "primary" | "secondary";

/** One declared config key. */
export interface KeySpec {
    /** Pulumi.yaml type. */
    readonly type: "string" | "integer" | "boolean";
    /** One sentence for Pulumi.yaml and the README. */
    readonly description: string;
    /** The default; absent for required keys. An empty string means "unset" for optional strings. */
    readonly default?: string | number | boolean;
    /** Set with `pulumi config set --secret`; read as a secret Output. */
    readonly secret?: boolean;
}

/** Every `geo-data:*` key, in README order. */
export const CONFIG_SCHEMA = {
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
        description: "Fully qualified name (`org/geo-data/us-east`) of the primary stack; required when `role` is secondary.",
    },
    kubeContext: { type: "string", default: "", description: "kubeconfig context of this region's cluster. Empty = the current context." },
    kubeconfig: {
        type: "string",
        default: "",
        secret: true,
        description: "kubeconfig contents or path for this region's cluster (set with --secret). Empty = the ambient kubeconfig.",
    },
    manageOperators: {
        type: "boolean",
        default: true,
        description: "Install the pinned operators (CloudNativePG, Barman Cloud plugin, cert-manager, Strimzi, MinIO, kube-prometheus-stack). Set false where they are managed elsewhere.",
    },
    namespacePrefix: { type: "string", default: "geo", description: "Prefix of the data-tier namespaces (`<prefix>-postgres`, `<prefix>-redis`, …)." },
    dnsZone: {
        type: "string",
        default: "data.internal",
        description: "DNS zone for cross-region endpoints: `<service>.<region>.<dnsZone>`.",
    },
    protect: { type: "boolean", default: true, description: "Protect stateful resources (clusters, volumes, buckets) from deletion." },
    storageClass: { type: "string", default: "fast-ssd", description: "StorageClass of every persistent volume." },
} as const satisfies Record<string, KeySpec>;

/** The typed, validated configuration of one region stack. */
export interface RegionConfig {
    /** Pulumi stack name (e.g. us-east). */
    readonly stack: string;
    readonly region: string;
    readonly peerRegion: string;
    readonly role: Role;
    /** Region currently holding the writable primaries. */
    readonly primaryRegion: string;
    /** True when this stack's region is `primaryRegion`. */
    readonly isPrimary: boolean;
    /** The primary stack's fully qualified name (secondary stacks only). */
    readonly primaryStack?: string;
    readonly kubernetes: { readonly context?: string; readonly kubeconfig?: pulumi.Output<string> };
    readonly manageOperators: boolean;
    readonly namespaces: Namespaces;
    readonly dnsZone: string;
    readonly protect: boolean;
    readonly storageClass: string;
}

/** Raw config as Pulumi hands it to the program: `geo-data:<key>` → string. */
export type RawConfig = Readonly<Record<string, string>>;

/** Reads keys from raw config, applying CONFIG_SCHEMA defaults, and remembers which keys it read. */
class Reader {
    private readonly read = new Set<string>();

    constructor(private readonly raw: RawConfig) {}

    /** Throws when a declared key was never read: a key in CONFIG_SCHEMA that the program ignores is a bug. */
    assertAllRead(): void {
        const unread = Object.keys(CONFIG_SCHEMA).filter((k) => !this.read.has(k));
        if (unread.length) throw new Error(`config.ts: declared but never read: ${unread.join(", ")}`);
    }

    private value(key: keyof typeof CONFIG_SCHEMA): string | undefined {
        this.read.add(key);
        const v = this.raw[`${PROJECT}:${key}`];
        return v === undefined ? undefined : v;
    }

    private fail(key: string, value: unknown, problem: string): never {
        throw new ConfigError(`${PROJECT}:${key}`, `${show(value)} is not allowed; ${problem}`);
    }

    /** A required or defaulted string; "" counts as unset for keys whose default is "". */
    str(key: keyof typeof CONFIG_SCHEMA, ...checks: Check<string>[]): string {
        const spec: KeySpec = CONFIG_SCHEMA[key];
        const v = this.value(key) ?? (spec.default as string | undefined);
        if (v === undefined) {
            throw new ConfigError(`${PROJECT}:${key}`, `is required; set it with \`pulumi config set ${key} <value>\``);
        }
        if (v === "" && spec.default === "") return v;
        return ensure(`${PROJECT}:${key}`, v, ...checks);
    }

    int(key: keyof typeof CONFIG_SCHEMA, ...checks: Check<number>[]): number {
        const spec: KeySpec = CONFIG_SCHEMA[key];
        const v = this.value(key);
        const n = v === undefined ? (spec.default as number) : /^-?[0-9]+$/.test(v.trim()) ? Number(v) : NaN;
        if (Number.isNaN(n)) this.fail(key, v, "expected an integer");
        return ensure(`${PROJECT}:${key}`, n, ...checks);
    }

    bool(key: keyof typeof CONFIG_SCHEMA): boolean {
        const spec: KeySpec = CONFIG_SCHEMA[key];
        const v = this.value(key);
        if (v === undefined) return spec.default as boolean;
        if (v === "true" || v === "false") return v === "true";
        return this.fail(key, v, "expected true or false");
    }
}

/** Edit distance, for "did you mean" hints on misspelt keys. */
function distance(a: string, b: string): number {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0][j] = j;
    for (let i = 1; i <= a.length; i++) {
        for (let j = 1; j <= b.length; j++) {
            d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        }
    }
    return d[a.length][b.length];
}

/** Rejects `geo-data:*` keys that CONFIG_SCHEMA does not declare (typos would otherwise be ignored). */
function rejectUnknownKeys(raw: RawConfig): void {
    const known = Object.keys(CONFIG_SCHEMA);
    for (const full of Object.keys(raw)) {
        if (!full.startsWith(`${PROJECT}:`)) continue;
        const key = full.slice(PROJECT.length + 1);
        if (known.includes(key)) continue;
        const best = known.map((k) => [k, distance(k.toLowerCase(), key.toLowerCase())] as const).sort((x, y) => x[1] - y[1])[0];
        const hint = best && best[1] <= 3 ? `did you mean ${PROJECT}:${best[0]}?` : `known keys: ${known.join(", ")}`;
        throw new ConfigError(full, `is not a known key; ${hint}`);
    }
}

/**
 * Parses raw config into a RegionConfig. Pure: no Pulumi runtime access, so tests call it directly.
 * `secret` wraps values of secret keys (pulumi.secret in the program; identity-safe in tests).
 */
export function parseRegionConfig(raw: RawConfig, stack: string): RegionConfig {
    rejectUnknownKeys(raw);
    const r = new Reader(raw);
    const regions = oneOf(AWS_REGIONS);
    const region = r.str("region", regions);
    const peerRegion = r.str("peerRegion", regions, (v) => (v === region ? `must differ from region (${region})` : undefined));
    const role = r.str("role", oneOf(["primary", "secondary"])) as Role;
    const primaryStack = r.str("primaryStack", stackName);
    if (role === "secondary" && primaryStack === "") {
        throw new ConfigError(
            `${PROJECT}:primaryStack`,
            "is required when role is secondary: the secondary reads the primary's outputs through a StackReference (e.g. acme/geo-data/us-east)",
        );
    }
    const defaultPrimary = role === "primary" ? region : peerRegion;
    const primaryRegion =
        r.str("primaryRegion", oneOf([region, peerRegion])) || defaultPrimary;
    const kubeContext = r.str("kubeContext");
    const kubeconfigRaw = r.str("kubeconfig");
    const prefix = r.str("namespacePrefix", dnsLabel, (v) => (v.length > 40 ? "expected at most 40 characters" : undefined));
    const config: RegionConfig = Object.freeze({
        stack,
        region,
        peerRegion,
        role,
        primaryRegion,
        isPrimary: primaryRegion === region,
        primaryStack: primaryStack || undefined,
        kubernetes: Object.freeze({
            context: kubeContext || undefined,
            kubeconfig: kubeconfigRaw ? pulumi.secret(kubeconfigRaw) : undefined,
        }),
        manageOperators: r.bool("manageOperators"),
        namespaces: Object.freeze(namespaceNames(prefix)),
        dnsZone: r.str("dnsZone", dnsName),
        protect: r.bool("protect"),
        storageClass: r.str("storageClass", dnsName),
    });
    r.assertAllRead();
    return config;
}

/** Reads this stack's Pulumi config and returns the validated RegionConfig (throws ConfigError). */
export function loadConfig(): RegionConfig {
    return parseRegionConfig(pulumi.runtime.allConfig(), pulumi.getStack());
}
