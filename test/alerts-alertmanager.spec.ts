import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { AlertReceivers, alertmanagerConfig } from "../components/monitoring/alertmanager-config";
import { ALERTMANAGER_CONFIG_SECRET, RECEIVERS_ANNOTATION } from "../components/monitoring/alertmanager-secret";
import { kubePrometheusStackValues } from "../components/platform/operators";
import { alertmanagerRequireReceiver } from "../policies/monitoring/alertmanager-require-receiver";
import { runPolicies } from "../tools/policy-runner";
import { configError, find, inputs, ofType, render } from "./support";

const AMTOOL = ["/usr/bin/amtool", "/usr/local/bin/amtool"].find((p) => fs.existsSync(p));
const ALL: AlertReceivers = {
    pagerdutyRoutingKey: "0123456789abcdef0123456789abcdef",
    slack: { webhookUrl: "https://hooks.slack.com/services/T0/B0/XYZ", channel: "#geo-data-alerts" },
    email: { to: "data-oncall@example.com", from: "alertmanager@example.com", smarthost: "smtp.example.com:587" },
    heartbeatUrl: "https://heartbeat.example.com/ping/geo-data",
};

describe("Alertmanager configuration under amtool", function () {
    this.timeout(30_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "geo-amtool-"));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    before(function () {
        if (!AMTOOL) {
            if (process.env.GEO_REQUIRE_SERVERS) throw new Error("amtool missing: run scripts/install-servers.sh");
            this.skip();
        }
    });
    const write = (name: string, r: AlertReceivers) => {
        const p = path.join(dir, name);
        fs.writeFileSync(p, yaml.dump(alertmanagerConfig(r), { lineWidth: -1 }));
        return p;
    };
    const amtool = (...args: string[]) => {
        const r = spawnSync(AMTOOL!, args, { encoding: "utf8", timeout: 10_000 });
        return { status: r.status, out: `${r.stdout}${r.stderr}` };
    };
    /** The receiver(s) amtool routes an alert with `labels` to. */
    const route = (file: string, labels: string[]) => {
        const r = amtool("config", "routes", "test", `--config.file=${file}`, ...labels);
        return r.out
            .split("\n")
            .filter((l) => l && !l.startsWith("Warning"))
            .join(",");
    };

    it("accepts the configuration with every receiver, with one, and with none", () => {
        const files = [
            write("all.yaml", ALL),
            write("email.yaml", { email: ALL.email }),
            write("pagerduty.yaml", { pagerdutyRoutingKey: ALL.pagerdutyRoutingKey }),
            write("none.yaml", {}),
        ];
        const r = amtool("check-config", ...files);
        assert.equal(r.status, 0, r.out);
        assert.equal((r.out.match(/SUCCESS/g) ?? []).length, 4, r.out);
    });

    it("routes critical to the paging receiver, warning to the channel, Watchdog to the heartbeat", () => {
        const all = write("all.yaml", ALL);
        assert.equal(
            route(all, ["severity=critical", "alertname=PostgresInstanceDown", "region=us-east-1"]),
            "critical",
        );
        assert.equal(route(all, ["severity=warning", "alertname=RedisMemoryNearMaxmemory"]), "warning");
        assert.equal(route(all, ["alertname=Watchdog", "severity=none"]), "heartbeat");
        assert.equal(route(all, ["alertname=InfoInhibitor", "severity=none"]), "null");
        const none = write("none.yaml", {});
        assert.equal(route(none, ["severity=critical", "alertname=PostgresInstanceDown"]), "null");
        assert.equal(route(none, ["alertname=Watchdog"]), "null");
    });

    it("pages criticals, posts warnings, and lets PagerDuty take warnings only when it is the only receiver", () => {
        const c = alertmanagerConfig(ALL) as any;
        const byName = Object.fromEntries(c.receivers.map((r: any) => [r.name, r]));
        assert.equal(byName.critical.pagerduty_configs[0].severity, "critical");
        assert.equal(byName.warning.pagerduty_configs, undefined);
        assert.equal(byName.warning.slack_configs[0].channel, "#geo-data-alerts");
        assert.deepEqual(c.route.group_by, ["region", "namespace", "alertname"]);
        const pdOnly = alertmanagerConfig({ pagerdutyRoutingKey: ALL.pagerdutyRoutingKey }) as any;
        assert.equal(pdOnly.receivers.find((r: any) => r.name === "warning").pagerduty_configs[0].severity, "warning");
    });
});

