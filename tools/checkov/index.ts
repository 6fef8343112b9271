/**
 * `npm run checkov` — checkov (PyPI, pinned by scripts/install-checkov.sh) over each stack's
 * out/<stack>/manifests.yaml as written by `npm run plan`. The accepted findings of tools/checkov/skips.yaml
 * become `checkov.io/skipN` annotations on a copy of the manifests (out/checkov/<stack>/manifests.yaml), so
 * checkov reports them as skipped. Writes out/checkov/<stack>.json (with the hash of the manifests it
 * scanned, which `npm run plan` uses to print a current count) and exits 1 on any finding not skipped.
 *
 * `npm run plan` does not run checkov (about 4 s for both stacks, more than half a plan): it prints the
 * count from out/checkov/<stack>.json when that scanned the very manifests it just wrote, and says so when
 * checkov is not installed or its result is stale.
 */
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { ROOT } from "../harness";
import { toYaml } from "../manifests";
import { stackNames } from "../stack-config";

export const SKIPS_FILE = path.join(ROOT, "tools", "checkov", "skips.yaml");

/** One accepted finding: the check, the objects it is accepted for (all when absent), and why. */
export interface Skip {
    check: string;
    objects?: string[];
    reason: string;
}

/** Reads and checks skips.yaml: every entry names a check id and gives a one-line reason. */
export function loadSkips(file = SKIPS_FILE): Skip[] {
    const doc = yaml.load(fs.readFileSync(file, "utf8"));
    if (!Array.isArray(doc)) throw new Error(`${file}: expected a list of skips`);
    return doc.map((s: any, i: number) => {
        if (!/^CKV2?_K8S_\d+$/.test(String(s?.check)))
            throw new Error(`${file}[${i}]: check must be a CKV_K8S_/CKV2_K8S_ id`);
        if (typeof s.reason !== "string" || !s.reason.trim() || s.reason.includes("\n"))
            throw new Error(`${file}[${i}] (${s.check}): a one-line reason is required`);
        return { check: s.check, reason: s.reason.trim(), ...(s.objects ? { objects: s.objects.map(String) } : {}) };
    });
}

function globMatch(pattern: string, value: string): boolean {
    const re = new RegExp(
        `^${pattern
            .split("*")
            .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
            .join("[^/]*")}$`,
    );
    return re.test(value);
}

/** Whether a skip covers an object (`Kind/namespace/name`; cluster-scoped objects have an empty namespace). */
export function skipCovers(skip: Skip, obj: Record<string, any>): boolean {
    if (!skip.objects) return true;
    const id = `${obj.kind}/${obj.metadata?.namespace ?? ""}/${obj.metadata?.name}`;
    return skip.objects.some((p) => globMatch(p, id));
}

/** Copies of the objects with the skips that cover them as `checkov.io/skipN: CHECK=reason` annotations. */
export function annotate(objs: Record<string, any>[], skips: Skip[]): Record<string, any>[] {
    return objs.map((o) => {
        const mine = skips.filter((s) => skipCovers(s, o));
        if (!mine.length) return o;
        const annotations = { ...(o.metadata?.annotations ?? {}) };
        mine.forEach((s, i) => (annotations[`checkov.io/skip${i + 1}`] = `${s.check}=${s.reason}`));
        return { ...o, metadata: { ...o.metadata, annotations } };
    });
}

/** The checkov executable when installed (scripts/install-checkov.sh --cached), else undefined. Asked once per process. */
export function checkovBinary(): string | undefined {
    if (binary === null) {
        const r = spawnSync("bash", [path.join(ROOT, "scripts", "install-checkov.sh"), "--cached"], {
            encoding: "utf8",
        });
        binary = r.status === 0 ? r.stdout.trim() : undefined;
    }
    return binary;
}
let binary: string | undefined | null = null;

/** What checkov found in one stack's manifests. */
export interface CheckovResult {
    stack: string;
    /** sha256 of the out/<stack>/manifests.yaml scanned. */
    manifestsSha256: string;
    checkovVersion: string;
    passed: number;
    failed: { check: string; name: string; resource: string }[];
    skipped: { check: string; resource: string; reason: string }[];
}

export const sha256 = (text: string) => crypto.createHash("sha256").update(text).digest("hex");

