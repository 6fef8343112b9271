/** Validation and quoting shared by the redis.conf and sentinel.conf renderers (redis-conf.ts, sentinel-conf.ts). */
export const MEMORY = /^(0|[1-9][0-9]*)(b|k|kb|m|mb|g|gb)?$/i;
export const HOST_LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/;
export const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const PATH = /^\/[A-Za-z0-9._\/-]*$/;
export const BIND = /^-?[A-Za-z0-9.:*]+$/;
export const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function fail(option: string, value: unknown, expected: string): never {
    throw new Error(`Redis option ${option}: ${JSON.stringify(value)} is not allowed; expected ${expected}`);
}

export function checkInt(option: string, value: number, min: number, max: number = Number.MAX_SAFE_INTEGER): number {
    if (!Number.isInteger(value) || value < min || value > max) {
        fail(
            option,
            value,
            max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`,
        );
    }
    return value;
}

export function checkOneOf<T extends string>(option: string, value: T, allowed: readonly T[]): T {
    if (!allowed.includes(value)) fail(option, value, `one of: ${allowed.join(", ")}`);
    return value;
}

export function checkHost(option: string, value: string): string {
    if (value.length > 253 || !value.split(".").every((label) => HOST_LABEL.test(label))) {
        fail(option, value, "a DNS name or IPv4 address (letters, digits, '-' and '.'), at most 253 characters");
    }
    return value;
}

export function checkPath(option: string, value: string): string {
    if (!PATH.test(value)) fail(option, value, "an absolute path of letters, digits, '.', '_', '-' and '/'");
    return value;
}

export function checkFileName(option: string, value: string): string {
    if (!FILE_NAME.test(value)) fail(option, value, "a file name (no '/') of letters, digits, '.', '_' and '-'");
    return value;
}

export function checkMemory(option: string, value: string): string {
    if (!MEMORY.test(value)) {
        fail(
            option,
            value,
            "a Redis memory size such as 768mb, 1gb or 0 (units b, k, kb, m, mb, g, gb; Kubernetes quantities like 768Mi are not Redis units)",
        );
    }
    return value;
}

export function checkBind(option: string, value: readonly string[]): readonly string[] {
    if (value.length === 0 || !value.every((address) => BIND.test(address))) {
        fail(option, value, "a non-empty list of addresses such as 127.0.0.1, * or -::*");
    }
    return value;
}

/**
 * Quotes a secret for a Redis/Sentinel config line (double quotes; `\` and `"` escaped). Rejects empty
 * values (`requirepass ""` would disable authentication) and control characters.
 */
export function quoteSecret(option: string, value: string): string {
    if (value.length === 0) throw new Error(`Redis option ${option}: an empty password is not allowed`);
    if (/[\u0000-\u001f\u007f]/.test(value)) {
        throw new Error(`Redis option ${option}: the password must not contain control characters or newlines`);
    }
    return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

export function checkName(option: string, value: string): string {
    if (!NAME.test(value)) fail(option, value, "letters, digits, '.', '_' and '-', starting with a letter or digit");
    return value;
}

/** Single-quotes a value for POSIX sh. */
export function shQuote(value: string): string {
    return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function checkHostPort(option: string, value: string): string {
    const match = /^([^:]+):([0-9]+)$/.exec(value);
    if (!match) fail(option, value, "host:port, e.g. redis-0.redis-headless.geo-redis.svc.cluster.local:6379");
    checkHost(option, match[1]);
    checkInt(option, Number(match[2]), 1, 55535);
    return value;
}
