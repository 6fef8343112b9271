/**
 * The measured results of a restore drill: out/drills/restore-<stack>.json and .md, and the table printed at
 * the end. The RTO figure is an estimate: the local rates scaled linearly to the rendered storage size.
 */
import * as fs from "fs";
import * as path from "path";
import { StackDrillResult } from "./drill";

const UNITS: Record<string, number> = {
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    K: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
};

/** `100Gi` → bytes (Kubernetes quantity, binary or decimal suffix). */
export function quantityBytes(q: string): number {
    const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|K|M|G|T)?$/.exec(q);
    if (!m) throw new Error(`storage size "${q}" is not a Kubernetes quantity`);
    return Number(m[1]) * (m[2] ? UNITS[m[2]] : 1);
}

/** Share of the volume assumed to be WAL written since the last daily backup (for the estimate). */
export const WAL_SHARE = 0.1;

export interface Summary {
    readonly stack: string;
    readonly measuredAt: string;
    readonly barman: string;
    readonly backupSeconds: number;
    readonly restoreSeconds: number;
    readonly baseRestoreMBps: number;
    readonly walReplayMBps: number;
    readonly rowsVerified: number;
    readonly restores: number;
    readonly rtoEstimateMinutes: number;
    readonly rtoEstimateBasis: string;
}

export function summarize(r: StackDrillResult, measuredAt: string): Summary {
    const mb = 1048576;
    const base = r.restores.reduce((s, x) => s + x.baseSeconds, 0) / r.restores.length;
    const replay = r.restores.reduce((s, x) => s + x.replaySeconds, 0) / r.restores.length;
    const baseRate = r.dataBytes / mb / base;
    const replayRate = r.restores[0].walReplayedBytes / mb / replay;
    const volume = quantityBytes(r.storageSize) / mb;
    const rto = (volume / baseRate + (volume * WAL_SHARE) / replayRate) / 60;
    return {
        stack: r.stack,
        measuredAt,
        barman: r.barman,
        backupSeconds: round(Math.max(...r.backupSeconds)),
        restoreSeconds: round(base + replay),
        baseRestoreMBps: round(baseRate),
        walReplayMBps: round(replayRate),
        rowsVerified: r.restores.reduce((s, x) => s + x.rows, 0),
        restores: r.restores.length,
        rtoEstimateMinutes: Math.round(rto),
        rtoEstimateBasis:
            `estimate: ${r.storageSize} at the measured base-restore rate plus WAL of ${WAL_SHARE * 100} % of it at the ` +
            `measured replay rate; local disk and loopback S3, small database (process start-up dominates)`,
    };
}

const round = (n: number) => Math.round(n * 10) / 10;

export function markdownTable(rows: readonly Summary[]): string {
    const head =
        "| stack | backup s | restore s (base + replay) | base restore MB/s | WAL replay MB/s | rows verified | RTO estimate |\n" +
        "|---|---|---|---|---|---|---|\n";
    return (
        head +
        rows
            .map(
                (s) =>
                    `| ${s.stack} | ${s.backupSeconds} | ${s.restoreSeconds} | ${s.baseRestoreMBps} | ${s.walReplayMBps} | ` +
                    `${s.rowsVerified} (${s.restores} restores) | ~${s.rtoEstimateMinutes} min (estimate) |`,
            )
            .join("\n") +
        "\n"
    );
}

/** Writes out/drills/restore-<stack>.json (details + summary) and .md (table, notes, mapping). */
export function writeReport(outDir: string, r: StackDrillResult, s: Summary): string[] {
    const dir = path.join(outDir, "drills");
    fs.mkdirSync(dir, { recursive: true });
    const json = path.join(dir, `restore-${r.stack}.json`);
    const md = path.join(dir, `restore-${r.stack}.md`);
    fs.writeFileSync(json, JSON.stringify({ summary: s, details: r }, null, 2) + "\n");
    const mapping = Object.entries(r.mapping)
        .map(([k, v]) => `- ${k}\n  - rendered: \`${v.rendered.join(" ")}\`\n  - here: \`${v.local.join(" ")}\``)
        .join("\n");
    fs.writeFileSync(
        md,
        `# Restore drill: ${r.stack} (${s.measuredAt})\n\n` +
            `Barman ${r.barman}; PostgreSQL ${r.postgres} here (the render runs ${r.renderedImage}).\n\n` +
            markdownTable([s]) +
            `\nRTO: ${s.rtoEstimateBasis}.\n\n## Not exercised as rendered\n\n` +
            r.notes.map((n) => `- ${n}`).join("\n") +
            (r.skippedParameters.length
                ? `\n- parameters unknown to PostgreSQL ${r.postgres}: ${r.skippedParameters.join(", ")}`
                : "") +
            `\n\n## barman-cloud mapping\n\n${mapping}\n`,
    );
    return [json, md];
}
