/**
 * Runs the rendered Redis configuration against real servers on loopback, TLS only with test-minted
 * certificates: every rendered file must be accepted by redis-server / redis-server --sentinel, a plaintext
 * client must be refused, the rendered cluster-create script must form a 3 master + 3 replica cluster over
 * the TLS bus and be a no-op the second time, and a master + replica + 3 Sentinels must replicate and reach
 * quorum over TLS. Only port, dir, bind, the auth include path and the certificate paths are overridden,
 * through the render options.
 *
 * Skipped when redis-server, redis-cli, getent or openssl is not installed (scripts/install-servers.sh installs the
 * Redis ones), unless GEO_REQUIRE_SERVERS is set, in which case missing binaries fail the run.
 */
import { strict as assert } from "assert";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    clusterCreateScript,
    renderAuthConf,
    renderRedisConf,
    renderSentinelAuthConf,
    renderSentinelConf,
    RedisConfOptions,
    sentinelInitScript,
} from "../components/redis/conf";
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

/** Exercises the config-file quoting: a space, a double quote and a backslash. */
const PASSWORD = `geo "p\\ss" ${crypto.randomBytes(8).toString("hex")}`;
const MASTER_NAME = "geo-redis";

let root = "";
let pki: TestPki;

/** The certificate files of the render options. */
const tlsFiles = () => ({ certFile: pki.server.cert, keyFile: pki.server.key, caCertFile: pki.caCert });

/**
 * redis-cli over TLS (the CA and the server certificate as client certificate) against a loopback port,
 * authenticated with the test password unless `auth` is false.
 */
async function cli(port: number, args: readonly string[], auth = true, tls = true): Promise<string> {
    const env: NodeJS.ProcessEnv = auth ? { REDISCLI_AUTH: PASSWORD } : { REDISCLI_AUTH: "" };
    const flags = tls ? pki.cliArgs : [];
    const result = await run("redis-cli", [...flags, "-h", LOOPBACK, "-p", String(port), ...args], env, 5000);
    if (result.code !== 0) throw new Error(`redis-cli ${args.join(" ")} exited ${result.code}: ${result.stderr}`);
    return result.stdout.trim();
}

async function configGet(port: number, ...keys: string[]): Promise<Map<string, string>> {
    return pairs(await cli(port, ["CONFIG", "GET", ...keys]));
}

function mkdir(name: string): string {
    const dir = path.join(root, name);
    fs.mkdirSync(dir);
    return dir;
}

/** Starts redis-server on `confPath` and waits until it answers PING; fails with its output if it exits. */
function start(name: string, port: number, confPath: string, sentinel = false): Promise<Server> {
    // Sentinel re-creates its file on every rewrite with mode 0644 & ~umask: run it under umask 077 so the
    // copy holding `sentinel auth-pass` stays private, as the Sentinel container does.
    const command = sentinel
        ? ["sh", "-c", 'umask 077 && exec redis-server "$0" --sentinel', confPath]
        : ["redis-server", confPath];
    return startServer(name, port, command, { cwd: path.dirname(confPath) }, () => cli(port, ["PING"]));
}

/**
 * Renders redis.conf with port, dir and auth include path overridden (and bind, to loopback, unless
 * `loopbackOnly` is false), writes it and the auth include, starts the server.
 */
async function startRedis(name: string, options: RedisConfOptions, loopbackOnly = true): Promise<Server> {
    const dir = mkdir(name);
    const port = await freePort(options.mode === "cluster");
    const authIncludePath = path.join(dir, "auth.conf");
    fs.writeFileSync(authIncludePath, renderAuthConf(PASSWORD), { mode: 0o600 });
    const confPath = path.join(dir, "redis.conf");
    fs.writeFileSync(
        confPath,
        renderRedisConf({
            ...options,
            port,
            dir,
            authIncludePath,
            tls: tlsFiles(),
            ...(loopbackOnly ? { bind: [LOOPBACK] } : {}),
        }),
    );
    return start(name, port, confPath);
}

/**
 * Like Promise.all, but waits for every promise before rejecting, so no server is still being started
 * (and registered for the after() hook) once a failed start has been reported.
 */
async function allSettled<T>(promises: readonly Promise<T>[]): Promise<T[]> {
    const results = await Promise.allSettled(promises);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
    return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}

let nodes: Server[] = [];
let master: Server;
let replica: Server;
let sentinels: Server[] = [];
const sentinelTargets: string[] = [];

/**
 * Starts a replica-source master, its replica, and 3 Sentinels whose writable config files are built by
 * the rendered init script from the rendered template and auth file.
 */
