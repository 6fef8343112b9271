/**
 * The Kafka policies: each passes the program's own output for both stacks (and the switched topology) and
 * fails a copy of that output in which exactly one field was changed, with the exact message.
 */
import { strict as assert } from "assert";
import { kafkaNodepoolRequireMinReplicas } from "../policies/kafka/kafka-nodepool-require-min-replicas";
import { kafkaNodepoolRequirePersistentStorage } from "../policies/kafka/kafka-nodepool-require-persistent-storage";
import { kafkaRequireMinReplication } from "../policies/kafka/kafka-require-min-replication";
import { kafkaRequireTlsListeners } from "../policies/kafka/kafka-require-tls-listeners";
import { kafkaTopicRequireMinReplication } from "../policies/kafka/kafka-topic-require-min-replication";
import { RecordedResource } from "../tools/harness";
import { runPolicies } from "../tools/policy-runner";
import { itIsInThePack, render, renderSwitched } from "./support";

type Policy = Parameters<typeof runPolicies>[0][number];

/** A deep copy of us-west's resources with `edit` applied to the named resource's inputs. */
async function mutated(name: string, edit: (inputs: Record<string, any>) => void): Promise<RecordedResource[]> {
    const r = await render("us-west");
    const copy: RecordedResource[] = JSON.parse(JSON.stringify(r.resources));
    const target = copy.find((x) => x.name === name);
    if (!target) throw new Error(`no resource ${name}`);
    edit(target.inputs);
    return copy;
}

async function messages(policy: Policy, resources: RecordedResource[]): Promise<string[]> {
    return (await runPolicies([policy], resources, { stack: "us-west" })).map((v) => v.message);
}

describe("kafka policies", () => {
    const mine = [
        kafkaNodepoolRequireMinReplicas,
        kafkaNodepoolRequirePersistentStorage,
        kafkaRequireMinReplication,
        kafkaTopicRequireMinReplication,
        kafkaRequireTlsListeners,
    ];

    itIsInThePack(() => mine);

    it("pass the program's own output for both stacks and the switched topology", async () => {
        for (const r of [await render("us-east"), await render("us-west"), await renderSwitched("us-east")]) {
            assert.deepEqual(await runPolicies(mine, r.resources, { stack: r.stack }), [], r.stack);
        }
    });

    it("kafka-nodepool-require-min-replicas fails a controller pool of 1 and a broker pool of 2", async () => {
        assert.deepEqual(
            await messages(
                kafkaNodepoolRequireMinReplicas,
                await mutated("geo-kafka-cluster-pool-controller", (i) => (i.spec.replicas = 1)),
            ),
            [
                "KafkaNodePool geo-kafka/controller (controller) has spec.replicas 1; at least 3 are required. Set geo-data:kafkaControllers to 3 or more.",
            ],
        );
        assert.deepEqual(
            await messages(
                kafkaNodepoolRequireMinReplicas,
                await mutated("geo-kafka-cluster-pool-broker", (i) => (i.spec.replicas = 2)),
            ),
            [
                "KafkaNodePool geo-kafka/broker (broker) has spec.replicas 2; at least 3 are required. Set geo-data:kafkaBrokers to 3 or more.",
            ],
        );
    });

    it("kafka-nodepool-require-persistent-storage fails an ephemeral volume and deleteClaim: true", async () => {
        assert.deepEqual(
            await messages(
                kafkaNodepoolRequirePersistentStorage,
                await mutated("geo-kafka-cluster-pool-broker", (i) => (i.spec.storage = { type: "ephemeral" })),
            ),
            [
                'KafkaNodePool geo-kafka/broker: spec.storage.type is "ephemeral"; use persistent-claim (an ephemeral volume loses the node\'s data on every restart).',
            ],
        );
        assert.deepEqual(
            await messages(
                kafkaNodepoolRequirePersistentStorage,
                await mutated(
                    "geo-kafka-cluster-pool-controller",
                    (i) => (i.spec.storage.volumes[0].deleteClaim = true),
                ),
            ),
            [
                "KafkaNodePool geo-kafka/controller: spec.storage.volumes[0].deleteClaim is true; set it to false so deleting the pool keeps the data.",
            ],
        );
    });

    it("kafka-require-min-replication fails min.insync.replicas 1 and default.replication.factor 2", async () => {
        assert.deepEqual(
            await messages(
                kafkaRequireMinReplication,
                await mutated("geo-kafka-cluster-kafka", (i) => (i.spec.kafka.config["min.insync.replicas"] = 1)),
            ),
            [
                "Kafka geo-kafka/events has spec.kafka.config min.insync.replicas 1; set it to 2 or more (geo-data:kafkaMinInsyncReplicas), so an acks=all write exists on two brokers.",
            ],
        );
        assert.deepEqual(
            await messages(
                kafkaRequireMinReplication,
                await mutated(
                    "geo-kafka-cluster-kafka",
                    (i) => (i.spec.kafka.config["default.replication.factor"] = 2),
                ),
            ),
            [
                "Kafka geo-kafka/events has spec.kafka.config default.replication.factor 2; set it to 3 or more (geo-data:kafkaReplicationFactor).",
            ],
        );
    });

    it("kafka-topic-require-min-replication fails a topic with replicas 2 and one with min.insync.replicas 1", async () => {
        assert.deepEqual(
            await messages(
                kafkaTopicRequireMinReplication,
                await mutated("geo-kafka-topics-orders", (i) => (i.spec.replicas = 2)),
            ),
            ["KafkaTopic geo-kafka/orders (topic orders) has spec.replicas 2; set it to 3 or more."],
        );
        assert.deepEqual(
            await messages(
                kafkaTopicRequireMinReplication,
                await mutated("geo-kafka-topics-use1.orders", (i) => (i.spec.config["min.insync.replicas"] = 1)),
            ),
            [
                "KafkaTopic geo-kafka/use1.orders (topic use1.orders) has spec.config min.insync.replicas 1; set it to 2 or more, so an acks=all write exists on two brokers.",
            ],
        );
    });

    it("kafka-require-tls-listeners fails a plaintext listener and one without authentication", async () => {
        assert.deepEqual(
            await messages(
                kafkaRequireTlsListeners,
                await mutated("geo-kafka-cluster-kafka", (i) => (i.spec.kafka.listeners[0].tls = false)),
            ),
            ['Kafka geo-kafka/events listener "tls" (port 9093) has tls false; set tls: true.'],
        );
        assert.deepEqual(
            await messages(
                kafkaRequireTlsListeners,
                await mutated("geo-kafka-cluster-kafka", (i) => delete i.spec.kafka.listeners[1].authentication),
            ),
            [
                'Kafka geo-kafka/events listener "xregion" (port 9094) authenticates with undefined; set authentication.type to scram-sha-512 or tls.',
            ],
        );
    });
});
