import { strict as assert } from "assert";
import * as http from "http";
import { pinnedCatalogs } from "../tools/alerts/catalog";
import { checkExpr, checkRuleFile, panelQueries, scrapedMetrics, selectorsOf } from "../tools/alerts/metric-check";
import { dashboardFiles } from "../components/monitoring/dashboards";
import { Scope } from "../tools/alerts/scope";
import { ruleFiles } from "../tools/alerts/rule-files";
import { holdsPrimary, scopeOf } from "../tools/alerts/scope";
import { LOOPBACK, ProcessGroup, freePort, installed, waitFor } from "../tools/drill/processes";
import { manifestObjects } from "../tools/manifests";
import { render } from "./support";

const EXPORTER = "prometheus-redis-exporter";

function resolvable(module: string): boolean {
    try {
        require.resolve(module);
        return true;
    } catch {
        return false;
    }
}

function get(url: string): Promise<string> {
    return new Promise((resolve, reject) => {
        const req = http.get(url, { timeout: 5000 }, (res) => {
            let body = "";
            res.setEncoding("utf8");
            res.on("data", (c) => (body += c));
            res.on("end", () =>
                res.statusCode === 200 ? resolve(body) : reject(new Error(`${url}: ${res.statusCode}`)),
            );
        });
        req.on("error", reject);
        req.on("timeout", () => req.destroy(new Error(`${url}: timeout`)));
    });
}

/**
 * Metric names and labels of Debian's redis_exporter scraping real redis-servers in both modes: a master
 * with a connected replica (Sentinel mode's data pods) and a cluster-enabled node (cluster mode).
 */
async function scrapeRedis(): Promise<Record<string, string[]>> {
    const group = new ProcessGroup("alerts-metrics");
    try {
        const dir = group.tempDir("geo-redis-metrics-");
        const [master, replica, cluster, exporter] = [
            await freePort(),
            await freePort(),
            await freePort(true),
            await freePort(),
        ];
        const server = (name: string, port: number, ...extra: string[]) =>
            group.spawn(name, [
                "redis-server",
                "--port",
                String(port),
                "--bind",
                LOOPBACK,
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                dir,
                ...extra,
            ]);
        // the replica's first (diskless) sync at once, not after the 5 s wait for more replicas
        server("master", master, "--repl-diskless-sync-delay", "0");
        const rep = server("replica", replica, "--replicaof", LOOPBACK, String(master));
        server("cluster", cluster, "--cluster-enabled", "yes", "--cluster-config-file", `${dir}/nodes-${cluster}.conf`);
        const exp = group.spawn("exporter", [
            EXPORTER,
            "-web.listen-address",
            `${LOOPBACK}:${exporter}`,
            "-redis.addr",
            "",
        ]);
        const scrape = (port: number) =>
            get(`http://${LOOPBACK}:${exporter}/scrape?target=redis://${LOOPBACK}:${port}`);
        // The replica's link is up once it has synced: then redis_master_link_up is 1.
        const replicaText = await waitFor(
            "the replica's master link",
            async () => {
                const text = await scrape(replica);
                return /^redis_master_link_up(\{[^}]*\})? 1$/m.test(text) ? text : undefined;
            },
            100,
            100,
            () => rep.exited() ?? exp.exited(),
        );
        const texts = [await scrape(master), replicaText, await scrape(cluster)];
        const out: Record<string, Set<string>> = {};
        for (const t of texts) {
            for (const [k, v] of Object.entries(scrapedMetrics(t))) {
                const labels = (out[k] ??= new Set());
                v.forEach((l) => labels.add(l));
            }
        }
        return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, [...v]]));
    } finally {
        await group.close();
    }
}

