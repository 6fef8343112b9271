/**
 * Sessions store (Sentinel mode) drills across regions, from the rendered us-east and us-west configuration:
 * us-east's master and 2 replicas, 3 Sentinels from the rendered template and command line, us-west's 3
 * replicas (replica-priority 0, `replicaof` the cross-region endpoint → the local master). Every rendered
 * announce name (pods, Sentinels) is mapped to 127.0.0.1 and that process's own port, so names stay unique
 * exactly when the rendered names are (checked). Drills, in order on the same servers:
 * 1. restart a us-west replica and every Sentinel under writes: the master never turns read-only, no
 *    Sentinel names another master, the remote replicas stay replicas;
 * 2. SIGKILL of the master: Sentinel failover to a us-east replica (never a us-west one);
 * 3. partition: the new master's replicas SIGSTOPped; it refuses writes after min-replicas-max-lag.
 */
import * as fs from "fs";
import * as path from "path";
import { TestPki } from "./pki";
import { LOOPBACK, ProcessGroup, freePort, sleep, waitFor } from "./processes";
import { KeyWriter } from "./redis-drills";
import {
    RedisNode,
    cli,
    info,
    missingKeys,
    replaceAll,
    restart,
    startRedis,
    startRendered,
    withPki,
} from "./redis-local";
import { RedisPlan, directive } from "./rendered";
import { DrillRow, ms } from "./report";

/** The rendered announce name of pod `i` from a shell expression with `${POD_NAME##*-}`. */
const podName = (expr: string, i: number) => expr.replace("${POD_NAME##*-}", String(i));

