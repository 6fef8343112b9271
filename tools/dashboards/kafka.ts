/**
 * geo-data / Kafka: one region's Strimzi cluster (brokers and KRaft controllers through the JMX Prometheus
 * Exporter rules of components/kafka/kafka-spec.ts, consumer lag through Kafka Exporter) and the MirrorMaker 2
 * that copies the primary region's topics into this one (only the non-primary region runs it: its panels are
 * empty in the primary region). Names: catalog strimzi.json (Strimzi 1.2.0's example metrics and rules).
 */
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import { datasourceVariable, labelVariable, series, single } from "./panels";

const sel = 'namespace="$namespace", strimzi_io_cluster="$cluster"';
const mirror = 'namespace="$namespace", strimzi_io_cluster="$mirror"';

export function kafkaDashboard(): dashboard.DashboardBuilder {
    return new dashboard.DashboardBuilder("geo-data / Kafka")
        .uid("geo-data-kafka")
        .tags(["geo-data", "kafka"])
        .refresh("1m")
        .time({ from: "now-6h", to: "now" })
        .withVariable(datasourceVariable("datasource", "Region (Prometheus)"))
        .withVariable(
            labelVariable(
                "namespace",
                "datasource",
                "kafka_controller_kafkacontroller_activecontrollercount",
                "namespace",
            ),
        )
        .withVariable(
            labelVariable(
                "cluster",
                "datasource",
                "kafka_controller_kafkacontroller_activecontrollercount",
                "strimzi_io_cluster",
            ),
        )
        .withVariable(
            labelVariable(
                "mirror",
                "datasource",
                "kafka_connect_worker_connector_running_task_count",
                "strimzi_io_cluster",
            ),
        )
        .withRow(new dashboard.RowBuilder("Cluster").gridPos({ x: 0, y: 0, w: 24, h: 1 }))
        .withPanel(
            series(
                "Brokers and controllers up",
                "How many pods of each node pool (brokers, controllers) answer their metrics scrape?",
                "none",
                "datasource",
                [
                    {
                        // prometheus-operator's job for a PodMonitor: <namespace>/<PodMonitor> (`<cluster>-kafka`).
                        expr: `sum by (strimzi_io_pool_name) (up{${sel}, job="$namespace/$cluster-kafka"})`,
                        legend: "{{strimzi_io_pool_name}}",
                        monitor: "events-kafka",
                    },
                ],
            ).gridPos({ x: 0, y: 1, w: 12, h: 7 }),
        )
        .withPanel(
            single(
                "Active controllers",
                "How many KRaft controllers are active (exactly 1; 0 = no leader elections, 2+ = split quorum)?",
                "none",
                "datasource",
                [
                    {
                        expr: `sum(kafka_controller_kafkacontroller_activecontrollercount{${sel}})`,
                        monitor: "events-kafka",
                    },
                ],
            ).gridPos({ x: 12, y: 1, w: 4, h: 7 }),
        )
        .withPanel(
            single(
                "Offline partitions",
                "How many partitions have no leader (neither readable nor writable)?",
                "none",
                "datasource",
                [
                    {
                        expr: `max(kafka_controller_kafkacontroller_offlinepartitionscount{${sel}})`,
                        monitor: "events-kafka",
                    },
                ],
            ).gridPos({ x: 16, y: 1, w: 4, h: 7 }),
        )
        .withPanel(
            single(
                "Under-replicated partitions",
                "How many partitions have followers out of sync, over all brokers?",
                "none",
                "datasource",
                [
                    {
                        expr: `sum(kafka_server_replicamanager_underreplicatedpartitions{${sel}})`,
                        monitor: "events-kafka",
                    },
                ],
            ).gridPos({ x: 20, y: 1, w: 4, h: 7 }),
        )
        .withPanel(
            series("Active controller", "Which controller pod is the active one (1)?", "none", "datasource", [
                {
                    expr: `max by (pod) (kafka_controller_kafkacontroller_activecontrollercount{${sel}})`,
                    legend: "{{pod}}",
                    monitor: "events-kafka",
                },
            ]).gridPos({ x: 0, y: 8, w: 8, h: 8 }),
        )
        .withPanel(
            series(
                "Under-replicated and under-min-ISR partitions",
                "Per broker: partitions it leads with followers out of sync, and partitions refusing acks=all writes.",
                "none",
                "datasource",
                [
                    {
                        expr: `sum by (pod) (kafka_server_replicamanager_underreplicatedpartitions{${sel}})`,
                        legend: "{{pod}} under-replicated",
                        monitor: "events-kafka",
                    },
                    {
                        expr: `sum by (pod) (kafka_server_replicamanager_underminisrpartitioncount{${sel}})`,
                        legend: "{{pod}} under min ISR",
                        monitor: "events-kafka",
                    },
                ],
            ).gridPos({ x: 8, y: 8, w: 8, h: 8 }),
        )
        .withPanel(
            series(
                "Consumer lag by group",
                "Messages each consumer group has yet to consume (Kafka Exporter), per topic.",
                "none",
                "datasource",
                [
                    {
                        expr: `sum by (consumergroup, topic) (kafka_consumergroup_lag{${sel}})`,
                        legend: "{{consumergroup}} {{topic}}",
                        monitor: "events-kafka",
                    },
                ],
            ).gridPos({ x: 16, y: 8, w: 8, h: 8 }),
        )
        .withRow(
            new dashboard.RowBuilder(
                "MirrorMaker 2 (copies the primary region's topics; runs in the other region)",
            ).gridPos({
                x: 0,
                y: 16,
                w: 24,
                h: 1,
            }),
        )
        .withPanel(
            series(
                "MirrorMaker 2 replication latency",
                "How late do records written in the source region arrive here (max per topic)? A region loss now loses this much.",
                "ms",
                "datasource",
                [
                    {
                        expr: `max by (source, topic) (kafka_connect_mirror_mirrorsourceconnector_replication_latency_ms_max{${mirror}})`,
                        legend: "{{source}} → {{topic}}",
                        monitor: "events-mirror",
                    },
                ],
            ).gridPos({ x: 0, y: 17, w: 12, h: 8 }),
        )
        .withPanel(
            series(
                "MirrorMaker 2 tasks",
                "Running and failed tasks per connector (a failed task copies nothing until restarted).",
                "none",
                "datasource",
                [
                    {
                        expr: `sum by (connector) (kafka_connect_worker_connector_running_task_count{${mirror}})`,
                        legend: "{{connector}} running",
                        monitor: "events-mirror",
                    },
                    {
                        expr: `sum by (connector) (kafka_connect_worker_connector_failed_task_count{${mirror}})`,
                        legend: "{{connector}} failed",
                        monitor: "events-mirror",
                    },
                ],
            ).gridPos({ x: 12, y: 17, w: 12, h: 8 }),
        );
}