describe("alert metric names and labels (PromQL parsed, checked against sources)", function () {
    this.timeout(60_000);
    let known: Record<string, readonly string[]>;

    before(async function () {
        // A devDependency: `npm ci` installs it (CI fails without it); a shared node_modules may lag behind.
        if (!resolvable("@prometheus-io/lezer-promql")) {
            if (process.env.CI) throw new Error("@prometheus-io/lezer-promql missing: run npm ci");
            this.skip();
        }
        if (!installed(EXPORTER) || !installed("redis-server")) {
            if (process.env.GEO_REQUIRE_SERVERS)
                throw new Error(`${EXPORTER} or redis-server missing: run scripts/install-servers.sh`);
            this.skip();
        }
        const redis = await scrapeRedis();
        known = { ...redis };
        for (const c of Object.values(pinnedCatalogs())) Object.assign(known, c.metrics);
    });

    it("a live redis_exporter scrape serves every Redis name the alerts use, with its labels", () => {
        for (const name of [
            "redis_up",
            "redis_memory_used_bytes",
            "redis_memory_max_bytes",
            "redis_connected_slaves",
            "redis_master_link_up",
            "redis_cluster_state",
            "redis_cluster_slots_ok",
        ]) {
            assert.ok(known[name], name);
        }
        assert.ok(known.redis_instance_info.includes("role"));
    });

    it("every alert of both stacks uses only known metrics and the labels its monitor attaches", async () => {
        const problems: string[] = [];
        let alerts = 0;
        for (const stack of ["us-east", "us-west"]) {
            const r = await render(stack);
            const objects = manifestObjects(r.resources);
            for (const file of ruleFiles(objects)) {
                const scope = scopeOf(file, objects, stack, holdsPrimary(r.outputs));
                alerts += file.groups.reduce((n, g) => n + g.rules.length, 0);
                problems.push(...checkRuleFile(file, scope, known));
            }
        }
        assert.deepEqual(problems, []);
        assert.ok(alerts >= 60, String(alerts));
    });

    it("every dashboard panel query uses only known metrics and the labels its monitor attaches", async () => {
        const r = await render("us-west");
        const objects = manifestObjects(r.resources);
        const scopes = ruleFiles(objects).map((f) => scopeOf(f, objects, "us-west", false));
        const byMonitor = (name: string) => scopes.find((s) => s.monitor.name === name)!;
        const alertsOnly: Scope = { ...byMonitor("pg"), target: () => ({}) };
        // The scope a query reads: from its metric names (cnpg_pgbouncer_* → a pooler, redis_* → a Redis set…).
        const scopeFor = (expr: string): Scope => {
            const selectors = selectorsOf(expr);
            const names = selectors.map((s) => s.metric ?? "");
            if (names.some((n) => n.startsWith("minio_"))) return byMonitor("files");
            if (names.some((n) => n.startsWith("kafka_connect_"))) return byMonitor("events-mirror");
            // Kafka's JMX and Kafka Exporter names, and `up` of the Kafka pods (selected by strimzi_io_cluster).
            if (
                names.some((n) => n.startsWith("kafka_")) ||
                selectors.some((s) => s.matchers.some((m) => m.label === "strimzi_io_cluster"))
            )
                return byMonitor("events-kafka");
            if (names.some((n) => n.startsWith("cnpg_pgbouncer_"))) return byMonitor("pg-pooler-rw");
            if (names.some((n) => n.startsWith("cnpg_") || n.startsWith("barman_"))) return byMonitor("pg");
            if (names.some((n) => n.startsWith("redis_"))) return byMonitor("redis-sessions");
            if (names.includes("probe_success")) return byMonitor("cross-region-watch");
            return alertsOnly;
        };
        const problems: string[] = [];
        let queries = 0;
        for (const [file, json] of Object.entries(dashboardFiles())) {
            for (const q of panelQueries(json)) {
                queries++;
                problems.push(...checkExpr(q.expr, scopeFor(q.expr), known, `dashboard ${file} "${q.panel}"`));
            }
        }
        assert.deepEqual(problems, []);
        assert.ok(queries >= 55, String(queries));
    });

    it("fails a misspelt metric name, a label no series has, and a target label value the monitor does not attach", async () => {
        const r = await render("us-east");
        const objects = manifestObjects(r.resources);
        const file = ruleFiles(objects).find((f) => f.name === "redis-sessions-alerts")!;
        const scope = scopeOf(file, objects, "us-east", true);
        const withExpr = (expr: string) => ({ ...file, groups: [{ name: "g", rules: [{ alert: "X", expr }] }] });
        assert.deepEqual(checkRuleFile(withExpr('redis_upp{namespace="geo-redis"} == 0'), scope, known), [
            "us-east redis-sessions-alerts X: unknown metric redis_upp (in no catalog and no scrape)",
        ]);
        assert.match(
            checkRuleFile(withExpr('redis_up{cnpg_io_cluster="pg"} == 0'), scope, known)[0],
            /redis_up has no label cnpg_io_cluster/,
        );
        assert.deepEqual(checkRuleFile(withExpr('redis_up{service="redis-sessions"} == 0'), scope, known), [
            'us-east redis-sessions-alerts X: redis_up{service="redis-sessions"} but ServiceMonitor redis-sessions attaches service="redis-sessions-headless"',
        ]);
        assert.deepEqual(selectorsOf("vector(1)"), []);
        assert.throws(() => selectorsOf("redis_up{"), /syntax error|cannot read/);
    });
});
