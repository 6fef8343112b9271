/**
 * Kafka config (`kafka*` keys): defaults, the topic and user lists, and every rule a topic must pass before
 * Strimzi or Kafka would see it, failing with the key and entry named; plus the documented defaults of the
 * Kafka components' Args and the pure builders.
 */
import { strict as assert } from "assert";
import { CONFIG_SCHEMA, parseRegionConfig } from "../config";
import { retentionMs, topicName } from "../components/kafka/defaults";
import { validateKafkaCertificatesArgs } from "../components/kafka/kafka-certificates";
import { validateKafkaClusterArgs } from "../components/kafka/kafka-cluster";
import { heapOf, kafkaListeners } from "../components/kafka/kafka-spec";
import { topicResourceName } from "../components/kafka/kafka-topics";
import { topicsPattern } from "../components/kafka/mirror-maker";
import { kafkaNetworkSurface } from "../components/kafka/network";
import { EAST_RAW, configError, documentedDefaults, renderError } from "./support";

const topics = (t: unknown[]) => ({ kafkaTopics: JSON.stringify(t) });
const TLS = { caCert: "ca", listenerCert: "cert", listenerKey: "key" };

describe("Kafka config", () => {
    it("defaults: 3 brokers, 3 controllers, RF 3, min ISR 2, no topics or users", () => {
        const k = parseRegionConfig(EAST_RAW, "test").kafka;
        assert.deepEqual(k, {
            brokers: 3,
            controllers: 3,
            storageSize: "100Gi",
            controllerStorageSize: "20Gi",
            replicationFactor: 3,
            minInsyncReplicas: 2,
            mirrorReplicas: 2,
            topics: [],
            users: [],
        });
        assert.equal(CONFIG_SCHEMA.kafkaTopics.default, "[]");
    });

    it("parses topics with their defaults (replicas, min ISR, 7d retention, delete)", () => {
        const raw: Record<string, string> = { ...EAST_RAW, "geo-data:kafkaBrokers": "5" };
        raw["geo-data:kafkaTopics"] = JSON.stringify([
            { name: "orders", partitions: 12 },
            {
                name: "Orders_V2",
                partitions: 3,
                replicas: 5,
                minInsyncReplicas: 3,
                retention: "forever",
                cleanupPolicy: "compact",
            },
        ]);
        assert.deepEqual(parseRegionConfig(raw, "test").kafka.topics, [
            {
                name: "orders",
                partitions: 12,
                replicas: 3,
                minInsyncReplicas: 2,
                retentionMs: 604800000,
                cleanupPolicy: "delete",
            },
            {
                name: "Orders_V2",
                partitions: 3,
                replicas: 5,
                minInsyncReplicas: 3,
                retentionMs: -1,
                cleanupPolicy: "compact",
            },
        ]);
    });

    const cases: { name: string; config: Record<string, string>; message: string | RegExp }[] = [
        {
            name: "a replication factor above the broker count",
            config: topics([
                { name: "orders", partitions: 3 },
                { name: "big", partitions: 3, replicas: 4 },
            ]),
            message:
                "geo-data:kafkaTopics[1].replicas: 4 is not allowed; replication factor 4 exceeds the 3 brokers (kafkaBrokers): Kafka cannot place the replicas",
        },
        {
            name: "min.insync.replicas equal to the replication factor",
            config: topics([{ name: "orders", partitions: 3, minInsyncReplicas: 3 }]),
            message:
                "geo-data:kafkaTopics[0].minInsyncReplicas: 3 is not allowed; min.insync.replicas 3 must be below the replication factor 3: otherwise one broker down stops every acks=all write",
        },
        {
            name: "a topic name Kafka rejects",
            config: topics([{ name: "orders/eu", partitions: 3 }]),
            message:
                "geo-data:kafkaTopics[0].name: \"orders/eu\" is not allowed; expected 1 to 249 characters of a-z, A-Z, 0-9, '.', '_' and '-' (and not . or ..)",
        },
        {
            name: "a topic named like a mirrored copy",
            config: topics([{ name: "usw2.orders", partitions: 3 }]),
            message:
                'geo-data:kafkaTopics[0].name: "usw2.orders" is not allowed; starts with "usw2.", the prefix of topics mirrored from region alias usw2',
        },
        {
            name: "an internal topic name",
            config: topics([{ name: "__consumer_offsets", partitions: 3 }]),
            message:
                "geo-data:kafkaTopics[0].name: \"__consumer_offsets\" is not allowed; is reserved for Kafka's and MirrorMaker 2's internal topics",
        },
        {
            name: "a duplicate topic",
            config: topics([
                { name: "a", partitions: 1 },
                { name: "a", partitions: 1 },
            ]),
            message: 'geo-data:kafkaTopics[1].name: "a" is not allowed; is configured twice',
        },
        {
            name: "an unknown topic field",
            config: topics([{ name: "a", partitions: 1, retentionDays: 7 }]),
            message:
                "geo-data:kafkaTopics[0].retentionDays: is not a known field; expected one of: name, partitions, replicas, minInsyncReplicas, retention, cleanupPolicy",
        },
        {
            name: "a bad retention",
            config: topics([{ name: "a", partitions: 1, retention: "1w" }]),
            message:
                'geo-data:kafkaTopics[0].retention: "1w" is not allowed; expected a duration like 7d, 12h, 30m, 45s or 500ms, or "forever"',
        },
        {
            name: "topics that are not JSON",
            config: { kafkaTopics: "orders" },
            message: /^geo-data:kafkaTopics: is not valid JSON \(.+\); expected a list of topics$/,
        },
        {
            name: "an ACL operation Strimzi does not know",
            config: {
                kafkaUsers: JSON.stringify([
                    { name: "app", acls: [{ type: "topic", name: "a", operations: ["Produce"] }] },
                ]),
            },
            message:
                'geo-data:kafkaUsers[0].acls[0].operations: ["Produce"] is not allowed; expected a non-empty list of: Read, Write, Create, Delete, Alter, Describe, ClusterAction, AlterConfigs, DescribeConfigs, IdempotentWrite, All',
        },
        {
            name: "a user named like the mirror's",
            config: {
                kafkaUsers: JSON.stringify([
                    { name: "mirror-maker", acls: [{ type: "cluster", operations: ["Describe"] }] },
                ]),
            },
            message:
                'geo-data:kafkaUsers[0].name: "mirror-maker" is not allowed; mirror-maker is the MirrorMaker 2 user this program manages',
        },
        {
            name: "min ISR not below the replication factor",
            config: { kafkaMinInsyncReplicas: "3" },
            message:
                "geo-data:kafkaMinInsyncReplicas: 3 is not allowed; expected an integer from 1 to 2 (below kafkaReplicationFactor, so one broker down does not stop acks=all writes)",
        },
        {
            name: "4 controllers",
            config: { kafkaControllers: "4" },
            message:
                "geo-data:kafkaControllers: 4 is not allowed; expected 3 or 5 (an odd quorum; more controllers slow every metadata commit)",
        },
    ];
    for (const c of cases) {
        it(`rejects ${c.name}, naming the key`, () =>
            typeof c.message === "string"
                ? assert.equal(configError(c.config), c.message)
                : assert.match(configError(c.config), c.message));
    }

    it("fails before any resource is registered", async () => {
        const message = await renderError("us-east", topics([{ name: "big", partitions: 3, replicas: 4 }]));
        assert.match(message, /^geo-data:kafkaTopics\[0\]\.replicas: 4 is not allowed/);
    });

    it("names, retentions, KafkaTopic names and the topics pattern", () => {
        assert.equal(topicName(["use1"])("use1x.orders"), undefined);
        assert.deepEqual(["7d", "12h", "500ms", "forever", "0d", "7"].map(retentionMs), [
            604800000,
            43200000,
            500,
            -1,
            undefined,
            undefined,
        ]);
        assert.equal(topicResourceName("orders.v1"), "orders.v1");
        assert.match(topicResourceName("Orders_V1"), /^orders-v1-[0-9a-f]{8}$/);
        assert.notEqual(topicResourceName("Orders_V1"), topicResourceName("orders_v1"));
        assert.equal(topicsPattern(["a.b", "c"]), "a\\.b|c");
        assert.deepEqual(
            ["4Gi", "2Gi", "1536Mi"].map((m) =>
                heapOf({ requests: { cpu: "1", memory: m }, limits: { cpu: "1", memory: m } }),
            ),
            ["2048m", "1024m", "768m"],
        );
    });
});

