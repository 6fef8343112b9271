/**
 * Regenerates the pinned metric catalogs of this folder from the operators' source at their pinned tags:
 *
 *   node -r ./tools/register.js tools/alerts/catalog/generate.ts <cloudnative-pg checkout> <plugin-barman-cloud checkout>
 *
 * Each checkout must have the tag of components/shared/versions.ts (CloudNativePG v1.30.0, plugin v0.14.0);
 * files are read with `git show <tag>:<path>`, so the working tree's branch does not matter.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { Catalog } from "./index";

const show = (repo: string, tag: string, file: string) =>
    execFileSync("git", ["-C", repo, "show", `${tag}:${file}`], { encoding: "utf8", maxBuffer: 1 << 26 });

/** `cnpg_<query>_<column>` of every GAUGE/COUNTER/DURATION column of CloudNativePG's default queries; LABEL columns label them. */
export function queryMetrics(queriesYaml: string): Record<string, string[]> {
    const cm = yaml.load(queriesYaml) as any;
    const queries = yaml.load(cm.data.queries) as Record<string, any>;
    const out: Record<string, string[]> = {};
    for (const [q, def] of Object.entries(queries)) {
        const cols = (def.metrics as Record<string, any>[]).map((m) => Object.entries(m)[0] as [string, any]);
        const labels = cols.filter(([, c]) => c.usage === "LABEL").map(([n]) => n);
        for (const [n, c] of cols) {
            if (["GAUGE", "COUNTER", "DURATION"].includes(c.usage)) out[`cnpg_${q}_${n}`] = labels;
        }
    }
    return out;
}

/**
 * Metrics a Go collector file declares with `Subsystem: subsystem` / `Name: "x"` under `PrometheusNamespace`
 * ("cnpg"), with their label lists (`[]string{databaseLabel, userLabel}` → database, user).
 */
export function goMetrics(
    src: string,
    labelConsts: Record<string, string>,
    parentSubsystem = "pgbouncer",
): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    let subsystem = "";
    // `subsystem += "_pools"` in NewShow…Metrics(subsystem), which the PgBouncer exporter calls with "pgbouncer".
    const re = /subsystem\s*(:?=|\+=)\s*"([^"]+)"|Name:\s*"([^"]+)"[\s\S]*?\}(?:,\s*\[\]string\{([^}]*)\})?\)/g;
    for (let m = re.exec(src); m; m = re.exec(src)) {
        if (m[2]) subsystem = m[1] === "+=" ? `${parentSubsystem}${m[2]}` : m[2];
        else if (m[3]) {
            const labels = (m[4] ?? "")
                .split(",")
                .map((s) => s.trim())
                .filter(Boolean)
                .map((s) => (s.startsWith('"') ? JSON.parse(s) : (labelConsts[s] ?? s)));
            out[`cnpg_${subsystem}_${m[3]}`] = labels;
        }
    }
    return out;
}

function main(cnpgRepo: string, barmanRepo: string): void {
    const tag = "v1.30.0";
    const queriesPath = "config/manager/default-monitoring.yaml";
    const collectors = [
        "pkg/management/postgres/webserver/metricserver/pg_collector.go",
        "pkg/management/pgbouncer/metricsserver/pgbouncer_collector.go",
        "pkg/management/pgbouncer/metricsserver/pools.go",
        "pkg/management/pgbouncer/metricsserver/stats.go",
        "pkg/management/pgbouncer/metricsserver/lists.go",
    ];
    const consts = { databaseLabel: "database", userLabel: "user" };
    const metrics: Record<string, string[]> = { ...queryMetrics(show(cnpgRepo, tag, queriesPath)) };
    for (const f of collectors) Object.assign(metrics, goMetrics(show(cnpgRepo, tag, f), consts));
    // Declared but never collected: pgbouncer_collector.go's Describe/Collect leave PgbouncerUp out.
    delete metrics.cnpg_pgbouncer_up;
    const cnpg: Catalog = {
        source: `cloudnative-pg/cloudnative-pg ${tag}: ${[queriesPath, ...collectors].join(", ")} (cnpg_pgbouncer_up removed: declared, never collected)`,
        metrics: Object.fromEntries(Object.entries(metrics).sort(([a], [b]) => a.localeCompare(b))),
    };
    const btag = "v0.14.0";
    const metricsGo = show(barmanRepo, btag, "internal/cnpgi/instance/metrics.go");
    const domain = "barman_cloud_cloudnative_pg_io";
    const names = [...metricsGo.matchAll(/buildFqName\("([^"]+)"\)/g)].map((m) => `${domain}_${m[1]}`);
    const barman: Catalog = {
        source: `cloudnative-pg/plugin-barman-cloud ${btag}: internal/cnpgi/instance/metrics.go (buildFqName over the plugin name barman-cloud.cloudnative-pg.io)`,
        metrics: Object.fromEntries(names.sort().map((n) => [n, []])),
    };
    fs.writeFileSync(path.join(__dirname, "cloudnative-pg.json"), JSON.stringify(cnpg, null, 2) + "\n");
    fs.writeFileSync(path.join(__dirname, "plugin-barman-cloud.json"), JSON.stringify(barman, null, 2) + "\n");
}

if (require.main === module) {
    const [cnpgRepo, barmanRepo] = process.argv.slice(2);
    if (!cnpgRepo || !barmanRepo) {
        console.error("usage: generate.ts <cloudnative-pg checkout> <plugin-barman-cloud checkout>");
        process.exit(2);
    }
    main(cnpgRepo, barmanRepo);
}
