/**
 * What a pull-request reviewer sees: the scorecard changes and the per-resource manifest diff between a
 * git ref's render and the working tree's, as text, Markdown (the PR comment) and JSON.
 */
import { Res, ScoreChange, Scorecard, compareScorecards, scorecard } from "../ha/scorecard";
import { DiffResource, StackDiff, diffLines, diffResources } from "./resource-diff";

export interface Review {
    ref: string;
    commit: string;
    scoreChanges: ScoreChange[];
    diffs: StackDiff[];
}

/** Scorecards of every stack of a render, each scored with the other stack as its peer. */
export function scorecards(stacks: Record<string, Res[]>): Record<string, Scorecard> {
    const names = Object.keys(stacks).sort();
    return Object.fromEntries(
        names.map((s) => {
            const peer = names.find((o) => o !== s);
            return [s, scorecard(s, stacks[s], { peer: peer ? stacks[peer] : undefined })];
        }),
    );
}

/** Compares a ref's render with the working tree's, stack by stack (both scored by today's rules). */
export function buildReview(
    ref: string,
    commit: string,
    before: Record<string, DiffResource[]>,
    after: Record<string, DiffResource[]>,
    afterCards: Record<string, Scorecard>,
): Review {
    const beforeCards = scorecards(before);
    const stacks = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return {
        ref,
        commit,
        scoreChanges: stacks.flatMap((s) =>
            before[s] || after[s] ? compareScorecards(beforeCards[s], afterCards[s] ?? scorecards(after)[s]) : [],
        ),
        diffs: stacks.map((s) => diffResources(s, before[s] ?? [], after[s] ?? [])),
    };
}

function count(d: StackDiff): string {
    return `${d.added.length} added, ${d.removed.length} removed, ${d.changed.length} changed`;
}

/** Text for the terminal. */
export function reviewLines(r: Review): string[] {
    const lines = [`diff against ${r.ref} (${r.commit.slice(0, 12)})`];
    lines.push(r.scoreChanges.length ? "  HA scorecard changes:" : "  HA scorecard: unchanged");
    for (const c of r.scoreChanges)
        lines.push(`    ${c.stack} ${c.service} [${c.domain}]: ${c.before ?? "(none)"} → ${c.after ?? "(none)"}`);
    for (const d of r.diffs) {
        lines.push(`  ${d.stack}: ${count(d)}`);
        for (const l of diffLines(d)) lines.push(`    ${l}`);
    }
    return lines;
}

/** Markdown for the pull-request comment. */
export function reviewMarkdown(r: Review): string {
    const out = [`## Data tier review: against \`${r.ref}\` (${r.commit.slice(0, 12)})`, ""];
    out.push("### HA scorecard changes", "");
    if (!r.scoreChanges.length) out.push("No guarantee changed.", "");
    else {
        out.push("| stack | service | domain | before | after |", "|---|---|---|---|---|");
        for (const c of r.scoreChanges)
            out.push(
                `| ${c.stack} | ${c.service} | ${c.domain} | ${c.before ?? "—"} | ${c.after ?? "—"} |`.replace(
                    /\n/g,
                    " ",
                ),
            );
        out.push("");
    }
    out.push("### Rendered manifests (secrets redacted)", "");
    for (const d of r.diffs) {
        out.push(
            `<details${d.added.length + d.removed.length + d.changed.length ? " open" : ""}><summary>${d.stack}: ${count(d)}</summary>`,
            "",
        );
        const lines = diffLines(d);
        if (lines.length) out.push("```diff", ...lines, "```");
        out.push("", "</details>", "");
    }
    out.push("Scorecards of the working tree: `out/<stack>/ha.md`. How to read this: docs/review.md.");
    return out.join("\n") + "\n";
}