/** Runs checkov once over the stacks' manifests (in `outDir`), writes out/checkov/<stack>.json. */
export function runCheckov(binary: string, outDir: string, stacks: string[], skips = loadSkips()): CheckovResult[] {
    const scanDir = path.join(outDir, "checkov");
    const files = new Map<string, { stack: string; sha: string }>();
    for (const stack of stacks) {
        const src = path.join(outDir, stack, "manifests.yaml");
        if (!fs.existsSync(src))
            throw new Error(`${path.relative(process.cwd(), src)} is missing: run npm run plan first`);
        const text = fs.readFileSync(src, "utf8");
        const objs = (yaml.loadAll(text) as Record<string, any>[]).filter(Boolean);
        const file = path.join(scanDir, stack, "manifests.yaml");
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, toYaml(annotate(objs, skips)));
        files.set(path.resolve(file), { stack, sha: sha256(text) });
    }
    const args = ["--framework", "kubernetes", "-o", "json", "--compact", "--skip-download", "--soft-fail"];
    for (const f of files.keys()) args.push("-f", f);
    const r = spawnSync(binary, args, {
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, LOG_LEVEL: "ERROR" },
    });
    if (r.status !== 0) throw new Error(`checkov failed (exit ${r.status}): ${r.stderr.slice(-1000)}`);
    const report = JSON.parse(r.stdout);
    const reports: any[] = Array.isArray(report) ? report : [report];
    const results = new Map<string, CheckovResult>();
    for (const [, { stack, sha }] of files) {
        results.set(stack, { stack, manifestsSha256: sha, checkovVersion: "", passed: 0, failed: [], skipped: [] });
    }
    const stackOf = (fp: string) => {
        for (const [file, { stack }] of files)
            if (file.endsWith(fp) || fp.endsWith(path.relative(ROOT, file))) return stack;
        return [...files.values()].find((f) => fp.includes(`/${f.stack}/`))?.stack;
    };
    for (const rep of reports.filter((x) => x.check_type === "kubernetes")) {
        for (const c of rep.results?.passed_checks ?? []) {
            const res = results.get(stackOf(c.file_path) ?? "");
            if (res) res.passed++;
        }
        for (const c of rep.results?.failed_checks ?? []) {
            results
                .get(stackOf(c.file_path) ?? "")
                ?.failed.push({ check: c.check_id, name: c.check_name, resource: c.resource });
        }
        for (const c of rep.results?.skipped_checks ?? []) {
            results.get(stackOf(c.file_path) ?? "")?.skipped.push({
                check: c.check_id,
                resource: c.resource,
                reason: c.check_result?.suppress_comment ?? "",
            });
        }
        for (const res of results.values()) res.checkovVersion = rep.summary?.checkov_version ?? "";
    }
    for (const res of results.values())
        fs.writeFileSync(path.join(scanDir, `${res.stack}.json`), JSON.stringify(res, null, 2) + "\n");
    return [...results.values()];
}

/** The plan summary's checkov line for a stack whose manifests are `manifests` (the text plan wrote). */
export function checkovSummary(
    outDir: string,
    stack: string,
    manifests: string,
    installed: () => boolean = () => !!checkovBinary(),
): string {
    const file = path.join(outDir, "checkov", `${stack}.json`);
    if (fs.existsSync(file)) {
        const r = JSON.parse(fs.readFileSync(file, "utf8")) as CheckovResult;
        if (r.manifestsSha256 === sha256(manifests)) {
            return `checkov ${r.checkovVersion}: ${r.failed.length} finding(s), ${r.skipped.length} skipped (tools/checkov/skips.yaml), ${r.passed} passed`;
        }
        return "checkov: result is for an earlier render; run npm run checkov";
    }
    return installed()
        ? "checkov: not run for this render; run npm run checkov"
        : "checkov: not installed (scripts/install-checkov.sh), then npm run checkov";
}

function main(): void {
    try {
        const binary = checkovBinary();
        if (!binary) throw new Error("checkov is not installed: run scripts/install-checkov.sh");
        const outDir = path.join(ROOT, "out");
        const stacks = stackNames();
        const results = runCheckov(binary, outDir, stacks);
        let failed = false;
        for (const r of results) {
            console.log(
                `${r.stack}: checkov ${r.checkovVersion}: ${r.failed.length} finding(s), ${r.skipped.length} skipped, ${r.passed} passed`,
            );
            for (const f of r.failed) console.log(`  ${f.check} ${f.resource}: ${f.name}`);
            if (r.failed.length) failed = true;
        }
        console.log(`checkov ${failed ? "FAILED" : "ok"}; wrote out/checkov/<stack>.json`);
        process.exitCode = failed ? 1 : 0;
    } catch (err) {
        console.error(`error: ${(err as Error).message}`);
        process.exitCode = 1;
    }
}

if (require.main === module) main();
