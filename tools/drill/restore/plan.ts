/**
 * What the restore drill needs from a rendered stack, read from the render itself (out/<stack>/manifests.yaml
 * and resources.json, or a RenderResult in the specs) — never from constants: the ObjectStore, the Cluster's
 * Barman Cloud plugin parameters and externalClusters, its PostgreSQL parameters, the ScheduledBackup, and
 * the backup bucket's lifecycle and replication rules. Pure: no I/O except `loadStackPlan`.
 */
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";

export const BARMAN_PLUGIN = "barman-cloud.cloudnative-pg.io";
const CLUSTER = "postgresql.cnpg.io/v1/Cluster";
const OBJECT_STORE = "barmancloud.cnpg.io/v1/ObjectStore";
const SCHEDULED_BACKUP = "postgresql.cnpg.io/v1/ScheduledBackup";
const LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration";
const REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig";

/** An ObjectStore (barmancloud.cnpg.io/v1) as the drill uses it. */
export interface ObjectStorePlan {
    readonly name: string;
    readonly destinationPath: string;
    /** Bucket and key prefix of destinationPath (`s3://<bucket>/<prefix>`; prefix without slashes around it). */
    readonly bucket: string;
    readonly prefix: string;
    readonly endpointURL?: string;
    readonly cloudProvider: "aws-s3" | "azure-blob-storage" | "google-cloud-storage" | undefined;
    readonly data: {
        readonly compression?: string;
        readonly encryption?: string;
        readonly jobs?: number;
        readonly immediateCheckpoint?: boolean;
        readonly additionalCommandArgs: readonly string[];
    };
    readonly wal: {
        readonly compression?: string;
        readonly encryption?: string;
        readonly maxParallel?: number;
        readonly archiveAdditionalCommandArgs: readonly string[];
        readonly restoreAdditionalCommandArgs: readonly string[];
    };
    readonly retentionPolicy?: string;
}

/** A server's archive as a Cluster names it: which ObjectStore, which serverName. */
export interface ArchiveRef {
    /** The externalClusters entry name (or the Cluster's own name in the pair, for its own archive). */
    readonly cluster: string;
    readonly barmanObjectName: string;
    readonly serverName: string;
}

/** An S3 lifecycle rule of a bucket, reduced to what can remove or hide a backup object. */
export interface LifecycleRule {
    readonly id: string;
    readonly prefix: string;
    readonly enabled: boolean;
    readonly expirationDays?: number;
    readonly transitions: readonly { days: number; storageClass: string }[];
}

/** An S3 replication rule: source bucket, destination bucket, key prefix it selects. */
export interface ReplicationRule {
    readonly resource: string;
    readonly id: string;
    readonly sourceBucket: string;
    readonly destinationBucket: string;
    readonly prefix: string;
    readonly enabled: boolean;
}

/** Everything the drill reads from one stack's render. */
export interface StackBackupPlan {
    readonly stack: string;
    readonly namespace: string;
    readonly clusterName: string;
    /** spec.replica.self / primary: this Cluster's and the primary's names in the pair. */
    readonly self: string;
    readonly primary: string;
    readonly imageName: string;
    /** spec.storage.size, e.g. 100Gi. */
    readonly storageSize: string;
    readonly parameters: Readonly<Record<string, string>>;
    /** The Cluster's WAL-archiving plugin entry: its own archive. */
    readonly archive: ArchiveRef;
    readonly externalClusters: readonly ArchiveRef[];
    readonly objectStores: readonly ObjectStorePlan[];
    readonly schedule?: { name: string; schedule: string; method: string };
    readonly lifecycle: readonly LifecycleRule[];
    /** Replication rules this stack renders (both directions may be rendered by one stack). */
    readonly replication: readonly ReplicationRule[];
}

/** A Kubernetes object or recorded resource, loosely typed (rendered YAML / resources.json). */
type Obj = Record<string, any>;
export interface ResourceLike {
    readonly type: string;
    readonly name: string;
    readonly inputs: Obj;
}