describe("Alertmanager wiring in the plan", () => {
    it("renders the configuration Secret (secret, receivers annotated) and points the chart at it", async () => {
        const east = await render("us-east");
        const secret = ofType(east, "kubernetes:core/v1:Secret").find(
            (r) => inputs(r).metadata?.name === ALERTMANAGER_CONFIG_SECRET,
        )!;
        assert.equal(inputs(secret).metadata.namespace, "geo-monitoring");
        assert.equal(inputs(secret).metadata.annotations[RECEIVERS_ANNOTATION], "email");
        const values = kubePrometheusStackValues("grafana-admin", "us-east-1") as any;
        assert.deepEqual(values.alertmanager.alertmanagerSpec, {
            useExistingSecret: true,
            configSecret: ALERTMANAGER_CONFIG_SECRET,
        });
        assert.deepEqual(values.prometheus.prometheusSpec.externalLabels, { region: "us-east-1" });
    });

    it("gives the CloudWatch replication alarms the region's SNS topic as action", async () => {
        const west = await render("us-west");
        const alarms = ofType(west, "aws:cloudwatch/metricAlarm:MetricAlarm");
        assert.equal(alarms.length, 6);
        for (const a of alarms) {
            const region = inputs(a).region;
            assert.deepEqual(inputs(a).alarmActions, [`arn:aws:sns:${region}:123456789012:geo-alerts-${region}`]);
        }
        assert.ok(find(west, "aws:sns/topic:Topic", "geo-alerts-topic"));
        // alertEmailTo gets the CloudWatch alarms too.
        const sub = inputs(find(west, "aws:sns/topicSubscription:TopicSubscription", "geo-alerts-topic-email"));
        assert.deepEqual(sub, {
            topic: "arn:aws:sns:us-west-2:123456789012:geo-alerts-us-west-2",
            protocol: "email",
            endpoint: "data-oncall@example.com",
            region: "us-west-2",
        });
    });

    it("advisory policy alertmanager-require-receiver: passes the program's output, reports a config with no receiver", async () => {
        const east = await render("us-east");
        assert.deepEqual(await runPolicies([alertmanagerRequireReceiver], east.resources, { stack: "us-east" }), []);
        const none = await render("us-east", { alertEmailTo: "" });
        const v = await runPolicies([alertmanagerRequireReceiver], none.resources, { stack: "us-east" });
        assert.equal(v.length, 1);
        assert.match(v[0].message, /Alerts go nowhere/);
    });
});

describe("alerting config keys", () => {
    it("rejects malformed receivers, naming the key", () => {
        assert.match(
            configError({ alertPagerdutyRoutingKey: "short" }),
            /^geo-data:alertPagerdutyRoutingKey: .*32-character/,
        );
        assert.match(
            configError({ alertSlackWebhookUrl: "http://hooks.example" }),
            /^geo-data:alertSlackWebhookUrl: .*https:\/\//,
        );
        assert.match(
            configError({ alertEmailTo: "oncall@example.com" }),
            /^geo-data:alertEmailTo: needs geo-data:alertEmailFrom and geo-data:alertEmailSmarthost/,
        );
        assert.match(
            configError({
                alertEmailTo: "oncall@example.com",
                alertEmailFrom: "am@example.com",
                alertEmailSmarthost: "smtp.example.com",
            }),
            /^geo-data:alertEmailSmarthost: .*host:port/,
        );
        assert.match(configError({ alertSlackChannel: "alerts" }), /^geo-data:alertSlackChannel: .*#channel/);
    });
});