async function startSentinelTopology(): Promise<void> {
    master = await startRedis("master", { mode: "replica-source" });
    // The replica's first (diskless) sync at once, not after the 5 s wait for more replicas (a timing
    // knob only: the rendered value is Redis's default, which the rendered file leaves alone).
    await cli(master.port, ["CONFIG", "SET", "repl-diskless-sync-delay", "0"]);
    replica = await startRedis("replica", { mode: "replica", replicaOf: { host: LOOPBACK, port: master.port } });
    const shared = mkdir("sentinel-mounts");
    const authPath = path.join(shared, "auth.conf");
    fs.writeFileSync(authPath, renderSentinelAuthConf(MASTER_NAME, PASSWORD), { mode: 0o600 });
    sentinels = await allSettled(
        [0, 1, 2].map(async (i) => {
            const dir = mkdir(`sentinel-${i}`);
            const port = await freePort();
            // One template per Sentinel here only because each needs its own loopback port.
            const templatePath = path.join(shared, `sentinel-${i}.conf`);
            fs.writeFileSync(
                templatePath,
                renderSentinelConf({
                    masterName: MASTER_NAME,
                    masterHost: LOOPBACK,
                    masterPort: master.port,
                    port,
                    dir,
                    bind: [LOOPBACK],
                    tls: tlsFiles(),
                }),
            );
            const targetPath = path.join(dir, "sentinel.conf");
            // The replica is listed first: the script must pick the pod that reports master, not the first.
            const init = await run(
                "sh",
                [
                    "-c",
                    sentinelInitScript({
                        candidates: [`${LOOPBACK}:${replica.port}`, `${LOOPBACK}:${master.port}`],
                        masterName: MASTER_NAME,
                        templatePath,
                        authPath,
                        targetPath,
                        discoverTimeoutSeconds: 5,
                        tls: tlsFiles(),
                    }),
                ],
                { REDISCLI_AUTH: PASSWORD },
            );
            assert.equal(init.code, 0, init.stdout + init.stderr);
            assert.match(init.stdout, new RegExp(`the current master is ${LOOPBACK}:${master.port}`));
            assert.equal(fs.statSync(targetPath).mode & 0o777, 0o600);
            assert.equal(
                fs.readFileSync(targetPath, "utf8"),
                fs.readFileSync(templatePath, "utf8") + fs.readFileSync(authPath, "utf8"),
            );
            sentinelTargets.push(targetPath);
            return start(`sentinel-${i}`, port, targetPath, true);
        }),
    );
}

