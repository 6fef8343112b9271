/**
 * Writes the entries `tools/preview/replay` replays: one stack's Kubernetes resources as the plan machinery
 * renders them (config validation included), made appliable as `npm run apply-check` applies them (redacted
 * Secret values become placeholders, keys kept), in apply order. The render goes to `out/preview/render/`.
 *   node -r ts-node/register/transpile-only tools/preview/replay-entries.ts <stack> <out.json>
 */
import * as fs from "fs";
import * as path from "path";
import { ROOT, RecordedOptions, RecordedResource } from "../harness";
import { entriesOf, inApplyOrder } from "../apply-check/apply";
import { plan } from "../plan";

/** One replayed resource: the program's type token and logical name, the object, its options. */
export interface ReplayEntry {
    type: string;
    name: string;
    obj: Record<string, any>;
    options: RecordedOptions;
}

/** The replayable entries of a recorded render; `skipped` are the resources that render nothing offline. */
export function replayEntries(resources: RecordedResource[]): { entries: ReplayEntry[]; skipped: string[] } {
    const types = new Map(resources.map((r) => [r.name, r.type]));
    const { entries, skipped } = entriesOf(resources);
    return {
        entries: inApplyOrder(entries).map((e) => ({
            type: types.get(e.resource)!,
            name: e.resource,
            obj: e.obj,
            options: e.options,
        })),
        skipped: skipped.map((s) => `${s.type} ${s.resource}`),
    };
}

async function main(stack: string, output: string): Promise<void> {
    // Every stack is rendered (a secondary reads its primary's outputs); resources.json is written redacted,
    // so the entries come from the in-memory render, where Secret keys are still known.
    const plans = await plan({ stacks: [], overrides: {}, out: path.join(ROOT, "out", "preview", "render") });
    const p = plans.find((x) => x.render.stack === stack);
    if (!p) throw new Error(`unknown stack "${stack}"`);
    const { entries, skipped } = replayEntries(p.render.resources);
    fs.writeFileSync(output, JSON.stringify(entries, null, 2));
    console.error(
        `replay: ${entries.length} Kubernetes resources; not replayed (render nothing offline): ${skipped.join(", ")}`,
    );
}

if (require.main === module) {
    const [stack, output] = process.argv.slice(2);
    main(stack, output).catch((e) => {
        console.error(e instanceof Error ? e.message : e);
        process.exit(1);
    });
}
