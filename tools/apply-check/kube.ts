/**
 * A minimal Kubernetes REST client for the apply check: kubeconfig with client certificates, discovery of
 * a kind's resource name, server-side apply (`PATCH` with `application/apply-patch+yaml`), delete and
 * dry-run create — each returning the status, the body and every `Warning` header the server sent.
 * No kubectl needed. It talks only to loopback servers (see `loadKubeconfig`).
 */
import * as fs from "fs";
import * as https from "https";
import * as path from "path";
import * as yaml from "js-yaml";

/** Where and how to reach the API server. */
export interface KubeTarget {
    server: string;
    ca: Buffer;
    cert: Buffer;
    key: Buffer;
}

/** A server response: status code, parsed body, and the admission warnings (`Warning` headers). */
export interface KubeResponse {
    status: number;
    body: any;
    warnings: string[];
}

/** How a kind is served: its REST resource name and whether it lives in a namespace. */
export interface ResourceInfo {
    resource: string;
    namespaced: boolean;
}

function readData(base: string, data?: string, file?: string): Buffer {
    if (data) return Buffer.from(data, "base64");
    if (file) return fs.readFileSync(path.resolve(base, file));
    throw new Error("kubeconfig: missing certificate data");
}

/**
 * Reads the current context of a kubeconfig (file paths or inline `-data`). Refuses any server that is not
 * on the loopback interface: the apply check writes, and must never reach a real cluster by accident.
 */
export function loadKubeconfig(file: string): KubeTarget {
    const doc = yaml.load(fs.readFileSync(file, "utf8")) as any;
    const base = path.dirname(file);
    const ctx = (doc.contexts ?? []).find((c: any) => c.name === doc["current-context"])?.context ?? {};
    const cluster =
        (doc.clusters ?? []).find((c: any) => c.name === ctx.cluster)?.cluster ?? doc.clusters?.[0]?.cluster;
    const user = (doc.users ?? []).find((u: any) => u.name === ctx.user)?.user ?? doc.users?.[0]?.user;
    if (!cluster?.server || !user) throw new Error(`${file}: no cluster server or user in the current context`);
    const host = new URL(cluster.server).hostname;
    if (!["127.0.0.1", "localhost", "[::1]"].includes(host)) {
        throw new Error(
            `${file}: server ${cluster.server} is not a loopback address; the apply check only writes to the local control plane (scripts/kube/up.sh)`,
        );
    }
    return {
        server: cluster.server.replace(/\/$/, ""),
        ca: readData(base, cluster["certificate-authority-data"], cluster["certificate-authority"]),
        cert: readData(base, user["client-certificate-data"], user["client-certificate"]),
        key: readData(base, user["client-key-data"], user["client-key"]),
    };
}

/** The `Warning` header texts of a response (`299 - "text"` → `text`). */
export function parseWarnings(rawHeaders: string[]): string[] {
    const out: string[] = [];
    for (let i = 0; i < rawHeaders.length; i += 2) {
        if (rawHeaders[i].toLowerCase() !== "warning") continue;
        const m = /^\d{3} \S+ "((?:[^"\\]|\\.)*)"/.exec(rawHeaders[i + 1]);
        out.push(m ? m[1].replace(/\\(.)/g, "$1") : rawHeaders[i + 1]);
    }
    return out;
}

/** Bounded per-request time: a wedged server fails the check instead of hanging it. */
const REQUEST_TIMEOUT_MS = 30_000;

export class KubeClient {
    private readonly agent: https.Agent;
    private readonly resources = new Map<string, Map<string, ResourceInfo>>();

    constructor(readonly target: KubeTarget) {
        this.agent = new https.Agent({ ca: target.ca, cert: target.cert, key: target.key, keepAlive: true });
    }

