/**
 * Helpers shared by the policies: reading Kubernetes objects out of Pulumi resource props. Pure functions.
 */
import { mcCommands } from "../components/minio/mc-script";
import { labelSelectorMatches } from "../components/shared/selector";

/** True for any Kubernetes object registered through @pulumi/kubernetes (not providers, charts or files). */
export function isKubernetesObject(type: string): boolean {
    return (
        type.startsWith("kubernetes:") &&
        !type.startsWith("kubernetes:helm.sh/") &&
        !type.startsWith("kubernetes:yaml/")
    );
}

/** `group/version:Kind` → Kind (`kubernetes:apps/v1:StatefulSet` → StatefulSet). */
export function kindOf(type: string): string {
    return type.slice(type.lastIndexOf(":") + 1);
}

/** The pod spec(s) inside a workload object's props (Deployment, StatefulSet, Job, CronJob, DaemonSet). */
export function podSpecs(props: Record<string, any>): Record<string, any>[] {
    const spec = props?.spec;
    const out: Record<string, any>[] = [];
    if (spec?.template?.spec) out.push(spec.template.spec);
    if (spec?.jobTemplate?.spec?.template?.spec) out.push(spec.jobTemplate.spec.template.spec);
    return out;
}

/** Every container image named in a Kubernetes object's props, with a JSON-ish path for messages. */
export function imagesOf(props: Record<string, any>): { path: string; image: string }[] {
    const found: { path: string; image: string }[] = [];
    podSpecs(props).forEach((pod, i) => {
        for (const field of ["initContainers", "containers"] as const) {
            (pod[field] ?? []).forEach((c: any) => {
                if (typeof c?.image === "string")
                    found.push({ path: `pod[${i}].${field}[${c.name}].image`, image: c.image });
            });
        }
    });
    // Operator CRs that take an image directly.
    if (typeof props?.spec?.imageName === "string") found.push({ path: "spec.imageName", image: props.spec.imageName });
    if (typeof props?.spec?.image === "string") found.push({ path: "spec.image", image: props.spec.image });
    return found;
}

/**
 * Why an image reference is not pinned, or undefined when it is: a digest (`@sha256:…`) or a tag other than
 * `latest` (and other than a bare major like `7`, which floats).
 */
export function unpinnedReason(image: string): string | undefined {
    if (/@sha256:[0-9a-f]{64}$/.test(image)) return undefined;
    const slash = image.lastIndexOf("/");
    const colon = image.lastIndexOf(":");
    if (colon <= slash) return "has no tag (it means :latest)";
    const tag = image.slice(colon + 1);
    if (tag === "latest") return "uses the floating tag :latest";
    if (/^v?[0-9]+(-[a-z]+)?$/.test(tag)) return `uses the floating major-version tag :${tag}`;
    return undefined;
}

/** Type tokens of the custom resources and AWS resources the data-tier policies inspect. */
export const TYPES = {
    cnpgCluster: "kubernetes:postgresql.cnpg.io/v1:Cluster",
    cnpgPooler: "kubernetes:postgresql.cnpg.io/v1:Pooler",
    cnpgScheduledBackup: "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup",
    barmanObjectStore: "kubernetes:barmancloud.cnpg.io/v1:ObjectStore",
    kafka: "kubernetes:kafka.strimzi.io/v1:Kafka",
    kafkaNodePool: "kubernetes:kafka.strimzi.io/v1:KafkaNodePool",
    kafkaTopic: "kubernetes:kafka.strimzi.io/v1:KafkaTopic",
    s3Bucket: "aws:s3/bucket:Bucket",
    s3Versioning: "aws:s3/bucketVersioning:BucketVersioning",
    s3Encryption: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    s3PublicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    s3Lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    s3Replication: "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
    kmsKey: "aws:kms/key:Key",
} as const;

/** The Barman Cloud plugin's name in CloudNativePG `spec.plugins`. */
export const BARMAN_PLUGIN = "barman-cloud.cloudnative-pg.io";

/** `namespace/name` of a Kubernetes object's props (for messages). */
export function objectRef(props: Record<string, any>): string {
    const m = props?.metadata ?? {};
    return `${m.namespace ?? "default"}/${m.name ?? "?"}`;
}

/** A resource as stack policies see it (the subset used here). */
export interface StackResource {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    readonly props: Record<string, any>;
}

/**
 * The sibling resources of type `type` configuring an S3 bucket (@pulumi/aws 7 splits a bucket's
 * configuration into resources that name it in `bucket`). Matches on the bucket's name, which is known at
 * preview time when the bucket is named explicitly.
 */
export function bucketSiblings(
    resources: readonly StackResource[],
    bucket: StackResource,
    type: string,
): StackResource[] {
    const name = bucket.props?.bucket;
    if (typeof name !== "string" || name === "") return [];
    return resources.filter((r) => r.type === type && r.props?.bucket === name);
}

/** The buckets of a stack. */
export function buckets(resources: readonly StackResource[]): StackResource[] {
    return resources.filter((r) => r.type === TYPES.s3Bucket);
}

/** The display name of a bucket for messages. */
export function bucketRef(bucket: StackResource): string {
    return typeof bucket.props?.bucket === "string" ? bucket.props.bucket : bucket.name;
}

/** `s3://<bucket>/<path>` → bucket and path (without trailing slash); undefined for anything else. */
export function parseS3Url(url: unknown): { bucket: string; path: string } | undefined {
    if (typeof url !== "string") return undefined;
    const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
    return m ? { bucket: m[1], path: m[2].replace(/\/+$/, "") } : undefined;
}

