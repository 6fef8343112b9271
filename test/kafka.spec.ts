/**
 * The rendered Kafka tier of both stacks (and of the switched topology): node pools, rack awareness,
 * listeners, MirrorMaker 2's source and target, its connector settings, topics, users, the cross-region
 * secrets, and monitors whose selectors match the labels Strimzi puts on the pods.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { selects } from "../components/monitoring/monitors";
import { exporterPodLabels, mirrorPodLabels, nodePodLabels } from "../components/kafka/naming";
import { ROOT, RenderResult } from "../tools/harness";
import { find, inputs, ofType, render, renderSwitched } from "./support";

const T = {
    kafka: "kubernetes:kafka.strimzi.io/v1:Kafka",
    pool: "kubernetes:kafka.strimzi.io/v1:KafkaNodePool",
    topic: "kubernetes:kafka.strimzi.io/v1:KafkaTopic",
    user: "kubernetes:kafka.strimzi.io/v1:KafkaUser",
    mm2: "kubernetes:kafka.strimzi.io/v1:KafkaMirrorMaker2",
    podMonitor: "kubernetes:monitoring.coreos.com/v1:PodMonitor",
    rule: "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
    secret: "kubernetes:core/v1:Secret",
};

const kafka = (r: RenderResult) => inputs(find(r, T.kafka, "geo-kafka-cluster-kafka"));
const pool = (r: RenderResult, p: string) => inputs(find(r, T.pool, `geo-kafka-cluster-pool-${p}`));
const mm2 = (r: RenderResult) => inputs(find(r, T.mm2, "geo-kafka-mirror-mm2"));

describe("Kafka (Strimzi 1.2, kafka.strimzi.io/v1)", () => {
    it("runs dedicated KRaft controller and broker pools of 3, on persistent JBOD volumes, spread over zones", async () => {
        for (const stack of ["us-east", "us-west"]) {
            const r = await render(stack);
            for (const [name, roles, size] of [
                ["controller", ["controller"], "20Gi"],
                ["broker", ["broker"], "100Gi"],
            ] as const) {
                const p = pool(r, name);
                assert.equal(p.metadata.name, name);
                assert.deepEqual(p.metadata.labels["strimzi.io/cluster"], "events");
                assert.deepEqual([p.spec.replicas, p.spec.roles], [3, roles], `${stack} ${name}`);
                assert.deepEqual(p.spec.storage, {
                    type: "jbod",
                    volumes: [
                        {
                            id: 0,
                            type: "persistent-claim",
                            size,
                            class: "fast-ssd",
                            deleteClaim: false,
                            kraftMetadata: "shared",
                        },
                    ],
                });
                const zone = p.spec.template.pod.topologySpreadConstraints[0];
                assert.deepEqual(zone, {
                    maxSkew: 1,
                    topologyKey: "topology.kubernetes.io/zone",
                    whenUnsatisfiable: "DoNotSchedule",
                    labelSelector: { matchLabels: { "strimzi.io/cluster": "events", "strimzi.io/pool-name": name } },
                });
                assert.ok(
                    selects(
                        zone.labelSelector.matchLabels,
                        nodePodLabels("events", name, { broker: name === "broker", controller: name === "controller" }),
                    ),
                );
            }
            const opts = find(r, T.pool, "geo-kafka-cluster-pool-broker").options;
            assert.deepEqual([opts.protect, opts.retainOnDelete], [true, true]);
        }
    });

    it("pins Kafka 4.3.1 / 4.3-IV0, sets broker.rack from the zone label and the durability defaults", async () => {
        const k = kafka(await render("us-east"));
        assert.equal(k.apiVersion, "kafka.strimzi.io/v1");
        assert.deepEqual([k.spec.kafka.version, k.spec.kafka.metadataVersion], ["4.3.1", "4.3-IV0"]);
        assert.deepEqual(k.spec.kafka.rack, { topologyKey: "topology.kubernetes.io/zone" });
        assert.equal(k.spec.zookeeper, undefined);
        assert.deepEqual(k.spec.kafka.authorization, { type: "simple" });
        assert.deepEqual(k.spec.kafka.config, {
            "default.replication.factor": 3,
            "min.insync.replicas": 2,
            "offsets.topic.replication.factor": 3,
            "transaction.state.log.replication.factor": 3,
            "transaction.state.log.min.isr": 2,
            "auto.create.topics.enable": false,
            "unclean.leader.election.enable": false,
            "replica.selector.class": "org.apache.kafka.common.replica.RackAwareReplicaSelector",
        });
        assert.deepEqual(k.spec.kafka.template.podDisruptionBudget, { maxUnavailable: 1 });
        assert.ok(k.spec.cruiseControl && k.spec.kafkaExporter && k.spec.entityOperator.topicOperator);
    });

    it("has TLS listeners only, each with SCRAM-SHA-512; the cross-region one on per-broker internal NLBs with region-unique names", async () => {
        for (const [stack, region, peer, own] of [
            ["us-east", "us-east-1", "10.20", "10.10"],
            ["us-west", "us-west-2", "10.10", "10.20"],
        ]) {
            const [internal, xregion] = kafka(await render(stack)).spec.kafka.listeners;
            assert.deepEqual(internal, {
                name: "tls",
                port: 9093,
                type: "internal",
                tls: true,
                authentication: { type: "scram-sha-512" },
                // Strimzi generates the listener's NetworkPolicy from these: the application namespaces and the mirror.
                networkPolicyPeers: [
                    { namespaceSelector: { matchLabels: { "geo-data/client": "true" } } },
                    { podSelector: { matchLabels: { "strimzi.io/kind": "KafkaMirrorMaker2" } } },
                ],
            });
            // The peer region's VPC and this region's internal-NLB subnets (the stack files' peerCidrs and
            // loadBalancerSubnetCidrs).
            assert.deepEqual(
                xregion.networkPolicyPeers.map((p: any) => p.ipBlock.cidr),
                [`${peer}.0.0/16`, `${own}.128.0/24`, `${own}.129.0/24`, `${own}.130.0/24`],
            );
            assert.deepEqual(
                [xregion.name, xregion.port, xregion.type, xregion.tls, xregion.authentication],
                ["xregion", 9094, "loadbalancer", true, { type: "scram-sha-512" }],
            );
            const c = xregion.configuration;
            assert.equal(c.advertisedHostTemplate, `broker-{nodeId}.kafka.${region}.data.internal`);
            assert.equal(
                c.bootstrap.annotations["external-dns.alpha.kubernetes.io/hostname"],
                `bootstrap.kafka.${region}.data.internal`,
            );
            assert.equal(
                c.perBrokerAnnotationsTemplate["service.beta.kubernetes.io/aws-load-balancer-scheme"],
                "internal",
            );
            assert.deepEqual(c.brokerCertChainAndKey, {
                secretName: "events-xregion-tls",
                certificate: "tls.crt",
                key: "tls.key",
            });
            assert.deepEqual(c.loadBalancerSourceRanges, [`${peer}.0.0/16`]);
        }
    });

    it("serves the cross-region listener with the pair CA's certificate, generated by us-east and read by us-west", async () => {
        const east = await render("us-east");
        const west = await render("us-west");
        const peer = east.outputs.kafkaPeer as Record<string, any>;
        assert.ok(east.secretOutputNames.includes("kafkaPeer"));
        assert.equal(west.outputs.kafkaPeer, undefined);
        const westTls = inputs(find(west, T.secret, "geo-kafka-cluster-xregion-tls"));
        assert.deepEqual(westTls.stringData, { "tls.crt": peer.listenerCert, "tls.key": peer.listenerKey });
        assert.match(peer.listenerKey, /BEGIN PRIVATE KEY/); // PKCS#8: what Kafka's PEM keystore reads
        assert.equal(inputs(find(west, T.secret, "geo-kafka-cluster-pair-ca")).stringData["ca.crt"], peer.caCert);
        assert.equal(inputs(find(east, T.secret, "geo-kafka-cluster-pair-ca")).stringData["ca.crt"], peer.caCert);
        assert.notEqual(
            inputs(find(east, T.secret, "geo-kafka-cluster-xregion-tls")).stringData["tls.crt"],
            peer.listenerCert,
        );
        const csr = inputs(
            find(east, "tls:index/certRequest:CertRequest", "geo-kafka-certificates-listener-us-west-2-csr"),
        );
        assert.deepEqual(csr.dnsNames, ["*.kafka.us-west-2.data.internal", "bootstrap.kafka.us-west-2.data.internal"]);
    });

    it("gives every user the same SCRAM password in both regions (the mirror's included)", async () => {
        const east = await render("us-east");
        const west = await render("us-west");
        for (const user of ["orders-service", "mirror-maker"]) {
            const secret = (r: RenderResult) => inputs(find(r, T.secret, `geo-kafka-users-${user}-scram`));
            assert.equal(secret(west).stringData.password, secret(east).stringData.password, user);
            assert.equal(secret(east).metadata.name, `${user}-scram`);
            const u = inputs(find(east, T.user, `geo-kafka-users-${user}`));
            assert.deepEqual(u.spec.authentication, {
                type: "scram-sha-512",
                password: { valueFrom: { secretKeyRef: { name: `${user}-scram`, key: "password" } } },
            });
            assert.equal(u.spec.authorization.type, "simple");
        }
        const app = inputs(find(east, T.user, "geo-kafka-users-orders-service"));
        assert.deepEqual(app.spec.authorization.acls[3], {
            resource: { type: "group", name: "orders-service", patternType: "literal" },
            operations: ["Read"],
        });
    });

    it("declares each configured topic and its mirrored copy <peer alias>.<topic> with RF 3, min ISR 2", async () => {
        const east = await render("us-east");
        const names = ofType(east, T.topic).map((t) => inputs(t).spec.topicName);
        assert.deepEqual(names, [
            "orders",
            "orders-dlq",
            "notifications",
            "usw2.orders",
            "usw2.orders-dlq",
            "usw2.notifications",
        ]);
        assert.deepEqual(inputs(find(east, T.topic, "geo-kafka-topics-orders")).spec, {
            topicName: "orders",
            partitions: 12,
            replicas: 3,
            config: { "min.insync.replicas": 2, "retention.ms": 604800000, "cleanup.policy": "delete" },
        });
        const west = await render("us-west");
        assert.deepEqual(
            ofType(west, T.topic)
                .map((t) => inputs(t).metadata.name)
                .slice(3),
            ["use1.orders", "use1.orders-dlq", "use1.notifications"],
        );
    });

    it("runs MirrorMaker 2 only outside the primary region: us-east's cross-region listener → us-west's cluster", async () => {
        assert.deepEqual(ofType(await render("us-east"), T.mm2), []);
        const m = mm2(await render("us-west"));
        assert.equal(m.metadata.name, "events-mirror");
        assert.deepEqual(
            [m.spec.mirrors[0].source.alias, m.spec.mirrors[0].source.bootstrapServers, m.spec.mirrors[0].source.tls],
            [
                "use1",
                "bootstrap.kafka.us-east-1.data.internal:9094",
                { trustedCertificates: [{ secretName: "events-pair-ca", certificate: "ca.crt" }] },
            ],
        );
        assert.deepEqual(
            [m.spec.target.alias, m.spec.target.bootstrapServers, m.spec.target.tls],
            [
                "usw2",
                "events-kafka-bootstrap.geo-kafka.svc:9093",
                { trustedCertificates: [{ secretName: "events-cluster-ca-cert", certificate: "ca.crt" }] },
            ],
        );
        assert.deepEqual(
            [
                m.spec.target.groupId,
                m.spec.target.configStorageTopic,
                m.spec.target.offsetStorageTopic,
                m.spec.target.statusStorageTopic,
            ],
            [
                "connect-mirror-use1",
                "connect-mirror-use1-configs",
                "connect-mirror-use1-offsets",
                "connect-mirror-use1-status",
            ],
        );
        assert.deepEqual(m.spec.mirrors[0].source.authentication, {
            type: "scram-sha-512",
            username: "mirror-maker",
            passwordSecret: { secretName: "mirror-maker-scram", password: "password" },
        });
        assert.equal(m.spec.mirrors[0].topicsPattern, "orders|orders-dlq|notifications");
        assert.equal(m.spec.version, "4.3.1");
    });

    it("configures the checkpoint connector so consumer offsets translate (strimzi-kafka-operator#9609, #7904)", async () => {
        const [mirror] = mm2(await render("us-west")).spec.mirrors;
        const cp = mirror.checkpointConnector.config;
        const src = mirror.sourceConnector.config;
        assert.equal(cp["sync.group.offsets.enabled"], "true");
        assert.equal(cp["emit.checkpoints.enabled"], "true");
        assert.deepEqual(
            [cp["emit.checkpoints.interval.seconds"], cp["sync.group.offsets.interval.seconds"]],
            [30, 30],
        );
        for (const key of ["replication.policy.class", "replication.policy.separator", "offset-syncs.topic.location"]) {
            assert.equal(cp[key], src[key], `${key} must be the same on both connectors`);
        }
        assert.deepEqual(
            [src["replication.policy.class"], src["replication.policy.separator"], src["offset-syncs.topic.location"]],
            ["org.apache.kafka.connect.mirror.DefaultReplicationPolicy", ".", "target"],
        );
        assert.deepEqual([src["sync.topic.configs.enabled"], src["sync.topic.acls.enabled"]], ["false", "false"]);
        assert.equal(mirror.groupsPattern, ".*");
    });

    it("mirrors the other way after a switchover: us-west primary, us-east runs the mirror", async () => {
        assert.deepEqual(ofType(await renderSwitched("us-west"), T.mm2), []);
        const east = await renderSwitched("us-east");
        const m = mm2(east);
        assert.deepEqual(
            [
                m.spec.mirrors[0].source.alias,
                m.spec.mirrors[0].source.bootstrapServers,
                m.spec.target.alias,
                m.spec.target.groupId,
            ],
            ["usw2", "bootstrap.kafka.us-west-2.data.internal:9094", "use1", "connect-mirror-usw2"],
        );
        assert.deepEqual((east.outputs.kafka as any).mirror, "usw2->use1");
    });

    it("PodMonitors select the pods Strimzi labels: both pools, Kafka Exporter, MirrorMaker 2 (and nothing else)", async () => {
        const west = await render("us-west");
        const selector = (name: string) => inputs(find(west, T.podMonitor, name)).spec.selector.matchLabels;
        const broker = nodePodLabels("events", "broker", { broker: true, controller: false });
        const controller = nodePodLabels("events", "controller", { broker: false, controller: true });
        const exporter = exporterPodLabels("events");
        const mirror = mirrorPodLabels("events-mirror");
        const cases: [string, Record<string, string>[], Record<string, string>[]][] = [
            ["geo-kafka-cluster-monitoring-kafka", [broker, controller], [exporter, mirror]],
            ["geo-kafka-cluster-monitoring-kafka-exporter", [exporter], [broker, controller, mirror]],
            ["geo-kafka-mirror-podmonitor", [mirror], [broker, controller, exporter]],
        ];
        for (const [name, yes, no] of cases) {
            for (const l of yes) assert.ok(selects(selector(name), l), `${name} must select ${l["strimzi.io/name"]}`);
            for (const l of no)
                assert.ok(!selects(selector(name), l), `${name} must not select ${l["strimzi.io/name"]}`);
            assert.equal(inputs(find(west, T.podMonitor, name)).spec.podMetricsEndpoints[0].port, "tcp-prometheus");
        }
    });

    it("alerts on under-replicated and offline partitions, the controller, consumer lag and the mirror", async () => {
        const west = await render("us-west");
        const alerts = (name: string) => inputs(find(west, T.rule, name)).spec.groups[0].rules.map((r: any) => r.alert);
        assert.deepEqual(alerts("geo-kafka-cluster-monitoring-rules"), [
            "KafkaUnderReplicatedPartitions",
            "KafkaUnderMinIsrPartitions",
            "KafkaOfflinePartitions",
            "KafkaNoActiveController",
            "KafkaConsumerGroupLag",
        ]);
        assert.deepEqual(alerts("geo-kafka-mirror-rules"), [
            "KafkaMirrorReplicationLatencyHigh",
            "KafkaMirrorFailedTasks",
            "KafkaMirrorNotRunning",
        ]);
        const latency = inputs(find(west, T.rule, "geo-kafka-mirror-rules")).spec.groups[0].rules[0];
        assert.equal(
            latency.expr,
            'max by (namespace, source, target, topic) (kafka_connect_mirror_mirrorsourceconnector_replication_latency_ms_max{namespace="geo-kafka", strimzi_io_cluster="events-mirror"}) > 30000',
        );
    });

    it("exports the endpoints the applications and the other region use", async () => {
        assert.deepEqual((await render("us-west")).outputs.kafka, {
            clusterName: "events",
            namespace: "geo-kafka",
            bootstrap: "events-kafka-bootstrap.geo-kafka.svc:9093",
            crossRegionBootstrap: "bootstrap.kafka.us-west-2.data.internal:9094",
            clusterCaSecret: "events-cluster-ca-cert",
            alias: "usw2",
            mirror: "use1->usw2",
            mirroredTopicPrefix: "use1.",
        });
    });

    it("docs/kafka.md states the rendered offset-sync figures", async () => {
        const [mirror] = mm2(await render("us-west")).spec.mirrors;
        const doc = fs.readFileSync(path.join(ROOT, "docs", "kafka.md"), "utf8");
        const interval = mirror.checkpointConnector.config["sync.group.offsets.interval.seconds"];
        const lagMax = mirror.sourceConnector.config["offset.lag.max"];
        assert.ok(
            doc.includes(
                `\`emit.checkpoints.interval.seconds\`, \`sync.group.offsets.interval.seconds\` | ${interval} |`,
            ),
        );
        assert.ok(doc.includes(`\`offset.lag.max\` (source connector) | ${lagMax} |`));
        const rpo = fs.readFileSync(path.join(ROOT, "docs", "rpo-rto.md"), "utf8");
        assert.ok(rpo.includes(`since the last offset sync (${interval} s)`));
    });
});
