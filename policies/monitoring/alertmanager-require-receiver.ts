import { StackValidationPolicy } from "@pulumi/policy";
import { ALERTMANAGER_CONFIG_SECRET, RECEIVERS_ANNOTATION } from "../../components/monitoring/alertmanager-secret";

const SECRET = "kubernetes:core/v1:Secret";

/**
 * The region's Alertmanager configuration Secret must name at least one receiver (PagerDuty, Slack or email):
 * without one, every alert the rules fire is routed to `"null"` and reaches no one. Advisory, so a first
 * offline plan still renders, but it says so plainly.
 */
export const alertmanagerRequireReceiver: StackValidationPolicy = {
    name: "alertmanager-require-receiver",
    description:
        "The Alertmanager configuration must route alerts to at least one receiver (PagerDuty, Slack or email); otherwise alerts go nowhere.",
    enforcementLevel: "advisory",
    severity: "high",
    remediationSteps:
        "Set at least one of geo-data:alertPagerdutyRoutingKey (--secret), geo-data:alertSlackWebhookUrl (--secret) or geo-data:alertEmailTo (with alertEmailFrom and alertEmailSmarthost) in the stack's config; see docs/monitoring.md.",
    validateStack: (args, reportViolation) => {
        for (const r of args.resources) {
            if (r.type !== SECRET || r.props?.metadata?.name !== ALERTMANAGER_CONFIG_SECRET) continue;
            const kinds = r.props?.metadata?.annotations?.[RECEIVERS_ANNOTATION];
            if (!kinds || kinds === "none") {
                reportViolation(
                    `Alerts go nowhere: the Alertmanager configuration ${r.props.metadata.namespace}/${ALERTMANAGER_CONFIG_SECRET} has no receiver, so every alert is routed to "null". Set geo-data:alertPagerdutyRoutingKey, geo-data:alertSlackWebhookUrl or geo-data:alertEmailTo (docs/monitoring.md).`,
                    r.urn,
                );
            }
        }
    },
};
