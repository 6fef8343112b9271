/**
 * Real redis-server / Sentinel processes on 127.0.0.1 for the two cross-region failure modes of the
 * sessions store (issue 10 items 3 and 4), driven by what the program renders:
 *
 * - A Sentinel monitoring the us-east master while a us-west replica replicates from it, announcing the
 *   name the us-west render gives it. Kubernetes DNS is modelled by a table built from the us-east render:
 *   a name one of us-east's pods announces resolves to that pod (here: loopback and its port); any other
 *   name does not resolve in us-east, so the replica announces it unchanged (it does not resolve here
 *   either). With names shared by both regions the replica looked like the master itself and Sentinel sent
 *   the master REPLICAOF (READONLY); with region-qualified names the master stays master.
 * - The Redis commands of the printed switchover procedure, run verbatim through a `kubectl` stand-in that
 *   maps `kubectl --context C -n NS exec POD -c CONTAINER -- redis-cli …` to the loopback server playing
 *   that pod, while a client keeps writing; the demotion is simulated (the cross-region link is cut, time
 *   passes), then us-west's pod 0 is promoted. Every write the old master acknowledged is on the new master.
 *
 * Every server, Sentinel and client speaks TLS only, with test-minted certificates (as the program's pods do).
 *
 * Skipped when redis-server, redis-cli or openssl is missing, unless GEO_REQUIRE_SERVERS is set.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Resp, missingKeys } from "../tools/drill/redis-local";
import { loadPairConfigs } from "../tools/runbook/config";
import { switchoverSteps } from "../tools/runbook/steps";
import {
    LOOPBACK,
    Server,
    TestPki,
    freePort,
    mintTestPki,
    info,
    requireBinaries,
    run,
    sleep,
    startServer,
    stopAll,
    waitFor,
} from "./redis-support";
import { find, inputs, render } from "./support";

let root = "";
let password = "";
let pki: TestPki;

async function cli(port: number, args: readonly string[]): Promise<string> {
    const result = await run(
        "redis-cli",
        [...pki.cliArgs, "-h", LOOPBACK, "-p", String(port), ...args],
        { REDISCLI_AUTH: password },
        5000,
    );
    return result.stdout.trim();
}

const role = async (port: number) => info(await cli(port, ["INFO", "replication"])).get("role");

/** A redis-server on loopback with the sessions password, optionally a replica of `master`. */
async function redis(name: string, extra: string[] = []): Promise<Server> {
    const port = await freePort();
    const dir = path.join(root, name);
    fs.mkdirSync(dir, { recursive: true });
    const conf = path.join(dir, "redis.conf");
    // The password goes into a private file, never onto a command line; TLS only.
    fs.writeFileSync(conf, `${pki.conf(port)}requirepass "${password}"\nmasterauth "${password}"\n`, { mode: 0o600 });
    // A replica's first (diskless) sync starts at once rather than after the default 5 s wait for more replicas.
    const command = ["redis-server", conf, "--bind", LOOPBACK, "--dir", dir, "--save", ""];
    command.push("--repl-diskless-sync-delay", "0");
    return startServer(name, port, [...command, ...extra], { cwd: dir }, () => cli(port, ["PING"]));
}

async function linkUp(replica: Server): Promise<void> {
    await waitFor(
        `${replica.name} master_link_status:up`,
        async () =>
            info(await cli(replica.port, ["INFO", "replication"])).get("master_link_status") === "up"
                ? true
                : undefined,
        100,
        100,
    );
}

/** The value of `--replica-announce-ip "<expr>"` / `self="<expr>"` for a pod, evaluated by sh as the pod would. */
async function announced(expression: string, pod: string): Promise<string> {
    const result = await run("sh", ["-c", `echo "${expression}"`], { POD_NAME: pod });
    return result.stdout.trim();
}

