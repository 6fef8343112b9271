/**
 * The region's Alertmanager configuration, from typed config (config/alerting.ts): receivers, routes by
 * severity, grouping by region and service (namespace), inhibitions, and the Watchdog heartbeat. Pure: the
 * builder takes plain values (secrets resolved inside an `apply`) and is checked by the real
 * `amtool check-config` and `amtool config routes test` (test/alerts-alertmanager.spec.ts).
 */

/** Resolved receiver settings (secret values in clear: only ever written into the config Secret). */
export interface AlertReceivers {
    readonly pagerdutyRoutingKey?: string;
    readonly slack?: { readonly webhookUrl: string; readonly channel: string };
    readonly email?: { readonly to: string; readonly from: string; readonly smarthost: string };
    readonly heartbeatUrl?: string;
}

/** Receiver names, as `amtool config routes test` prints them. */
export const RECEIVERS = {
    none: "null",
    critical: "critical",
    warning: "warning",
    heartbeat: "heartbeat",
} as const;

/** Which kinds of receiver are configured, e.g. ["pagerduty", "slack"]; [] = alerts go nowhere. */
export function configuredReceivers(r: AlertReceivers): string[] {
    return [
        ...(r.pagerdutyRoutingKey ? ["pagerduty"] : []),
        ...(r.slack ? ["slack"] : []),
        ...(r.email ? ["email"] : []),
    ];
}

const SLACK_TITLE =
    "[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.region }} {{ .CommonLabels.namespace }})";
const SLACK_TEXT = "{{ range .Alerts }}{{ .Annotations.summary }}\n{{ .Annotations.description }}\n{{ end }}";

/** The Alertmanager configuration (alertmanager.yaml) of one region. */
export function alertmanagerConfig(r: AlertReceivers): Record<string, unknown> {
    const slack = r.slack
        ? [
              {
                  api_url: r.slack.webhookUrl,
                  channel: r.slack.channel,
                  send_resolved: true,
                  title: SLACK_TITLE,
                  text: SLACK_TEXT,
              },
          ]
        : undefined;
    const email = r.email
        ? [{ to: r.email.to, from: r.email.from, smarthost: r.email.smarthost, require_tls: true, send_resolved: true }]
        : undefined;
    const pagerduty = (severity: string) =>
        r.pagerdutyRoutingKey ? [{ routing_key: r.pagerdutyRoutingKey, severity, send_resolved: true }] : undefined;
    // Critical: page (PagerDuty) and tell the channel; warning: the channel/email, or PagerDuty at low
    // urgency when it is the only receiver.
    const critical = { pagerduty_configs: pagerduty("critical"), slack_configs: slack, email_configs: email };
    const warning =
        slack || email ? { slack_configs: slack, email_configs: email } : { pagerduty_configs: pagerduty("warning") };
    const clean = (o: Record<string, unknown>) =>
        Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
    const anyReceiver = configuredReceivers(r).length > 0;
    const receivers: Record<string, unknown>[] = [{ name: RECEIVERS.none }];
    if (anyReceiver) {
        receivers.push({ name: RECEIVERS.critical, ...clean(critical) });
        receivers.push({ name: RECEIVERS.warning, ...clean(warning) });
    }
    if (r.heartbeatUrl) {
        receivers.push({ name: RECEIVERS.heartbeat, webhook_configs: [{ url: r.heartbeatUrl, send_resolved: false }] });
    }
    const to = (name: string) => (anyReceiver ? name : RECEIVERS.none);
    return {
        route: {
            receiver: to(RECEIVERS.warning),
            // One notification per alert name, region and service (each service has its namespace).
            group_by: ["region", "namespace", "alertname"],
            group_wait: "30s",
            group_interval: "5m",
            repeat_interval: "4h",
            routes: [
                {
                    // kube-prometheus-stack's always-firing alert: a heartbeat someone outside the region watches.
                    receiver: r.heartbeatUrl ? RECEIVERS.heartbeat : RECEIVERS.none,
                    matchers: ['alertname="Watchdog"'],
                    group_wait: "0s",
                    group_interval: "1m",
                    repeat_interval: "1m",
                },
                { receiver: RECEIVERS.none, matchers: ['alertname="InfoInhibitor"'] },
                { receiver: to(RECEIVERS.critical), matchers: ['severity="critical"'], repeat_interval: "1h" },
                { receiver: to(RECEIVERS.warning), matchers: ['severity="warning"'] },
            ],
        },
        inhibit_rules: [
            // A critical alert silences the warning of the same name in the same place.
            {
                source_matchers: ['severity="critical"'],
                target_matchers: ['severity="warning"'],
                equal: ["region", "namespace", "alertname"],
            },
            // A PostgreSQL instance down silences the lag alerts it causes (one cluster per region).
            {
                source_matchers: ['alertname="PostgresInstanceDown"'],
                target_matchers: ['alertname=~"PostgresReplicationLagHigh|PostgresCrossRegionLag(Bytes|Seconds)"'],
                equal: ["region"],
            },
            // A Redis pod down silences its own link, memory and replica alerts.
            {
                source_matchers: ['alertname="RedisDown"'],
                target_matchers: [
                    'alertname=~"RedisReplicationLinkDown|RedisMemoryNearMaxmemory|RedisClusterMasterWithoutReplica"',
                ],
                equal: ["region", "namespace", "service", "pod"],
            },
        ],
        receivers,
    };
}
