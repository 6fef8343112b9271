/**
 * Pure validators shared by config/ and the components' `validateXArgs` functions.
 *
 * Every check returns `undefined` when the value is acceptable, or a sentence fragment that says what is
 * allowed. Callers prefix the fragment with the offending key and value, so every error a user sees names
 * the key, the value and what would be accepted.
 */
import * as pulumi from "@pulumi/pulumi";

/** A value check: `undefined` when valid, otherwise what is allowed (e.g. "expected one of: a, b"). */
export type Check<T> = (value: T) => string | undefined;

/**
 * An invalid configuration value. Extends `pulumi.RunError` so the Pulumi CLI prints the message alone,
 * without a stack trace.
 */
export class ConfigError extends pulumi.RunError {
    constructor(
        /** The offending key, e.g. `geo-data:postgresInstances`. */
        public readonly key: string,
        message: string,
    ) {
        super(`${key}: ${message}`);
        this.name = "ConfigError";
    }
}

/** Formats a value for an error message: strings quoted, everything else as JSON. */
export function show(value: unknown): string {
    return typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
}

/** Throws a ConfigError for `key` when `check(value)` fails; returns the value otherwise. */
export function ensure<T>(key: string, value: T, ...checks: Check<T>[]): T {
    for (const check of checks) {
        const problem = check(value);
        if (problem !== undefined) {
            throw new ConfigError(key, `${show(value)} is not allowed; ${problem}`);
        }
    }
    return value;
}

/** The value must be one of `allowed`. */
export function oneOf<T extends string>(allowed: readonly T[]): Check<string> {
    return (v) => (allowed.includes(v as T) ? undefined : `expected one of: ${allowed.join(", ")}`);
}

/** An integer in [min, max]. */
export function intBetween(min: number, max: number = Number.MAX_SAFE_INTEGER): Check<number> {
    return (v) =>
        Number.isInteger(v) && v >= min && v <= max
            ? undefined
            : max === Number.MAX_SAFE_INTEGER
              ? `expected an integer >= ${min}`
              : `expected an integer from ${min} to ${max}`;
}

/** The regions of a pair: exactly two, different. */
export const twoRegions: Check<readonly string[]> = (v) =>
    v.length === 2 && v[0] !== v[1] ? undefined : "expected two different regions";