describe("redis-server running the rendered configuration", function () {
    before(async function () {
        requireBinaries(this, ["redis-server", "redis-cli", "getent", "openssl"]);
        root = fs.mkdtempSync(path.join(os.tmpdir(), "geo-redis-"));
        pki = mintTestPki(path.join(root, "pki"));
        // Both topologies start together.
        await allSettled([
            allSettled([0, 1, 2, 3, 4, 5].map((i) => startRedis(`cluster-${i}`, { mode: "cluster" }))).then(
                (started) => {
                    nodes = started;
                },
            ),
            startSentinelTopology(),
        ]);
    });

    after(async function () {
        this.timeout(10000);
        await stopAll();
        if (root) fs.rmSync(root, { recursive: true, force: true });
    });

    describe("cluster mode: 6 nodes and the cluster-create script", function () {
        const hosts = () => nodes.map((n) => `${LOOPBACK}:${n.port}`);
        const createScript = () =>
            clusterCreateScript({ hosts: hosts(), timeoutSeconds: 10, intervalSeconds: 1, tls: tlsFiles() });

        it("accepts every directive and applies the documented values", async function () {
            const config = await configGet(
                nodes[0].port,
                "appendonly",
                "appendfsync",
                "cluster-enabled",
                "cluster-node-timeout",
                "cluster-require-full-coverage",
                "cluster-migration-barrier",
                "cluster-config-file",
                "maxmemory",
                "maxmemory-policy",
                "save",
                "requirepass",
                "masterauth",
                "port",
                "tls-port",
                "tls-cluster",
                "tls-replication",
                "tls-auth-clients",
            );
            assert.deepEqual(Object.fromEntries(config), {
                port: "0",
                "tls-port": String(nodes[0].port),
                "tls-cluster": "yes",
                "tls-replication": "yes",
                "tls-auth-clients": "no",
                appendonly: "yes",
                appendfsync: "everysec",
                "cluster-enabled": "yes",
                "cluster-node-timeout": "15000",
                "cluster-require-full-coverage": "no",
                "cluster-migration-barrier": "1",
                "cluster-config-file": path.join(root, "cluster-0", "nodes.conf"),
                maxmemory: String(768 * 1024 * 1024),
                "maxmemory-policy": "allkeys-lru",
                save: "900 1 300 10 60 10000",
                requirepass: PASSWORD,
                masterauth: PASSWORD,
            });
            assert.match(await cli(nodes[0].port, ["PING"], false), /NOAUTH/);
        });

        it("refuses a plaintext client: there is no plaintext port", async function () {
            const plain = await run("redis-cli", ["-h", LOOPBACK, "-p", String(nodes[0].port), "PING"], {}, 5000);
            assert.doesNotMatch(plain.stdout + plain.stderr, /PONG|NOAUTH/);
            assert.match(plain.stdout + plain.stderr, /Server closed the connection|Connection reset|I\/O error/);
            // A TLS client that does not trust the CA is refused too.
            const untrusted = await run(
                "redis-cli",
                ["--tls", "--cacert", pki.otherCa.caCert, "-h", LOOPBACK, "-p", String(nodes[0].port), "PING"],
                { REDISCLI_AUTH: PASSWORD },
                5000,
            );
            assert.match(untrusted.stdout + untrusted.stderr, /certificate verify failed/);
        });

        it("accepts the default bind (* -::*) and a hostname announcement", async function () {
            const announced = "redis-0.redis-headless.geo-redis.svc.cluster.local";
            const server = await startRedis(
                "cluster-announce",
                { mode: "cluster", announceHostname: announced, clusterPreferredEndpointType: "hostname" },
                false,
            );
            const config = await configGet(
                server.port,
                "bind",
                "cluster-announce-hostname",
                "cluster-preferred-endpoint-type",
            );
            assert.deepEqual(Object.fromEntries(config), {
                bind: "* -::*",
                "cluster-announce-hostname": announced,
                "cluster-preferred-endpoint-type": "hostname",
            });
        });

        it("fails with a clear message when a node never answers PING", async function () {
            const deadPort = await freePort(true);
            const script = clusterCreateScript({
                hosts: [...hosts().slice(0, 5), `${LOOPBACK}:${deadPort}`],
                timeoutSeconds: 1,
                intervalSeconds: 1,
                tls: tlsFiles(),
            });
            const result = await run("sh", ["-c", script], { REDISCLI_AUTH: PASSWORD });
            assert.equal(result.code, 1, result.stdout + result.stderr);
            assert.match(result.stderr, new RegExp(`${LOOPBACK}:${deadPort} did not answer PING within 1s`));
            assert.equal(
                await cli(nodes[0].port, ["CLUSTER", "INFO"]).then((i) => info(i).get("cluster_known_nodes")),
                "1",
            );
        });

        it("forms 3 masters with one replica each", async function () {
            const result = await run("sh", ["-c", createScript()], { REDISCLI_AUTH: PASSWORD });
            assert.equal(result.code, 0, result.stdout + result.stderr);
            assert.match(result.stdout, /cluster-create: forming the cluster/);
            for (const node of nodes) {
                await waitFor(`cluster_state:ok on ${node.name}`, async () =>
                    info(await cli(node.port, ["CLUSTER", "INFO"])).get("cluster_state") === "ok" ? true : undefined,
                );
            }
            // Each node's own view of its role (other nodes learn replica assignments by gossip, seconds later).
            const roles = await Promise.all(nodes.map(async (n) => info(await cli(n.port, ["INFO", "replication"]))));
            const masterPorts = nodes.filter((_, i) => roles[i].get("role") === "master").map((n) => String(n.port));
            const replicaOf = roles.filter((r) => r.get("role") === "slave").map((r) => r.get("master_port"));
            assert.equal(masterPorts.length, 3);
            assert.equal(replicaOf.length, 3);
            // Every master has exactly one replica.
            assert.deepEqual([...replicaOf].sort(), [...masterPorts].sort());
        });

        it("detects the formed cluster on a second run and changes nothing", async function () {
            const clusterInfo = async () =>
                (await cli(nodes[0].port, ["CLUSTER", "INFO"])).replace(/^cluster_stats_messages.*$/gm, "");
            const before = await clusterInfo();
            const result = await run("sh", ["-c", createScript()], { REDISCLI_AUTH: PASSWORD });
            assert.equal(result.code, 0, result.stdout + result.stderr);
            assert.match(
                result.stdout,
                /cluster already formed \(.*cluster_state:ok, cluster_known_nodes:6\); nothing to do/,
            );
            assert.doesNotMatch(result.stdout, /forming the cluster|Performing hash slots allocation/);
            assert.equal(await clusterInfo(), before);
        });
    });

    describe("replica-source + replica + 3 Sentinels", function () {
        it("master and replica accept every directive; the replica follows the master", async function () {
            for (const server of [master, replica]) {
                const config = await configGet(
                    server.port,
                    "appendonly",
                    "maxmemory-policy",
                    "min-replicas-max-lag",
                    "repl-backlog-size",
                    "masterauth",
                );
                assert.deepEqual(Object.fromEntries(config), {
                    appendonly: "yes",
                    "maxmemory-policy": "allkeys-lru",
                    "min-replicas-max-lag": "10",
                    "repl-backlog-size": String(64 * 1024 * 1024),
                    masterauth: PASSWORD,
                });
            }
            const replication = info(await cli(replica.port, ["INFO", "replication"]));
            assert.equal(replication.get("role"), "slave");
            assert.equal(replication.get("master_host"), LOOPBACK);
            assert.equal(replication.get("master_port"), String(master.port));
        });

        it("replicates a write from the master to the replica", async function () {
            await waitFor(
                "master_link_status:up",
                async () =>
                    info(await cli(replica.port, ["INFO", "replication"])).get("master_link_status") === "up"
                        ? true
                        : undefined,
                120,
                100,
            );
            const value = crypto.randomBytes(8).toString("hex");
            assert.equal(await cli(master.port, ["SET", "geo:probe", value]), "OK");
            assert.equal(await cli(master.port, ["WAIT", "1", "5000"]), "1");
            assert.equal(await cli(replica.port, ["GET", "geo:probe"]), value);
            assert.match(await cli(replica.port, ["SET", "geo:probe", "x"]), /READONLY/);
        });

        it("Sentinels monitor the master with quorum 2 and can authorise a failover", async function () {
            for (const s of sentinels) {
                await waitFor(
                    `${s.name} to discover the other Sentinels`,
                    async () =>
                        pairs(await cli(s.port, ["SENTINEL", "MASTER", MASTER_NAME])).get("num-other-sentinels") === "2"
                            ? true
                            : undefined,
                    80,
                    100,
                );
                assert.match(await cli(s.port, ["PING"], false), /NOAUTH/, "Sentinels require the password");
                const m = pairs(await cli(s.port, ["SENTINEL", "MASTER", MASTER_NAME]));
                assert.equal(m.get("flags"), "master");
                assert.equal(m.get("port"), String(master.port));
                assert.equal(m.get("quorum"), "2");
                assert.equal(m.get("num-slaves"), "1");
                assert.match(await cli(s.port, ["SENTINEL", "CKQUORUM", MASTER_NAME]), /^OK 3 usable Sentinels/);
            }
        });

        it("the init script fails and writes nothing while no candidate reports master (never seeds pod 0 blindly)", async function () {
            this.timeout(10000);
            const dir = mkdir("sentinel-no-master");
            const targetPath = path.join(dir, "sentinel.conf");
            const result = await run(
                "sh",
                [
                    "-c",
                    sentinelInitScript({
                        candidates: ["geo-redis-missing.invalid:6379", `${LOOPBACK}:${replica.port}`],
                        masterName: MASTER_NAME,
                        templatePath: path.join(root, "sentinel-mounts", "sentinel-0.conf"),
                        authPath: path.join(root, "sentinel-mounts", "auth.conf"),
                        targetPath,
                        discoverTimeoutSeconds: 1,
                    }),
                ],
                { REDISCLI_AUTH: PASSWORD },
            );
            assert.equal(result.code, 1, result.stdout + result.stderr);
            assert.match(result.stderr, /expected exactly one master among .*, found 0: \(for 1s\)/);
            assert.deepEqual(fs.readdirSync(dir), []);
        });

        it("Sentinel rewrote its writable copy, which kept the master and the secret line, mode 0600", function () {
            for (const target of sentinelTargets) {
                const text = fs.readFileSync(target, "utf8");
                assert.match(text, /^sentinel myid [0-9a-f]{40}$/m, "Sentinel persisted its state");
                assert.match(text, new RegExp(`^sentinel monitor ${MASTER_NAME} ${LOOPBACK} ${master.port} 2$`, "m"));
                assert.match(text, new RegExp(`^sentinel auth-pass ${MASTER_NAME} `, "m"));
                assert.match(text, /^requirepass /m);
                assert.match(text, /^sentinel sentinel-pass /m);
                assert.equal(fs.statSync(target).mode & 0o777, 0o600);
            }
        });
    });
});