/** `s3://bucket/a/b` → {bucket, prefix: "a/b"}; throws naming the ObjectStore on anything else. */
export function splitDestination(destinationPath: string, store = "ObjectStore"): { bucket: string; prefix: string } {
    const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(destinationPath);
    if (!m) throw new Error(`${store}: destinationPath "${destinationPath}" is not s3://<bucket>[/<prefix>]`);
    return { bucket: m[1], prefix: (m[2] ?? "").replace(/^\/+|\/+$/g, "") };
}

/** The key prefix Barman writes a server's archive under: `<prefix>/<serverName>/`. */
export function archivePrefix(store: { prefix: string }, serverName: string): string {
    return `${store.prefix ? `${store.prefix}/` : ""}${serverName}/`;
}

function objectStorePlan(o: Obj): ObjectStorePlan {
    const name = `ObjectStore ${o.metadata?.namespace}/${o.metadata?.name}`;
    const c = o.spec?.configuration ?? {};
    if (typeof c.destinationPath !== "string")
        throw new Error(`${name}: spec.configuration.destinationPath is missing`);
    const { bucket, prefix } = splitDestination(c.destinationPath, name);
    return {
        name: o.metadata.name,
        destinationPath: c.destinationPath,
        bucket,
        prefix,
        endpointURL: c.endpointURL,
        cloudProvider: c.s3Credentials
            ? "aws-s3"
            : c.azureCredentials
              ? "azure-blob-storage"
              : c.googleCredentials
                ? "google-cloud-storage"
                : undefined,
        data: {
            compression: c.data?.compression,
            encryption: c.data?.encryption,
            jobs: c.data?.jobs,
            immediateCheckpoint: c.data?.immediateCheckpoint,
            additionalCommandArgs: c.data?.additionalCommandArgs ?? [],
        },
        wal: {
            compression: c.wal?.compression,
            encryption: c.wal?.encryption,
            maxParallel: c.wal?.maxParallel,
            archiveAdditionalCommandArgs: c.wal?.archiveAdditionalCommandArgs ?? [],
            restoreAdditionalCommandArgs: c.wal?.restoreAdditionalCommandArgs ?? [],
        },
        retentionPolicy: o.spec?.retentionPolicy,
    };
}

function archiveRef(cluster: string, plugin: Obj | undefined, where: string): ArchiveRef {
    if (!plugin || plugin.name !== BARMAN_PLUGIN) throw new Error(`${where}: no ${BARMAN_PLUGIN} plugin entry`);
    const p = plugin.parameters ?? {};
    if (!p.barmanObjectName) throw new Error(`${where}: plugin parameters.barmanObjectName is missing`);
    // The plugin defaults serverName to the Cluster's name (barman-cloud pkg/archiver: clusterName).
    return { cluster, barmanObjectName: p.barmanObjectName, serverName: p.serverName ?? cluster };
}

const gvk = (o: Obj) => `${o.apiVersion}/${o.kind}`;

/**
 * Reads one stack's backup plan from its Kubernetes objects and recorded resources. Throws a message naming
 * the missing object or field.
 */
