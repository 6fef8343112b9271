/**
 * Every pinned version in the project: container images, Helm charts and upstream manifests.
 * No image tag or chart version appears anywhere else; bump here, in one reviewed change.
 */

/** A Helm chart pinned to an exact version. */
export interface ChartPin {
    /** Chart name in its repository, or a full `oci://` reference. */
    readonly chart: string;
    /** Exact chart version. */
    readonly version: string;
    /** Classic Helm repository URL; empty for OCI charts. */
    readonly repo: string;
    /** The application version the chart ships (documentation only). */
    readonly appVersion: string;
}

/** Operator charts installed by the platform layer. */
export const charts = {
    /** CloudNativePG operator 1.30.0. */
    cloudnativePg: {
        chart: "cloudnative-pg",
        version: "0.29.0",
        repo: "https://cloudnative-pg.github.io/charts",
        appVersion: "1.30.0",
    },
    /** cert-manager, required by the Barman Cloud plugin for its mTLS certificates. */
    certManager: {
        chart: "cert-manager",
        version: "v1.19.1",
        repo: "https://charts.jetstack.io",
        appVersion: "v1.19.1",
    },
    /** Strimzi Kafka operator 1.2.0 (serves only kafka.strimzi.io/v1). */
    strimzi: {
        chart: "oci://quay.io/strimzi-helm/strimzi-kafka-operator",
        version: "1.2.0",
        repo: "",
        appVersion: "1.2.0",
    },
    /** MinIO operator 7.1.1 (Tenant minio.min.io/v2). */
    minioOperator: {
        chart: "operator",
        version: "7.1.1",
        repo: "https://operator.min.io",
        appVersion: "v7.1.1",
    },
    /** kube-prometheus-stack 88.2.0 = prometheus-operator v0.93.0 with Prometheus and Alertmanager. */
    kubePrometheusStack: {
        chart: "kube-prometheus-stack",
        version: "88.2.0",
        repo: "https://prometheus-community.github.io/helm-charts",
        appVersion: "v0.93.0",
    },
} as const satisfies Record<string, ChartPin>;

/** Upstream release manifests applied as-is (no Helm chart exists for the pinned release). */
export const manifests = {
    /** CloudNativePG Barman Cloud plugin v0.14.0 (ObjectStore barmancloud.cnpg.io/v1). */
    barmanCloudPlugin: {
        version: "v0.14.0",
        url: "https://github.com/cloudnative-pg/plugin-barman-cloud/releases/download/v0.14.0/manifest.yaml",
    },
} as const;

/** Container images used directly by this program's own workloads. */
export const images = {
    /** PostgreSQL 17 operand image for CloudNativePG (standard flavour, Debian bookworm). */
    postgres: "ghcr.io/cloudnative-pg/postgresql:17.6-standard-bookworm",
    /**
     * PostgreSQL 18 operand image (standard flavour, Debian trixie): the target of a major upgrade by logical
     * replication (config `postgresUpgradeTargetVersion: 18`, docs/operations.md).
     */
    postgres18: "ghcr.io/cloudnative-pg/postgresql:18.1-standard-trixie",
    /** PgBouncer for CloudNativePG Poolers: the default of CloudNativePG 1.30.0, pinned here so it changes only on purpose. */
    pgbouncer: "ghcr.io/cloudnative-pg/pgbouncer:1.25.1",
    /** Redis 7.4 (RSALv2/SSPLv1 since 7.4; choose `redisEngine: valkey` for a BSD-licensed server). */
    redis: "docker.io/library/redis:7.4.6-alpine",
    /** Valkey 8.1, the BSD-licensed Redis fork, selectable with `redisEngine: valkey`. */
    valkey: "docker.io/valkey/valkey:8.1.4-alpine",
    /** kubectl (Alpine, with a shell): copied into the sessions pods for their role-label sidecar. */
    kubectl: "docker.io/alpine/kubectl:1.35.1",
    /** Prometheus exporter sidecar for Redis/Valkey. */
    redisExporter: "docker.io/oliver006/redis_exporter:v1.80.0",
    /** MinIO server for the Tenant. */
    minio: "quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z",
    /**
     * cert-manager's own API readiness check (the image of the chart's `startupapicheck` Job, same release as
     * charts.certManager): the Job that gates the Barman Cloud plugin on a serving cert-manager webhook.
     */
    certManagerStartupApiCheck: "quay.io/jetstack/cert-manager-startupapicheck:v1.19.1",
    /** Prometheus blackbox exporter: the cross-region reachability probes (components/monitoring/cross-region-watch.ts). */
    blackboxExporter: "quay.io/prometheus/blackbox-exporter:v0.25.0",
    /** MinIO client used by the bucket/replication Job. */
    minioClient: "quay.io/minio/mc:RELEASE.2025-08-13T08-35-41Z",
} as const;

/** The PostgreSQL major version of `images.postgres` (CloudNativePG reads the major from the tag). */
export const POSTGRES_MAJOR = 17;

/** Pinned operand images of the PostgreSQL majors a cluster can be upgraded to, by major version. */
export const postgresUpgradeImages: Readonly<Record<number, string>> = Object.freeze({ 18: images.postgres18 });

/**
 * Kafka version run by Strimzi 1.2: its default, 4.3.1 (Strimzi 1.2.0's kafka-versions.yaml supports 4.2.0–4.3.1;
 * 4.1.x is listed as unsupported there). Operand images follow from the operator and this version.
 */
export const kafkaVersion = "4.3.1";
/** KRaft metadata version of kafkaVersion (kafka-versions.yaml `metadata` of 4.3.1). */
export const kafkaMetadataVersion = "4.3-IV0";
