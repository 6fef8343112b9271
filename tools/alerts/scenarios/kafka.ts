/**
 * promtool scenarios of the Kafka and MirrorMaker 2 alerts (components/kafka). Series carry the labels the
 * PodMonitors attach (scope.ts) and the metric's own from Strimzi's example JMX exporter rules.
 */
import { Scope } from "../scope";
import { AlertScenario, on, pick } from "./types";

const broker = (s: Scope, i = 0) => `${s.podBase.replace(/-kafka$/, "")}-broker-${i}`;
const key = (s: Scope, pod?: string) =>
    pick(s.target(pod ?? ""), "namespace", "strimzi_io_cluster", ...(pod ? ["pod"] : []));
const topic = { topic: "orders", partition: "0" };

export const KAFKA_SCENARIOS: Record<string, AlertScenario> = {
    KafkaUnderReplicatedPartitions: {
        failing: (s) => [on(s, broker(s), "kafka_server_replicamanager_underreplicatedpartitions", 3)],
        fires: (s) => [{ labels: key(s, broker(s)), value: 3 }],
        healthy: (s) => [on(s, broker(s), "kafka_server_replicamanager_underreplicatedpartitions", 0)],
    },
    KafkaUnderMinIsrPartitions: {
        failing: (s) => [on(s, broker(s), "kafka_server_replicamanager_underminisrpartitioncount", 2)],
        fires: (s) => [{ labels: key(s, broker(s)), value: 2 }],
        healthy: (s) => [on(s, broker(s), "kafka_server_replicamanager_underminisrpartitioncount", 0)],
    },
    KafkaOfflinePartitions: {
        failing: (s) => [on(s, broker(s), "kafka_controller_kafkacontroller_offlinepartitionscount", 1)],
        fires: (s) => [{ labels: key(s), value: 1 }],
        healthy: (s) => [on(s, broker(s), "kafka_controller_kafkacontroller_offlinepartitionscount", 0)],
    },
    KafkaNoActiveController: {
        failing: (s) =>
            [0, 1, 2].map((i) => on(s, broker(s, i), "kafka_controller_kafkacontroller_activecontrollercount", 0)),
        fires: (s) => [{ labels: key(s), value: 0 }],
        healthy: (s) =>
            [0, 1, 2].map((i) =>
                on(s, broker(s, i), "kafka_controller_kafkacontroller_activecontrollercount", i === 0 ? 1 : 0),
            ),
    },
    KafkaConsumerGroupLag: {
        failing: (s) => [
            on(s, `${s.podBase}-exporter-0`, "kafka_consumergroup_lag", 20000, { consumergroup: "app", ...topic }),
        ],
        fires: (s) => [{ labels: { namespace: s.namespace, consumergroup: "app", topic: "orders" }, value: 20000 }],
        healthy: (s) => [
            on(s, `${s.podBase}-exporter-0`, "kafka_consumergroup_lag", 10, { consumergroup: "app", ...topic }),
        ],
    },
    KafkaMirrorReplicationLatencyHigh: {
        failing: (s) => [
            on(s, `${s.podBase}-0`, "kafka_connect_mirror_mirrorsourceconnector_replication_latency_ms_max", 60000, {
                source: "us-east-1",
                target: "us-west-2",
                ...topic,
            }),
        ],
        fires: (s) => [
            {
                labels: { namespace: s.namespace, source: "us-east-1", target: "us-west-2", topic: "orders" },
                value: 60000,
            },
        ],
        healthy: (s) => [
            on(s, `${s.podBase}-0`, "kafka_connect_mirror_mirrorsourceconnector_replication_latency_ms_max", 200, {
                source: "us-east-1",
                target: "us-west-2",
                ...topic,
            }),
        ],
    },
    KafkaMirrorFailedTasks: {
        failing: (s) => [
            on(s, `${s.podBase}-0`, "kafka_connect_worker_connector_failed_task_count", 1, { connector: "source" }),
        ],
        fires: (s) => [{ labels: { namespace: s.namespace, connector: "source" }, value: 1 }],
        healthy: (s) => [
            on(s, `${s.podBase}-0`, "kafka_connect_worker_connector_failed_task_count", 0, { connector: "source" }),
        ],
    },
    KafkaMirrorNotRunning: {
        failing: (s) => [
            on(s, `${s.podBase}-0`, "kafka_connect_worker_connector_running_task_count", 0, { connector: "source" }),
        ],
        fires: (s) => [{ labels: { namespace: s.namespace }, value: 0 }],
        healthy: (s) => [
            on(s, `${s.podBase}-0`, "kafka_connect_worker_connector_running_task_count", 2, { connector: "source" }),
        ],
    },
};
