/**
 * Table-driven specs of the pure Redis configuration logic: exact rendered lines for the defaults and for
 * each override, every validation message, and a check that each "Defaults to X." in the doc comments is
 * the value the code applies. test/redis-server.spec.ts proves the same output against real servers.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import {
    clusterCreateScript,
    DEFAULT_SAVE_RULES,
    renderAuthConf,
    renderRedisConf,
    renderSentinelAuthConf,
    renderSentinelConf,
    RedisConfOptions,
    SentinelConfOptions,
    sentinelInitScript,
    sentinelQuorum,
    validateRedisConfOptions,
    validateSentinelConfOptions,
    validateSentinelCount,
    validateRedisTlsOptions,
    redisCliTlsArgs,
} from "../components/redis/conf";

const lines = (text: string) => text.trimEnd().split("\n");
const settings = (text: string) => lines(text).filter((l) => !l.startsWith("#"));

/** The TLS lines every default render has: no plaintext port, TLS to clients and peers. */
const TLS_LINES = (port: number) => [
    "port 0",
    `tls-port ${port}`,
    "tls-cert-file /etc/redis-tls/tls.crt",
    "tls-key-file /etc/redis-tls/tls.key",
    "tls-ca-cert-file /etc/redis-tls/ca.crt",
    "tls-auth-clients no",
    'tls-protocols "TLSv1.2 TLSv1.3"',
    "tls-replication yes",
];

const COMMON_DEFAULT_LINES = [
    "bind * -::*",
    "protected-mode yes",
    ...TLS_LINES(6379),
    "dir /data",
    "maxmemory 768mb",
    "maxmemory-policy allkeys-lru",
    "appendonly yes",
    "appendfsync everysec",
    "save 900 1",
    "save 300 10",
    "save 60 10000",
    "repl-backlog-size 64mb",
    "min-replicas-to-write 0",
    "min-replicas-max-lag 10",
];

