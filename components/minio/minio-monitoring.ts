/**
 * MinioMonitoring: how Prometheus scrapes the tenant and what it alerts on.
 *
 * The operator labels no Service unless `spec.serviceMetadata.minioServiceLabels` adds labels (minio/operator
 * v7.1.1 pkg/resources/services/service.go NewClusterIPForMinIO copies them onto the `minio` Service), and
 * `spec.prometheusOperator` creates no ServiceMonitor (it patches a Prometheus's additionalScrapeConfigs).
 * MinioTenant sets those labels; this ServiceMonitor selects exactly them and scrapes every server through
 * the `minio` Service's `https-minio` port (→ 9000) on the cluster and bucket metric paths, verifying the
 * pair's CA. MinIO's metrics need a bearer JWT unless MINIO_PROMETHEUS_AUTH_TYPE=public: the token is what
 * `mc admin prometheus generate` makes (mc cmd/utils.go getPrometheusToken: HS512, sub = access key,
 * iss = "prometheus", signed with the secret key), computed here from the root credentials with a fixed
 * expiry so it is stable across updates, and kept in a Secret.
 */
import * as crypto from "crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AlertRule, monitoringResource, prometheusRuleSpec } from "../monitoring/monitors";
import { meta } from "../shared/k8s";
import { METRICS_PATHS, minioNames, serviceFqdn } from "./naming";

/** The token's expiry: 2100-01-01T00:00:00Z (mc uses now + 100 years; a fixed value keeps the Secret stable). */
export const METRICS_TOKEN_EXPIRY = 4102444800;
/** The `https-minio` port of the operator's `minio` Service (constants.go MinIOServiceHTTPSPortName). */
export const MINIO_SERVICE_PORT = "https-minio";

/** The bearer JWT MinIO accepts on its metrics endpoints for `accessKey` (see the file comment). */
export function prometheusToken(accessKey: string, secretKey: string, exp = METRICS_TOKEN_EXPIRY): string {
    const b64 = (v: object | Buffer) => (Buffer.isBuffer(v) ? v : Buffer.from(JSON.stringify(v))).toString("base64url");
    const head = `${b64({ alg: "HS512", typ: "JWT" })}.${b64({ iss: "prometheus", sub: accessKey, exp })}`;
    return `${head}.${b64(crypto.createHmac("sha512", secretKey).update(head).digest())}`;
}

/** The ServiceMonitor spec: the labels MinioTenant puts on the `minio` Service, both metric paths over TLS. */
export function minioServiceMonitorSpec(
    selector: Readonly<Record<string, string>>,
    namespace: string,
): Record<string, unknown> {
    const n = minioNames(namespace);
    const endpoint = (path: string) => ({
        port: MINIO_SERVICE_PORT,
        scheme: "https",
        path,
        interval: "60s",
        authorization: { type: "Bearer", credentials: { name: n.metricsToken, key: "token" } },
        tlsConfig: {
            ca: { secret: { name: n.ca, key: "public.crt" } },
            serverName: serviceFqdn(n.operatorService, namespace),
        },
    });
    return {
        selector: { matchLabels: { ...selector } },
        namespaceSelector: { matchNames: [namespace] },
        endpoints: Object.values(METRICS_PATHS).map(endpoint),
    };
}

/** What the alerts select. */
export interface MinioAlertScope {
    readonly namespace: string;
    /** The Service scraped (the `service` label of every series). */
    readonly service: string;
    /** Name of the setup Jobs' prefix (`files-setup-`). */
    readonly jobPrefix: string;
    /** Whether this stack's Job configures the two-way replication (replication alerts then apply). */
    readonly replication: boolean;
    /** Used fraction of usable capacity that alerts. Defaults to 0.8. */
    readonly capacityFraction?: number;
}

const RUNBOOK = "docs/minio.md#alerts";

/**
 * Drives and servers offline, capacity, healing, replication failures and lag, and the setup Job. Every
 * server reports the cluster metrics, so expressions aggregate with max/min over the servers.
 */