export function stackBackupPlan(
    stack: string,
    objects: readonly Obj[],
    resources: readonly ResourceLike[],
): StackBackupPlan {
    const clusters = objects.filter((o) => o && gvk(o) === CLUSTER);
    if (clusters.length !== 1)
        throw new Error(`${stack}: expected one CloudNativePG Cluster in the render, found ${clusters.length}`);
    const cluster = clusters[0];
    const where = `${stack}: Cluster ${cluster.metadata.namespace}/${cluster.metadata.name}`;
    const spec = cluster.spec ?? {};
    const walPlugin = (spec.plugins ?? []).find((p: Obj) => p.name === BARMAN_PLUGIN && p.isWALArchiver);
    const self = spec.replica?.self ?? cluster.metadata.name;
    const archive = archiveRef(self, walPlugin, `${where} spec.plugins (isWALArchiver)`);
    const externalClusters = (spec.externalClusters ?? [])
        .filter((e: Obj) => e.plugin)
        .map((e: Obj) => archiveRef(e.name, e.plugin, `${where} externalClusters[${e.name}]`));
    const objectStores = objects
        .filter((o) => o && gvk(o) === OBJECT_STORE && o.metadata.namespace === cluster.metadata.namespace)
        .map(objectStorePlan);
    const sb = objects.find((o) => o && gvk(o) === SCHEDULED_BACKUP && o.spec?.cluster?.name === cluster.metadata.name);
    const stores = new Set(objectStores.map((s) => s.bucket));
    const lifecycle = resources
        .filter((r) => r.type === LIFECYCLE && stores.has(r.inputs.bucket))
        .flatMap((r) => (r.inputs.rules ?? []).map(lifecycleRule));
    const replication = resources
        .filter((r) => r.type === REPLICATION)
        .flatMap((r) => (r.inputs.rules ?? []).map((rule: Obj) => replicationRule(r, rule)));
    return {
        stack,
        namespace: cluster.metadata.namespace,
        clusterName: cluster.metadata.name,
        self,
        primary: spec.replica?.primary ?? self,
        imageName: spec.imageName ?? "",
        storageSize: spec.storage?.size ?? "",
        parameters: spec.postgresql?.parameters ?? {},
        archive,
        externalClusters,
        objectStores,
        schedule: sb && { name: sb.metadata.name, schedule: sb.spec.schedule, method: sb.spec.method },
        lifecycle,
        replication,
    };
}

function lifecycleRule(rule: Obj): LifecycleRule {
    return {
        id: rule.id,
        prefix: rule.filter?.prefix ?? rule.filter?.and?.prefix ?? rule.prefix ?? "",
        enabled: rule.status === "Enabled",
        expirationDays: rule.expiration?.days,
        transitions: (rule.transitions ?? []).map((t: Obj) => ({ days: t.days ?? 0, storageClass: t.storageClass })),
    };
}

function replicationRule(r: ResourceLike, rule: Obj): ReplicationRule {
    const dest = String(rule.destination?.bucket ?? "");
    return {
        resource: r.name,
        id: rule.id,
        sourceBucket: r.inputs.bucket,
        destinationBucket: dest.replace(/^arn:aws:s3:::/, ""),
        prefix: rule.filter?.prefix ?? rule.filter?.and?.prefix ?? rule.prefix ?? "",
        enabled: rule.status === "Enabled",
    };
}

/** The ObjectStore a reference names, or an error naming the reference. */
export function storeOf(plan: StackBackupPlan, ref: ArchiveRef): ObjectStorePlan {
    const s = plan.objectStores.find((o) => o.name === ref.barmanObjectName);
    if (!s)
        throw new Error(
            `${plan.stack}: ${ref.cluster} names barmanObjectName "${ref.barmanObjectName}", but the render has no ` +
                `ObjectStore of that name in ${plan.namespace} (has: ${plan.objectStores.map((o) => o.name).join(", ") || "none"})`,
        );
    return s;
}

/** Reads out/<stack>/manifests.yaml and resources.json (written by `npm run plan`). */
export function loadStackPlan(outDir: string, stack: string): StackBackupPlan {
    const manifests = path.join(outDir, stack, "manifests.yaml");
    const resourcesFile = path.join(outDir, stack, "resources.json");
    for (const f of [manifests, resourcesFile])
        if (!fs.existsSync(f)) throw new Error(`${f} is missing: run npm run plan first (or pass --plan)`);
    const objects = yaml.loadAll(fs.readFileSync(manifests, "utf8")).filter(Boolean) as Obj[];
    const resources = JSON.parse(fs.readFileSync(resourcesFile, "utf8")) as ResourceLike[];
    return stackBackupPlan(stack, objects, resources);
}