describe("redis conf: renderRedisConf", () => {
    const defaults: { mode: RedisConfOptions["mode"]; opts: RedisConfOptions; expected: string[] }[] = [
        {
            mode: "cluster",
            opts: { mode: "cluster" },
            expected: [
                ...COMMON_DEFAULT_LINES.slice(0, 10),
                "tls-cluster yes",
                ...COMMON_DEFAULT_LINES.slice(10),
                "cluster-enabled yes",
                "cluster-config-file /data/nodes.conf",
                "cluster-node-timeout 15000",
                "cluster-require-full-coverage no",
                "cluster-migration-barrier 1",
                "cluster-preferred-endpoint-type ip",
                "include /etc/redis-secret/auth.conf",
            ],
        },
        {
            mode: "replica-source",
            opts: { mode: "replica-source" },
            expected: [...COMMON_DEFAULT_LINES, "include /etc/redis-secret/auth.conf"],
        },
        {
            mode: "replica",
            opts: { mode: "replica", replicaOf: { host: "redis-0.redis.us-east.example.com" } },
            expected: [
                ...COMMON_DEFAULT_LINES,
                "replicaof redis-0.redis.us-east.example.com 6379",
                "include /etc/redis-secret/auth.conf",
            ],
        },
    ];
    for (const { mode, opts, expected } of defaults) {
        it(`renders exactly the default lines for mode ${mode}`, () => {
            const text = renderRedisConf(opts);
            assert.deepEqual(settings(text), expected);
            assert.equal(
                lines(text)[0],
                `# redis.conf for mode ${mode}, rendered by geo-data components/redis/conf.ts.`,
            );
            assert.ok(text.endsWith("\n"));
        });
    }

    const overrides: { name: string; opts: RedisConfOptions; present: string[]; absent?: RegExp }[] = [
        {
            name: "port (TLS only)",
            opts: { mode: "replica-source", port: 7000 },
            present: ["port 0", "tls-port 7000"],
            absent: /^port [1-9]/m,
        },
        {
            name: "tls files and tls-auth-clients",
            opts: {
                mode: "replica-source",
                tls: { certFile: "/t/c.pem", keyFile: "/t/k.pem", caCertFile: "/t/ca.pem", authClients: "yes" },
            },
            present: [
                "tls-cert-file /t/c.pem",
                "tls-key-file /t/k.pem",
                "tls-ca-cert-file /t/ca.pem",
                "tls-auth-clients yes",
                "tls-replication yes",
            ],
            absent: /^tls-cluster/m,
        },
        {
            name: "dir moves nodes.conf",
            opts: { mode: "cluster", dir: "/var/lib/redis" },
            present: ["dir /var/lib/redis", "cluster-config-file /var/lib/redis/nodes.conf"],
        },
        {
            name: "clusterConfigFile",
            opts: { mode: "cluster", clusterConfigFile: "cluster-state.conf" },
            present: ["cluster-config-file /data/cluster-state.conf"],
        },
        { name: "bind", opts: { mode: "cluster", bind: ["127.0.0.1"] }, present: ["bind 127.0.0.1"] },
        { name: "protectedMode", opts: { mode: "cluster", protectedMode: false }, present: ["protected-mode no"] },
        {
            name: "authIncludePath",
            opts: { mode: "cluster", authIncludePath: "/run/secrets/redis.conf" },
            present: ["include /run/secrets/redis.conf"],
        },
        { name: "maxmemory", opts: { mode: "cluster", maxmemory: "2gb" }, present: ["maxmemory 2gb"] },
        { name: "maxmemory 0 (unlimited)", opts: { mode: "cluster", maxmemory: "0" }, present: ["maxmemory 0"] },
        {
            name: "maxmemoryPolicy",
            opts: { mode: "cluster", maxmemoryPolicy: "noeviction" },
            present: ["maxmemory-policy noeviction"],
        },
        { name: "appendonly off", opts: { mode: "cluster", appendonly: false }, present: ["appendonly no"] },
        { name: "appendfsync", opts: { mode: "cluster", appendfsync: "always" }, present: ["appendfsync always"] },
        {
            name: "save rules",
            opts: { mode: "cluster", save: [{ seconds: 3600, changes: 1 }] },
            present: ["save 3600 1"],
            absent: /^save 900 1$/m,
        },
        { name: "no snapshots", opts: { mode: "cluster", save: [] }, present: ['save ""'], absent: /^save \d/m },
        {
            name: "replBacklogSize",
            opts: { mode: "replica-source", replBacklogSize: "256mb" },
            present: ["repl-backlog-size 256mb"],
        },
        {
            name: "minReplicasToWrite/MaxLag",
            opts: { mode: "replica-source", minReplicasToWrite: 1, minReplicasMaxLag: 5 },
            present: ["min-replicas-to-write 1", "min-replicas-max-lag 5"],
        },
        {
            name: "clusterNodeTimeout",
            opts: { mode: "cluster", clusterNodeTimeout: 5000 },
            present: ["cluster-node-timeout 5000"],
        },
        {
            name: "clusterRequireFullCoverage",
            opts: { mode: "cluster", clusterRequireFullCoverage: true },
            present: ["cluster-require-full-coverage yes"],
        },
        {
            name: "clusterMigrationBarrier",
            opts: { mode: "cluster", clusterMigrationBarrier: 2 },
            present: ["cluster-migration-barrier 2"],
        },
        {
            name: "cluster announce hostname",
            opts: {
                mode: "cluster",
                announceHostname: "redis-0.redis-headless.geo-redis.svc.cluster.local",
                clusterPreferredEndpointType: "hostname",
            },
            present: [
                "cluster-announce-hostname redis-0.redis-headless.geo-redis.svc.cluster.local",
                "cluster-preferred-endpoint-type hostname",
            ],
            absent: /replica-announce-ip/,
        },
        {
            name: "replica announce hostname",
            opts: {
                mode: "replica",
                replicaOf: { host: "10.0.0.5", port: 6380 },
                announceHostname: "redis-1.redis-headless",
            },
            present: ["replica-announce-ip redis-1.redis-headless", "replicaof 10.0.0.5 6380"],
            absent: /cluster-/,
        },
        {
            name: "replica-source announce hostname",
            opts: { mode: "replica-source", announceHostname: "redis-0.redis" },
            present: ["replica-announce-ip redis-0.redis"],
            absent: /cluster-|replicaof/,
        },
    ];
    for (const { name, opts, present, absent } of overrides) {
        it(`renders the override: ${name}`, () => {
            const text = renderRedisConf(opts);
            for (const line of present)
                assert.ok(lines(text).includes(line), `missing line ${JSON.stringify(line)} in\n${text}`);
            if (absent) assert.doesNotMatch(text, absent);
        });
    }

    it("puts the auth include last so nothing can override the Secret", () => {
        for (const { opts } of defaults) assert.match(lines(renderRedisConf(opts)).at(-1)!, /^include /);
    });

    it("never renders a password or masterauth", () => {
        for (const { opts } of defaults)
            assert.doesNotMatch(settings(renderRedisConf(opts)).join("\n"), /requirepass|masterauth/);
    });

    const invalid: { opts: RedisConfOptions; message: string }[] = [
        {
            opts: { mode: "standalone" as RedisConfOptions["mode"] },
            message:
                'Redis option mode: "standalone" is not allowed; expected one of: cluster, replica-source, replica',
        },
        {
            opts: { mode: "cluster", port: 0 },
            message: "Redis option port: 0 is not allowed; expected an integer from 1 to 55535",
        },
        {
            opts: { mode: "cluster", port: 60000 },
            message: "Redis option port: 60000 is not allowed; expected an integer from 1 to 55535",
        },
        {
            opts: { mode: "replica-source", port: 70000 },
            message: "Redis option port: 70000 is not allowed; expected an integer from 1 to 65535",
        },
        {
            opts: { mode: "cluster", maxmemory: "768Mi" },
            message:
                'Redis option maxmemory: "768Mi" is not allowed; expected a Redis memory size such as 768mb, 1gb or 0 (units b, k, kb, m, mb, g, gb; Kubernetes quantities like 768Mi are not Redis units)',
        },
        {
            opts: { mode: "cluster", replBacklogSize: "64 mb" },
            message: 'Redis option replBacklogSize: "64 mb" is not allowed; expected a Redis memory size',
        },
        {
            opts: { mode: "cluster", maxmemoryPolicy: "lru" as "noeviction" },
            message:
                'Redis option maxmemoryPolicy: "lru" is not allowed; expected one of: allkeys-lru, volatile-lru, allkeys-lfu, volatile-lfu, allkeys-random, volatile-random, volatile-ttl, noeviction',
        },
        {
            opts: { mode: "cluster", appendfsync: "sometimes" as "no" },
            message: 'Redis option appendfsync: "sometimes" is not allowed; expected one of: always, everysec, no',
        },
        {
            opts: { mode: "cluster", save: [{ seconds: 0, changes: 1 }] },
            message: "Redis option save.seconds: 0 is not allowed; expected an integer >= 1",
        },
        {
            opts: { mode: "cluster", save: [{ seconds: 60, changes: 1.5 }] },
            message: "Redis option save.changes: 1.5 is not allowed; expected an integer >= 1",
        },
        {
            opts: { mode: "cluster", dir: "data" },
            message: 'Redis option dir: "data" is not allowed; expected an absolute path',
        },
        { opts: { mode: "cluster", dir: "/data\nrequirepass x" }, message: "Redis option dir:" },
        {
            opts: { mode: "cluster", authIncludePath: "/etc/redis secret/auth.conf" },
            message: "Redis option authIncludePath:",
        },
        {
            opts: { mode: "cluster", bind: [] },
            message: "Redis option bind: [] is not allowed; expected a non-empty list of addresses",
        },
        { opts: { mode: "cluster", bind: ["0.0.0.0 protected-mode"] }, message: "Redis option bind:" },
        {
            opts: { mode: "cluster", minReplicasToWrite: -1 },
            message: "Redis option minReplicasToWrite: -1 is not allowed; expected an integer >= 0",
        },
        {
            opts: { mode: "cluster", minReplicasMaxLag: 0 },
            message: "Redis option minReplicasMaxLag: 0 is not allowed; expected an integer >= 1",
        },
        {
            opts: { mode: "cluster", announceHostname: "redis_0" },
            message: 'Redis option announceHostname: "redis_0" is not allowed; expected a DNS name or IPv4 address',
        },
        {
            opts: { mode: "cluster", clusterNodeTimeout: 0 },
            message: "Redis option clusterNodeTimeout: 0 is not allowed; expected an integer >= 1",
        },
        {
            opts: { mode: "cluster", clusterMigrationBarrier: -1 },
            message: "Redis option clusterMigrationBarrier: -1 is not allowed; expected an integer >= 0",
        },
        {
            opts: { mode: "cluster", clusterConfigFile: "/data/nodes.conf" },
            message:
                "Redis option clusterConfigFile: \"/data/nodes.conf\" is not allowed; expected a file name (no '/')",
        },
        {
            opts: { mode: "cluster", clusterPreferredEndpointType: "dns" as "ip" },
            message: 'Redis option clusterPreferredEndpointType: "dns" is not allowed; expected one of: ip, hostname',
        },
        {
            opts: { mode: "replica-source", clusterNodeTimeout: 15000 },
            message:
                "Redis option clusterNodeTimeout: 15000 is not allowed; expected no value: clusterNodeTimeout only applies to mode cluster (mode is replica-source)",
        },
        {
            opts: { mode: "replica", replicaOf: { host: "m" }, clusterRequireFullCoverage: true },
            message:
                "Redis option clusterRequireFullCoverage: true is not allowed; expected no value: clusterRequireFullCoverage only applies to mode cluster (mode is replica)",
        },
        {
            opts: { mode: "cluster", replicaOf: { host: "m" } },
            message:
                'Redis option replicaOf: {"host":"m"} is not allowed; expected no value: replicaOf only applies to mode replica (mode is cluster)',
        },
        {
            opts: { mode: "replica" },
            message:
                "Redis option replicaOf: undefined is not allowed; expected the master's {host, port} when mode is replica",
        },
        {
            opts: { mode: "replica", replicaOf: { host: "-bad-" } },
            message: 'Redis option replicaOf.host: "-bad-" is not allowed',
        },
        {
            opts: { mode: "replica", replicaOf: { host: "m", port: 0 } },
            message: "Redis option replicaOf.port: 0 is not allowed; expected an integer from 1 to 65535",
        },
    ];
    for (const { opts, message } of invalid) {
        it(`rejects ${JSON.stringify(opts)}`, () => {
            assert.throws(
                () => renderRedisConf(opts),
                (e: Error) => {
                    assert.ok(
                        e.message.startsWith(message),
                        `message ${JSON.stringify(e.message)} should start with ${JSON.stringify(message)}`,
                    );
                    return true;
                },
            );
        });
    }
});

