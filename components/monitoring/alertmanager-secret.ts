/**
 * The Secret holding the region's Alertmanager configuration (`alertmanager.yaml`), which kube-prometheus-stack's
 * Alertmanager reads through `alertmanager.alertmanagerSpec.configSecret` (with `useExistingSecret: true` the
 * chart renders no configuration of its own). Receiver secrets (PagerDuty key, Slack and heartbeat URLs)
 * stay Pulumi secrets up to this Secret; the annotation `geo-data/receivers` names the configured kinds
 * (no values) so the plan's advisory policy can say when alerts go nowhere.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as yaml from "js-yaml";
import { AlertingConfig } from "../../config/alerting";
import { standardLabels } from "../shared/labels";
import { alertmanagerConfig, configuredReceivers } from "./alertmanager-config";

/** Name of the Alertmanager configuration Secret in the monitoring namespace. */
export const ALERTMANAGER_CONFIG_SECRET = "alertmanager-geo-data";
/** Annotation listing the configured receiver kinds ("none" when there is none). */
export const RECEIVERS_ANNOTATION = "geo-data/receivers";

/** Creates the configuration Secret; `parent` owns it. */
export function createAlertmanagerSecret(
    name: string,
    namespace: pulumi.Input<string>,
    alerting: AlertingConfig,
    parent: pulumi.Resource,
): k8s.core.v1.Secret {
    const kinds = configuredReceivers({
        pagerdutyRoutingKey: alerting.pagerdutyRoutingKey ? "set" : undefined,
        slack: alerting.slack ? { webhookUrl: "set", channel: alerting.slack.channel } : undefined,
        email: alerting.email,
    });
    const text = pulumi
        .all([alerting.pagerdutyRoutingKey ?? "", alerting.slack?.webhookUrl ?? "", alerting.heartbeatUrl ?? ""])
        .apply(([pd, slackUrl, heartbeat]) =>
            yaml.dump(
                alertmanagerConfig({
                    pagerdutyRoutingKey: pd || undefined,
                    slack: alerting.slack ? { webhookUrl: slackUrl, channel: alerting.slack.channel } : undefined,
                    email: alerting.email,
                    heartbeatUrl: heartbeat || undefined,
                }),
                { lineWidth: -1, noRefs: true },
            ),
        );
    return new k8s.core.v1.Secret(
        `${name}-alertmanager-config`,
        {
            metadata: {
                name: ALERTMANAGER_CONFIG_SECRET,
                namespace,
                labels: standardLabels({ app: "alertmanager", instance: "kube-prometheus-stack", component: "config" }),
                annotations: { [RECEIVERS_ANNOTATION]: kinds.length ? kinds.join(",") : "none" },
            },
            type: "Opaque",
            stringData: { "alertmanager.yaml": pulumi.secret(text) },
        },
        { parent, additionalSecretOutputs: ["stringData", "data"] },
    );
}