/** A folder a CloudNativePG Cluster archives into (WAL and base backups), as a key prefix of its bucket. */
export interface ArchiveFolder {
    /** Key prefix with a trailing slash, `postgres/pg-use1/`. */
    readonly folder: string;
    /** `namespace/name` of the Cluster. */
    readonly cluster: string;
    /** `namespace/name` of the Barman Cloud ObjectStore (or `spec.backup.barmanObjectStore` for the in-tree one). */
    readonly objectStore: string;
}

/**
 * The folders of bucket `bucketName` the stack's Clusters archive into: for each Barman Cloud ObjectStore
 * whose `destinationPath` is `s3://<bucketName>/<path>`, every Cluster of its namespace whose
 * `spec.plugins[].parameters.barmanObjectName` names it writes `<path>/<serverName>/` (serverName defaults
 * to the Cluster's name); the deprecated in-tree `spec.backup.barmanObjectStore` counts too.
 */
export function archiveFolders(resources: readonly StackResource[], bucketName: string): ArchiveFolder[] {
    const under = (path: string, server: string) => `${path ? `${path}/` : ""}${server}/`;
    const out: ArchiveFolder[] = [];
    const clusters = resources.filter((r) => r.type === TYPES.cnpgCluster);
    for (const store of resources.filter((r) => r.type === TYPES.barmanObjectStore)) {
        const dest = parseS3Url(store.props?.spec?.configuration?.destinationPath);
        if (dest?.bucket !== bucketName) continue;
        const ns = store.props?.metadata?.namespace ?? "default";
        for (const c of clusters) {
            if ((c.props?.metadata?.namespace ?? "default") !== ns) continue;
            for (const p of c.props?.spec?.plugins ?? []) {
                if (p?.parameters?.barmanObjectName !== store.props?.metadata?.name) continue;
                const server = p.parameters.serverName ?? c.props?.metadata?.name;
                out.push({
                    folder: under(dest.path, server),
                    cluster: objectRef(c.props),
                    objectStore: objectRef(store.props),
                });
            }
        }
    }
    for (const c of clusters) {
        const inTree = c.props?.spec?.backup?.barmanObjectStore;
        const dest = parseS3Url(inTree?.destinationPath);
        if (dest?.bucket !== bucketName) continue;
        const server = inTree.serverName ?? c.props?.metadata?.name;
        out.push({
            folder: under(dest.path, server),
            cluster: objectRef(c.props),
            objectStore: "spec.backup.barmanObjectStore",
        });
    }
    return out;
}

/** True when one key prefix contains the other (a rule on either covers objects of the other). */
export function prefixesOverlap(a: string, b: string): boolean {
    return a.startsWith(b) || b.startsWith(a);
}

/** Labels of a StatefulSet's pod template (or of the object when the template has none). */
function workloadLabels(props: Record<string, any>): Record<string, string> {
    return props?.spec?.template?.metadata?.labels ?? props?.metadata?.labels ?? {};
}

/** A cluster-mode Redis StatefulSet: labelled `app.kubernetes.io/name: redis`, `app.kubernetes.io/component: cluster`. */
export function isRedisClusterStatefulSet(props: Record<string, any>): boolean {
    const l = workloadLabels(props);
    return l["app.kubernetes.io/name"] === "redis" && l["app.kubernetes.io/component"] === "cluster";
}

/** A Redis server StatefulSet (any `app.kubernetes.io/name: redis` component except `sentinel`). */
export function redisServerStatefulSet(props: Record<string, any>): boolean {
    const l = workloadLabels(props);
    return l["app.kubernetes.io/name"] === "redis" && l["app.kubernetes.io/component"] !== "sentinel";
}

/**
 * True when a label selector (`matchLabels`, and `matchExpressions` with In/NotIn/Exists/DoesNotExist) selects
 * `labels`. An empty or missing selector counts as selecting nothing here: a PDB or policy must name its pods.
 */
export function selectsPods(selector: any, labels: Record<string, string>): boolean {
    if (
        !selector ||
        (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0)
    )
        return false;
    return labelSelectorMatches(selector, labels);
}

/** The value of the last `directive value` line of a redis.conf text (Redis applies the last one), lower-cased. */
export function confValue(conf: string, directive: string): string | undefined {
    let value: string | undefined;
    for (const raw of conf.split("\n")) {
        const line = raw.trim();
        if (line === "" || line.startsWith("#")) continue;
        const [key, ...rest] = line.split(/\s+/);
        if (key.toLowerCase() === directive) value = rest.join(" ").toLowerCase();
    }
    return value;
}

// --- MinIO ----------------------------------------------------------------------------------------------

/** Type token of the MinIO operator's Tenant. */
export const MINIO_TENANT = "kubernetes:minio.min.io/v2:Tenant";

/** The shell scripts (`bash -c`/`sh -c`) of a Job's containers that run `mc`. */
export function mcScripts(props: Record<string, any>): string[] {
    return podSpecs(props)
        .flatMap((pod) => pod.containers ?? [])
        .map((c: any) => (Array.isArray(c?.command) && /^(ba)?sh$/.test(c.command[0]) ? c.command[2] : undefined))
        .filter((s: unknown): s is string => typeof s === "string" && mcCommands(s).length > 0);
}