describe("redis conf: renderAuthConf", () => {
    const cases: { password: string; expected: string[] }[] = [
        { password: "s3cret", expected: ['requirepass "s3cret"', 'masterauth "s3cret"'] },
        { password: 'a "b" \\c d', expected: ['requirepass "a \\"b\\" \\\\c d"', 'masterauth "a \\"b\\" \\\\c d"'] },
        {
            password: "!@#$%&*()-_=+[]{}<>:?",
            expected: ['requirepass "!@#$%&*()-_=+[]{}<>:?"', 'masterauth "!@#$%&*()-_=+[]{}<>:?"'],
        },
    ];
    for (const { password, expected } of cases) {
        it(`renders requirepass and masterauth for ${JSON.stringify(password)}`, () => {
            assert.deepEqual(lines(renderAuthConf(password)), expected);
        });
    }
    const rejected: { password: string; message: string }[] = [
        { password: "", message: "Redis option password: an empty password is not allowed" },
        {
            password: "a\nrequirepass b",
            message: "Redis option password: the password must not contain control characters or newlines",
        },
        {
            password: "a\u0000b",
            message: "Redis option password: the password must not contain control characters or newlines",
        },
    ];
    for (const { password, message } of rejected) {
        it(`rejects the password ${JSON.stringify(password)}`, () =>
            assert.throws(() => renderAuthConf(password), { message }));
    }
});

