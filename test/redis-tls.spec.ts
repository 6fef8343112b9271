/**
 * Redis TLS as the program renders it: the pair's certificates (one CA per instance, minted by us-east and
 * handed to us-west as secret outputs), the names the server certificates carry, the TLS Secrets and their
 * mounts, the exporter and probes over TLS, the rediss:// stack outputs and the redisTlsAuthClients key. The
 * real-server specs (redis-server, redis-rendered-server, redis-sessions-server) run the rendered files over TLS.
 */
import { strict as assert } from "assert";
import { redisServerDnsNames } from "../components/redis/redis-certificates";
import { configError, find, inputs, ofType, render } from "./support";

const SECRET = "kubernetes:core/v1:Secret";
const STS = "kubernetes:apps/v1:StatefulSet";
const CSR = "tls:index/certRequest:CertRequest";
const CERT = "tls:index/locallySignedCert:LocallySignedCert";
const TLS_ARGS = "--tls --cacert /etc/redis-tls/ca.crt --cert /etc/redis-tls/tls.crt --key /etc/redis-tls/tls.key";

describe("redis TLS in the rendered program", () => {
    it("us-east mints one CA per instance, a server certificate per instance and region, one client certificate each", async () => {
        const east = await render("us-east");
        const west = await render("us-west");
        const keys = (r: typeof east) =>
            ofType(r, "tls:index/privateKey:PrivateKey")
                .map((k) => k.name)
                .filter((n) => n.startsWith("geo-redis-certificates-"));
        assert.deepEqual(keys(west), [], "us-west mints nothing");
        assert.deepEqual(keys(east), [
            "geo-redis-certificates-cache-ca-key",
            "geo-redis-certificates-cache-server-us-east-1-key",
            "geo-redis-certificates-cache-server-us-west-2-key",
            "geo-redis-certificates-cache-client-key",
            "geo-redis-certificates-sessions-ca-key",
            "geo-redis-certificates-sessions-server-us-east-1-key",
            "geo-redis-certificates-sessions-server-us-west-2-key",
            "geo-redis-certificates-sessions-client-key",
        ]);
        for (const cert of ofType(east, CERT).filter((c) => c.name.startsWith("geo-redis-certificates-"))) {
            const i = inputs(cert);
            assert.equal(i.validityPeriodHours, 17520, cert.name);
            assert.equal(i.earlyRenewalHours, 1440, `${cert.name}: renewed by pulumi up 60 days before expiry`);
            assert.deepEqual(
                i.allowedUses,
                cert.name.includes("-server-")
                    ? ["digital_signature", "key_encipherment", "server_auth", "client_auth"]
                    : ["digital_signature", "key_encipherment", "client_auth"],
            );
        }
        assert.ok(east.secretOutputNames.includes("redisPeerTls"));
        const peer = east.outputs.redisPeerTls as Record<string, Record<string, string>>;
        for (const instance of ["cache", "sessions"]) {
            const data = (r: typeof east, name: string) => inputs(find(r, SECRET, name)).stringData;
            const tls = `geo-redis-${instance}-tls-server`;
            assert.deepEqual(data(west, tls), {
                "tls.crt": peer[instance].cert,
                "tls.key": peer[instance].key,
                "ca.crt": peer[instance].caCert,
            });
            assert.equal(inputs(find(west, SECRET, tls)).type, "kubernetes.io/tls");
            assert.notEqual(data(west, tls)["tls.crt"], data(east, tls)["tls.crt"], "each region has its own key");
            assert.deepEqual(data(west, `geo-redis-${instance}-tls-ca`), data(east, `geo-redis-${instance}-tls-ca`));
            for (const r of [east, west]) {
                assert.equal(
                    find(r, SECRET, tls).inputs.stringData["4dabf18193072939515e22adb298388d"],
                    "1b47061264138c4ac30d75fd1eb44270",
                    "stringData is secret",
                );
            }
        }
        assert.notEqual(peer.cache.caCert, peer.sessions.caCert, "one CA per instance");
    });

    it("server certificates name every name a client or peer connects to, in the right region", async () => {
        const east = await render("us-east");
        const csr = (name: string) => inputs(find(east, CSR, name));
        const sessionsWest = csr("geo-redis-certificates-sessions-server-us-west-2-csr");
        assert.deepEqual(
            sessionsWest.dnsNames,
            redisServerDnsNames("sessions", "replicated", "geo-redis", "us-west-2", "data.internal"),
        );
        for (const name of [
            "redis-sessions.us-west-2.data.internal",
            "redis-sessions-us-west-2-0.geo-redis.svc.cluster.local",
            "redis-sessions-us-west-2-8.geo-redis.svc.cluster.local",
            "redis-sessions-read.geo-redis.svc.cluster.local",
            "redis-sessions-primary.geo-redis.svc.cluster.local",
            "redis-sessions-sentinel.geo-redis.svc.cluster.local",
            "*.redis-sessions-sentinel-headless.geo-redis.svc.cluster.local",
            "localhost",
        ]) {
            assert.ok(sessionsWest.dnsNames.includes(name), name);
        }
        assert.ok(!sessionsWest.dnsNames.some((n: string) => n.includes("us-east-1")), "only us-west-2's names");
        assert.deepEqual(sessionsWest.ipAddresses, ["127.0.0.1"]);
        const cache = csr("geo-redis-certificates-cache-server-us-east-1-csr").dnsNames;
        assert.ok(cache.includes("*.redis-cache-headless.geo-redis.svc.cluster.local"), "MOVED redirects name pods");
        assert.ok(cache.includes("redis-cache.geo-redis.svc.cluster.local"));
    });

    it("pods mount the TLS Secret read-only (0440, the redis group) and roll when the certificate changes", async () => {
        const r = await render("us-east");
        for (const name of [
            "geo-redis-cache-statefulset",
            "geo-redis-sessions-statefulset",
            "geo-redis-sessions-sentinel",
        ]) {
            const sts = inputs(find(r, STS, name));
            const pod = sts.spec.template.spec;
            const instance = name.includes("cache") ? "cache" : "sessions";
            assert.deepEqual(
                pod.volumes.find((v: { name: string }) => v.name === "tls"),
                { name: "tls", secret: { secretName: `redis-${instance}-tls`, defaultMode: 0o440 } },
                name,
            );
            assert.equal(pod.securityContext.fsGroup, 999);
            for (const c of [...(pod.initContainers ?? []), ...pod.containers].filter((c) => c.name !== "tools")) {
                assert.deepEqual(
                    c.volumeMounts.find((m: { name: string }) => m.name === "tls"),
                    { name: "tls", mountPath: "/etc/redis-tls", readOnly: true },
                    `${name} ${c.name}`,
                );
            }
            assert.match(pod.containers[0].readinessProbe.exec.command[2], new RegExp(`^redis-cli ${TLS_ARGS} `));
            if (!name.endsWith("sentinel")) {
                assert.match(sts.spec.template.metadata.annotations["geo-data/tls-hash"], /^[0-9a-f]{10}$/);
                const exporter = pod.containers.find((c: { name: string }) => c.name === "exporter");
                assert.deepEqual(exporter.env.slice(0, 1), [{ name: "REDIS_ADDR", value: "rediss://127.0.0.1:6379" }]);
                assert.deepEqual(exporter.env.slice(2), [
                    { name: "REDIS_EXPORTER_TLS_CA_CERT_FILE", value: "/etc/redis-tls/ca.crt" },
                    { name: "REDIS_EXPORTER_TLS_CLIENT_CERT_FILE", value: "/etc/redis-tls/tls.crt" },
                    { name: "REDIS_EXPORTER_TLS_CLIENT_KEY_FILE", value: "/etc/redis-tls/tls.key" },
                ]);
            }
        }
        const job = inputs(find(r, "kubernetes:batch/v1:Job", "geo-redis-cache-create")).spec.template.spec;
        assert.deepEqual(job.volumes, [{ name: "tls", secret: { secretName: "redis-cache-tls", defaultMode: 0o440 } }]);
        assert.match(job.containers[0].command[2], new RegExp(`redis-cli ${TLS_ARGS} --cluster create`));
    });

    it("stack outputs give rediss:// endpoints and the CA Secret names", async () => {
        const east = await render("us-east");
        const redis = east.outputs.redis as Record<string, Record<string, unknown>>;
        assert.deepEqual(
            [redis.cache.url, redis.cache.caSecretName, redis.cache.clientTlsSecretName],
            ["rediss://redis-cache.geo-redis.svc.cluster.local:6379", "redis-cache-ca", null],
        );
        assert.deepEqual(
            [redis.sessions.readUrl, redis.sessions.sentinelUrl, redis.sessions.caSecretName],
            [
                "rediss://redis-sessions-read.geo-redis.svc.cluster.local:6379",
                "rediss://redis-sessions-sentinel.geo-redis.svc.cluster.local:26379",
                "redis-sessions-ca",
            ],
        );
        assert.deepEqual(inputs(find(east, SECRET, "geo-redis-cache-tls-ca")).stringData, {
            "ca.crt": (east.outputs.redisPeerTls as Record<string, Record<string, string>>).cache.caCert,
        });
    });

    it("redisTlsAuthClients is validated and rendered; yes adds the applications' client certificate Secret", async () => {
        assert.equal(
            configError({ redisTlsAuthClients: "required" }),
            'geo-data:redisTlsAuthClients: "required" is not allowed; expected one of: no, optional, yes',
        );
        const r = await render("us-east", { redisTlsAuthClients: "yes" });
        for (const cm of ["geo-redis-cache-config", "geo-redis-sessions-config"]) {
            assert.match(
                inputs(find(r, "kubernetes:core/v1:ConfigMap", cm)).data["redis.conf"],
                /^tls-auth-clients yes$/m,
            );
        }
        assert.match(
            inputs(find(r, "kubernetes:core/v1:ConfigMap", "geo-redis-sessions-sentinel-config")).data["sentinel.conf"],
            /^tls-auth-clients yes$/m,
        );
        const client = inputs(find(r, SECRET, "geo-redis-sessions-tls-client"));
        assert.equal(client.metadata.name, "redis-sessions-client-tls");
        assert.deepEqual(Object.keys(client.stringData).sort(), ["ca.crt", "tls.crt", "tls.key"]);
        assert.equal((r.outputs.redis as any).cache.clientTlsSecretName, "redis-cache-client-tls");
        assert.ok(!(await render("us-east")).resources.some((x) => x.name.endsWith("-tls-client")));
    });
});