export async function sessionsDrills(
    group: ProcessGroup,
    pki: TestPki,
    plan: RedisPlan,
    opts: { scaleMs?: number; observeMs: number },
): Promise<DrillRow[]> {
    const s = plan.sessions;
    const pw = s.password;
    const eastSelf = /^self="([^"]+)"$/m.exec(s.eastStart)![1];
    const westSelf = /--replica-announce-ip "([^"]+)"/.exec(s.westCommand[2])![1];
    const names = [0, 1, 2].flatMap((i) => [podName(eastSelf, i), podName(westSelf, i)]);
    if (new Set(names).size !== names.length) throw new Error(`rendered announce names collide: ${names.join(", ")}`);
    const fast = opts.scaleMs ? ["--repl-diskless-sync-delay", "0"] : [];
    const announce = ["--replica-announce-ip", LOOPBACK, "--replica-announce-port", "${PORT}", ...fast];
    const master = await startRendered(group, pki, pw, {
        name: "east-0",
        conf: s.eastConf,
        auth: s.auth,
        args: announce,
    });
    const follow = ["--replicaof", LOOPBACK, String(master.port)];
    const east = [master];
    for (const i of [1, 2])
        east.push(
            await startRendered(group, pki, pw, {
                name: `east-${i}`,
                conf: s.eastConf,
                auth: s.auth,
                args: [...announce, ...follow],
            }),
        );
    const westConf = replaceAll(s.westConf, /^replicaof \S+ 6379$/m, `replicaof ${LOOPBACK} ${master.port}`);
    const west: RedisNode[] = [];
    for (const i of [0, 1, 2])
        west.push(
            await startRendered(group, pki, pw, { name: `west-${i}`, conf: westConf, auth: s.auth, args: announce }),
        );
    const role = async (n: RedisNode) => info(await cli(pki, n.port, pw, ["INFO", "replication"])).get("role");
    for (const r of [...east.slice(1), ...west])
        await waitFor(
            `${r.name} in sync`,
            async () =>
                info(await cli(pki, r.port, pw, ["INFO", "replication"])).get("master_link_status") === "up"
                    ? true
                    : undefined,
            200,
            100,
        );

    // Sentinels: the rendered template monitoring the local master, the Secret's lines, the rendered command.
    const sentinels: RedisNode[] = [];
    const quorum = Number(/^sentinel monitor sessions \S+ \d+ (\d+)$/m.exec(s.sentinelTemplate)![1]);
    const downAfter = Number(directive(s.sentinelTemplate, "sentinel down-after-milliseconds")!.split(/\s+/)[1]);
    const downUsed = opts.scaleMs ?? downAfter;
    for (const i of [0, 1, 2]) {
        const port = await freePort();
        const dir = group.tempDir(`sentinel-${i}`);
        let conf = replaceAll(
            s.sentinelTemplate,
            /^sentinel monitor sessions \S+ 6379 (\d+)$/m,
            `sentinel monitor sessions ${LOOPBACK} ${master.port} $1`,
        );
        conf = withPki(replaceAll(conf, /^dir \/data$/m, `dir ${dir}`), pki);
        fs.writeFileSync(path.join(dir, "sentinel.conf"), conf + s.sentinelAuth, { mode: 0o600 });
        let line = replaceAll(s.sentinelCommand[2], "/data/sentinel.conf", path.join(dir, "sentinel.conf"));
        line = replaceAll(line, /"\$POD_NAME\.[^"]+"/, `${LOOPBACK} --sentinel announce-port ${port}`);
        const command = [
            s.sentinelCommand[0],
            s.sentinelCommand[1],
            `${line} --tls-port ${port} --bind ${LOOPBACK} --dir ${dir}`,
        ];
        sentinels.push(
            await startRedis(group, pki, pw, {
                name: `sentinel-${i}`,
                port,
                dir,
                command,
                env: { POD_NAME: `redis-sessions-sentinel-${i}` },
            }),
        );
    }
    const tune = async (n: RedisNode) => {
        if (!opts.scaleMs) return;
        await cli(pki, n.port, pw, ["SENTINEL", "SET", "sessions", "down-after-milliseconds", String(downUsed)]);
        await cli(pki, n.port, pw, ["SENTINEL", "DEBUG", "info-period", "1000", "publish-period", "500"]);
    };
    for (const n of sentinels) await tune(n);
    const sentinelMaster = async (n: RedisNode) =>
        Number((await cli(pki, n.port, pw, ["SENTINEL", "GET-MASTER-ADDR-BY-NAME", "sessions"])).split("\n")[1]);
    const field = async (n: RedisNode, f: string) => {
        const lines = (await cli(pki, n.port, pw, ["SENTINEL", "MASTER", "sessions"])).split("\n");
        return lines[lines.indexOf(f) + 1];
    };
    for (const n of sentinels)
        await waitFor(
            `${n.name} to see 5 replicas and 2 Sentinels`,
            async () =>
                (await field(n, "num-slaves")) === "5" && (await field(n, "num-other-sentinels")) === "2"
                    ? true
                    : undefined,
            300,
            100,
        );

    // 1. Restarts under writes.
    const rows: DrillRow[] = [];
    let writer = new KeyWriter(pki, pw, "s1", async () => master.port);
    let writing = writer.run(opts.observeMs * 3 + 60000);
    const violations = new Set<string>();
    const check = async () => {
        if ((await role(master)) !== "master") violations.add("the master turned replica");
        for (const w of west) if ((await role(w)) === "master") violations.add(`${w.name} became master`);
        for (const n of sentinels) {
            const p = await sentinelMaster(n);
            if (p && p !== master.port) violations.add(`${n.name} names 127.0.0.1:${p} master`);
        }
    };
    const started = Date.now();
    west[0].proc.proc.kill("SIGKILL");
    await sleep(200);
    await restart(group, pki, pw, west[0]);
    for (const n of sentinels) n.proc.proc.kill("SIGKILL");
    await sleep(200);
    for (const n of sentinels) {
        await restart(group, pki, pw, n);
        await tune(n);
    }
    const until = Date.now() + opts.observeMs;
    for (let i = 0; i < 1000 && Date.now() < until; i++) {
        await check();
        await sleep(250);
    }
    writer.stop();
    await writing;
    const readonly = writer.refused.filter((r) => /READONLY/.test(r.reply)).length;
    const lost1 = await missingKeys(pki, master.port, pw, writer.acked);
    rows.push({
        service: "Redis sessions (Sentinel, 2 regions)",
        scenario: "restart a us-west replica and all 3 Sentinels under writes",
        rpo: `${lost1.length} of ${writer.acked.length} acknowledged writes lost`,
        rto: `no failover: ${readonly} READONLY, ${writer.refused.length} refused writes in ${ms(Date.now() - started)}`,
        promise:
            "the us-east master stays master and writable; no Sentinel promotes a us-west replica (replica-priority 0); Sentinel state survives restarts",
        ok: violations.size === 0 && readonly === 0 && lost1.length === 0,
        measured: {
            announceNames: names.join(" "),
            violations: [...violations].join("; ") || "none",
            readonly,
            refused: writer.refused.length,
            acknowledged: writer.acked.length,
        },
    });

    // 2. Master SIGKILL: Sentinel failover.
    const liveSentinel = async () => {
        for (const n of sentinels) {
            const p = await sentinelMaster(n);
            if (p) return p;
        }
        return undefined;
    };
    writer = new KeyWriter(pki, pw, "s2", liveSentinel);
    writing = writer.run(downUsed * 4 + 90000);
    await waitFor("writes before the failover", async () => (writer.acked.length >= 50 ? true : undefined), 100, 100);
    const killedAt = Date.now();
    writer.watch(killedAt, master.port);
    master.proc.proc.kill("SIGKILL");
    let promotedAt: number | undefined;
    let promoted: number | undefined;
    await waitFor(
        "a Sentinel failover and a write on the new master",
        async () => {
            if (!promotedAt) {
                const p = await liveSentinel();
                if (p && p !== master.port) [promotedAt, promoted] = [Date.now(), p];
            }
            return promotedAt && writer.okAfter(killedAt) ? true : undefined;
        },
        Math.ceil((downUsed * 4 + 60000) / 100),
        100,
    );
    await sleep(300);
    writer.stop();
    await writing;
    const newMaster = [...east, ...west].find((n) => n.port === promoted)!;
    const lost2 = await missingKeys(pki, newMaster.port, pw, writer.acked);
    const writableMs = writer.okAfter(killedAt)! - killedAt;
    const bound = downUsed * 2 + 10000;
    rows.push({
        service: "Redis sessions (Sentinel, 2 regions)",
        scenario: `SIGKILL of the us-east master under writes${opts.scaleMs ? ` (down-after-milliseconds scaled to ${downUsed} ms)` : ""}`,
        rpo: `${lost2.length} of ${writer.acked.length} acknowledged writes lost`,
        rto: `Sentinel promoted ${newMaster.name} after ${ms(promotedAt! - killedAt)}, writes ${ms(writableMs)}`,
        promise: `failover after down-after-milliseconds ${ms(downUsed)} (quorum ${quorum}) to a us-east replica (kept if < ${ms(bound)}); asynchronous replication: a lost tail is possible`,
        ok: east.includes(newMaster) && writableMs < bound,
        measured: {
            downAfterRendered: downAfter,
            downAfterUsed: downUsed,
            promoted: newMaster.name,
            killToPromotedMs: promotedAt! - killedAt,
            killToWritableMs: writableMs,
            acknowledged: writer.acked.length,
            lost: lost2.length,
        },
    });

    // 3. Partition: the new master loses its replicas (SIGSTOP); min-replicas-to-write makes it refuse writes.
    const lagRendered = Number(directive(s.eastConf, "min-replicas-max-lag"));
    const lag = opts.scaleMs ? Math.max(1, Math.round(opts.scaleMs / 1000)) : lagRendered;
    if (opts.scaleMs) await cli(pki, newMaster.port, pw, ["CONFIG", "SET", "min-replicas-max-lag", String(lag)]);
    const replicas = [...east, ...west].filter((n) => n !== master && n !== newMaster);
    writer = new KeyWriter(pki, pw, "s3", async () => newMaster.port);
    writing = writer.run(lag * 4000 + 60000);
    await waitFor("writes before the partition", async () => (writer.acked.length >= 20 ? true : undefined), 100, 100);
    const cutAt = Date.now();
    const ackedAtCut = writer.acked.length;
    for (const r of replicas) r.proc.proc.kill("SIGSTOP");
    let refusedAt: number | undefined;
    let ackedInWindow = 0;
    try {
        await waitFor(
            "the partitioned master to refuse writes",
            async () => {
                const first = writer.refused.find((r) => r.at > cutAt && /NOREPLICAS/.test(r.reply));
                if (first) [refusedAt, ackedInWindow] = [first.at, writer.acked.length - ackedAtCut];
                return first ? true : undefined;
            },
            Math.ceil((lag * 4000 + 30000) / 100),
            100,
        );
    } finally {
        for (const r of replicas) r.proc.proc.kill("SIGCONT");
    }
    const healedAt = Date.now();
    writer.watch(healedAt);
    await waitFor(
        "writes after the partition heals",
        async () => (writer.okAfter(healedAt) ? true : undefined),
        300,
        100,
    );
    writer.stop();
    await writing;
    const refuseMs = refusedAt! - cutAt;
    rows.push({
        service: "Redis sessions (Sentinel, 2 regions)",
        scenario: `partition: the master's ${replicas.length} replicas SIGSTOPped${opts.scaleMs ? ` (min-replicas-max-lag scaled to ${lag} s)` : ""}`,
        rpo: `${ackedInWindow} writes accepted while cut off (at risk if the majority failed over)`,
        rto: `refused writes (NOREPLICAS) after ${ms(refuseMs)}; writable ${ms(writer.okAfter(healedAt)! - healedAt)} after the partition healed`,
        promise: `min-replicas-to-write ${directive(s.eastConf, "min-replicas-to-write")}: a master without a replica for min-replicas-max-lag ${lag} s stops accepting writes`,
        ok: refuseMs <= lag * 1000 + 3000,
        measured: {
            minReplicasMaxLagRendered: lagRendered,
            minReplicasMaxLagUsed: lag,
            cutToRefusedMs: refuseMs,
            acceptedWhileCut: ackedInWindow,
        },
    });
    return rows;
}
