/**
 * Runs real redis-server processes on 127.0.0.1 with the configuration files *the program renders*: the
 * ConfigMaps' redis.conf / sentinel.conf / init.sh / start.sh, the auth files from the rendered Secrets,
 * the StatefulSets' command lines and the create Job's script, all taken from `render()` of both stacks.
 * Only what cannot exist on a laptop is adapted: the absolute mount paths (/etc/redis…, /etc/redis-tls, /data)
 * become temp files (the TLS Secret's files are test-minted: tests/redis-support.ts mintTestPki), in-cluster
 * DNS names become 127.0.0.1, and tls-port/dir/bind (and the cluster state file, which lives under /data) are
 * appended on the command line, which Redis applies after the file. Every adaptation asserts that the text
 * it replaces occurs exactly once (the certificate directory: at least once).
 *
 * Skipped when redis-server, redis-cli, getent or openssl is missing, unless GEO_REQUIRE_SERVERS is set.
 */
import { strict as assert } from "assert";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    LOOPBACK,
    Server,
    TestPki,
    freePort,
    mintTestPki,
    info,
    pairs,
    requireBinaries,
    run,
    startServer,
    stopAll,
    waitFor,
} from "./redis-support";
import { find, inputs, render } from "./support";

let root = "";
let pki: TestPki;

/** Rendered values, filled in before(). */
let password = "";
let sessionsPassword = "";

/** redis-cli over TLS with the test CA (the program's pods use the mounted TLS Secret the same way). */
async function cli(port: number, args: readonly string[], auth: string | undefined): Promise<string> {
    const result = await run(
        "redis-cli",
        [...pki.cliArgs, "-h", LOOPBACK, "-p", String(port), ...args],
        { REDISCLI_AUTH: auth ?? "" },
        5000,
    );
    if (result.code !== 0 && auth !== undefined)
        throw new Error(`redis-cli ${args.join(" ")} exited ${result.code}: ${result.stderr}`);
    return result.stdout.trim();
}
/** Sentinels require the sessions password (rendered sentinel-auth.conf). */
const sentinelCli = async (port: number, args: readonly string[]) =>
    (
        await run(
            "redis-cli",
            [...pki.cliArgs, "-h", LOOPBACK, "-p", String(port), ...args],
            { REDISCLI_AUTH: sessionsPassword },
            5000,
        )
    ).stdout.trim();

/** Replaces exactly one occurrence of `from` (fails loudly when the rendered text changed shape). */
function replaceOnce(text: string, from: string | RegExp, to: string): string {
    const count =
        typeof from === "string"
            ? text.split(from).length - 1
            : (text.match(new RegExp(from.source, from.flags.includes("g") ? from.flags : from.flags + "g")) ?? [])
                  .length;
    assert.equal(count, 1, `expected exactly one ${from} in:\n${text}`);
    return text.replace(from, to);
}

/** The rendered text with the TLS Secret's mount (/etc/redis-tls) pointing at the test-minted files. */
function withPki(text: string): string {
    assert.match(text, /\/etc\/redis-tls\//, `expected the TLS mount in:\n${text}`);
    return text.split("/etc/redis-tls/").join(`${pki.dir}/`);
}

function write(file: string, text: string, mode = 0o600): string {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text, { mode });
    return file;
}

/** Spawns `command` and waits until `port` answers PING; fails with the process output if it exits. */
function start(
    name: string,
    port: number,
    command: string[],
    env: NodeJS.ProcessEnv,
    auth: string | undefined,
): Promise<Server> {
    return startServer(name, port, command, { cwd: root, env }, () => cli(port, ["PING"], auth));
}

/** A rendered redis.conf whose `include` points at the rendered auth.conf written to a temp file. */
function redisConfFile(name: string, conf: string, authConf: string): string {
    const dir = path.join(root, name);
    const auth = write(path.join(dir, "secret", "auth.conf"), authConf);
    fs.mkdirSync(path.join(dir, "data"), { recursive: true });
    // Redis changes into `dir` while reading the file, so /data must become a directory that exists here.
    const text = withPki(replaceOnce(conf, /^dir \/data$/m, `dir ${path.join(dir, "data")}`));
    return write(
        path.join(dir, "redis.conf"),
        replaceOnce(text, /^include \/etc\/redis-secret\/auth\.conf$/m, `include ${auth}`),
    );
}

