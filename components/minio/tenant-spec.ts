/**
 * The pure builders of MinioTenant: its resolved args and their validation, the Tenant (minio.min.io/v2,
 * operator v7.1.1) spec, and the Services applications and the other region use. Validated against
 * ../shared/crds/minio-operator by `npm run plan`.
 *
 * Seed field → what the pinned operator offers (docs/minio.md has the full table): `console`/`consoleSecret`
 * (removed in operator v4.2.0; the console is embedded in the server, `:9443` with TLS) → nothing to set,
 * the console port is rendered on our `files-api` Service as the seed's 9001; `creationDate` → none (status
 * only); `configuration` → the `files-env` Secret's `config.env` (root credentials); `requestAutoCert:
 * false` + empty `certConfig` → `externalCertSecret`/`externalCaCertSecret` with the pair's CA.
 */
import * as k8s from "@pulumi/kubernetes";
import type { MinioConfig } from "../../config/minio";
import { HOST_KEY, ZONE_KEY, containerSecurityContext, podSecurityContext, zoneSpread } from "../shared/k8s";
import { selectorLabels } from "../shared/labels";
import { argChecks, dnsLabel, dnsName } from "../shared/validate";
import { parityProblem } from "./geometry";
import {
    CONSOLE_TLS_PORT,
    MINIO_APP,
    MINIO_PORT,
    OPERATOR_LABELS,
    POOL_NAME,
    SEED_CONSOLE_PORT,
    SEED_S3_PORT,
    TENANT_NAME,
    minioNames,
} from "./naming";

/** UID/GID of the MinIO server (the operator's default, minio-statefulset.go poolContainerSecurityContext). */
export const MINIO_UID = 1000;

/** The Tenant's pod security context: non-root 1000, fsGroup for the volumes, RuntimeDefault seccomp. */
export function minioPodSecurityContext(): Record<string, unknown> {
    return { ...podSecurityContext(MINIO_UID) };
}

/**
 * The container security context in full (the operator's default sets only the user and non-root). The
 * root filesystem stays writable: the operator's own hardened example does not make it read-only, and we
 * have not verified that the server starts with one.
 */
export function minioContainerSecurityContext(): Record<string, unknown> {
    return {
        ...containerSecurityContext(false),
        runAsUser: MINIO_UID,
        runAsGroup: MINIO_UID,
    };
}

/** The labels of everything MinIO of the tenant; also put on the `minio` Service for the ServiceMonitor. */
export function tenantLabels(component: string): Record<string, string> {
    return selectorLabels({ app: MINIO_APP, instance: TENANT_NAME, component });
}

/** The pod selector of the tenant's servers (the label the operator sets). */
export function serverSelector(): Record<string, string> {
    return { [OPERATOR_LABELS.tenant]: TENANT_NAME };
}

/** What the Tenant spec is built from. */
export interface TenantSpecInput {
    readonly namespace: string;
    readonly image: string;
    readonly minio: Pick<
        MinioConfig,
        "servers" | "volumesPerServer" | "volumeSize" | "storageClass" | "parity" | "resources"
    >;
    /** Labels of the pods (the operator adds its own). */
    readonly podLabels: Record<string, string>;
    /** Labels the operator puts on its `minio` and console Services. */
    readonly serviceLabels: Record<string, string>;
}

/** Checks the input; throws naming the property and what is allowed. */
export function validateTenantSpecInput(t: TenantSpecInput): TenantSpecInput {
    const { check } = argChecks("MinioTenant");
    check("namespace", t.namespace, dnsLabel(t.namespace));
    check("minio.servers", t.minio.servers, t.minio.servers >= 4 ? undefined : "expected at least 4");
    check(
        "minio.volumesPerServer",
        t.minio.volumesPerServer,
        t.minio.volumesPerServer >= 4 ? undefined : "expected at least 4",
    );
    check("minio.parity", t.minio.parity, parityProblem(t.minio.servers, t.minio.volumesPerServer, t.minio.parity));
    check("minio.storageClass", t.minio.storageClass, dnsName(t.minio.storageClass));
    check("image", t.image, /:[^/]+$|@sha256:/.test(t.image) ? undefined : "expected a pinned image (tag or digest)");
    return t;
}