    /** One request; JSON bodies are sent as-is (JSON is YAML for apply patches). */
    request(method: string, urlPath: string, body?: unknown, contentType = "application/json"): Promise<KubeResponse> {
        const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
        return new Promise((resolve, reject) => {
            const req = https.request(
                this.target.server + urlPath,
                {
                    method,
                    agent: this.agent,
                    timeout: REQUEST_TIMEOUT_MS,
                    headers: {
                        accept: "application/json",
                        ...(payload ? { "content-type": contentType, "content-length": payload.length } : {}),
                    },
                },
                (res) => {
                    const chunks: Buffer[] = [];
                    res.on("data", (c: Buffer) => chunks.push(c));
                    res.on("end", () => {
                        const text = Buffer.concat(chunks).toString("utf8");
                        let parsed: any = text;
                        try {
                            parsed = text ? JSON.parse(text) : undefined;
                        } catch {
                            /* keep the text */
                        }
                        resolve({ status: res.statusCode ?? 0, body: parsed, warnings: parseWarnings(res.rawHeaders) });
                    });
                },
            );
            req.on("timeout", () =>
                req.destroy(new Error(`${method} ${urlPath}: no answer in ${REQUEST_TIMEOUT_MS} ms`)),
            );
            req.on("error", reject);
            if (payload) req.write(payload);
            req.end();
        });
    }

    /** The REST resource of `apiVersion`/`kind`, from discovery (cached; `forget` after installing CRDs). */
    async resourceFor(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
        let kinds = this.resources.get(apiVersion);
        if (!kinds) {
            const res = await this.request(
                "GET",
                apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`,
            );
            if (res.status === 404) return undefined;
            if (res.status !== 200) throw new Error(`discovery of ${apiVersion}: HTTP ${res.status}`);
            kinds = new Map();
            for (const r of res.body.resources ?? []) {
                if (!r.name.includes("/")) kinds.set(r.kind, { resource: r.name, namespaced: r.namespaced });
            }
            this.resources.set(apiVersion, kinds);
        }
        return kinds.get(kind);
    }

    /** Drops cached discovery (after CRDs are installed). */
    forget(): void {
        this.resources.clear();
    }

    /** The URL path of an object (or of its collection when `name` is omitted). */
    async pathOf(apiVersion: string, kind: string, namespace: string | undefined, name?: string): Promise<string> {
        const info = await this.resourceFor(apiVersion, kind);
        if (!info) throw new Error(`the server does not serve ${apiVersion} ${kind}`);
        const root = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
        const ns = info.namespaced ? `/namespaces/${namespace ?? "default"}` : "";
        return `${root}${ns}/${info.resource}${name ? `/${name}` : ""}`;
    }

    /** Server-side apply of a whole object, as Pulumi's provider does (`force`: it owns every field it sends). */
    async apply(obj: Record<string, any>, fieldManager: string): Promise<KubeResponse> {
        const p = await this.pathOf(obj.apiVersion, obj.kind, obj.metadata?.namespace, obj.metadata?.name);
        return this.request(
            "PATCH",
            `${p}?fieldManager=${encodeURIComponent(fieldManager)}&force=true`,
            obj,
            "application/apply-patch+yaml",
        );
    }

    /** Create with `dryRun=All`: runs validation and every admission plugin, stores nothing. */
    async dryRunCreate(obj: Record<string, any>): Promise<KubeResponse> {
        const p = await this.pathOf(obj.apiVersion, obj.kind, obj.metadata?.namespace);
        return this.request("POST", `${p}?dryRun=All`, obj);
    }

    /** Deletes an object (background propagation: there is no garbage collector to wait for). */
    async delete(apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<KubeResponse> {
        const p = await this.pathOf(apiVersion, kind, namespace, name);
        return this.request("DELETE", p, { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: "Background" });
    }

    /** Reads an object; undefined when absent. */
    async get(apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<any> {
        const res = await this.request("GET", await this.pathOf(apiVersion, kind, namespace, name));
        return res.status === 200 ? res.body : undefined;
    }

    close(): void {
        this.agent.destroy();
    }
}

/** The server's message of a failed response (a `Status` object's message, else the HTTP status). */
export function failureMessage(res: KubeResponse): string {
    const m = res.body?.message;
    return typeof m === "string" ? m : `HTTP ${res.status}${typeof res.body === "string" ? `: ${res.body}` : ""}`;
}
