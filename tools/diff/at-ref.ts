/**
 * Renders the stacks as they are at a git ref: a temporary `git worktree add --detach` of the ref that
 * shares this checkout's node_modules (a symlink), where that ref's own `npm run plan` writes into a
 * temporary directory; then the worktree is removed. Returns each stack's resources.json entries.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFileSync, spawnSync } from "child_process";
import { ROOT } from "../harness";
import { DiffResource } from "./resource-diff";

export interface RefRender {
    ref: string;
    /** The commit the ref resolved to. */
    commit: string;
    /** Stack → resources, for each stack the ref's plan wrote. */
    stacks: Record<string, DiffResource[]>;
    /** The ref's plan exit status (1 also for policy violations; its resources are still written). */
    status: number;
}

/** The CRD directory to hand the ref's plan (it runs outside this checkout, so `../shared` is elsewhere). */
function crdDir(): string | undefined {
    if (process.env.GEO_CRD_DIR) return path.resolve(process.env.GEO_CRD_DIR);
    for (const d of [path.join(ROOT, "..", "shared", "crds"), path.join(ROOT, ".crds")]) if (fs.existsSync(d)) return d;
    return undefined;
}

export function renderAtRef(ref: string, log: (line: string) => void = () => {}): RefRender {
    const git = (...args: string[]) =>
        execFileSync("git", args, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
    let commit: string;
    try {
        commit = git("rev-parse", "--verify", "--quiet", `${ref}^{commit}`);
    } catch {
        throw new Error(`--diff ${ref}: git knows no commit by that name (fetch it first, e.g. git fetch origin main)`);
    }
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "geo-data-ref-"));
    const tree = path.join(tmp, "tree");
    const out = path.join(tmp, "out");
    try {
        git("worktree", "add", "--detach", "--quiet", tree, commit);
        fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(tree, "node_modules"), "dir");
        const runner = fs.existsSync(path.join(tree, "tools", "register.js"))
            ? ["-r", "./tools/register.js"]
            : ["-r", "ts-node/register/transpile-only"];
        const env = { ...process.env };
        const crds = crdDir();
        if (crds) env.GEO_CRD_DIR = crds;
        log(`rendering ${ref} (${commit.slice(0, 12)}) in ${tree}`);
        const run = spawnSync(process.execPath, [...runner, "tools/plan.ts", "--out", out], {
            cwd: tree,
            env,
            encoding: "utf8",
            maxBuffer: 64 * 1024 * 1024,
            timeout: 300_000,
        });
        const stacks: Record<string, DiffResource[]> = {};
        for (const s of fs.existsSync(out) ? fs.readdirSync(out) : []) {
            const file = path.join(out, s, "resources.json");
            if (fs.existsSync(file)) stacks[s] = JSON.parse(fs.readFileSync(file, "utf8"));
        }
        if (!Object.keys(stacks).length)
            throw new Error(
                `the plan at ${ref} rendered nothing (exit ${run.status}):\n${(run.stderr || run.stdout || "").slice(-2000)}`,
            );
        return { ref, commit, stacks, status: run.status ?? 1 };
    } finally {
        try {
            git("worktree", "remove", "--force", tree);
        } catch {
            // already gone: prune below
        }
        fs.rmSync(tmp, { recursive: true, force: true });
        git("worktree", "prune");
    }
}