describe("redis conf: sentinelQuorum and validateSentinelCount", () => {
    for (const [sentinels, quorum] of [
        [3, 2],
        [4, 3],
        [5, 3],
        [6, 4],
        [7, 4],
    ]) {
        it(`${sentinels} Sentinels need a quorum of ${quorum}`, () => assert.equal(sentinelQuorum(sentinels), quorum));
    }
    for (const sentinels of [0, 1, 2, 3.5, NaN]) {
        it(`rejects ${sentinels} Sentinels`, () => {
            const message = `Redis option sentinels: ${JSON.stringify(sentinels)} is not allowed; expected an integer >= 3 (a majority must survive the loss of one Sentinel)`;
            assert.throws(() => validateSentinelCount(sentinels), { message });
            assert.throws(() => sentinelQuorum(sentinels), { message });
        });
    }
});

describe("redis conf: renderSentinelConf and renderSentinelAuthConf", () => {
    it("renders exactly the default lines, hostname options before the monitor line", () => {
        assert.deepEqual(
            settings(renderSentinelConf({ masterHost: "redis-0.redis-headless.geo-redis.svc.cluster.local" })),
            [
                "bind * -::*",
                ...TLS_LINES(26379),
                "dir /data",
                "sentinel resolve-hostnames yes",
                "sentinel announce-hostnames yes",
                "sentinel monitor mymaster redis-0.redis-headless.geo-redis.svc.cluster.local 6379 2",
                "sentinel down-after-milliseconds mymaster 15000",
                "sentinel failover-timeout mymaster 180000",
                "sentinel parallel-syncs mymaster 1",
            ],
        );
    });

    it("renders every override", () => {
        const text = renderSentinelConf({
            masterName: "geo-redis",
            masterHost: "10.1.2.3",
            masterPort: 6380,
            sentinels: 5,
            port: 26380,
            tls: { authClients: "optional" },
            dir: "/sentinel",
            bind: ["127.0.0.1"],
            downAfterMilliseconds: 5000,
            failoverTimeout: 60000,
            parallelSyncs: 2,
            announceHostname: "sentinel-0.sentinel-headless",
        });
        assert.deepEqual(settings(text), [
            "bind 127.0.0.1",
            ...TLS_LINES(26380).map((l) => l.replace("tls-auth-clients no", "tls-auth-clients optional")),
            "dir /sentinel",
            "sentinel resolve-hostnames yes",
            "sentinel announce-hostnames yes",
            "sentinel announce-ip sentinel-0.sentinel-headless",
            "sentinel monitor geo-redis 10.1.2.3 6380 3",
            "sentinel down-after-milliseconds geo-redis 5000",
            "sentinel failover-timeout geo-redis 60000",
            "sentinel parallel-syncs geo-redis 2",
        ]);
    });

    it("never renders auth-pass into the template", () => {
        assert.doesNotMatch(settings(renderSentinelConf({ masterHost: "m" })).join("\n"), /auth-pass|requirepass/);
    });

    it("renders the auth-pass, requirepass and sentinel-pass lines for the Secret", () => {
        assert.equal(
            renderSentinelAuthConf("geo-redis", 'p "w'),
            'sentinel auth-pass geo-redis "p \\"w"\nrequirepass "p \\"w"\nsentinel sentinel-pass "p \\"w"\n',
        );
    });

    const invalid: { opts: SentinelConfOptions; message: string }[] = [
        {
            opts: { masterHost: "m", sentinels: 2 },
            message: "Redis option sentinels: 2 is not allowed; expected an integer >= 3",
        },
        {
            opts: { masterHost: "m", masterName: "my master" },
            message: `Redis option masterName: "my master" is not allowed; expected letters, digits, '.', '_' and '-', starting with a letter or digit`,
        },
        {
            opts: { masterHost: "m:6379" },
            message: 'Redis option masterHost: "m:6379" is not allowed; expected a DNS name or IPv4 address',
        },
        {
            opts: { masterHost: "m", masterPort: 0 },
            message: "Redis option masterPort: 0 is not allowed; expected an integer from 1 to 65535",
        },
        {
            opts: { masterHost: "m", port: 65536 },
            message: "Redis option port: 65536 is not allowed; expected an integer from 1 to 65535",
        },
        {
            opts: { masterHost: "m", dir: "tmp" },
            message: 'Redis option dir: "tmp" is not allowed; expected an absolute path',
        },
        {
            opts: { masterHost: "m", downAfterMilliseconds: 0 },
            message: "Redis option downAfterMilliseconds: 0 is not allowed; expected an integer >= 1",
        },
        {
            opts: { masterHost: "m", failoverTimeout: -1 },
            message: "Redis option failoverTimeout: -1 is not allowed; expected an integer >= 1",
        },
        {
            opts: { masterHost: "m", parallelSyncs: 0 },
            message: "Redis option parallelSyncs: 0 is not allowed; expected an integer >= 1",
        },
        {
            opts: { masterHost: "m", announceHostname: "a b" },
            message: 'Redis option announceHostname: "a b" is not allowed',
        },
    ];
    for (const { opts, message } of invalid) {
        it(`rejects ${JSON.stringify(opts)}`, () => {
            assert.throws(
                () => renderSentinelConf(opts),
                (e: Error) => {
                    assert.ok(
                        e.message.startsWith(message),
                        `message ${JSON.stringify(e.message)} should start with ${JSON.stringify(message)}`,
                    );
                    return true;
                },
            );
        });
    }
    it("rejects an invalid master name in the auth line", () => {
        assert.throws(() => renderSentinelAuthConf("a b", "pw"), /Redis option masterName: "a b" is not allowed/);
    });
});

