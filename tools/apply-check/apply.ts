/**
 * Applying rendered objects to a real API server: dependency order, the pinned CRDs, server-side apply,
 * Pod Security at the namespace's enforce level (a dry-run Pod from every pod template), and the findings.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { isKubernetesObject } from "../../policies/lib";
import { REDACTED, RecordedOptions, RecordedResource } from "../harness";
import { toObject } from "../manifests";
import { KubeClient, KubeResponse, failureMessage } from "./kube";

/** The field manager of every apply (Pulumi's provider uses its own; one manager here keeps ownership simple). */
export const FIELD_MANAGER = "geo-data-apply-check";

/** One object to apply and the Pulumi resource options that decide how an update of it is carried out. */
export interface Entry {
    obj: Record<string, any>;
    /** The Pulumi resource name (`geo-redis-cache-statefulset`). */
    resource: string;
    options: RecordedOptions;
}

/** An object named in a report. */
export interface ObjectRef {
    kind: string;
    name: string;
    namespace?: string;
}

/** A rejection or warning, with the object it is about. */
export interface Finding extends ObjectRef {
    message: string;
}

/** An admission warning; `level` says whether it breaks the namespace's Pod Security enforce level. */
export interface Warning extends Finding {
    /** `enforce`: Pod Security at the namespace's enforce level (fails the check); `warn`: Pod Security at the
     * namespace's warn level only; `other`: any other server warning (deprecations, unknown fields…). */
    level: "enforce" | "warn" | "other";
}

/** A Pulumi resource with no object to apply offline, and why. */
export interface Skipped {
    type: string;
    resource: string;
    reason: string;
}

/** What applying a set of objects found. */
export interface ApplyResult {
    applied: ObjectRef[];
    rejected: Finding[];
    warnings: Warning[];
}

export function refOf(obj: Record<string, any>): ObjectRef {
    return {
        kind: obj.kind,
        name: obj.metadata?.name,
        ...(obj.metadata?.namespace ? { namespace: obj.metadata.namespace } : {}),
    };
}