/** The Tenant's `spec`. */
export function tenantSpec(t: TenantSpecInput): Record<string, unknown> {
    const n = minioNames(t.namespace);
    const m = t.minio;
    const poolSelector = { ...serverSelector(), [OPERATOR_LABELS.pool]: POOL_NAME };
    return {
        image: t.image,
        imagePullPolicy: "IfNotPresent",
        configuration: { name: n.env },
        pools: [
            {
                name: POOL_NAME,
                servers: m.servers,
                volumesPerServer: m.volumesPerServer,
                volumeClaimTemplate: {
                    metadata: { name: "data" },
                    spec: {
                        accessModes: ["ReadWriteOnce"],
                        storageClassName: m.storageClass,
                        resources: { requests: { storage: m.volumeSize } },
                    },
                },
                resources: { requests: { ...m.resources.requests }, limits: { ...m.resources.limits } },
                securityContext: minioPodSecurityContext(),
                containerSecurityContext: minioContainerSecurityContext(),
                // At most ceil(servers/zones) servers per zone, and never two on one node: a node carries one
                // server's drives (4 of 16, within EC:4), not two (8, beyond it).
                topologySpreadConstraints: zoneSpread(poolSelector),
                affinity: {
                    podAntiAffinity: {
                        requiredDuringSchedulingIgnoredDuringExecution: [
                            { topologyKey: HOST_KEY, labelSelector: { matchLabels: { ...poolSelector } } },
                        ],
                    },
                },
                labels: { ...t.podLabels },
            },
        ],
        mountPath: "/export",
        subPath: "/data",
        // The pair's CA and this region's certificate (minio-certificates.ts); no operator auto-cert.
        requestAutoCert: false,
        externalCertSecret: [{ name: n.tls, type: "kubernetes.io/tls" }],
        externalCaCertSecret: [{ name: n.ca, type: "Opaque" }],
        env: [
            { name: "MINIO_STORAGE_CLASS_STANDARD", value: `EC:${m.parity}` },
            { name: "MINIO_PROMETHEUS_AUTH_TYPE", value: "jwt" },
        ],
        exposeServices: { minio: false, console: false },
        serviceMetadata: { minioServiceLabels: { ...t.serviceLabels }, consoleServiceLabels: { ...t.serviceLabels } },
        serviceAccountName: n.serviceAccount,
        prometheusOperator: false,
        features: { bucketDNS: false, enableSFTP: false },
        podManagementPolicy: "Parallel",
        logging: { json: true },
    };
}

/** The Service applications use: the seed's ports, 9000 S3 and 9001 console, both TLS. */
export function apiServiceSpec(): k8s.types.input.core.v1.ServiceSpec {
    return {
        type: "ClusterIP",
        selector: serverSelector(),
        ports: [
            { name: "https-s3", port: SEED_S3_PORT, targetPort: MINIO_PORT, protocol: "TCP" },
            { name: "https-console", port: SEED_CONSOLE_PORT, targetPort: CONSOLE_TLS_PORT, protocol: "TCP" },
        ],
    };
}

/** The internal NLB the other region's MinIO replicates to (S3 port only). */
export function replicationServiceSpec(
    loadBalancerSourceRanges: readonly string[] = [],
): k8s.types.input.core.v1.ServiceSpec {
    return {
        type: "LoadBalancer",
        ...(loadBalancerSourceRanges.length ? { loadBalancerSourceRanges: [...loadBalancerSourceRanges] } : {}),
        selector: serverSelector(),
        ports: [{ name: "https-s3", port: MINIO_PORT, targetPort: MINIO_PORT, protocol: "TCP" }],
    };
}

/** The zone key the servers spread over (for docs and specs). */
export const SPREAD_KEY = ZONE_KEY;
