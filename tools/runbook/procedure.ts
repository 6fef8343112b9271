/** A runbook as data (numbered steps of shell commands and notes), its two printed forms and shell quoting. */

/** One numbered step of a procedure: what it does, the commands, what to look for. */
export interface Step {
    readonly title: string;
    /** Copy-pasteable shell commands, in order. */
    readonly commands: readonly string[];
    /** What to check in the output, or why. */
    readonly notes?: readonly string[];
}

/** A printed runbook. */
export interface Procedure {
    readonly title: string;
    /** Lines printed before the steps (how to run them, the data-loss bound, missing kube contexts). */
    readonly preamble: readonly string[];
    readonly steps: readonly Step[];
}

/** Quotes a shell word when it needs it. */
export function sh(word: string): string {
    return /^[A-Za-z0-9_.:/@%+=,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A psql -c argument: double-quoted when the SQL has single quotes (and nothing the shell expands). */
export function sqlArg(sql: string): string {
    return sql.includes("'") && !/["$`\\]/.test(sql) ? `"${sql}"` : sh(sql);
}

/** The steps as the README's Markdown runbook: a numbered list, each step's commands in an sh block, then its notes. */
export function procedureMarkdown(p: Procedure): string {
    const lines: string[] = [];
    p.steps.forEach((s, i) => {
        const head = `${i + 1}. `;
        const pad = " ".repeat(head.length);
        lines.push(`${head}${s.title}:`, `${pad}\`\`\`sh`, ...s.commands.map((c) => `${pad}${c}`), `${pad}\`\`\``);
        for (const n of s.notes ?? []) lines.push(`${pad}${n}`);
    });
    return lines.join("\n") + "\n";
}

/** Prints a procedure as numbered steps with indented commands. */
export function formatProcedure(p: Procedure): string[] {
    const lines = [p.title, ...p.preamble, ""];
    p.steps.forEach((s, i) => {
        lines.push(`${i + 1}. ${s.title}`);
        for (const c of s.commands) lines.push(`     ${c}`);
        for (const n of s.notes ?? []) lines.push(`   → ${n}`);
        lines.push("");
    });
    return lines;
}
