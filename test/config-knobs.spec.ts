/**
 * The MinIO, Kafka and alerting keys that no other spec sets: each one, overridden, lands in exactly the
 * rendered field it documents, and a malformed value fails config validation naming the key and what is
 * allowed (before anything is registered).
 */
import { strict as assert } from "assert";
import * as yaml from "js-yaml";
import { RenderResult } from "../tools/harness";
import { configError, find, inputs, render } from "./support";

const SET = {
    kafkaStorageSize: "200Gi",
    kafkaControllerStorageSize: "30Gi",
    kafkaMirrorReplicas: "3",
    minioVolumeSize: "200Gi",
    minioStorageClass: "gp3",
    minioMemory: "8Gi",
    minioTransitionDays: "45",
    minioNoncurrentExpireDays: "60",
    minioReplication: "false",
    alertHeartbeatUrl: "https://hb.example.com/ping",
};

const get = (r: RenderResult, type: string, name: string) => inputs(find(r, `kubernetes:${type}`, name));
const setupScript = (r: RenderResult): string =>
    get(r, "batch/v1:Job", "geo-minio-setup-job").spec.template.spec.containers[0].command[2];

describe("config knobs: MinIO, Kafka, alerting", () => {
    let west: RenderResult;
    before(async () => {
        west = await render("us-west", SET);
    });

    it("Kafka: broker and controller volume sizes, MirrorMaker 2 workers", () => {
        const size = (pool: string) =>
            get(west, "kafka.strimzi.io/v1:KafkaNodePool", `geo-kafka-cluster-pool-${pool}`).spec.storage.volumes[0]
                .size;
        assert.equal(size("broker"), "200Gi");
        assert.equal(size("controller"), "30Gi");
        assert.equal(get(west, "kafka.strimzi.io/v1:KafkaMirrorMaker2", "geo-kafka-mirror-mm2").spec.replicas, 3);
    });

    it("MinIO: volume size and class, server memory (request = limit)", () => {
        const pool = get(west, "minio.min.io/v2:Tenant", "geo-minio-tenant").spec.pools[0];
        assert.deepEqual(pool.volumeClaimTemplate.spec, {
            accessModes: ["ReadWriteOnce"],
            resources: { requests: { storage: "200Gi" } },
            storageClassName: "gp3",
        });
        assert.equal(pool.resources.requests.memory, "8Gi");
        assert.equal(pool.resources.limits.memory, "8Gi");
    });

    it("MinIO: the lifecycle the setup Job imports tiers after minioTransitionDays and expires after minioNoncurrentExpireDays", () => {
        const script = setupScript(west);
        assert.match(script, /"Transition":\{"Days":45,"StorageClass":"AWS-ARCHIVE"\}/);
        assert.match(script, /"NoncurrentVersionExpiration":\{"NoncurrentDays":60\}/);
    });

    it("MinIO: minioReplication false leaves replication out of the secondary's setup Job", async () => {
        assert.doesNotMatch(setupScript(west), /mc replicate add/);
        assert.match(setupScript(await render("us-west")), /mc replicate add/);
    });

    it("alertHeartbeatUrl: the Watchdog's receiver posts to it", () => {
        const secret = get(west, "core/v1:Secret", "geo-operators-alertmanager-config");
        const conf = yaml.load(secret.stringData["alertmanager.yaml"]) as any;
        const urls = conf.receivers.flatMap((r: any) => (r.webhook_configs ?? []).map((w: any) => w.url));
        assert.ok(urls.includes("https://hb.example.com/ping"), JSON.stringify(conf.receivers));
        const watchdog = conf.route.routes.find((r: any) => JSON.stringify(r).includes("Watchdog"));
        const receiver = conf.receivers.find((r: any) => r.name === watchdog.receiver);
        assert.deepEqual(
            receiver.webhook_configs.map((w: any) => w.url),
            ["https://hb.example.com/ping"],
        );
    });

    it("a malformed value fails naming the key and what is allowed", () => {
        const binary =
            "expected a positive whole number with a binary unit Ki, Mi, Gi, Ti, Pi or Ei (for example 100Gi)";
        const cases: [string, string, string][] = [
            ["kafkaStorageSize", "100GB", `"100GB" is not allowed; ${binary}`],
            ["kafkaControllerStorageSize", "x", `"x" is not allowed; ${binary}`],
            ["kafkaMirrorReplicas", "0", "0 is not allowed; expected an integer from 1 to 10"],
            ["minioVolumeSize", "1TB", `"1TB" is not allowed; ${binary}`],
            [
                "minioStorageClass",
                "Fast_SSD",
                `"Fast_SSD" is not allowed; expected a DNS name: dot-separated DNS-1123 labels (a-z, 0-9, '-'), at most 253 characters`,
            ],
            ["minioMemory", "1Gi", `"1Gi" is not allowed; expected at least 2Gi (MinIO's own minimum for a server)`],
            ["minioTransitionDays", "0", "0 is not allowed; expected an integer from 1 to 3650"],
            ["minioNoncurrentExpireDays", "0", "0 is not allowed; expected an integer from 1 to 3650"],
            ["minioReplication", "maybe", `"maybe" is not allowed; expected true or false`],
            ["alertHeartbeatUrl", "http://x", `"http://x" is not allowed; expected an https:// URL`],
        ];
        for (const [key, value, message] of cases)
            assert.equal(configError({ [key]: value }), `geo-data:${key}: ${message}`);
    });
});
