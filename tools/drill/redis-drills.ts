/**
 * Redis drills on local servers started from the rendered configuration (redis-local.ts):
 * - cache (cluster mode): 6 nodes formed by the rendered create Job; redis-benchmark; a writer on one slot;
 *   SIGKILL of that slot's master; time until cluster_state:ok and a write succeeds again, vs cluster-node-timeout.
 * - sessions (Sentinel mode): us-east master + 2 replicas + 3 Sentinels, us-west's 3 replicas (rendered
 *   replica-priority 0, replicaof the cross-region endpoint → the local master); announce names mapped to
 *   127.0.0.1 and each process's port. Restart a remote replica and every Sentinel under writes (the master
 *   must stay writable, no remote replica promoted); SIGKILL the master (Sentinel failover, a us-east replica
 *   must win); SIGSTOP the new master's replicas (a partitioned master refuses writes after min-replicas-max-lag).
 * With `scaleMs`, the timeouts (cluster-node-timeout, down-after-milliseconds, min-replicas-max-lag) are set to
 * it at run time (short mode) and the report says so; without, the rendered values run.
 */
import { TestPki } from "./pki";
import { LOOPBACK, ProcessGroup, run, sleep, waitFor } from "./processes";
import { RedisNode, Resp, cli, info, missingKeys, startRendered, withPki } from "./redis-local";
import { RedisPlan, directive } from "./rendered";
import { DrillRow, ThroughputRow, ms } from "./report";

/** A writer of `prefix:i` keys through `target()` (re-resolved after every failure), recording acknowledgements. */
export class KeyWriter {
    readonly acked: string[] = [];
    readonly refused: { at: number; reply: string }[] = [];
    private running = true;
    private firstOkAfter = new Map<number, number>();

    constructor(
        private readonly pki: TestPki,
        private readonly password: string,
        private readonly prefix: string,
        private readonly target: () => Promise<number | undefined>,
    ) {}

    /** Time of the first acknowledged write at or after `since` by a server other than the watched one. */
    okAfter(since: number): number | undefined {
        return this.firstOkAfter.get(since);
    }

    /** Starts watching for the first acknowledgement after `since` from any port but `excludePort`. */
    watch(since: number, excludePort = 0): void {
        this.firstOkAfter.delete(since);
        this.watching.push([since, excludePort]);
    }
    private watching: [number, number][] = [];
    private port = 0;

    async run(maxMs: number): Promise<void> {
        const end = Date.now() + maxMs;
        let client: Resp | undefined;
        for (let i = 1; this.running && Date.now() < end; i++) {
            if (!client) {
                const port = await this.target();
                client = port ? await Resp.connect(this.pki, port, this.password, 1000) : undefined;
                this.port = port ?? 0;
                if (!client) {
                    await sleep(50);
                    continue;
                }
            }
            const key = `${this.prefix}:${i}`;
            const reply = await client.command(["SET", key, String(i)], 1000);
            if (reply === "+OK") {
                this.acked.push(key);
                const now = Date.now();
                for (const [since, excluded] of this.watching)
                    if (this.port !== excluded && !this.firstOkAfter.has(since)) this.firstOkAfter.set(since, now);
                this.watching = this.watching.filter(([since]) => !this.firstOkAfter.has(since));
            } else {
                this.refused.push({ at: Date.now(), reply });
                if (/^-(ERR closed|ERR timeout|MOVED|CLUSTERDOWN|READONLY|TRYAGAIN)/.test(reply)) {
                    client.close();
                    client = undefined;
                }
                await sleep(20);
            }
        }
        client?.close();
    }

    stop(): void {
        this.running = false;
    }
}

