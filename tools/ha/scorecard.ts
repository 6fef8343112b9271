/**
 * The HA scorecard: for each service of a stack, which failure domains it survives and the RPO/RTO that
 * follow from the rendered configuration, and why. Computed from rendered resources only (resources.json
 * entries or plan's in-memory records), never from config constants, so it can score any render — the
 * working tree's or a git ref's (`npm run plan -- --diff <ref>`).
 */
import { DOMAINS, Domain, Res, RuleContext, ScoreRow, Scorecard, Verdict } from "./model";
import { ZONES } from "./placement";
import { postgresRows } from "./postgres";
import { redisRows } from "./redis";
import { minioRows } from "./minio";
import { kafkaRows } from "./kafka";
import { attachMeasured, DrillResult } from "./drills";

export * from "./model";

/** Computes a stack's scorecard from its resources (and the other stack's, when rendered). */
export function scorecard(
    stack: string,
    resources: Res[],
    opts: { peer?: Res[]; zones?: number; drills?: { file?: string; results: DrillResult[] } } = {},
): Scorecard {
    const ctx: RuleContext = { stack, resources, peer: opts.peer, zones: opts.zones ?? ZONES };
    const rows = [...postgresRows(ctx), ...redisRows(ctx), ...minioRows(ctx), ...kafkaRows(ctx)];
    if (opts.drills) attachMeasured(rows, opts.drills.results);
    return { stack, zones: ctx.zones, rows, ...(opts.drills?.file ? { drills: opts.drills.file } : {}) };
}

const MARK: Record<Verdict, string> = {
    yes: "✅ yes",
    partial: "⚠️ partial",
    manual: "🛠 manual",
    no: "❌ no",
    unknown: "? unknown",
};

/** One table cell: verdict, RPO, RTO. */
function cell(row: ScoreRow, d: Domain): string {
    const s = row.domains[d];
    return `${MARK[s.verdict]}<br>RPO ${s.rpo}<br>RTO ${s.rto}`;
}

const esc = (s: string) => s.replace(/\|/g, "\\|");

/** The scorecard as Markdown: the table, then the reasons per row and domain. */
export function toMarkdown(card: Scorecard): string {
    const measured = card.rows.some((r) => r.measured?.length);
    const head = ["service", ...DOMAINS, ...(measured ? ["measured (drills)"] : [])];
    const lines = [
        `# HA scorecard: ${card.stack}`,
        "",
        `Computed by \`npm run plan\` from the rendered resources (worst case the scheduling constraints allow, ${card.zones} zones). ` +
            "Columns: losing one pod, one node, one zone, this stack's whole region. See docs/review.md.",
        "",
        `| ${head.join(" | ")} |`,
        `|${head.map(() => "---").join("|")}|`,
    ];
    for (const r of card.rows) {
        const cols = [`**${r.service}**<br>\`${r.resource}\``, ...DOMAINS.map((d) => cell(r, d))];
        if (measured)
            cols.push(
                (r.measured ?? [])
                    .map((m) => `${m.scenario}: RPO ${m.rpo ?? "—"}, RTO ${m.rto ?? "—"}${m.ok === false ? " ❌" : ""}`)
                    .join("<br>") || "—",
            );
        lines.push(`| ${cols.map(esc).join(" | ")} |`);
    }
    lines.push("", "## Why", "");
    for (const r of card.rows) {
        const facts = Object.entries(r.facts)
            .map(([k, v]) => `${k} ${v}`)
            .join(", ");
        lines.push(`- **${r.service}** (${facts})`);
        for (const d of DOMAINS) lines.push(`  - ${d}: ${r.domains[d].why}`);
    }
    if (card.drills) lines.push("", `Measured figures from \`${card.drills}\`.`);
    return lines.join("\n") + "\n";
}

/** A compact text table for the terminal: one line per service, a verdict per domain. */
export function toText(card: Scorecard): string[] {
    const short: Record<Verdict, string> = { yes: "yes", partial: "partial", manual: "manual", no: "NO", unknown: "?" };
    const width = Math.max(7, ...card.rows.map((r) => r.service.length));
    const lines = [`  ${"service".padEnd(width)}  ${DOMAINS.map((d) => d.padEnd(8)).join("")}zone RPO / RTO`];
    for (const r of card.rows) {
        const z = r.domains.zone;
        lines.push(
            `  ${r.service.padEnd(width)}  ${DOMAINS.map((d) => short[r.domains[d].verdict].padEnd(8)).join("")}${z.rpo} / ${z.rto}`,
        );
    }
    return lines;
}

/** One changed cell between two scorecards. */
export interface ScoreChange {
    stack: string;
    service: string;
    domain: Domain | "row";
    before?: string;
    after?: string;
}

function summary(row: ScoreRow, d: Domain): string {
    const s = row.domains[d];
    return `${s.verdict}; RPO ${s.rpo}; RTO ${s.rto}`;
}

/** The cells that differ between `before` and `after` (rows matched by key); reasons alone are not a change. */
export function compareScorecards(before: Scorecard | undefined, after: Scorecard | undefined): ScoreChange[] {
    const stack = (after ?? before)!.stack;
    const b = new Map((before?.rows ?? []).map((r) => [r.key, r]));
    const a = new Map((after?.rows ?? []).map((r) => [r.key, r]));
    const out: ScoreChange[] = [];
    for (const key of new Set([...b.keys(), ...a.keys()])) {
        const x = b.get(key);
        const y = a.get(key);
        if (!x || !y) {
            out.push({
                stack,
                service: (x ?? y)!.service,
                domain: "row",
                before: x ? "present" : undefined,
                after: y ? "present" : undefined,
            });
            continue;
        }
        for (const d of DOMAINS) {
            const [s0, s1] = [summary(x, d), summary(y, d)];
            if (s0 !== s1) out.push({ stack, service: y.service, domain: d, before: s0, after: s1 });
        }
    }
    return out;
}
