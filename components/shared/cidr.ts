/**
 * IPv4/IPv6 addresses and CIDR blocks: parsing, containment and overlap, for the config keys that list
 * CIDRs (`peerCidrs`, `loadBalancerSubnetCidrs`) and for evaluating NetworkPolicy `ipBlock`s. Pure.
 */
import type { Check } from "./validate";

/** A parsed CIDR block. */
export interface Cidr {
    readonly version: 4 | 6;
    /** The network address as an integer (host bits zero). */
    readonly network: bigint;
    readonly prefix: number;
    /** Canonical text, as given (validated). */
    readonly text: string;
}

const bitsOf = (version: 4 | 6) => (version === 4 ? 32 : 128);

/** An IPv4 dotted quad as an integer: four decimal octets 0-255 without leading zeros. */
function parseIpv4(s: string): bigint | undefined {
    const parts = s.split(".");
    if (parts.length !== 4) return undefined;
    let n = 0n;
    for (const p of parts) {
        if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255) return undefined;
        n = (n << 8n) | BigInt(p);
    }
    return n;
}

/** An IPv6 address (hex groups, one `::`, optionally a trailing dotted IPv4) as an integer. */
function parseIpv6(s: string): bigint | undefined {
    if (!/^[0-9a-fA-F:.]+$/.test(s) || s.split("::").length > 2) return undefined;
    const [head, tail] = s.includes("::") ? s.split("::") : [s, undefined];
    const groups = (part: string): number[] | undefined => {
        if (part === "") return [];
        const out: number[] = [];
        const items = part.split(":");
        for (let i = 0; i < items.length; i++) {
            const g = items[i];
            if (i === items.length - 1 && g.includes(".")) {
                const v4 = parseIpv4(g);
                if (v4 === undefined) return undefined;
                out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
            } else if (/^[0-9a-fA-F]{1,4}$/.test(g)) out.push(parseInt(g, 16));
            else return undefined;
        }
        return out;
    };
    const h = groups(head);
    const t = tail === undefined ? [] : groups(tail);
    if (!h || !t) return undefined;
    const missing = 8 - h.length - t.length;
    if (tail === undefined ? missing !== 0 : missing < 1) return undefined;
    return [...h, ...Array<number>(tail === undefined ? 0 : missing).fill(0), ...t].reduce(
        (n, g) => (n << 16n) | BigInt(g),
        0n,
    );
}

/** An IP address: version and integer value, or undefined when malformed. */
export function parseIp(s: string): { version: 4 | 6; value: bigint } | undefined {
    const v4 = parseIpv4(s);
    if (v4 !== undefined) return { version: 4, value: v4 };
    const v6 = s.includes(":") ? parseIpv6(s) : undefined;
    return v6 === undefined ? undefined : { version: 6, value: v6 };
}

/**
 * Why `s` is not a CIDR block such as 10.20.0.0/16 or fd00:20::/48, or undefined when it is one. Host bits
 * must be zero (10.20.1.0/16 is a typo for 10.20.0.0/16 or 10.20.1.0/24, not a block).
 */
export function cidrProblem(s: string): string | undefined {
    const m = /^([^/]+)\/([0-9]{1,3})$/.exec(s);
    const ip = m ? parseIp(m[1]) : undefined;
    if (!m || !ip) return "expected a CIDR block <address>/<prefix length>, e.g. 10.20.0.0/16 or fd00:20::/48";
    const prefix = Number(m[2]);
    const bits = bitsOf(ip.version);
    if (prefix > bits || (m[2].length > 1 && m[2].startsWith("0")))
        return `the prefix length must be 0 to ${bits} for an IPv${ip.version} block`;
    const hostMask = (1n << BigInt(bits - prefix)) - 1n;
    if ((ip.value & hostMask) !== 0n) {
        return `host bits are set; the block containing it is ${formatIp(ip.version, ip.value & ~hostMask)}/${prefix}`;
    }
    return undefined;
}

/** Parses a CIDR block; throws on a malformed one (validate with cidrProblem first). */
export function parseCidr(s: string): Cidr {
    const problem = cidrProblem(s);
    if (problem) throw new Error(`not a CIDR block: ${s} (${problem})`);
    const [addr, len] = s.split("/");
    const ip = parseIp(addr)!;
    return { version: ip.version, network: ip.value, prefix: Number(len), text: s };
}

/** Formats an address integer (IPv6 without `::` compression). */
export function formatIp(version: 4 | 6, value: bigint): string {
    if (version === 4) return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join(".");
    return Array.from({ length: 8 }, (_, i) => ((value >> BigInt(112 - 16 * i)) & 0xffffn).toString(16)).join(":");
}

/** True when the address `ip` lies in `cidr` (false across IP versions or for a malformed address). */
export function cidrContains(cidr: Cidr | string, ip: string): boolean {
    const c = typeof cidr === "string" ? parseCidr(cidr) : cidr;
    const a = parseIp(ip);
    if (!a || a.version !== c.version) return false;
    const shift = BigInt(bitsOf(c.version) - c.prefix);
    return a.value >> shift === c.network >> shift;
}

/** True when two blocks share any address (one contains the other). */
export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
    if (a.version !== b.version) return false;
    const shift = BigInt(bitsOf(a.version) - Math.min(a.prefix, b.prefix));
    return a.network >> shift === b.network >> shift;
}

/**
 * Splits a config value holding CIDR blocks: comma- or whitespace-separated (`10.20.0.0/16, 10.21.0.0/16`),
 * or a YAML/JSON list (`["10.20.0.0/16"]`, what Pulumi hands the program for a list in the stack file).
 */
export function splitCidrList(v: string): string[] {
    const t = v.trim();
    if (t.startsWith("[")) {
        try {
            const parsed = JSON.parse(t);
            if (Array.isArray(parsed)) return parsed.map((x) => String(x).trim()).filter((x) => x !== "");
        } catch {
            // fall through: reported as a malformed entry below
        }
    }
    return t.split(/[\s,]+/).filter((x) => x !== "");
}

/**
 * A list of CIDR blocks (see splitCidrList) in which every entry is well-formed and no two overlap;
 * `minEntries` entries at least.
 */
export function cidrList(minEntries = 0): Check<string> {
    return (v) => {
        const items = splitCidrList(v);
        if (items.length < minEntries)
            return `expected at least ${minEntries} CIDR block(s), comma-separated, e.g. 10.20.0.0/16`;
        const parsed: Cidr[] = [];
        for (const item of items) {
            const problem = cidrProblem(item);
            if (problem) return `${JSON.stringify(item)}: ${problem}`;
            const c = parseCidr(item);
            const clash = parsed.find((p) => cidrsOverlap(p, c));
            if (clash)
                return `${JSON.stringify(item)} overlaps ${JSON.stringify(clash.text)}; list each address range once`;
            parsed.push(c);
        }
        return undefined;
    };
}