describe("redis conf: sentinelInitScript", () => {
    const candidates = ["r-0.ns.svc.cluster.local:6379", "r-1.ns.svc.cluster.local:6379"];
    it("renders the defaults as quoted shell assignments, a bounded ROLE discovery and the monitor rewrite", () => {
        const script = lines(sentinelInitScript({ candidates }));
        assert.equal(script[0], "#!/bin/sh");
        for (const line of [
            "set -eu",
            ': "${REDISCLI_AUTH:?REDISCLI_AUTH must hold the Redis password}"',
            "candidates='r-0.ns.svc.cluster.local:6379 r-1.ns.svc.cluster.local:6379'",
            "master_name='mymaster'",
            "template='/etc/redis-sentinel/sentinel.conf'",
            "auth='/etc/redis-sentinel-secret/auth.conf'",
            "target='/data/sentinel.conf'",
            "deadline=$(( $(date +%s) + 120 ))",
            '    role=$(timeout 3 redis-cli --tls --cacert /etc/redis-tls/ca.crt --cert /etc/redis-tls/tls.crt --key /etc/redis-tls/tls.key -h "${node%:*}" -p "${node##*:}" role 2>/dev/null | head -n 1 || true)',
            '  [ "$#" -eq 1 ] && break',
            "umask 077",
            'sed "s|^sentinel monitor $master_name [^ ]* [0-9]* |sentinel monitor $master_name ${master%:*} ${master##*:} |" "$template" > "$target.tmp"',
            'cat "$auth" >> "$target.tmp"',
            'mv "$target.tmp" "$target"',
        ]) {
            assert.ok(script.includes(line), `missing ${JSON.stringify(line)}`);
        }
    });

    it("renders the overrides", () => {
        const script = lines(
            sentinelInitScript({
                candidates,
                masterName: "sessions",
                templatePath: "/t/s.conf",
                authPath: "/a/auth",
                targetPath: "/w/s.conf",
                discoverTimeoutSeconds: 7,
            }),
        );
        for (const line of [
            "master_name='sessions'",
            "template='/t/s.conf'",
            "auth='/a/auth'",
            "target='/w/s.conf'",
            "deadline=$(( $(date +%s) + 7 ))",
        ]) {
            assert.ok(script.includes(line), `missing ${JSON.stringify(line)}`);
        }
    });

    const invalid: { opts: Parameters<typeof sentinelInitScript>[0]; message: string }[] = [
        {
            opts: { candidates: [] },
            message: "Redis option candidates: [] is not allowed; expected at least one host:port",
        },
        {
            opts: { candidates: ["m'; rm -rf /:6379"] },
            message: `Redis option candidates: "m'; rm -rf /" is not allowed`,
        },
        {
            opts: { candidates, targetPath: "sentinel.conf" },
            message: 'Redis option targetPath: "sentinel.conf" is not allowed; expected an absolute path',
        },
        {
            opts: { candidates, discoverTimeoutSeconds: 0 },
            message: "Redis option discoverTimeoutSeconds: 0 is not allowed; expected an integer >= 1",
        },
    ];
    for (const { opts, message } of invalid) {
        it(`rejects ${JSON.stringify(opts)}`, () => {
            assert.throws(
                () => sentinelInitScript(opts),
                (e: Error) => e.message.startsWith(message),
            );
        });
    }
});