const QUANTITY = /^([0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei)$/;

/**
 * A Kubernetes storage/memory quantity in binary units (`512Mi`, `100Gi`, `1Ti`). Decimal suffixes such as
 * "100GB" or "100G" are rejected: they are either invalid or not what people mean for volumes.
 */
export const binaryQuantity: Check<string> = (v) =>
    QUANTITY.test(v) && Number(QUANTITY.exec(v)![1]) > 0
        ? undefined
        : "expected a positive whole number with a binary unit Ki, Mi, Gi, Ti, Pi or Ei (for example 100Gi)";

const CPU = /^([0-9]+m|[0-9]+(\.[0-9]{1,3})?)$/;
/** A Kubernetes CPU quantity: millicores (`250m`) or cores (`1`, `0.5`). */
export const cpuQuantity: Check<string> = (v) =>
    CPU.test(v) && parseFloat(v) > 0 ? undefined : "expected millicores like 250m or cores like 1 or 0.5";

/** Converts a binary quantity (already validated) to bytes. */
export function quantityBytes(q: string): number {
    const m = QUANTITY.exec(q);
    if (!m) throw new Error(`not a binary quantity: ${q}`);
    const exp = ["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"].indexOf(m[2]) + 1;
    return Number(m[1]) * 1024 ** exp;
}

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** An RFC 1123 DNS label (Kubernetes namespace or Service name): lower case, digits, '-', at most 63. */
export const dnsLabel: Check<string> = (v) =>
    v.length <= 63 && LABEL.test(v)
        ? undefined
        : "expected a DNS-1123 label: at most 63 characters of a-z, 0-9 and '-', starting and ending with a letter or digit";

/** An RFC 1123 DNS subdomain / domain name (dot-separated labels, at most 253 characters). */
export const dnsName: Check<string> = (v) =>
    v.length <= 253 && v.split(".").every((l) => l.length <= 63 && LABEL.test(l))
        ? undefined
        : "expected a DNS name: dot-separated DNS-1123 labels (a-z, 0-9, '-'), at most 253 characters";

/** A non-empty string. */
export const nonEmpty: Check<string> = (v) => (v.trim().length > 0 ? undefined : "expected a non-empty value");

const CRON_FIELD = /^(\*|\?|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(\/[0-9]+)?(,(\*|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(\/[0-9]+)?)*$/;

/**
 * A six-field cron expression with seconds first, as CloudNativePG's ScheduledBackup requires
 * (`0 0 2 * * *` is daily at 02:00). Five-field (Unix) expressions are rejected with a hint.
 */
export const cron6: Check<string> = (v) => {
    const fields = v.trim().split(/\s+/);
    if (fields.length === 5) {
        return `expected 6 fields (seconds first, e.g. "0 ${v.trim()}"); CloudNativePG schedules have a seconds field`;
    }
    if (fields.length !== 6 || !fields.every((f) => CRON_FIELD.test(f))) {
        return "expected a 6-field cron expression: second minute hour day-of-month month day-of-week (e.g. 0 0 2 * * *)";
    }
    const ranges: [number, number][] = [
        [0, 59],
        [0, 59],
        [0, 23],
        [1, 31],
        [1, 12],
        [0, 7],
    ];
    for (let i = 0; i < 6; i++) {
        for (const n of fields[i].match(/[0-9]+/g) ?? []) {
            const isStep = fields[i].includes(`/${n}`);
            if (!isStep && (Number(n) < ranges[i][0] || Number(n) > ranges[i][1])) {
                return `field ${i + 1} value ${n} is out of range ${ranges[i][0]}-${ranges[i][1]}`;
            }
        }
    }
    return undefined;
};

/** A CloudNativePG/Barman retention policy: a positive number followed by d, w or m (`30d`). */
export const retention: Check<string> = (v) =>
    /^[1-9][0-9]*[dwm]$/.test(v) ? undefined : "expected a number of days, weeks or months like 30d, 4w or 1m";

/** An RFC 3339 timestamp such as 2026-11-24T06:00:00Z (PITR targets). */
export const rfc3339: Check<string> = (v) =>
    /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/.test(v) && !isNaN(Date.parse(v))
        ? undefined
        : "expected an RFC 3339 timestamp like 2026-11-24T06:00:00Z";

/**
 * An RFC 3339 time (already validated) that is not later than `now`: a recovery target in the future never
 * completes (PostgreSQL replays every archived WAL and waits). `now` is the real clock at validation time only;
 * it is never rendered, so plans stay reproducible.
 */
export function notAfter(now: Date): Check<string> {
    return (v) =>
        Date.parse(v) > now.getTime()
            ? `expected a time in the past (it is now ${now.toISOString().replace(/\.\d{3}Z$/, "Z")}): a recovery target in the future is never reached`
            : undefined;
}

/** An AWS ARN of the given service (e.g. "kms", "iam"). */
export function arnOf(service: string): Check<string> {
    return (v) =>
        new RegExp(`^arn:aws[a-z-]*:${service}:[a-z0-9-]*:[0-9]{0,12}:.+$`).test(v)
            ? undefined
            : `expected an ARN like arn:aws:${service}:<region>:<account>:<resource>`;
}

/** A fully qualified Pulumi stack name `<org>/<project>/<stack>`. */
export const stackName: Check<string> = (v) =>
    /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(v)
        ? undefined
        : "expected a fully qualified stack name <organization>/<project>/<stack>, e.g. acme/geo-data/us-east";

/** The fields CloudNativePG requires in a demotion/promotion token (pkg/utils/parser.go, IsValid). */
export const PROMOTION_TOKEN_FIELDS = [
    "latestCheckpointTimelineID",
    "redoWalFile",
    "databaseSystemIdentifier",
    "latestCheckpointREDOLocation",
    "timeOfLatestCheckpoint",
    "operatorVersion",
] as const;

/**
 * A CloudNativePG promotion token: base64 of a JSON object with every PROMOTION_TOKEN_FIELDS entry a
 * non-empty string — the checks the operator's webhook runs, done before anything is deployed.
 */
export const cnpgPromotionToken: Check<string> = (v) => {
    const copy = "expected the base64 `.status.demotionToken` of the other region's Cluster, copied whole";
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(v) || v.length % 4 !== 0) return `not base64; ${copy}`;
    let parsed: unknown;
    try {
        parsed = JSON.parse(Buffer.from(v, "base64").toString("utf8"));
    } catch {
        return `not base64-encoded JSON; ${copy}`;
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return `not a JSON object; ${copy}`;
    const missing = PROMOTION_TOKEN_FIELDS.filter((f) => {
        const x = (parsed as Record<string, unknown>)[f];
        return typeof x !== "string" || x === "";
    });
    return missing.length ? `missing ${missing.join(", ")}; ${copy}` : undefined;
};

/** Encodes a promotion token the way CloudNativePG writes `.status.demotionToken` (rehearsals and tests). */
export function encodePromotionToken(fields: Record<(typeof PROMOTION_TOKEN_FIELDS)[number], string>): string {
    return Buffer.from(JSON.stringify(fields)).toString("base64");
}

/**
 * The checks a component's `validateXArgs` throws with: `check(prop, value, problem)` fails when a
 * validator returned a problem (and passes the value through), `fail(prop, value, problem)` always does.
 * The message names `<Component>.<prop>`, the value and what is allowed.
 */
export function argChecks(component: string): {
    check: <T>(prop: string, value: T, problem: string | undefined) => T;
    fail: (prop: string, value: unknown, problem: string) => never;
} {
    const fail = (prop: string, value: unknown, problem: string): never => {
        throw new ConfigError(`${component}.${prop}`, `${JSON.stringify(value)} is not allowed; ${problem}`);
    };
    return {
        check: (prop, value, problem) => {
            if (problem !== undefined) fail(prop, value, problem);
            return value;
        },
        fail,
    };
}

/**
 * The AWS region an EKS cluster's IAM OIDC provider belongs to (`oidc.eks.<region>.amazonaws.com/id/<ID>`),
 * or undefined for an issuer that is not an EKS one.
 */
export function oidcProviderRegion(oidcProviderArn: string): string | undefined {
    const m = /:oidc-provider\/oidc\.eks\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\//.exec(oidcProviderArn);
    return m ? m[1] : undefined;
}

/**
 * An EKS OIDC provider must be the one of this region's cluster: the pods' web identity tokens are issued by
 * their own cluster, so a role trusting another region's provider can never be assumed (backups fail).
 */
export function oidcProviderInRegion(region: string): Check<string> {
    return (arn) => {
        const named = oidcProviderRegion(arn);
        return named === undefined || named === region
            ? undefined
            : `it names the EKS OIDC provider of ${named}, but this stack deploys to ${region}: expected arn:aws:iam::<account>:oidc-provider/oidc.eks.${region}.amazonaws.com/id/<ID> (the provider of the ${region} cluster; an IRSA role trusting another cluster's issuer can never be assumed)`;
    };
}
