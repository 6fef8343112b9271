/**
 * `npm run dashboards`: builds the Grafana dashboards with the typed @grafana/grafana-foundation-sdk and writes
 * them to components/monitoring/dashboards/<name>.json, which the program ships as ConfigMaps for Grafana's
 * sidecar (components/monitoring/dashboards.ts). The JSON is generated, never edited: a spec fails when it is
 * stale. Generating at build time keeps the 11 MB SDK out of every `pulumi up` / `npm run plan`.
 */
import * as fs from "fs";
import * as path from "path";
import { DashboardBuilder } from "@grafana/grafana-foundation-sdk/dashboard";
import { kafkaDashboard } from "./kafka";
import { minioDashboard } from "./minio";
import { overviewDashboard } from "./overview";
import { postgresDashboard } from "./postgres";
import { redisDashboard } from "./redis";

/** Every dashboard by file name. */
export const DASHBOARDS: Readonly<Record<string, () => DashboardBuilder>> = {
    kafka: kafkaDashboard,
    minio: minioDashboard,
    overview: overviewDashboard,
    postgresql: postgresDashboard,
    redis: redisDashboard,
};

/** Directory of the generated JSON files. */
export const DASHBOARD_DIR = path.join(__dirname, "..", "..", "components", "monitoring", "dashboards");

/** The JSON text of each dashboard, as written. */
export function renderDashboards(): Record<string, string> {
    return Object.fromEntries(
        Object.entries(DASHBOARDS).map(([name, build]) => [name, JSON.stringify(build().build(), null, 2) + "\n"]),
    );
}

if (require.main === module) {
    fs.mkdirSync(DASHBOARD_DIR, { recursive: true });
    for (const [name, text] of Object.entries(renderDashboards())) {
        fs.writeFileSync(path.join(DASHBOARD_DIR, `${name}.json`), text);
        console.log(`wrote ${path.relative(process.cwd(), path.join(DASHBOARD_DIR, `${name}.json`))}`);
    }
}