describe("redis conf: clusterCreateScript", () => {
    const six = [0, 1, 2, 3, 4, 5].map((i) => `redis-${i}.redis-headless.geo-redis.svc.cluster.local:6379`);

    it("renders the hosts, the defaults and the create command", () => {
        const script = lines(clusterCreateScript({ hosts: six }));
        assert.equal(script[0], "#!/bin/sh");
        for (const line of [
            "set -eu",
            ': "${REDISCLI_AUTH:?REDISCLI_AUTH must hold the Redis password}"',
            `hosts='${six.join(" ")}'`,
            "deadline=$(( $(date +%s) + 300 ))",
            "    sleep 2",
            "redis-cli --tls --cacert /etc/redis-tls/ca.crt --cert /etc/redis-tls/tls.crt --key /etc/redis-tls/tls.key --cluster create $hosts --cluster-replicas 1 --cluster-yes",
        ]) {
            assert.ok(script.includes(line), `missing ${JSON.stringify(line)}`);
        }
        assert.doesNotMatch(script.join("\n"), / -a /, "the password is never passed on a command line");
    });

    it("checks cluster_state and cluster_known_nodes before creating", () => {
        const text = clusterCreateScript({ hosts: six });
        assert.match(text, /if \[ "\$state" = "ok" \] \|\| \[ "\$\{known:-1\}" -gt 1 \]; then/);
        assert.ok(text.indexOf("cluster info") < text.indexOf("--cluster create"));
    });

    it("renders the overrides", () => {
        const nine = [...six, "redis-6.r:6379", "redis-7.r:6379", "redis-8.r:6379"];
        const script = lines(clusterCreateScript({ hosts: nine, replicas: 2, timeoutSeconds: 30, intervalSeconds: 5 }));
        for (const line of [
            "deadline=$(( $(date +%s) + 30 ))",
            "    sleep 5",
            "redis-cli --tls --cacert /etc/redis-tls/ca.crt --cert /etc/redis-tls/tls.crt --key /etc/redis-tls/tls.key --cluster create $hosts --cluster-replicas 2 --cluster-yes",
        ]) {
            assert.ok(script.includes(line), `missing ${JSON.stringify(line)}`);
        }
    });

    const invalid: { opts: Parameters<typeof clusterCreateScript>[0]; message: string }[] = [
        {
            opts: { hosts: six.slice(0, 5) },
            message: "is not allowed; expected at least 6 host:port entries (3 masters with 1 replica(s) each)",
        },
        {
            opts: { hosts: six, replicas: 2 },
            message: "is not allowed; expected at least 9 host:port entries (3 masters with 2 replica(s) each)",
        },
        {
            opts: { hosts: [...six.slice(0, 5), six[0]] },
            message: "is not allowed; expected distinct host:port entries",
        },
        {
            opts: { hosts: [...six.slice(0, 5), "redis-5"] },
            message: 'Redis option hosts: "redis-5" is not allowed; expected host:port',
        },
        {
            opts: { hosts: [...six.slice(0, 5), "redis-5:99999"] },
            message: "Redis option hosts: 99999 is not allowed; expected an integer from 1 to 55535",
        },
        {
            opts: { hosts: [...six.slice(0, 5), "$(reboot):6379"] },
            message: 'Redis option hosts: "$(reboot)" is not allowed',
        },
        {
            opts: { hosts: six, timeoutSeconds: 0 },
            message: "Redis option timeoutSeconds: 0 is not allowed; expected an integer >= 1",
        },
        {
            opts: { hosts: six, intervalSeconds: 0.5 },
            message: "Redis option intervalSeconds: 0.5 is not allowed; expected an integer >= 1",
        },
        {
            opts: { hosts: six, replicas: -1 },
            message: "Redis option replicas: -1 is not allowed; expected an integer >= 0",
        },
    ];
    for (const { opts, message } of invalid) {
        it(`rejects ${JSON.stringify(opts).slice(0, 120)}`, () => {
            assert.throws(
                () => clusterCreateScript(opts),
                (e: Error) => {
                    assert.ok(
                        e.message.includes(message),
                        `message ${JSON.stringify(e.message)} should include ${JSON.stringify(message)}`,
                    );
                    return true;
                },
            );
        });
    }
});