/** The master that owns `slot`, from CLUSTER NODES of any live node (ip:port of a `master` line with the slot). */
async function slotOwner(pki: TestPki, password: string, ports: number[], slot: number): Promise<number | undefined> {
    for (const p of ports) {
        const nodes = await cli(pki, p, password, ["CLUSTER", "NODES"]);
        for (const line of nodes.split("\n")) {
            const f = line.split(" ");
            if (!f[2]?.split(",").includes("master") || f[2].includes("fail")) continue;
            const owns = f.slice(8).some((r) => {
                const [a, b] = r.split("-").map(Number);
                return slot >= a && slot <= (b ?? a);
            });
            if (owns) return Number(f[1].split("@")[0].split(":")[1]);
        }
        if (nodes) return undefined;
    }
    return undefined;
}

/** Cache (cluster mode): benchmark, then a master's SIGKILL under writes. */
export async function clusterDrills(
    group: ProcessGroup,
    pki: TestPki,
    plan: RedisPlan,
    opts: { scaleMs?: number; benchRequests: number },
): Promise<{ drills: DrillRow[]; throughput: ThroughputRow[] }> {
    const { conf, auth, password } = plan.cache;
    const rendered = Number(directive(conf, "cluster-node-timeout"));
    const timeout = opts.scaleMs ?? rendered;
    const nodes: RedisNode[] = await Promise.all(
        [0, 1, 2, 3, 4, 5].map(async (i) => {
            const args = plan.cache.args.slice(1).map((a) => a.replace("$(POD_NAME)", `redis-cache-${i}`));
            return startRendered(group, pki, password, {
                name: `cache-${i}`,
                conf,
                auth,
                bus: true,
                // The cluster state file lives under /data in the pod.
                args: [
                    ...args,
                    "--cluster-node-timeout",
                    String(timeout),
                    "--cluster-config-file",
                    "${DIR}/nodes.conf",
                    // Short mode: the first syncs start at once (Redis waits 5 s for more replicas by default).
                    ...(opts.scaleMs ? ["--repl-diskless-sync-delay", "0"] : []),
                ],
            });
        }),
    );
    const hosts = nodes.map((n) => `${LOOPBACK}:${n.port}`).join(" ");
    const script = withPki(plan.cache.jobScript.replace(/^hosts='[^']*'$/m, `hosts='${hosts}'`), pki);
    const formed = await run("sh", ["-c", script], { env: { REDISCLI_AUTH: password }, timeoutMs: 60000 });
    if (formed.code !== 0) throw new Error(`the rendered create Job failed: ${formed.stdout}${formed.stderr}`);
    const ports = nodes.map((n) => n.port);
    const stateOk = async (p: number) =>
        info(await cli(pki, p, password, ["CLUSTER", "INFO"])).get("cluster_state") === "ok";
    for (const n of nodes)
        await waitFor(`${n.name} cluster_state:ok`, async () => ((await stateOk(n.port)) ? true : undefined), 100, 100);

    // Failover needs replicas that finished their first sync (a never-synced replica refuses to take over).
    for (const n of nodes)
        await waitFor(
            `${n.name} replication in sync`,
            async () => {
                const r = info(await cli(pki, n.port, password, ["INFO", "replication"]));
                return r.get("role") === "master" || r.get("master_link_status") === "up" ? true : undefined;
            },
            300,
            100,
        );
    // Hostnames announced for the pods do not resolve here: clients that follow CLUSTER SLOTS get IPs instead.
    for (const n of nodes) await cli(pki, n.port, password, ["CONFIG", "SET", "cluster-preferred-endpoint-type", "ip"]);
    const bench = await run(
        "redis-benchmark",
        [
            ...pki.cliArgs,
            "-h",
            LOOPBACK,
            "-p",
            String(nodes[0].port),
            "-a",
            password,
            "--cluster",
            "-t",
            "set,get",
            "-n",
            String(opts.benchRequests),
            "-c",
            "20",
            "-q",
            "--csv",
        ],
        { timeoutMs: 180000 },
    );
    const throughput: ThroughputRow[] = [];
    for (const test of ["SET", "GET"]) {
        const row = new RegExp(`^"${test}","([\\d.]+)","([\\d.]+)"`, "m").exec(bench.stdout);
        if (!row) throw new Error(`redis-benchmark: no ${test} figures: ${bench.stdout}${bench.stderr}`);
        throughput.push({
            service: "Redis cache (cluster)",
            scenario: `redis-benchmark ${test}, 20 clients, TLS, 3 masters`,
            opsPerSecond: Number(row[1]),
            latencyMs: Number(row[2]),
            notes: `appendonly ${directive(conf, "appendonly")}, appendfsync ${directive(conf, "appendfsync")}`,
        });
    }

    const slot = Number(await cli(pki, nodes[0].port, password, ["CLUSTER", "KEYSLOT", "{drill}"]));
    const live = () => nodes.filter((n) => !n.proc.exited()).map((n) => n.port);
    const writer = new KeyWriter(pki, password, "{drill}", () => slotOwner(pki, password, live(), slot));
    const writing = writer.run(timeout * 4 + 60000);
    await waitFor("writes on the drill slot", async () => (writer.acked.length >= 50 ? true : undefined), 100, 100);
    const owner = (await slotOwner(pki, password, ports, slot))!;
    const master = nodes.find((n) => n.port === owner)!;
    const killedAt = Date.now();
    writer.watch(killedAt, master.port);
    master.proc.proc.kill("SIGKILL");
    const survivor = nodes.find((n) => n !== master)!;
    let clusterOkAt: number | undefined;
    await waitFor(
        "a replica to take over the slot and a write to succeed",
        async () => {
            if (!clusterOkAt) {
                const newOwner = await slotOwner(pki, password, live(), slot);
                if (newOwner && newOwner !== owner && (await stateOk(survivor.port))) clusterOkAt = Date.now();
            }
            return clusterOkAt && writer.okAfter(killedAt) ? true : undefined;
        },
        Math.ceil((timeout * 4 + 30000) / 100),
        100,
    ).catch(async (e: Error) => {
        const nodes_ = nodes;
        const clusterNodes = await cli(pki, survivor.port, password, ["CLUSTER", "NODES"]);
        const last = writer.refused.slice(-3).map((r) => r.reply);
        const logs = nodes_.map((n) => `--- ${n.name}\n${n.proc.output().split("\n").slice(-6).join("\n")}`).join("\n");
        throw new Error(`${e.message}\nCLUSTER NODES:\n${clusterNodes}\nlast refusals: ${last.join(" | ")}\n${logs}`);
    });
    await sleep(300);
    writer.stop();
    await writing;
    const newOwner = (await slotOwner(pki, password, live(), slot))!;
    const lost = await missingKeys(pki, newOwner, password, writer.acked);
    const writableMs = writer.okAfter(killedAt)! - killedAt;
    const bound = timeout * 2 + 5000;
    return {
        throughput,
        drills: [
            {
                service: "Redis cache (cluster)",
                scenario: `SIGKILL of a master under writes${opts.scaleMs ? ` (cluster-node-timeout scaled to ${timeout} ms)` : ""}`,
                rpo: `${lost.length} of ${writer.acked.length} acknowledged writes lost`,
                rto: `cluster_state:ok ${ms(clusterOkAt! - killedAt)}, writes ${ms(writableMs)}`,
                promise: `failover ≈ cluster-node-timeout ${ms(timeout)} + 1–2 s (kept if < ${ms(bound)}); asynchronous replication: a lost tail is possible`,
                ok: writableMs < bound,
                measured: {
                    clusterNodeTimeoutRendered: rendered,
                    clusterNodeTimeoutUsed: timeout,
                    killToClusterOkMs: clusterOkAt! - killedAt,
                    killToWritableMs: writableMs,
                    acknowledged: writer.acked.length,
                    lost: lost.length,
                },
            },
        ],
    };
}
