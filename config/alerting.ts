/**
 * Alert routing keys (`alert*`): where Alertmanager sends what Prometheus fires, and the heartbeat that lets
 * someone outside both regions notice when a region's monitoring is gone. Secret keys are read as secrets
 * and only ever reach the Alertmanager configuration Secret.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../components/shared/validate";
import { KeySpec, Reader } from "./reader";

/** The alerting keys, in docs order. */
export const ALERTING_KEYS = {
    alertPagerdutyRoutingKey: {
        type: "string",
        default: "",
        secret: true,
        description:
            "PagerDuty Events API v2 routing key (set with --secret): critical alerts page through it. Empty = no PagerDuty receiver.",
    },
    alertSlackWebhookUrl: {
        type: "string",
        default: "",
        secret: true,
        description:
            "Slack incoming-webhook URL (set with --secret): warnings, and criticals too when no PagerDuty key is set, are posted there. Empty = no Slack receiver.",
    },
    alertSlackChannel: {
        type: "string",
        default: "#geo-data-alerts",
        description: "Slack channel the webhook posts to.",
    },
    alertEmailTo: {
        type: "string",
        default: "",
        description:
            "Address that gets warnings and criticals by email (needs alertEmailSmarthost and alertEmailFrom). Empty = no email receiver.",
    },
    alertEmailFrom: {
        type: "string",
        default: "",
        description: "Sender address of alert emails.",
    },
    alertEmailSmarthost: {
        type: "string",
        default: "",
        description: "SMTP relay `host:port` for alert emails (STARTTLS required).",
    },
    alertHeartbeatUrl: {
        type: "string",
        default: "",
        secret: true,
        description:
            "Dead man's switch (set with --secret): the always-firing Watchdog alert is posted to this webhook every minute; a service outside both regions (e.g. a heartbeat check) pages when it stops. Empty = no heartbeat.",
    },
} as const satisfies Record<string, KeySpec>;

/** Where alerts go. Secret values are secret Outputs. */
export interface AlertingConfig {
    readonly pagerdutyRoutingKey?: pulumi.Output<string>;
    readonly slack?: { readonly webhookUrl: pulumi.Output<string>; readonly channel: string };
    readonly email?: { readonly to: string; readonly from: string; readonly smarthost: string };
    readonly heartbeatUrl?: pulumi.Output<string>;
}

const email = (v: string) => (/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v) ? undefined : "expected an email address");
const hostPort = (v: string) => (/^[A-Za-z0-9.-]+:[0-9]{1,5}$/.test(v) ? undefined : "expected host:port");
const httpsUrl = (v: string) => (/^https:\/\/[^\s]+$/.test(v) ? undefined : "expected an https:// URL");

export function parseAlerting(r: Reader<keyof typeof ALERTING_KEYS>): AlertingConfig {
    const secret = (v: string) => (v ? pulumi.secret(v) : undefined);
    const pagerduty = r.str("alertPagerdutyRoutingKey", (v) =>
        /^[A-Za-z0-9]{32}$/.test(v) ? undefined : "expected a 32-character PagerDuty integration key",
    );
    const slackUrl = r.str("alertSlackWebhookUrl", httpsUrl);
    const channel = r.str("alertSlackChannel", (v) =>
        /^[#@][^\s]+$/.test(v) ? undefined : "expected #channel or @user",
    );
    const to = r.str("alertEmailTo", email);
    const from = r.str("alertEmailFrom", email);
    const smarthost = r.str("alertEmailSmarthost", hostPort);
    const heartbeat = r.str("alertHeartbeatUrl", httpsUrl);
    if (to && (!from || !smarthost)) {
        throw new ConfigError(
            "geo-data:alertEmailTo",
            "needs geo-data:alertEmailFrom and geo-data:alertEmailSmarthost (the SMTP relay) to be set too",
        );
    }
    return Object.freeze({
        pagerdutyRoutingKey: secret(pagerduty),
        slack: slackUrl ? { webhookUrl: pulumi.secret(slackUrl), channel } : undefined,
        email: to ? { to, from, smarthost } : undefined,
        heartbeatUrl: secret(heartbeat),
    });
}
