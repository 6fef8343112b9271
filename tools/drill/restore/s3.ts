/**
 * A local S3 API for the restore drill: s3rver (npm, pinned in package.json) on 127.0.0.1 serving the buckets
 * named by the rendered destinationPaths, plus the two S3 operations the drill does itself: listing a prefix
 * and copying it to another bucket the way a replication rule would (same keys, metadata kept).
 */
import * as path from "path";
import { LOOPBACK, ProcessGroup, freePort, waitFor } from "../processes";

/** A running s3rver. */
export interface LocalS3 {
    readonly endpoint: string;
}

function s3rverBin(): string {
    const paths = [process.cwd(), ...(process.env.GEO_S3RVER_PATH ? [process.env.GEO_S3RVER_PATH] : [])];
    try {
        return require.resolve("s3rver/bin/s3rver.js", { paths });
    } catch {
        throw new Error("s3rver is not installed: run npm ci (package.json pins s3rver 3.7.1)");
    }
}

/** Starts s3rver in a group temp directory with `buckets` created; waits (bounded) until it answers. */
export async function startS3(group: ProcessGroup, buckets: readonly string[]): Promise<LocalS3> {
    const bin = s3rverBin();
    const port = await freePort(false, 45000);
    const dir = group.tempDir("s3");
    const args = [bin, "-d", dir, "-a", LOOPBACK, "-p", String(port), "-s", "--allow-mismatched-signatures"];
    for (const b of [...new Set(buckets)]) args.push("--configure-bucket", b);
    const proc = group.spawn("s3rver", [process.execPath, ...args], { cwd: path.dirname(bin) });
    const endpoint = `http://${LOOPBACK}:${port}`;
    await waitFor(
        `s3rver on ${endpoint}`,
        async () => ((await fetch(`${endpoint}/`)).ok ? true : undefined),
        100,
        100,
        () => proc.exited() && `${proc.exited()}: ${proc.output()}`,
    );
    return { endpoint };
}

/** One listed object. */
export interface S3Object {
    readonly key: string;
    readonly size: number;
}

const xmlDecode = (s: string) =>
    s
        .replace(/&quot;/g, '"')
        .replace(/&apos;/g, "'")
        .replace(/&lt;/g, "<")
        .replace(/&gt;/g, ">")
        .replace(/&amp;/g, "&");

/** Every object under `prefix` (ListObjectsV2, following continuation tokens; bounded to 1000 pages). */
export async function listObjects(endpoint: string, bucket: string, prefix: string): Promise<S3Object[]> {
    const out: S3Object[] = [];
    let token: string | undefined;
    for (let page = 0; page < 1000; page++) {
        const q = new URLSearchParams({ "list-type": "2", prefix, ...(token ? { "continuation-token": token } : {}) });
        const res = await fetch(`${endpoint}/${bucket}?${q}`);
        const body = await res.text();
        if (!res.ok) throw new Error(`listing s3://${bucket}/${prefix}: HTTP ${res.status} ${body.slice(0, 200)}`);
        for (const m of body.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
            const key = xmlDecode(/<Key>([\s\S]*?)<\/Key>/.exec(m[1])![1]);
            out.push({ key, size: Number(/<Size>(\d+)<\/Size>/.exec(m[1])?.[1] ?? 0) });
        }
        token = /<IsTruncated>true<\/IsTruncated>/.test(body)
            ? xmlDecode(/<NextContinuationToken>([\s\S]*?)<\/NextContinuationToken>/.exec(body)?.[1] ?? "")
            : undefined;
        if (!token) return out;
    }
    throw new Error(`listing s3://${bucket}/${prefix}: more than 1000 pages`);
}

const encodeKey = (key: string) => key.split("/").map(encodeURIComponent).join("/");

/** Copies every object under `prefix` from `from` to `to` under the same key (what S3 replication does). */
export async function copyPrefix(
    endpoint: string,
    from: string,
    prefix: string,
    to: string,
): Promise<{ objects: number; bytes: number }> {
    const objects = await listObjects(endpoint, from, prefix);
    for (const o of objects) {
        const res = await fetch(`${endpoint}/${to}/${encodeKey(o.key)}`, {
            method: "PUT",
            headers: { "x-amz-copy-source": `/${from}/${encodeKey(o.key)}` },
        });
        if (!res.ok) throw new Error(`copying s3://${from}/${o.key} to s3://${to}: HTTP ${res.status}`);
        await res.arrayBuffer();
    }
    return { objects: objects.length, bytes: objects.reduce((n, o) => n + o.size, 0) };
}

/** Reads an object as text. */
export async function getText(endpoint: string, bucket: string, key: string): Promise<string> {
    const res = await fetch(`${endpoint}/${bucket}/${encodeKey(key)}`);
    if (!res.ok) throw new Error(`reading s3://${bucket}/${key}: HTTP ${res.status}`);
    return res.text();
}

/** Writes an object. */
export async function putText(endpoint: string, bucket: string, key: string, body: string): Promise<void> {
    const res = await fetch(`${endpoint}/${bucket}/${encodeKey(key)}`, { method: "PUT", body });
    if (!res.ok) throw new Error(`writing s3://${bucket}/${key}: HTTP ${res.status}`);
    await res.arrayBuffer();
}
