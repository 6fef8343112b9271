/**
 * `npm run plan -- --diff <ref>`: after the working tree's plan, renders `<ref>` (tools/diff/at-ref.ts),
 * compares the two renders stack by stack and writes `<out>/review.md` (the pull-request comment) and
 * `<out>/review.json`.
 */
import * as fs from "fs";
import * as path from "path";
import { redact } from "../harness";
import type { StackPlan } from "../plan";
import { renderAtRef } from "./at-ref";
import { Review, buildReview, reviewMarkdown } from "./review";
import { DiffResource } from "./resource-diff";

export function runDiff(
    ref: string,
    plans: StackPlan[],
    outDir: string,
    progress: (stack: string, phase: string, seconds: number) => void,
): Review {
    const t = Date.now();
    const at = renderAtRef(ref);
    progress(ref, "render at ref", (Date.now() - t) / 1000);
    const t2 = Date.now();
    const after: Record<string, DiffResource[]> = {};
    for (const p of plans) after[p.render.stack] = redact(p.render.resources);
    const before = Object.fromEntries(Object.entries(at.stacks).filter(([s]) => s in after));
    const cards = Object.fromEntries(plans.filter((p) => p.scorecard).map((p) => [p.render.stack, p.scorecard!]));
    const review = buildReview(ref, at.commit, before, after, cards);
    fs.mkdirSync(outDir, { recursive: true });
    fs.writeFileSync(path.join(outDir, "review.md"), reviewMarkdown(review));
    fs.writeFileSync(path.join(outDir, "review.json"), JSON.stringify(review, null, 2) + "\n");
    progress(ref, "diff", (Date.now() - t2) / 1000);
    return review;
}