export function minioAlertRules(s: MinioAlertScope): AlertRule[] {
    const sel = `namespace="${s.namespace}", service="${s.service}"`;
    const frac = s.capacityFraction ?? 0.8;
    const rules: AlertRule[] = [
        {
            alert: "MinioDrivesOffline",
            expr: `max by (namespace) (minio_cluster_drive_offline_total{${sel}}) > 0`,
            for: "5m",
            severity: "critical",
            summary: "MinIO in {{ $labels.namespace }} has {{ $value }} drive(s) offline",
            description:
                "Objects are served from parity; with as many drives lost as the parity, the next loss stops reads and writes. Check the PVCs and nodes of the MinIO pods.",
            runbook: RUNBOOK,
        },
        {
            alert: "MinioNodesOffline",
            expr: `max by (namespace) (minio_cluster_nodes_offline_total{${sel}}) > 0`,
            for: "5m",
            severity: "critical",
            summary: "MinIO in {{ $labels.namespace }} has {{ $value }} server(s) offline",
            description:
                "One server down is within the erasure parity (reads and writes continue, no margin left); a second stops writes.",
            runbook: RUNBOOK,
        },
        {
            alert: "MinioErasureSetUnhealthy",
            expr: `min by (namespace, pool, set) (minio_cluster_health_erasure_set_status{${sel}}) < 1`,
            for: "2m",
            severity: "critical",
            summary: "MinIO erasure set {{ $labels.set }} of pool {{ $labels.pool }} lost quorum",
            description: "Reads or writes fail for objects of this erasure set.",
            runbook: RUNBOOK,
        },
        {
            alert: "MinioCapacityHigh",
            expr: `max by (namespace) (1 - minio_cluster_capacity_usable_free_bytes{${sel}} / minio_cluster_capacity_usable_total_bytes{${sel}}) > ${frac}`,
            for: "15m",
            severity: "warning",
            summary: `MinIO in {{ $labels.namespace }} uses over ${Math.round(frac * 100)}% of its usable capacity`,
            description:
                "Add a server pool (grow the tenant) or shorten minioTransitionDays so objects move to the AWS tier sooner.",
            runbook: RUNBOOK,
        },
        {
            alert: "MinioHealingBacklog",
            expr: `max by (namespace, pool, set) (minio_cluster_health_erasure_set_healing_drives{${sel}}) > 0`,
            for: "6h",
            severity: "warning",
            summary: "MinIO erasure set {{ $labels.set }} has drives healing for over 6 hours",
            description:
                "A replaced or returned drive is still being healed; until it finishes, the set has less redundancy than its parity. Check mc admin heal status.",
            runbook: RUNBOOK,
        },
        {
            alert: "MinioHealErrors",
            expr: `max by (namespace) (minio_heal_objects_errors_total{${sel}}) > 0`,
            for: "30m",
            severity: "warning",
            summary: "MinIO failed to heal {{ $value }} object(s) in the current healing run",
            description:
                "Objects that cannot be healed stay with reduced redundancy. Check mc admin heal status and the drives.",
            runbook: RUNBOOK,
        },
        {
            alert: "MinioSetupJobFailed",
            expr: `max by (namespace, job_name) (kube_job_status_failed{namespace="${s.namespace}", job_name=~"${s.jobPrefix}.*"}) > 0`,
            for: "1m",
            severity: "critical",
            summary: "MinIO setup Job {{ $labels.job_name }} failed",
            description:
                "Buckets, versioning, lifecycle, the AWS tier, users or replication may be missing. Read the Job's log, fix the cause and re-run it (pulumi up --refresh).",
            runbook: RUNBOOK,
        },
    ];
    if (s.replication) {
        rules.push(
            {
                alert: "MinioReplicationFailures",
                expr: `max by (namespace, bucket) (minio_bucket_replication_last_hour_failed_count{${sel}}) > 0`,
                for: "10m",
                severity: "critical",
                summary:
                    "MinIO bucket {{ $labels.bucket }}: {{ $value }} object(s) failed to replicate in the last hour",
                description:
                    "The other region is missing these objects; failed objects are retried. Check the replication endpoint, the replication user and mc replicate status.",
                runbook: RUNBOOK,
            },
            {
                alert: "MinioReplicationLag",
                expr: `max by (namespace, bucket) (minio_bucket_replication_latency_ms{${sel}}) > 60000`,
                for: "15m",
                severity: "warning",
                summary: "MinIO bucket {{ $labels.bucket }} replicates with over 60 s latency",
                description: "Objects reach the other region late: a region loss now loses more than usual.",
                runbook: RUNBOOK,
            },
        );
    }
    return rules;
}

/** Arguments of MinioMonitoring. */
export interface MinioMonitoringArgs {
    readonly namespace: string;
    /** The labels MinioTenant puts on the `minio` Service (serviceMetadata.minioServiceLabels). */
    readonly serviceLabels: Readonly<Record<string, string>>;
    /** Labels of the monitoring objects. */
    readonly labels: Readonly<Record<string, string>>;
    /** The root credentials the token is signed with (password secret). */
    readonly rootUser: string;
    readonly rootPassword: pulumi.Input<string>;
    /** Whether the replication alerts apply. */
    readonly replication: boolean;
    /** The prometheus-operator CRDs. Defaults to none. */
    readonly dependsOn?: pulumi.Resource[];
}

/** The metrics token Secret, the ServiceMonitor and the PrometheusRule of one tenant. */
export class MinioMonitoring extends pulumi.ComponentResource {
    public readonly serviceMonitor: k8s.apiextensions.CustomResource;

    constructor(name: string, args: MinioMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("geo:minio:MinioMonitoring", name, {}, opts);
        const ns = args.namespace;
        const n = minioNames(ns);
        const labels = { ...args.labels };
        const token = new k8s.core.v1.Secret(
            `${name}-token`,
            {
                metadata: meta(n.metricsToken, ns, labels),
                type: "Opaque",
                stringData: {
                    token: pulumi.secret(
                        pulumi.output(args.rootPassword).apply((p) => prometheusToken(args.rootUser, p)),
                    ),
                },
            },
            { parent: this, additionalSecretOutputs: ["stringData", "data"] },
        );
        const crOpts = { parent: this, dependsOn: [...(args.dependsOn ?? []), token] };
        this.serviceMonitor = monitoringResource(
            `${name}-service-monitor`,
            "ServiceMonitor",
            meta(n.monitor, ns, labels),
            minioServiceMonitorSpec(args.serviceLabels, ns),
            crOpts,
        );
        monitoringResource(
            `${name}-rules`,
            "PrometheusRule",
            meta(n.rules, ns, labels),
            prometheusRuleSpec(
                "minio",
                minioAlertRules({
                    namespace: ns,
                    service: n.operatorService,
                    jobPrefix: `${n.tenant}-setup-`,
                    replication: args.replication,
                }),
            ),
            { parent: this, dependsOn: args.dependsOn ?? [] },
        );
        this.registerOutputs({});
    }
}