/** `Kind ns/name` (or `Kind name` for cluster-scoped objects). */
export function describe(ref: ObjectRef): string {
    return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ""}${ref.name}`;
}

/** A stable key of an object: apiVersion, kind, namespace, name. */
export function keyOf(obj: Record<string, any>): string {
    return `${obj.apiVersion}|${obj.kind}|${obj.metadata?.namespace ?? ""}|${obj.metadata?.name}`;
}

/** Install order by kind (Helm's, trimmed to what matters here); custom resources come last. */
const KIND_ORDER = [
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "ConfigMap",
    "StorageClass",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleBinding",
    "Role",
    "RoleBinding",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "Ingress",
];

function rank(obj: Record<string, any>): number {
    const core = !String(obj.apiVersion).includes(".") || String(obj.apiVersion).includes(".k8s.io/");
    const i = KIND_ORDER.indexOf(obj.kind);
    return core && i >= 0 ? i : KIND_ORDER.length;
}

/** Objects in dependency order: namespaces, then core kinds in install order, custom resources last. */
export function inApplyOrder<T extends { obj: Record<string, any> }>(entries: T[]): T[] {
    return entries
        .map((e, i) => ({ e, i }))
        .sort((a, b) => rank(a.e.obj) - rank(b.e.obj) || a.i - b.i)
        .map(({ e }) => e);
}

/**
 * The objects of a render with the options of their resources, plus the resources that render nothing
 * offline (Helm charts, remote YAML) as skipped. Redacted secret values are made appliable: `data` values
 * become base64 of the placeholder (`stringData` takes any string).
 */
export function entriesOf(resources: RecordedResource[]): { entries: Entry[]; skipped: Skipped[] } {
    const entries: Entry[] = [];
    const skipped: Skipped[] = [];
    for (const r of resources) {
        if (r.type.startsWith("kubernetes:helm.sh/") || r.type.startsWith("kubernetes:yaml/")) {
            skipped.push({
                type: r.type,
                resource: r.name,
                reason: "renders nothing offline (the chart or remote manifest is expanded by the engine at deploy time); its objects are out of reach",
            });
            continue;
        }
        if (!isKubernetesObject(r.type) || !r.custom) continue;
        const obj = toObject(r);
        if (obj.kind === "Secret") appliableSecret(obj);
        entries.push({ obj, resource: r.name, options: r.options });
    }
    return { entries, skipped };
}

let tlsPair: { cert: string; key: string } | undefined;

/** A throwaway self-signed certificate and key (openssl), made once per process. */
function placeholderTls(): { cert: string; key: string } {
    if (!tlsPair) {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "geo-apply-tls-"));
        try {
            const r = spawnSync("openssl", [
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-keyout",
                path.join(dir, "tls.key"),
                "-out",
                path.join(dir, "tls.crt"),
                "-days",
                "1",
                "-subj",
                "/CN=redacted",
            ]);
            if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
            tlsPair = {
                cert: fs.readFileSync(path.join(dir, "tls.crt"), "utf8"),
                key: fs.readFileSync(path.join(dir, "tls.key"), "utf8"),
            };
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    }
    return tlsPair;
}

/**
 * Makes a rendered Secret with redacted values appliable as the real one would be: `data` values become
 * base64 of the placeholder, and a `kubernetes.io/tls` Secret's redacted tls.crt/tls.key become a throwaway
 * certificate (the server checks that they are PEM and warns otherwise).
 */
export function appliableSecret(obj: Record<string, any>): void {
    if (obj.data) {
        obj.data = Object.fromEntries(
            Object.entries(obj.data).map(([k, v]) => [k, Buffer.from(String(v)).toString("base64")]),
        );
    }
    if (obj.type !== "kubernetes.io/tls") return;
    for (const field of ["stringData", "data"]) {
        const values = obj[field];
        if (!values) continue;
        const encode = (v: string) => (field === "data" ? Buffer.from(v).toString("base64") : v);
        const redacted = (k: string) =>
            values[k] === REDACTED || values[k] === Buffer.from(REDACTED).toString("base64");
        if (redacted("tls.crt")) values["tls.crt"] = encode(placeholderTls().cert);
        if (redacted("tls.key")) values["tls.key"] = encode(placeholderTls().key);
    }
}

/** `would violate PodSecurity "restricted:latest": …` → `restricted`. */
export function podSecurityLevel(warning: string): string | undefined {
    return /^would violate PodSecurity "([a-z]+):[^"]*"/.exec(warning)?.[1];
}

/** Classifies a server warning about `ref` against the enforce level of its namespace. */
export function classify(ref: ObjectRef, message: string, enforceLevels: Map<string, string>): Warning {
    const level = podSecurityLevel(message);
    const enforce = enforceLevels.get(ref.namespace ?? "") ?? "privileged";
    return { ...ref, message, level: level === undefined ? "other" : level === enforce ? "enforce" : "warn" };
}

/** The pod template of a workload (and the claim templates a StatefulSet adds as volumes), if any. */
export function podTemplateOf(obj: Record<string, any>): { template: any; claims: string[] } | undefined {
    const spec = obj.spec ?? {};
    const core = !String(obj.apiVersion).includes(".");
    const workload = ["apps/v1", "batch/v1"].includes(obj.apiVersion) || (core && obj.kind === "ReplicationController");
    if (!workload) return undefined;
    const template = obj.kind === "CronJob" ? spec.jobTemplate?.spec?.template : spec.template;
    if (!template?.spec) return undefined;
    const claims = (spec.volumeClaimTemplates ?? []).map((c: any) => c.metadata?.name).filter(Boolean);
    return { template, claims };
}

/**
 * The Pod a controller would create from a workload's template: StatefulSet claim templates become
 * PersistentVolumeClaim volumes, named as the StatefulSet controller names them.
 */
export function podFromTemplate(obj: Record<string, any>): Record<string, any> | undefined {
    const t = podTemplateOf(obj);
    if (!t) return undefined;
    const name = obj.metadata.name;
    const volumes = [
        ...(t.template.spec.volumes ?? []),
        ...t.claims.map((c) => ({ name: c, persistentVolumeClaim: { claimName: `${c}-${name}-0` } })),
    ];
    return {
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
            name: `${name}-0`.slice(0, 63),
            namespace: obj.metadata.namespace,
            labels: t.template.metadata?.labels ?? {},
            annotations: t.template.metadata?.annotations ?? {},
        },
        spec: { ...t.template.spec, ...(volumes.length ? { volumes } : {}) },
    };
}

/** The pinned CRDs of a directory (every CustomResourceDefinition document of every YAML file). */
export function readCrds(dir: string): Record<string, any>[] {
    if (!fs.existsSync(dir)) return [];
    const out: Record<string, any>[] = [];
    for (const rel of (fs.readdirSync(dir, { recursive: true }) as string[]).sort()) {
        if (!/\.ya?ml$/.test(rel)) continue;
        for (const doc of yaml.loadAll(fs.readFileSync(path.join(dir, rel), "utf8")) as any[]) {
            if (doc?.kind === "CustomResourceDefinition") out.push(doc);
        }
    }
    return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Applies the CRDs and waits (bounded) until each is Established. Returns the rejections. */
export async function installCrds(
    client: KubeClient,
    crds: Record<string, any>[],
    timeoutMs = 60_000,
): Promise<Finding[]> {
    const rejected: Finding[] = [];
    for (const crd of crds) {
        const res = await client.apply(crd, FIELD_MANAGER);
        if (res.status >= 300) rejected.push({ ...refOf(crd), message: failureMessage(res) });
    }
    const deadline = Date.now() + timeoutMs;
    for (const crd of crds) {
        for (;;) {
            const live = await client.get(crd.apiVersion, crd.kind, undefined, crd.metadata.name);
            const ok = live?.status?.conditions?.some((c: any) => c.type === "Established" && c.status === "True");
            if (ok || !live) break;
            if (Date.now() > deadline)
                throw new Error(`CRD ${crd.metadata.name} not Established within ${timeoutMs / 1000} s`);
            await sleep(100);
        }
    }
    client.forget();
    return rejected;
}

/** The Pod Security enforce level of each namespace among `objs` (unset = privileged). */
export function enforceLevelsOf(objs: Record<string, any>[]): Map<string, string> {
    const out = new Map<string, string>();
    for (const o of objs) {
        if (o.kind === "Namespace" && o.apiVersion === "v1") {
            out.set(o.metadata.name, o.metadata.labels?.["pod-security.kubernetes.io/enforce"] ?? "privileged");
        }
    }
    return out;
}

/** Applies one object and checks its Pods (checkPods). Adds to `result`; returns whether it was stored. */
export async function applyOne(
    client: KubeClient,
    obj: Record<string, any>,
    enforceLevels: Map<string, string>,
    result: ApplyResult,
): Promise<boolean> {
    const ref = refOf(obj);
    let res: KubeResponse;
    try {
        res = await client.apply(obj, FIELD_MANAGER);
    } catch (e) {
        result.rejected.push({ ...ref, message: (e as Error).message });
        return false;
    }
    for (const w of res.warnings) result.warnings.push(classify(ref, w, enforceLevels));
    if (res.status >= 300) {
        result.rejected.push({ ...ref, message: failureMessage(res) });
        return false;
    }
    result.applied.push(ref);
    if (obj.kind === "Namespace" && obj.apiVersion === "v1") {
        // The service-account controller's job (there is no controller-manager): Pods need `default`.
        const sa = { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default", namespace: ref.name } };
        const r = await client.apply(sa, `${FIELD_MANAGER}-serviceaccount-controller`);
        if (r.status >= 300) throw new Error(`cannot create ServiceAccount ${ref.name}/default: ${failureMessage(r)}`);
    }
    const denied = await checkPods(client, obj, enforceLevels);
    if (denied) result.rejected.push(denied);
    return true;
}

/**
 * For a workload: creates the Pod its controller would create, with `dryRun=All` — Pod Security enforces
 * only on Pods (on a pod template it merely warns). Returns the rejection, if any.
 */
export async function checkPods(
    client: KubeClient,
    obj: Record<string, any>,
    enforceLevels: Map<string, string>,
): Promise<Finding | undefined> {
    const pod = podFromTemplate(obj);
    if (!pod) return undefined;
    const r = await client.dryRunCreate(pod);
    if (r.status < 300) return undefined;
    const enforce = enforceLevels.get(obj.metadata?.namespace ?? "") ?? "privileged";
    return {
        ...refOf(obj),
        message: `its Pods would be rejected (namespace enforces Pod Security "${enforce}"): ${failureMessage(r)}`,
    };
}

/** Applies entries in dependency order. */
export async function applyAll(
    client: KubeClient,
    entries: Entry[],
    enforceLevels: Map<string, string>,
): Promise<ApplyResult> {
    const result: ApplyResult = { applied: [], rejected: [], warnings: [] };
    for (const e of inApplyOrder(entries)) await applyOne(client, e.obj, enforceLevels, result);
    return result;
}

/**
 * Deletes the objects (reverse order) so the next stack starts from an empty cluster; namespaces stay (their
 * deletion needs the namespace controller) and are re-applied by the next stack.
 */
export async function removeAll(client: KubeClient, objs: Record<string, any>[]): Promise<void> {
    for (const o of [...objs].reverse()) {
        if (o.kind === "Namespace" || o.kind === "CustomResourceDefinition") continue;
        const res = await client.delete(o.apiVersion, o.kind, o.metadata?.namespace, o.metadata.name);
        if (res.status >= 300 && res.status !== 404)
            throw new Error(`cannot delete ${describe(refOf(o))}: ${failureMessage(res)}`);
    }
}
