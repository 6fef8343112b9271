/**
 * Starts and stops the local control plane of scripts/kube/up.sh (etcd + kube-apiserver built from the Go
 * modules pinned in scripts/kube/go.mod) from Node: build (or find the cached build), start, wait for the
 * `KUBECONFIG=` line within a bounded time, stop with SIGTERM (up.sh's trap stops both servers and removes
 * their directory).
 */
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as path from "path";

const KUBE_DIR = path.resolve(__dirname, "..", "..", "scripts", "kube");

/** The directory of the built binaries when they are in the cache; undefined when not built yet. */
export function cachedBinDir(): string | undefined {
    const r = spawnSync("bash", [path.join(KUBE_DIR, "build.sh"), "--cached"], { encoding: "utf8" });
    return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Builds the binaries when they are not cached (progress on stderr); returns the bin directory. */
export function buildBinaries(): string {
    const r = spawnSync("bash", [path.join(KUBE_DIR, "build.sh")], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
    });
    if (r.status !== 0) throw new Error(`scripts/kube/build.sh failed (exit ${r.status})`);
    return r.stdout.trim();
}

/** A running control plane. */
export interface ControlPlane {
    kubeconfig: string;
    /** Milliseconds from spawn to ready. */
    startupMs: number;
    stop(): Promise<void>;
}

/**
 * Starts up.sh and resolves once it prints its kubeconfig. Rejects (and stops it) when it exits first or
 * is not ready within `timeoutMs`. The binaries must be built (buildBinaries) — the build is not bounded.
 */
export function startControlPlane(timeoutMs = 120_000): Promise<ControlPlane> {
    const started = Date.now();
    const child: ChildProcess = spawn("bash", [path.join(KUBE_DIR, "up.sh")], {
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, GEO_KUBE_PARENT_PID: String(process.pid) },
    });
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const stop = async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
        const timer = new Promise<void>((resolve) => setTimeout(resolve, 10_000).unref());
        await Promise.race([exited, timer]);
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    };
    return new Promise((resolve, reject) => {
        let out = "";
        const timer = setTimeout(() => {
            void stop();
            reject(new Error(`control plane not ready within ${timeoutMs / 1000} s:\n${stderr.slice(-2000)}`));
        }, timeoutMs);
        child.stdout!.on("data", (d: Buffer) => {
            out += d.toString();
            const m = /^KUBECONFIG=(.+)$/m.exec(out);
            if (m) {
                clearTimeout(timer);
                resolve({ kubeconfig: m[1].trim(), startupMs: Date.now() - started, stop });
            }
        });
        child.once("exit", (code) => {
            clearTimeout(timer);
            reject(
                new Error(
                    `scripts/kube/up.sh exited (${code}) before the control plane was ready:\n${stderr.slice(-2000)}`,
                ),
            );
        });
    });
}