describe("sessions store across regions, real servers", function () {
    let east: Awaited<ReturnType<typeof render>>;
    let west: Awaited<ReturnType<typeof render>>;

    before(async function () {
        this.timeout(30000);
        requireBinaries(this, ["redis-server", "redis-cli", "openssl"]);
        east = await render("us-east");
        west = await render("us-west");
        password = inputs(find(east, "kubernetes:core/v1:Secret", "geo-redis-sessions-auth")).stringData.password;
        root = fs.mkdtempSync(path.join(os.tmpdir(), "geo-redis-sessions-"));
        pki = mintTestPki(path.join(root, "pki"));
    });

    after(async function () {
        this.timeout(10000);
        await stopAll();
        if (root) fs.rmSync(root, { recursive: true, force: true });
    });

    it("a Sentinel keeps the us-east master a master while a us-west replica announces its rendered name", async function () {
        this.timeout(40000);
        const startSh = inputs(find(east, "kubernetes:core/v1:ConfigMap", "geo-redis-sessions-config")).data[
            "start.sh"
        ];
        const eastSelf = /^self="([^"]+)"$/m.exec(startSh)![1];
        const westCommand = inputs(find(west, "kubernetes:apps/v1:StatefulSet", "geo-redis-sessions-statefulset")).spec
            .template.spec.containers[0].command[2] as string;
        const westSelf = /--replica-announce-ip "([^"]+)"/.exec(westCommand)![1];

        const master = await redis("east-0");
        // us-east's DNS: the names its pods announce (pod 0 → the master here).
        const eastDns = new Map([[await announced(eastSelf, "redis-sessions-0"), master.port]]);
        const westName = await announced(westSelf, "redis-sessions-0");
        assert.notEqual(westName, "", "the us-west render announces a name");
        const collides = eastDns.get(westName);
        const replica = await redis(
            "west-0",
            collides === undefined
                ? ["--replica-announce-ip", westName, "--replicaof", LOOPBACK, String(master.port)]
                : // The name resolves, in us-east, to the us-east pod of that name: announce that address.
                  [
                      "--replica-announce-ip",
                      LOOPBACK,
                      "--replica-announce-port",
                      String(collides),
                      "--replicaof",
                      LOOPBACK,
                      String(master.port),
                  ],
        );
        await linkUp(replica);
        const listed = collides === undefined ? `${westName},port=${replica.port}` : `${LOOPBACK},port=${collides}`;
        assert.match(
            await cli(master.port, ["INFO", "replication"]),
            new RegExp(`^slave0:ip=${listed.replace(/\./g, "\\.")},`, "m"),
        );

        const scm = inputs(find(east, "kubernetes:core/v1:ConfigMap", "geo-redis-sessions-sentinel-config")).data;
        const sentinelAuth = inputs(find(east, "kubernetes:core/v1:Secret", "geo-redis-sessions-auth")).stringData[
            "sentinel-auth.conf"
        ];
        const sentinelPort = await freePort();
        const sentinelDir = path.join(root, "sentinel");
        fs.mkdirSync(sentinelDir);
        const sentinelConf = path.join(sentinelDir, "sentinel.conf");
        const template = (scm["sentinel.conf"] as string)
            .replace(
                /^sentinel monitor sessions \S+ 6379 2$/m,
                `sentinel monitor sessions ${LOOPBACK} ${master.port} 1`,
            )
            .replace(/^dir \/data$/m, `dir ${sentinelDir}`)
            .split("/etc/redis-tls/")
            .join(`${pki.dir}/`);
        fs.writeFileSync(sentinelConf, template + sentinelAuth, { mode: 0o600 });
        await startServer(
            "sentinel",
            sentinelPort,
            ["redis-server", sentinelConf, "--sentinel", "--tls-port", String(sentinelPort), "--bind", LOOPBACK],
            { cwd: sentinelDir },
            () => cli(sentinelPort, ["PING"]),
        );
        // Sentinel refreshes a replica's INFO every info-period (10 s) and converts a replica reporting master
        // 4 publish-periods (8 s) after it first reported so. SENTINEL DEBUG shortens both (1 s, 0.5 s: a
        // conversion after 2 s); 6 s covers discovering the replica, two INFO rounds and the first conversion
        // it would attempt (with the shared names, the master turns replica within about 3 s).
        assert.equal(
            await cli(sentinelPort, ["SENTINEL", "DEBUG", "info-period", "1000", "publish-period", "500"]),
            "OK",
        );
        const deadline = Date.now() + 6000;
        while (Date.now() < deadline) {
            assert.equal(await role(master.port), "master", "Sentinel turned the us-east master into a replica");
            await sleep(500);
        }
        const replicas = await cli(sentinelPort, ["SENTINEL", "REPLICAS", "sessions"]);
        assert.doesNotMatch(
            replicas,
            new RegExp(`^${LOOPBACK}:${master.port}$`, "m"),
            "the master is not its own replica",
        );
        assert.equal(await role(master.port), "master");
        assert.equal(info(await cli(replica.port, ["INFO", "replication"])).get("master_link_status"), "up");
    });

    it("the switchover's Redis commands fence the old master: no acknowledged write is lost", async function () {
        this.timeout(60000);
        const procedure = switchoverSteps(
            "us-east",
            "us-west",
            loadPairConfigs({ "us-east/kubeContext": "east-admin", "us-west/kubeContext": "west-admin" }),
        );
        const stepCommands = (titleStart: string) => {
            const s = procedure.steps.find((x) => x.title.startsWith(titleStart));
            assert.ok(s, `no step "${titleStart}…"`);
            return s.commands.join("\n");
        };
        const fence = stepCommands("Redis sessions: stop");
        const check = stepCommands("Redis sessions: right before the promotion");

        const e0 = await redis("sw-east-0", ["--min-replicas-to-write", "1"]);
        const follow = ["--replicaof", LOOPBACK, String(e0.port)];
        const [e1, e2, w0, w1, w2] = await Promise.all(
            ["sw-east-1", "sw-east-2", "sw-west-0", "sw-west-1", "sw-west-2"].map((n) => redis(n, follow)),
        );
        await Promise.all([e1, e2, w0, w1, w2].map(linkUp));
        const sentinelPort = await freePort();
        const sentinelDir = path.join(root, "sw-sentinel");
        fs.mkdirSync(sentinelDir);
        const sentinelConf = path.join(sentinelDir, "sentinel.conf");
        fs.writeFileSync(
            sentinelConf,
            `${pki.conf(sentinelPort)}sentinel monitor sessions ${LOOPBACK} ${e0.port} 1\nsentinel auth-pass sessions "${password}"\nrequirepass "${password}"\n`,
            { mode: 0o600 },
        );
        await startServer(
            "sw-sentinel",
            sentinelPort,
            ["redis-server", sentinelConf, "--sentinel", "--bind", LOOPBACK, "--dir", sentinelDir],
            { cwd: sentinelDir },
            () => cli(sentinelPort, ["PING"]),
        );

        // kubectl stand-in: `--context C -n NS exec POD -c CONTAINER -- redis-cli --tls … [-p 26379] ARGS…`; the
        // runbook's TLS flags name the pod's mount (/etc/redis-tls), which becomes the test-minted files.
        const pods: [string, string, string, number][] = [
            ["east-admin", "redis-sessions-0", "redis", e0.port],
            ["east-admin", "redis-sessions-1", "redis", e1.port],
            ["east-admin", "redis-sessions-2", "redis", e2.port],
            ["west-admin", "redis-sessions-0", "redis", w0.port],
            ["west-admin", "redis-sessions-1", "redis", w1.port],
            ["west-admin", "redis-sessions-2", "redis", w2.port],
            ...[0, 1, 2].map((i): [string, string, string, number] => [
                "east-admin",
                `redis-sessions-sentinel-${i}`,
                "sentinel",
                sentinelPort,
            ]),
        ];
        const bin = path.join(root, "bin");
        fs.mkdirSync(bin);
        fs.writeFileSync(path.join(root, "pods"), pods.map((p) => p.join(" ")).join("\n") + "\n");
        fs.writeFileSync(
            path.join(bin, "kubectl"),
            `#!/bin/sh
[ "$1" = --context ] && [ "$3" = -n ] && [ "$5" = exec ] && [ "$7" = -c ] && [ "$9" = -- ] && [ "\${10}" = redis-cli ] || { echo "kubectl stand-in: unexpected $*" >&2; exit 2; }
port=$(awk -v c="$2" -v p="$6" -v k="$8" '$1 == c && $2 == p && $3 == k { print $4 }' ${path.join(root, "pods")})
[ -n "$port" ] || { echo "kubectl stand-in: no pod $6 ($8) in $2" >&2; exit 1; }
shift 10
[ "$1" = --tls ] || { echo "kubectl stand-in: redis-cli without --tls: $*" >&2; exit 2; }
n=$#
i=0
while [ "$i" -lt "$n" ]; do
  a=$1; shift; i=$((i + 1))
  case "$a" in
    -p) shift; i=$((i + 1)); continue ;;
    /etc/redis-tls/*) a="${pki.dir}/\${a#/etc/redis-tls/}" ;;
  esac
  set -- "$@" "$a"
done
exec redis-cli -h ${LOOPBACK} -p "$port" "$@"
`,
            { mode: 0o700 },
        );
        const env = { PATH: `${bin}:${process.env.PATH}`, REDISCLI_AUTH: password };

        // A client writes w:1, w:2, … to the us-east master for the whole procedure.
        const writer = await Resp.connect(pki, e0.port, password);
        assert.ok(writer, `AUTH over TLS on the us-east master (${e0.port})`);
        const acknowledged: string[] = [];
        const refused: string[] = [];
        let writing = true;
        const writes = (async () => {
            for (let i = 1; writing && i < 100000; i++) {
                // Paused writes wait for the unpause (the fence runs up to 90 s), as an application's would.
                const reply = await writer.command(["SET", `w:${i}`, String(i)], 120000);
                (reply === "+OK" ? acknowledged : refused).push(`w:${i}`);
                if (reply !== "+OK") await sleep(5);
            }
        })();
        await waitFor("acknowledged writes", async () => (acknowledged.length >= 50 ? true : undefined), 50, 100);

        const fenced = await run("sh", ["-c", `${fence}\necho "REDIS_OFFSET=$REDIS_OFFSET"`], env, 90000);
        assert.equal(fenced.stderr, "");
        assert.match(fenced.stdout, /^redis-sessions-0$/m, "$MASTER is the us-east master");
        assert.match(fenced.stdout, /^us-west-2 replicas behind offset \d+: 0$/m);
        const offset = /^REDIS_OFFSET=(\d+)$/m.exec(fenced.stdout)![1];
        assert.equal(await cli(sentinelPort, ["SENTINEL", "MASTERS"]), "", "the Sentinels no longer monitor sessions");

        // The demotion (pulumi up --stack us-east) takes minutes: the cross-region link goes away (us-east's
        // endpoint is deleted) and time passes, long enough for any time-limited pause to have expired.
        const gone = await freePort();
        for (const w of [w0, w1, w2]) assert.equal(await cli(w.port, ["REPLICAOF", LOOPBACK, String(gone)]), "OK");
        await cli(e0.port, ["CLIENT", "UNPAUSE"]);
        const before = refused.length;
        await waitFor(
            "writes attempted after the link is cut",
            async () => (refused.length >= before + 20 ? true : undefined),
            50,
            100,
        );

        const checked = await run("sh", ["-c", check], { ...env, REDIS_OFFSET: offset }, 30000);
        assert.match(checked.stdout, new RegExp(`^us-west-2 replicas behind offset ${offset}: 0$`, "m"));

        // The promotion: us-west's pod 0 becomes the master with the data it holds.
        assert.equal(await cli(w0.port, ["REPLICAOF", "NO", "ONE"]), "OK");
        writing = false;
        await writes;
        writer.close();

        assert.ok(
            acknowledged.length >= 50 && refused.length >= 20,
            `${acknowledged.length} acknowledged, ${refused.length} refused`,
        );
        const missing = await missingKeys(pki, w0.port, password, acknowledged);
        assert.deepEqual(missing, [], "acknowledged writes missing on the new master");
        assert.match(await cli(e0.port, ["SET", "late", "x"]), /^NOREPLICAS/, "the old master still refuses writes");
    });
});