describe("Kafka component arguments", () => {
    it("KafkaClusterArgs: every documented default is the applied one", () => {
        const a = validateKafkaClusterArgs({ namespace: "k", region: "us-east-1", dnsZone: "data.internal", tls: TLS });
        const docs = documentedDefaults("components/kafka/kafka-cluster.ts", "KafkaClusterArgs");
        assert.deepEqual(docs, {
            clusterName: '"events"',
            brokers: "3",
            controllers: "3",
            storageSize: '"100Gi"',
            controllerStorageSize: '"20Gi"',
            storageClass: '"fast-ssd"',
            replicationFactor: "3",
            minInsyncReplicas: "2",
            brokerResources: "BROKER_RESOURCES (1/4Gi, 2/4Gi)",
            controllerResources: "CONTROLLER_RESOURCES (250m/1Gi, 1/1Gi)",
            crossRegionSourceRanges: "none (no restriction)",
            listenerPeers: "none (open)",
            protect: "true",
            dependsOn: "none",
        });
        assert.deepEqual(
            [a.clusterName, a.brokers, a.controllers, a.storageSize, a.controllerStorageSize, a.storageClass],
            ["events", 3, 3, "100Gi", "20Gi", "fast-ssd"],
        );
        assert.deepEqual([a.replicationFactor, a.minInsyncReplicas, a.protect], [3, 2, true]);
        assert.deepEqual(a.brokerResources, {
            requests: { cpu: "1", memory: "4Gi" },
            limits: { cpu: "2", memory: "4Gi" },
        });
        assert.deepEqual(a.controllerResources, {
            requests: { cpu: "250m", memory: "1Gi" },
            limits: { cpu: "1", memory: "1Gi" },
        });
        assert.deepEqual([a.crossRegionSourceRanges, a.listenerPeers], [[], { internal: [], crossRegion: [] }]);
    });

    it("KafkaClusterArgs: rejects RF above brokers and bad source ranges, naming the property", () => {
        const base = { namespace: "k", region: "us-east-1", dnsZone: "data.internal", tls: TLS };
        assert.throws(() => validateKafkaClusterArgs({ ...base, replicationFactor: 4 }), {
            message:
                "KafkaCluster.replicationFactor: 4 is not allowed; replication factor 4 exceeds the 3 brokers (kafkaBrokers): Kafka cannot place the replicas",
        });
        assert.throws(() => validateKafkaClusterArgs({ ...base, crossRegionSourceRanges: ["10.0.0.0"] }), {
            message:
                'KafkaCluster.crossRegionSourceRanges: "10.0.0.0" is not allowed; expected IPv4 CIDRs like 10.20.0.0/16',
        });
    });

    it("KafkaCertificatesArgs and KafkaMirrorArgs: documented defaults are applied", () => {
        const c = validateKafkaCertificatesArgs({ regions: ["us-east-1", "us-west-2"], dnsZone: "z" });
        assert.deepEqual(documentedDefaults("components/shared/certificates.ts", "CertificateValidityArgs"), {
            caValidityHours: "87600 (10 years)",
            validityHours: "17520 (2 years)",
            earlyRenewalHours: "1440 (60 days)",
        });
        assert.deepEqual([c.caValidityHours, c.validityHours, c.earlyRenewalHours], [87600, 17520, 1440]);
        assert.deepEqual(documentedDefaults("components/kafka/mirror-maker.ts", "KafkaMirrorArgs"), {
            replicationFactor: "3",
            replicas: "2",
            resources: "MIRROR_RESOURCES (500m/2Gi, 1/2Gi)",
            dependsOn: "none",
        });
    });

    it("a cross-region listener source range lands in loadBalancerSourceRanges (one place)", () => {
        const [internal, x]: Record<string, any>[] = kafkaListeners({
            clusterName: "events",
            region: "us-east-1",
            dnsZone: "z",
            replicationFactor: 3,
            minInsyncReplicas: 2,
            metricsConfigMap: "m",
            crossRegionSourceRanges: ["10.20.0.0/16"],
            listenerPeers: { internal: [], crossRegion: [{ ipBlock: { cidr: "10.20.0.0/16" } }] },
        });
        assert.deepEqual(x.configuration.loadBalancerSourceRanges, ["10.20.0.0/16"]);
        assert.deepEqual(x.networkPolicyPeers, [{ ipBlock: { cidr: "10.20.0.0/16" } }]);
        assert.equal(internal.networkPolicyPeers, undefined);
    });

    it("describes the network surface for NetworkPolicies: ports, the cross-region one, pod selectors", () => {
        const n = kafkaNetworkSurface("events", "geo-kafka", "events-mirror");
        assert.deepEqual(
            n.brokers.ports.map((p) => [p.name, p.port, p.crossRegion]),
            [
                ["tls", 9093, false],
                ["xregion", 9094, true],
                ["controlplane", 9090, false],
                ["replication", 9091, false],
                ["kafka-agent", 8443, false],
                ["tcp-prometheus", 9404, false],
            ],
        );
        assert.deepEqual(n.brokers.podSelector, {
            "strimzi.io/cluster": "events",
            "strimzi.io/kind": "Kafka",
            "strimzi.io/name": "events-kafka",
        });
        assert.deepEqual(n.mirror?.podSelector, {
            "strimzi.io/cluster": "events-mirror",
            "strimzi.io/kind": "KafkaMirrorMaker2",
            "strimzi.io/name": "events-mirror-mirrormaker2",
        });
        assert.equal(kafkaNetworkSurface("events", "geo-kafka").mirror, undefined);
    });
});
