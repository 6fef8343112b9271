/**
 * Go (RE2) regular expressions, as CRD `pattern`s use them, translated to JavaScript for ajv's
 * `code.regExp`, with a record of what had to be rewritten or could not be.
 */

/** What happened to each distinct `pattern` of the CRD kinds looked up so far in this process. */
export interface PatternStats {
    /** Go (RE2) patterns that needed rewriting, with the JavaScript RegExp used instead. */
    translated: { go: string; js: string }[];
    /** Patterns that could not be expressed as a JavaScript RegExp; they accept every string. */
    untranslated: string[];
}

const translatedPatterns = new Map<string, string>();
const untranslatedPatterns = new Set<string>();

/** Snapshot of the Go-pattern translations. */
export function patternStats(): PatternStats {
    return {
        translated: [...translatedPatterns].map(([go, js]) => ({ go, js })),
        untranslated: [...untranslatedPatterns],
    };
}

const POSIX_CLASSES: Record<string, string> = {
    alnum: "0-9A-Za-z",
    alpha: "A-Za-z",
    ascii: "\\x00-\\x7F",
    blank: "\\t ",
    cntrl: "\\x00-\\x1F\\x7F",
    digit: "0-9",
    graph: "!-~",
    lower: "a-z",
    print: " -~",
    punct: "!-\\/:-@\\[-`{-~",
    space: "\\t\\n\\v\\f\\r ",
    upper: "A-Z",
    word: "0-9A-Za-z_",
    xdigit: "0-9A-Fa-f",
};
/** Characters that must stay escaped in a JavaScript `u`-mode RegExp. */
const JS_SYNTAX = new Set("^$\\.*+?()[]{}|/");

/**
 * Rewrites a Go (RE2) pattern as JavaScript RegExp source and flags: leading `(?flags)` groups become
 * RegExp flags, `\A`/`\z` become look-arounds, `(?P<n>` becomes `(?<n>`, `\Q…\E` is quoted, POSIX
 * classes and `\pL` are expanded, `\x{…}` becomes `\u{…}`, and escaped punctuation that JavaScript's
 * `u` mode rejects (e.g. `\_`) loses its backslash. Returns undefined for what has no equivalent
 * (flags in the middle of a pattern, `(?U)`).
 */
export function translateGoRegExp(pattern: string): { source: string; flags: string } | undefined {
    let rest = pattern;
    let out = "";
    const flags = new Set<string>();
    for (;;) {
        const lead = /^(\^?)\(\?([a-zA-Z]+)\)/.exec(rest);
        if (!lead) break;
        for (const f of lead[2]) {
            if (!"ims".includes(f)) return undefined;
            flags.add(f);
        }
        out += lead[1];
        rest = rest.slice(lead[0].length);
    }
    let inClass = false;
    for (let i = 0; i < rest.length; i++) {
        const c = rest[i];
        if (c === "\\") {
            const n = rest[++i] ?? "";
            if (n === "Q") {
                const end = rest.indexOf("\\E", i + 1);
                const literal = rest.slice(i + 1, end < 0 ? undefined : end);
                out += literal.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&");
                i = end < 0 ? rest.length : end + 1;
            } else if (n === "A" && !inClass) out += "(?<![\\s\\S])";
            else if (n === "z" && !inClass) out += "(?![\\s\\S])";
            else if (n === "a") out += "\\x07";
            else if ((n === "p" || n === "P") && rest[i + 1] !== "{") out += `\\${n}{${rest[++i] ?? ""}}`;
            else if (n === "x" && rest[i + 1] === "{") {
                const end = rest.indexOf("}", i);
                if (end < 0) return undefined;
                out += `\\u${rest.slice(i + 1, end + 1)}`;
                i = end;
            } else if (/[A-Za-z0-9]/.test(n) || JS_SYNTAX.has(n) || (n === "-" && inClass)) out += `\\${n}`;
            else out += n;
        } else if (!inClass && c === "(" && rest[i + 1] === "?") {
            if (rest[i + 2] === "P" && rest[i + 3] === "<") {
                out += "(?<";
                i += 3;
            } else if (rest[i + 2] === ":") {
                out += "(?:";
                i += 2;
            } else return undefined;
        } else if (inClass && c === "[" && rest[i + 1] === ":") {
            const m = /^\[:(\^?)([a-z]+):\]/.exec(rest.slice(i));
            if (!m || !POSIX_CLASSES[m[2]] || m[1]) return undefined;
            out += POSIX_CLASSES[m[2]];
            i += m[0].length - 1;
        } else {
            if (c === "[" && !inClass) {
                inClass = true;
                out += c;
                if (rest[i + 1] === "^") out += rest[++i];
                if (rest[i + 1] === "]") out += `\\${rest[++i]}`;
                continue;
            }
            if (c === "]" && inClass) inClass = false;
            out += c;
        }
    }
    return { source: out, flags: [...flags].join("") };
}

/** A pattern matcher that accepts everything, for patterns JavaScript cannot express. */
class LenientPattern {
    constructor(private readonly pattern: string) {}
    test(): boolean {
        return true;
    }
    toString(): string {
        return `untranslated:${this.pattern}`;
    }
}

const regExps = new Map<string, RegExp | LenientPattern>();

/** ajv `code.regExp` engine: Go patterns, translated once and cached. */
export const goRegExp = Object.assign(
    (pattern: string): RegExp | LenientPattern => {
        const cached = regExps.get(pattern);
        if (cached) return cached;
        const rx = goToJsRegExp(pattern);
        regExps.set(pattern, rx);
        return rx;
    },
    { code: "goRegExp" },
);

/** Translates one Go pattern, recording in {@link patternStats} whether it had to be rewritten or could not be. */
function goToJsRegExp(pattern: string): RegExp | LenientPattern {
    const t = translateGoRegExp(pattern);
    if (t) {
        for (const flags of [t.flags + "u", t.flags]) {
            try {
                const rx = new RegExp(t.source, flags);
                if (t.source !== pattern || t.flags) translatedPatterns.set(pattern, rx.toString());
                return rx;
            } catch {
                // try without the `u` flag, then give up
            }
        }
    }
    untranslatedPatterns.add(pattern);
    return new LenientPattern(pattern);
}
