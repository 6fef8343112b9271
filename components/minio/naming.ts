/**
 * Names, ports and labels of the MinIO tenant: what the operator creates (checked against minio/operator
 * v7.1.1 pkg/apis/minio.min.io/v2/{names,labels,constants}.go and pkg/resources/services/service.go), what
 * this program adds, and the typed network description other components (NetworkPolicies) wire onto.
 */
import { regionalHostname } from "../shared/naming";

/** The Tenant's name in every region (one tenant per namespace, as the operator requires). */
export const TENANT_NAME = "files";
/** The pool's name (pods are `<tenant>-<pool>-<i>`). */
export const POOL_NAME = "pool-0";

/** Pod labels the operator sets (labels.go MinIOPodLabels, minio-statefulset.go PoolLabel). */
export const OPERATOR_LABELS = { tenant: "v1.min.io/tenant", pool: "v1.min.io/pool" } as const;

/** Ports of the MinIO server container (constants.go: MinIOPort, ConsoleTLSPort with TLS). */
export const MINIO_PORT = 9000;
export const CONSOLE_TLS_PORT = 9443;
/** Ports of the application Service (the seed's 9000 S3, 9001 console). */
export const SEED_S3_PORT = 9000;
export const SEED_CONSOLE_PORT = 9001;
/** Metrics paths the ServiceMonitor scrapes (MinIO metrics v2; served on the S3 port). */
export const METRICS_PATHS = { cluster: "/minio/v2/metrics/cluster", bucket: "/minio/v2/metrics/bucket" } as const;

/** The `app.kubernetes.io/name` of everything MinIO. */
export const MINIO_APP = "minio";

/** Kubernetes names of the tenant's objects in `namespace`. */
export function minioNames(namespace: string) {
    const t = TENANT_NAME;
    return {
        tenant: t,
        /** The operator's ClusterIP Service (always `minio`, service.go NewClusterIPForMinIO): 443 → 9000 with TLS. */
        operatorService: "minio",
        /** The operator's headless Service. */
        headless: `${t}-hl`,
        /** The operator's console Service (9443 with TLS). */
        operatorConsole: `${t}-console`,
        /** Ours: what applications use, the seed's ports 9000 (S3) and 9001 (console). */
        api: `${t}-api`,
        /** Ours: the internal NLB the other region's MinIO replicates to. */
        replication: `${t}-replication`,
        /** `config.env` with the root credentials (spec.configuration). */
        env: `${t}-env`,
        /** Root credentials as basic-auth (read by the setup Job). */
        root: `${t}-root`,
        /** The application user's credentials (basic-auth). */
        app: `${t}-app`,
        /** The replication user's credentials (basic-auth). */
        replicationUser: `${t}-replication-user`,
        tls: `${t}-tls`,
        ca: `${t}-ca`,
        /** The bearer token Prometheus scrapes with. */
        metricsToken: `${t}-metrics-token`,
        /** The ServiceAccount of the MinIO pods (IRSA role for the AWS tier bucket). */
        serviceAccount: `${t}-minio`,
        pdb: t,
        monitor: t,
        rules: `${t}-alerts`,
        /** The setup Job's name carries a hash of what it runs. */
        setupJob: (hash: string) => `${t}-setup-${hash}`,
        namespace,
    };
}

/** In-cluster DNS name of a Service. */
export function serviceFqdn(service: string, namespace: string): string {
    return `${service}.${namespace}.svc.cluster.local`;
}

/** The DNS label of the cross-region endpoint: `minio.<region>.<dnsZone>`. */
export const REPLICATION_LABEL = "minio";

/** The cross-region endpoint (host:port) of a region's tenant. */
export function replicationEndpoint(region: string, dnsZone: string): string {
    return `${regionalHostname(REPLICATION_LABEL, region, dnsZone)}:${MINIO_PORT}`;
}

/** The server certificate's DNS names: every Service in every in-cluster form, the pods, the cross-region name. */
export function minioDnsNames(namespace: string, region: string, dnsZone: string): string[] {
    const n = minioNames(namespace);
    const out: string[] = [];
    for (const svc of [n.operatorService, n.operatorConsole, n.api, n.replication, n.headless]) {
        out.push(svc, `${svc}.${namespace}`, `${svc}.${namespace}.svc`, serviceFqdn(svc, namespace));
    }
    // Pods talk to each other as <tenant>-<pool>-<i>.<tenant>-hl.<ns>.svc.cluster.local (helper.go MinIOHosts).
    out.push(`*.${serviceFqdn(n.headless, namespace)}`, regionalHostname(REPLICATION_LABEL, region, dnsZone));
    return out;
}

/** One port of the network description. */
export interface MinioPort {
    readonly port: number;
    readonly protocol: "TCP";
    /** What uses it. */
    readonly purpose: string;
    /** Reached from the other region (through the internal NLB), not only in-cluster. */
    readonly crossRegion: boolean;
}

/**
 * What a NetworkPolicy needs to know about the tenant's pods: their labels and the container ports they
 * receive on. The S3 port carries S3 clients, the other MinIO pods (internode), Prometheus (metrics, on
 * the same port) and the peer region's replication; the console port only in-cluster clients.
 */
export interface MinioNetwork {
    readonly namespace: string;
    /** Labels every MinIO server pod carries (set by the operator). */
    readonly podSelector: Readonly<Record<string, string>>;
    readonly ports: {
        readonly s3: MinioPort;
        readonly console: MinioPort;
        readonly metrics: MinioPort & { readonly paths: readonly string[] };
    };
    /** The setup Job's pods (they reach the local tenant and, in the `role: secondary` stack, the peer's NLB). */
    readonly setupJobSelector: Readonly<Record<string, string>>;
}

/** The network description of the tenant in `namespace`. */
export function minioNetwork(namespace: string): MinioNetwork {
    return {
        namespace,
        podSelector: { [OPERATOR_LABELS.tenant]: TENANT_NAME },
        ports: {
            s3: { port: MINIO_PORT, protocol: "TCP", purpose: "S3 API, internode, replication", crossRegion: true },
            console: { port: CONSOLE_TLS_PORT, protocol: "TCP", purpose: "console (HTTPS)", crossRegion: false },
            metrics: {
                port: MINIO_PORT,
                protocol: "TCP",
                purpose: "Prometheus metrics (bearer JWT)",
                crossRegion: false,
                paths: Object.values(METRICS_PATHS),
            },
        },
        setupJobSelector: {
            "app.kubernetes.io/name": MINIO_APP,
            "app.kubernetes.io/instance": TENANT_NAME,
            "app.kubernetes.io/component": "setup",
        },
    };
}
