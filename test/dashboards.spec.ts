import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { DASHBOARD_LABEL, dashboardFiles } from "../components/monitoring/dashboards";
import { ofType, inputs, render } from "./support";

function resolvable(module: string): boolean {
    try {
        require.resolve(module);
        return true;
    } catch {
        return false;
    }
}

describe("Grafana dashboards", () => {
    it("the committed JSON is what npm run dashboards generates with the foundation SDK", function () {
        if (!resolvable("@grafana/grafana-foundation-sdk/dashboard")) {
            if (process.env.CI) throw new Error("@grafana/grafana-foundation-sdk missing: run npm ci");
            this.skip();
        }
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { renderDashboards, DASHBOARD_DIR } = require("../tools/dashboards");
        const fresh: Record<string, string> = renderDashboards();
        assert.deepEqual(Object.keys(fresh).sort(), Object.keys(dashboardFiles()));
        for (const [name, text] of Object.entries(fresh)) {
            assert.equal(
                fs.readFileSync(path.join(DASHBOARD_DIR, `${name}.json`), "utf8"),
                text,
                `${name}.json is stale: npm run dashboards`,
            );
        }
    });

    it("ships one ConfigMap per dashboard that Grafana's sidecar loads, in the monitoring namespace", async () => {
        const east = await render("us-east");
        const maps = ofType(east, "kubernetes:core/v1:ConfigMap").filter(
            (r) => inputs(r).metadata?.labels?.grafana_dashboard,
        );
        assert.deepEqual(
            maps.map((m) => [inputs(m).metadata.name, inputs(m).metadata.namespace, Object.keys(inputs(m).data)]),
            [
                ["geo-data-dashboard-kafka", "geo-monitoring", ["geo-data-kafka.json"]],
                ["geo-data-dashboard-minio", "geo-monitoring", ["geo-data-minio.json"]],
                ["geo-data-dashboard-overview", "geo-monitoring", ["geo-data-overview.json"]],
                ["geo-data-dashboard-postgresql", "geo-monitoring", ["geo-data-postgresql.json"]],
                ["geo-data-dashboard-redis", "geo-monitoring", ["geo-data-redis.json"]],
            ],
        );
        for (const m of maps)
            assert.equal(inputs(m).metadata.labels.grafana_dashboard, DASHBOARD_LABEL.grafana_dashboard);
    });

    it("has stable uids and the panels an operator looks for", () => {
        const d = Object.fromEntries(Object.entries(dashboardFiles()).map(([k, v]) => [k, JSON.parse(v)]));
        assert.deepEqual(
            Object.values(d).map((x: any) => x.uid),
            ["geo-data-kafka", "geo-data-minio", "geo-data-overview", "geo-data-postgres", "geo-data-redis"],
        );
        const titles = (x: any) => x.panels.map((p: any) => p.title);
        for (const t of [
            "PostgreSQL role",
            "PostgreSQL cross-region lag",
            "Redis cross-region master link",
            "Last base backup age",
            "Since last archived WAL",
            "Other region reachable",
            "Alerts firing",
            "MinIO replication latency",
            "MinIO replication failures (last hour)",
            "MirrorMaker 2 replication latency",
            "MirrorMaker 2 failed tasks",
        ]) {
            assert.ok(titles(d.overview).includes(t), t);
        }
        // The overview's rows, in order: both columns, then MinIO replication, then MirrorMaker 2.
        assert.deepEqual(
            d.overview.panels.filter((p: any) => p.type === "row").map((p: any) => [p.title, p.gridPos.y]),
            [
                ["This region | Other region", 0],
                ["MinIO replication", 33],
                ["MirrorMaker 2 lag", 41],
            ],
        );
        // Each row's panels sit below it, one per region column.
        for (const [title, y] of [
            ["MinIO replication latency", 34],
            ["MirrorMaker 2 replication latency", 42],
        ] as const) {
            const panels = d.overview.panels.filter((p: any) => p.title === title);
            assert.deepEqual(
                panels.map((p: any) => [p.gridPos.x, p.gridPos.y, p.datasource.uid]),
                [
                    [0, y, "${region0}"],
                    [12, y, "${region1}"],
                ],
            );
        }
        for (const t of [
            "Servers online",
            "Drives online",
            "Capacity: used vs total",
            "Healing",
            "S3 request rate",
            "S3 errors",
            "Replication latency",
            "Replication failures",
        ])
            assert.ok(titles(d.minio).includes(t), `minio: ${t}`);
        for (const t of [
            "Brokers and controllers up",
            "Active controllers",
            "Offline partitions",
            "Under-replicated and under-min-ISR partitions",
            "Consumer lag by group",
            "MirrorMaker 2 replication latency",
            "MirrorMaker 2 tasks",
        ])
            assert.ok(titles(d.kafka).includes(t), `kafka: ${t}`);
        // One column per region, each reading its own data source variable.
        const sources = new Set(d.overview.panels.filter((p: any) => p.datasource).map((p: any) => p.datasource.uid));
        assert.deepEqual([...sources].sort(), ["${region0}", "${region1}"]);
    });
});