const CONF_SOURCE = ["redis-conf.ts", "sentinel-conf.ts", "tls-conf.ts"]
    .map((f) => fs.readFileSync(path.join(__dirname, "..", "components", "redis", f), "utf8"))
    .join("\n");

function interfaceBody(interfaceName: string): string {
    return new RegExp(`export interface ${interfaceName}\\b[^{]*\\{([\\s\\S]*?)\\n\\}`).exec(CONF_SOURCE)![1];
}

/** The optional properties of an interface in conf.ts. */
function optionalFields(interfaceName: string): string[] {
    return [...interfaceBody(interfaceName).matchAll(/readonly (\w+)\?:/g)].map((m) => m[1]);
}

/**
 * Every `Defaults to X.` in the doc comments of an interface in conf.ts, by property name. The text up to
 * the first " (" or the final "." is the value.
 */
function documentedDefaults(interfaceName: string): Map<string, string> {
    const found = new Map<string, string>();
    for (const m of interfaceBody(interfaceName).matchAll(/\/\*\*([\s\S]*?)\*\/\s*readonly (\w+)\??:/g)) {
        const doc = m[1].replace(/\s*\n\s*\*\s*/g, " ");
        const value = /Defaults to (.+?)(?: \(|\.\s*$)/.exec(doc.trim());
        if (value) found.set(m[2], value[1]);
    }
    return found;
}

/** A resolved value in the notation the doc comments use. */
function asDocumented(value: unknown): string {
    if (value === undefined) return "none";
    if (value === DEFAULT_SAVE_RULES) return "{@link DEFAULT_SAVE_RULES}";
    return Array.isArray(value) ? JSON.stringify(value).replace(/,/g, ", ") : String(value);
}

describe("redis conf: documented defaults are the applied defaults", () => {
    const redis = validateRedisConfOptions({ mode: "cluster" });
    const redisDefaults = documentedDefaults("RedisConfOptions");
    it("documents a default for every optional RedisConfOptions field but replicaOf", () => {
        assert.deepEqual(
            [...redisDefaults.keys()],
            optionalFields("RedisConfOptions").filter((f) => f !== "replicaOf"),
        );
    });
    for (const [option, documented] of redisDefaults) {
        it(`RedisConfOptions.${option} defaults to ${documented}`, () => {
            const clusterKey = option.startsWith("cluster") ? option[7].toLowerCase() + option.slice(8) : undefined;
            const resolved = clusterKey
                ? (redis.cluster as Record<string, unknown>)[clusterKey]
                : (redis as unknown as Record<string, unknown>)[option];
            if (option === "tls") return assert.deepEqual(resolved, validateRedisTlsOptions({}));
            assert.equal(asDocumented(resolved), documented);
        });
    }

    it("RedisEndpoint.port defaults to 6379", () => {
        assert.deepEqual(documentedDefaults("RedisEndpoint"), new Map([["port", "6379"]]));
        assert.equal(validateRedisConfOptions({ mode: "replica", replicaOf: { host: "m" } }).replicaOf?.port, 6379);
    });

    const sentinel = validateSentinelConfOptions({ masterHost: "m" });
    const sentinelDefaults = documentedDefaults("SentinelConfOptions");
    it("documents a default for every optional SentinelConfOptions field", () => {
        assert.deepEqual([...sentinelDefaults.keys()], optionalFields("SentinelConfOptions"));
    });
    for (const [option, documented] of sentinelDefaults) {
        it(`SentinelConfOptions.${option} defaults to ${documented}`, () => {
            const resolved = (sentinel as unknown as Record<string, unknown>)[option];
            if (option === "tls") return assert.deepEqual(resolved, validateRedisTlsOptions({}));
            assert.equal(asDocumented(resolved), documented);
        });
    }

    const scriptDefaults: { iface: string; expected: [string, string][] }[] = [
        {
            iface: "SentinelInitScriptOptions",
            expected: [
                ["masterName", "mymaster"],
                ["templatePath", "/etc/redis-sentinel/sentinel.conf"],
                ["authPath", "/etc/redis-sentinel-secret/auth.conf"],
                ["targetPath", "/data/sentinel.conf"],
                ["discoverTimeoutSeconds", "120"],
                ["tls", "{}"],
            ],
        },
        {
            iface: "ClusterCreateScriptOptions",
            expected: [
                ["replicas", "1"],
                ["timeoutSeconds", "300"],
                ["intervalSeconds", "2"],
                ["tls", "{}"],
            ],
        },
    ];
    for (const { iface, expected } of scriptDefaults) {
        it(`${iface} documents the defaults the rendered script uses`, () => {
            assert.deepEqual(
                optionalFields(iface),
                expected.map(([field]) => field),
            );
            assert.deepEqual(documentedDefaults(iface), new Map(expected));
        });
    }
});

describe("redis conf: TLS options", () => {
    it("RedisTlsOptions documents the defaults validateRedisTlsOptions applies", () => {
        assert.deepEqual(
            documentedDefaults("RedisTlsFiles"),
            new Map([
                ["certFile", "/etc/redis-tls/tls.crt"],
                ["keyFile", "/etc/redis-tls/tls.key"],
                ["caCertFile", "/etc/redis-tls/ca.crt"],
            ]),
        );
        assert.deepEqual(documentedDefaults("RedisTlsOptions"), new Map([["authClients", "no"]]));
        assert.deepEqual(validateRedisTlsOptions({}), {
            certFile: "/etc/redis-tls/tls.crt",
            keyFile: "/etc/redis-tls/tls.key",
            caCertFile: "/etc/redis-tls/ca.crt",
            authClients: "no",
        });
    });

    it("redis-cli's TLS flags present the certificate and verify against the CA", () => {
        assert.equal(
            redisCliTlsArgs(),
            "--tls --cacert /etc/redis-tls/ca.crt --cert /etc/redis-tls/tls.crt --key /etc/redis-tls/tls.key",
        );
        assert.equal(
            redisCliTlsArgs({ caCertFile: "/t/ca.pem", certFile: "/t/c.pem", keyFile: "/t/k.pem" }),
            "--tls --cacert /t/ca.pem --cert /t/c.pem --key /t/k.pem",
        );
    });

    it("rejects a tls-auth-clients value Redis does not know, and relative paths", () => {
        assert.throws(() => renderRedisConf({ mode: "cluster", tls: { authClients: "required" as "yes" } }), {
            message: 'Redis option tls.authClients: "required" is not allowed; expected one of: no, optional, yes',
        });
        assert.throws(() => renderSentinelConf({ masterHost: "m", tls: { caCertFile: "ca.crt" } }), {
            message:
                "Redis option tls.caCertFile: \"ca.crt\" is not allowed; expected an absolute path of letters, digits, '.', '_', '-' and '/'",
        });
    });
});