/** Command-line options for what a laptop must differ in; Redis applies them after the file. */
function loopbackArgs(name: string, port: number): string[] {
    const dir = path.join(root, name, "data");
    fs.mkdirSync(dir, { recursive: true });
    return ["--tls-port", String(port), "--dir", dir, "--bind", LOOPBACK];
}

const rendered = {
    cacheConf: "",
    cacheArgs: [] as string[],
    cacheAuth: "",
    jobScript: "",
    eastConf: "",
    westConf: "",
    sessionsAuth: "",
    sentinelTemplate: "",
    sentinelInit: "",
    sentinelAuth: "",
    sentinelCommand: [] as string[],
    startScript: "",
};

describe("redis-server running the configuration rendered by the program", function () {
    let cache: Server[] = [];
    let master: Server;
    let westReplica: Server;
    let writeWithoutReplica = "";
    const sentinels: Server[] = [];
    const sentinelFiles: string[] = [];

    before(async function () {
        this.timeout(30000);
        requireBinaries(this, ["redis-server", "redis-cli", "getent", "timeout", "openssl"]);
        const east = await render("us-east");
        const west = await render("us-west");
        const cm = (r: typeof east, name: string) => inputs(find(r, "kubernetes:core/v1:ConfigMap", name)).data;
        const secret = (r: typeof east, name: string) => inputs(find(r, "kubernetes:core/v1:Secret", name)).stringData;
        const sts = (r: typeof east, name: string) =>
            inputs(find(r, "kubernetes:apps/v1:StatefulSet", name)).spec.template.spec;
        rendered.cacheConf = cm(east, "geo-redis-cache-config")["redis.conf"];
        rendered.cacheArgs = sts(east, "geo-redis-cache-statefulset").containers[0].args;
        rendered.cacheAuth = secret(east, "geo-redis-cache-auth")["auth.conf"];
        password = secret(east, "geo-redis-cache-auth").password;
        rendered.jobScript = inputs(
            find(east, "kubernetes:batch/v1:Job", "geo-redis-cache-create"),
        ).spec.template.spec.containers[0].command[2];
        rendered.eastConf = cm(east, "geo-redis-sessions-config")["redis.conf"];
        rendered.startScript = cm(east, "geo-redis-sessions-config")["start.sh"];
        rendered.westConf = cm(west, "geo-redis-sessions-config")["redis.conf"];
        rendered.sessionsAuth = secret(east, "geo-redis-sessions-auth")["auth.conf"];
        assert.equal(
            secret(west, "geo-redis-sessions-auth")["auth.conf"],
            rendered.sessionsAuth,
            "us-west authenticates with us-east's password",
        );
        sessionsPassword = secret(east, "geo-redis-sessions-auth").password;
        rendered.sentinelAuth = secret(east, "geo-redis-sessions-auth")["sentinel-auth.conf"];
        rendered.sentinelTemplate = cm(east, "geo-redis-sessions-sentinel-config")["sentinel.conf"];
        rendered.sentinelInit = cm(east, "geo-redis-sessions-sentinel-config")["init.sh"];
        rendered.sentinelCommand = sts(east, "geo-redis-sessions-sentinel").containers[0].command;

        root = fs.mkdtempSync(path.join(os.tmpdir(), "geo-redis-rendered-"));
        pki = mintTestPki(path.join(root, "pki"));
        const startCache = async (i: number) => {
            const name = `cache-${i}`;
            const port = await freePort(true);
            const conf = redisConfFile(name, rendered.cacheConf, rendered.cacheAuth);
            const args = rendered.cacheArgs.slice(1).map((a) => a.replace("$(POD_NAME)", `redis-cache-${i}`));
            const extra = [
                ...loopbackArgs(name, port),
                "--cluster-config-file",
                path.join(root, name, "data", "nodes.conf"),
            ];
            return start(name, port, ["redis-server", conf, ...args, ...extra], {}, password);
        };
        const startMaster = async () => {
            const port = await freePort();
            const conf = redisConfFile("east-0", rendered.eastConf, rendered.sessionsAuth);
            master = await start(
                "east-0",
                port,
                [
                    "redis-server",
                    conf,
                    ...loopbackArgs("east-0", port),
                    "--replica-announce-ip",
                    LOOPBACK,
                    // the replica's first (diskless) sync at once, not after the 5 s wait for more replicas
                    "--repl-diskless-sync-delay",
                    "0",
                ],
                {},
                sessionsPassword,
            );
            // A write before any replica is connected (asserted below), then the us-west replica starts.
            writeWithoutReplica = await cli(master.port, ["SET", "geo:probe", "x"], sessionsPassword);
            const westPort = await freePort();
            const westConf = redisConfFile("west-0", rendered.westConf, rendered.sessionsAuth);
            westReplica = await start(
                "west-0",
                westPort,
                [
                    "redis-server",
                    westConf,
                    ...loopbackArgs("west-0", westPort),
                    "--replicaof",
                    LOOPBACK,
                    String(master.port),
                ],
                {},
                sessionsPassword,
            );
        };
        await Promise.all([Promise.all([0, 1, 2, 3, 4, 5].map(startCache)).then((s) => (cache = s)), startMaster()]);
    });

    after(async function () {
        this.timeout(10000);
        await stopAll();
        if (root) fs.rmSync(root, { recursive: true, force: true });
    });

    describe("cache (cluster mode, us-east render)", () => {
        it("accepts every rendered directive, including the command-line announce hostname", async () => {
            const cfg = pairs(await cli(cache[0].port, ["CONFIG", "GET", "cluster-*"], password));
            assert.equal(cfg.get("cluster-enabled"), "yes");
            assert.equal(cfg.get("cluster-node-timeout"), "15000");
            assert.equal(
                cfg.get("cluster-announce-hostname"),
                "redis-cache-0.redis-cache-headless.geo-redis.svc.cluster.local",
            );
            assert.equal(cfg.get("cluster-preferred-endpoint-type"), "hostname");
            assert.equal(
                pairs(await cli(cache[0].port, ["CONFIG", "GET", "appendonly"], password)).get("appendonly"),
                "yes",
            );
            assert.match(await cli(cache[0].port, ["PING"], ""), /NOAUTH/);
        });

        it("the rendered create Job forms a 3 master + 3 replica cluster, then changes nothing", async function () {
            this.timeout(30000);
            const hosts = cache.map((n) => `${LOOPBACK}:${n.port}`).join(" ");
            const script = withPki(replaceOnce(rendered.jobScript, /^hosts='[^']*'$/m, `hosts='${hosts}'`));
            const first = await run("sh", ["-c", script], { REDISCLI_AUTH: password }, 25000);
            assert.equal(first.code, 0, first.stdout + first.stderr);
            assert.match(first.stdout, /cluster-create: forming the cluster/);
            for (const n of cache) {
                await waitFor(`cluster_state:ok on ${n.name}`, async () =>
                    info(await cli(n.port, ["CLUSTER", "INFO"], password)).get("cluster_state") === "ok"
                        ? true
                        : undefined,
                );
            }
            const roles = await Promise.all(
                cache.map(async (n) => info(await cli(n.port, ["INFO", "replication"], password)).get("role")),
            );
            assert.deepEqual([...roles].sort(), ["master", "master", "master", "slave", "slave", "slave"]);
            // Clients are redirected to the stable pod names, not to pod IPs.
            assert.match(
                await cli(cache[0].port, ["CLUSTER", "SHARDS"], password),
                /redis-cache-\d\.redis-cache-headless\.geo-redis\.svc\.cluster\.local/,
            );
            const again = await run("sh", ["-c", script], { REDISCLI_AUTH: password }, 25000);
            assert.equal(again.code, 0, again.stdout + again.stderr);
            assert.match(
                again.stdout,
                /cluster already formed \(.*cluster_state:ok, cluster_known_nodes:6\); nothing to do/,
            );
        });
    });

    describe("sessions (Sentinel mode, us-east and us-west renders)", () => {
        it("the us-east master refuses writes until min-replicas-to-write (1) replica is connected", async () => {
            assert.equal(
                pairs(await cli(master.port, ["CONFIG", "GET", "min-replicas-to-write"], sessionsPassword)).get(
                    "min-replicas-to-write",
                ),
                "1",
            );
            assert.match(writeWithoutReplica, /NOREPLICAS/);
        });

        it("a us-west replica (rendered replicaof pointed at loopback) replicates the master", async function () {
            this.timeout(20000);
            assert.match(rendered.westConf, /^replicaof redis-sessions\.us-east-1\.data\.internal 6379$/m);
            await waitFor(
                "master_link_status:up",
                async () =>
                    info(await cli(westReplica.port, ["INFO", "replication"], sessionsPassword)).get(
                        "master_link_status",
                    ) === "up"
                        ? true
                        : undefined,
                150,
                100,
            );
            const value = crypto.randomBytes(8).toString("hex");
            await waitFor(
                "the master to accept writes",
                async () =>
                    (await cli(master.port, ["SET", "geo:probe", value], sessionsPassword)) === "OK" ? true : undefined,
                50,
                100,
            );
            assert.equal(await cli(master.port, ["WAIT", "1", "5000"], sessionsPassword), "1");
            assert.equal(await cli(westReplica.port, ["GET", "geo:probe"], sessionsPassword), value);
            assert.match(await cli(westReplica.port, ["SET", "geo:probe", "x"], sessionsPassword), /READONLY/);
        });

        it("the us-west replica verifies its master's certificate against the CA (Redis 7.0 checks no hostname)", async function () {
            this.timeout(15000);
            for (const conf of [rendered.eastConf, rendered.westConf]) {
                assert.match(conf, /^port 0$/m);
                assert.match(conf, /^tls-replication yes$/m);
                assert.match(conf, /^tls-ca-cert-file \/etc\/redis-tls\/ca\.crt$/m);
            }
            // Impostor masters run the rendered us-east configuration with another certificate (command line).
            const impostor = async (name: string, files: { cert: string; key: string }, caCert: string) => {
                const port = await freePort();
                const conf = redisConfFile(name, rendered.eastConf, rendered.sessionsAuth);
                const args = [...loopbackArgs(name, port), "--tls-cert-file", files.cert, "--tls-key-file", files.key];
                return startServer(name, port, ["redis-server", conf, ...args], { cwd: root }, async () => {
                    const r = await run(
                        "redis-cli",
                        ["--tls", "--cacert", caCert, "-h", LOOPBACK, "-p", String(port), "PING"],
                        { REDISCLI_AUTH: sessionsPassword },
                        5000,
                    );
                    return r.stdout.trim();
                });
            };
            const [foreign, misnamed] = await Promise.all([
                impostor("east-foreign-ca", pki.otherCa, pki.otherCa.caCert),
                impostor("east-wrong-name", pki.wrongName, pki.caCert),
            ]);
            const port = await freePort();
            const conf = redisConfFile("west-verify", rendered.westConf, rendered.sessionsAuth);
            const replica = await start(
                "west-verify",
                port,
                [
                    "redis-server",
                    conf,
                    ...loopbackArgs("west-verify", port),
                    "--replicaof",
                    "localhost",
                    String(foreign.port),
                ],
                {},
                sessionsPassword,
            );
            // A master whose certificate another CA signed is refused at the TLS handshake, every retry.
            await waitFor(
                "the replica to refuse the foreign-CA master",
                async () => (/certificate verify failed/.test(replica.output()) ? true : undefined),
                40,
                100,
            );
            const rogue = info(
                await run(
                    "redis-cli",
                    [
                        "--tls",
                        "--cacert",
                        pki.otherCa.caCert,
                        "-h",
                        LOOPBACK,
                        "-p",
                        String(foreign.port),
                        "INFO",
                        "replication",
                    ],
                    { REDISCLI_AUTH: sessionsPassword },
                    5000,
                ).then((r) => r.stdout),
            );
            assert.equal(rogue.get("connected_slaves"), "0");
            assert.equal(
                info(await cli(replica.port, ["INFO", "replication"], sessionsPassword)).get("master_link_status"),
                "down",
            );
            // The CA is the whole check: a certificate of the right CA that names only impostor.invalid is
            // accepted for "localhost" (Redis sends SNI but compares no name), hence one CA per instance.
            await cli(replica.port, ["REPLICAOF", "localhost", String(misnamed.port)], sessionsPassword);
            await waitFor(
                "the misnamed master to see the replica",
                async () =>
                    /^slave0:/m.test(await cli(misnamed.port, ["INFO", "replication"], sessionsPassword))
                        ? true
                        : undefined,
                40,
                100,
            );
        });

        it("3 Sentinels start from the rendered init script, template, auth and command line", async function () {
            this.timeout(20000);
            const shared = path.join(root, "sentinel-mounts");
            const auth = write(path.join(shared, "auth.conf"), rendered.sentinelAuth);
            const monitored = replaceOnce(
                rendered.sentinelTemplate,
                /^sentinel monitor sessions \S+ 6379 2$/m,
                `sentinel monitor sessions ${LOOPBACK} ${master.port} 2`,
            );
            const template = write(
                path.join(shared, "sentinel.conf"),
                withPki(replaceOnce(monitored, /^dir \/data$/m, `dir ${root}`)),
            );
            for (let i = 0; i < 3; i++) {
                const name = `sentinel-${i}`;
                const port = await freePort();
                const target = path.join(root, name, "data", "sentinel.conf");
                fs.mkdirSync(path.dirname(target), { recursive: true });
                // Candidates: the us-east master and the us-west replica; the script must pick the master by ROLE.
                let init = replaceOnce(
                    rendered.sentinelInit,
                    /^candidates='[^']*'$/m,
                    `candidates='${LOOPBACK}:${westReplica.port} ${LOOPBACK}:${master.port}'`,
                );
                init = replaceOnce(init, /^template='[^']*'$/m, `template='${template}'`);
                init = replaceOnce(init, /^auth='[^']*'$/m, `auth='${auth}'`);
                init = withPki(replaceOnce(init, /^target='[^']*'$/m, `target='${target}'`));
                const result = await run("sh", ["-c", init], { REDISCLI_AUTH: sessionsPassword });
                assert.equal(result.code, 0, result.stdout + result.stderr);
                assert.match(result.stdout, new RegExp(`the current master is ${LOOPBACK}:${master.port}`));
                assert.equal(fs.statSync(target).mode & 0o777, 0o600);
                const [sh, flag, line] = rendered.sentinelCommand;
                const command = [
                    sh,
                    flag,
                    `${replaceOnce(line, "/data/sentinel.conf", target)} --tls-port ${port} --dir ${path.dirname(target)} --bind ${LOOPBACK}`,
                ];
                sentinels.push(
                    await start(name, port, command, { POD_NAME: `redis-sessions-sentinel-${i}` }, sessionsPassword),
                );
                sentinelFiles.push(target);
            }
            for (const s of sentinels) {
                await waitFor(
                    `${s.name} to see the replica`,
                    async () =>
                        pairs(await sentinelCli(s.port, ["SENTINEL", "MASTER", "sessions"])).get("num-slaves") === "1"
                            ? true
                            : undefined,
                    50,
                    100,
                );
                const m = pairs(await sentinelCli(s.port, ["SENTINEL", "MASTER", "sessions"]));
                assert.equal(m.get("flags"), "master");
                assert.equal(m.get("quorum"), "2");
            }
            // Sentinel persisted the command-line announce name and kept the file private.
            for (const [i, file] of sentinelFiles.entries()) {
                await waitFor(
                    `${file} rewritten`,
                    async () => (/^sentinel myid /m.test(fs.readFileSync(file, "utf8")) ? true : undefined),
                    30,
                    100,
                );
                assert.match(
                    fs.readFileSync(file, "utf8"),
                    new RegExp(
                        `^sentinel announce-ip "?redis-sessions-sentinel-${i}\\.redis-sessions-sentinel-headless\\.geo-redis\\.svc\\.cluster\\.local"?$`,
                        "m",
                    ),
                );
                assert.equal(fs.statSync(file).mode & 0o777, 0o600);
            }
        });

        /**
         * Runs the rendered sessions start.sh as `pod` in a directory `name`, on a free loopback port: its copy
         * of redis.conf carries the loopback settings (start.sh passes only the file), it asks the Sentinel at
         * `sentinelPort` and, when `peers` is given, those `host:port`s instead of the rendered peer list.
         */
        const startPodScript = async (name: string, pod: string, sentinelPort: number, peers?: string) => {
            const port = await freePort();
            const conf = redisConfFile(name, rendered.eastConf, rendered.sessionsAuth);
            fs.appendFileSync(
                conf,
                `${loopbackArgs(name, port)
                    .join(" ")
                    .replace(/--([\w-]+) (\S+) ?/g, "$1 $2\n")}`,
            );
            let script = replaceOnce(
                rendered.startScript,
                "redis-sessions-sentinel.geo-redis.svc.cluster.local -p 26379",
                `${LOOPBACK} -p ${sentinelPort}`,
            );
            if (peers !== undefined) script = replaceOnce(script, /^peers='[^']*'$/m, `peers='${peers}'`);
            script = withPki(script.split("/etc/redis/redis.conf").join(conf));
            const file = write(path.join(root, name, "start.sh"), script, 0o700);
            return start(
                name,
                port,
                ["sh", file],
                { POD_NAME: pod, REDISCLI_AUTH: sessionsPassword },
                sessionsPassword,
            );
        };

        it("the rendered start script asks the Sentinels and starts a pod as the current master's replica", async function () {
            this.timeout(15000);
            const replica = await startPodScript("east-1", "redis-sessions-1", sentinels[0].port);
            const replication = info(await cli(replica.port, ["INFO", "replication"], sessionsPassword));
            assert.equal(replication.get("role"), "slave");
            assert.equal(replication.get("master_host"), LOOPBACK);
            assert.equal(replication.get("master_port"), String(master.port));
        });

        it("without a Sentinel answer, a restarting pod 0 asks the other pods and replicates from the master", async function () {
            this.timeout(15000);
            // The rendered peer list; in the spec each name points at a loopback server: a replica, then the master.
            const peers = /^peers='([^']*)'$/m.exec(rendered.startScript)![1].split(" ");
            assert.deepEqual(
                peers,
                [0, 1, 2].map((i) => `redis-sessions-us-east-1-${i}.geo-redis.svc.cluster.local:6379`),
            );
            const deadPort = await freePort();
            const server = await startPodScript(
                "east-0c",
                "redis-sessions-0",
                deadPort,
                `${LOOPBACK}:${deadPort} ${LOOPBACK}:${westReplica.port} ${LOOPBACK}:${master.port}`,
            );
            const replication = info(await cli(server.port, ["INFO", "replication"], sessionsPassword));
            assert.equal(replication.get("role"), "slave", "pod 0 did not become a second master");
            assert.equal(replication.get("master_port"), String(master.port));
            assert.equal(
                pairs(await cli(server.port, ["CONFIG", "GET", "replica-announce-ip"], sessionsPassword)).get(
                    "replica-announce-ip",
                ),
                "redis-sessions-us-east-1-0.geo-redis.svc.cluster.local",
            );
        });

        it("without a Sentinel answer and no master anywhere, the start script makes pod 0 the master", async function () {
            this.timeout(15000);
            const deadPort = await freePort();
            const server = await startPodScript("east-0b", "redis-sessions-0", deadPort, `${LOOPBACK}:${deadPort}`);
            assert.equal(info(await cli(server.port, ["INFO", "replication"], sessionsPassword)).get("role"), "master");
        });
    });
});
