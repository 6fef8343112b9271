/**
 * The config reader every service module uses: the key declaration type, a Reader that applies the declared
 * defaults, checks values and remembers which keys were read, and the rejection of unknown (misspelt) keys
 * with a "did you mean". Pure: no Pulumi runtime access.
 */
import { Check, ConfigError, ensure, show } from "../components/shared/validate";

/** The Pulumi project name; also the config namespace. */
export const PROJECT = "geo-data";

/** One declared config key. */
export interface KeySpec {
    /** Pulumi.yaml type. */
    readonly type: "string" | "integer" | "boolean";
    /** One sentence for Pulumi.yaml and the docs. */
    readonly description: string;
    /** The default; absent for required keys. An empty string means "unset" for optional strings. */
    readonly default?: string | number | boolean;
    /** Set with `pulumi config set --secret`; read as a secret Output. */
    readonly secret?: boolean;
}

/** Raw config as Pulumi hands it to the program: `geo-data:<key>` → string. */
export type RawConfig = Readonly<Record<string, string>>;

/**
 * Reads keys of `schema` from raw config, applying the declared defaults, and remembers which keys it read.
 * A service module's parser takes a `Reader<its keys>`; the full reader is assignable to each.
 */
export class Reader<K extends string = string> {
    private readonly read = new Set<string>();

    constructor(
        private readonly raw: RawConfig,
        private readonly schema: Readonly<Record<K, KeySpec>>,
    ) {}

    /** Throws when a declared key was never read: a key in the schema that the program ignores is a bug. */
    assertAllRead(): void {
        const unread = Object.keys(this.schema).filter((k) => !this.read.has(k));
        if (unread.length) throw new Error(`config/: declared but never read: ${unread.join(", ")}`);
    }

    private value(key: K): string | undefined {
        this.read.add(key);
        const v = this.raw[`${PROJECT}:${key}`];
        return v === undefined ? undefined : v;
    }

    private fail(key: string, value: unknown, problem: string): never {
        throw new ConfigError(`${PROJECT}:${key}`, `${show(value)} is not allowed; ${problem}`);
    }

    /** A required or defaulted string; "" counts as unset for keys whose default is "". */
    str(key: K, ...checks: Check<string>[]): string {
        const spec: KeySpec = this.schema[key];
        const v = this.value(key) ?? (spec.default as string | undefined);
        if (v === undefined) {
            throw new ConfigError(`${PROJECT}:${key}`, `is required; set it with \`pulumi config set ${key} <value>\``);
        }
        if (v === "" && spec.default === "") return v;
        return ensure(`${PROJECT}:${key}`, v, ...checks);
    }

    int(key: K, ...checks: Check<number>[]): number {
        const spec: KeySpec = this.schema[key];
        const v = this.value(key);
        const n = v === undefined ? (spec.default as number) : /^-?[0-9]+$/.test(v.trim()) ? Number(v) : NaN;
        if (Number.isNaN(n)) this.fail(key, v, "expected an integer");
        return ensure(`${PROJECT}:${key}`, n, ...checks);
    }

    bool(key: K): boolean {
        const spec: KeySpec = this.schema[key];
        const v = this.value(key);
        if (v === undefined) return spec.default as boolean;
        if (v === "true" || v === "false") return v === "true";
        return this.fail(key, v, "expected true or false");
    }
}

/** Edit distance, for "did you mean" hints on misspelt keys. */
export function distance(a: string, b: string): number {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0][j] = j;
    for (let i = 1; i <= a.length; i++) {
        for (let j = 1; j <= b.length; j++) {
            d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        }
    }
    return d[a.length][b.length];
}

/** Rejects `geo-data:*` keys that `schema` does not declare (typos would otherwise be ignored). */
export function rejectUnknownKeys(raw: RawConfig, schema: Readonly<Record<string, KeySpec>>): void {
    const known = Object.keys(schema);
    for (const full of Object.keys(raw)) {
        if (!full.startsWith(`${PROJECT}:`)) continue;
        const key = full.slice(PROJECT.length + 1);
        if (known.includes(key)) continue;
        const best = known
            .map((k) => [k, distance(k.toLowerCase(), key.toLowerCase())] as const)
            .sort((x, y) => x[1] - y[1])[0];
        const hint = best && best[1] <= 3 ? `did you mean ${PROJECT}:${best[0]}?` : `known keys: ${known.join(", ")}`;
        throw new ConfigError(full, `is not a known key; ${hint}`);
    }
}
