/**
 * Every Kafka step of the switchover runbooks, in one place. MirrorMaker 2 runs in the region that is not
 * primary (components/kafka/kafka-tier.ts), so moving the primary reverses it: the demoted stack's update
 * creates a mirror of the target's topics, the promoted stack's update deletes its own. Producers and
 * consumers move with the stop/drain/verify steps here; steps.ts only places these pieces.
 */
import { RegionConfig } from "../../config";
import { CHECKPOINT_INTERVAL_SECONDS } from "../../components/kafka/mirror-maker";
import { MIRROR_NAME, clusterAlias, crossRegionHostnames, remoteTopic } from "../../components/kafka/naming";
import { StackCommands } from "./commands";
import { Step, sh } from "./procedure";

/** The Kafka pieces of the runbooks that move the primary from `cur` to `tgt`. */
export interface KafkaSteps {
    /** Planned switchover: appended to the cross-region lag preflight. */
    readonly lagPreflight: { readonly commands: readonly string[]; readonly note: string };
    /** Planned switchover, before the demotion: producers and consumers stopped, the mirror drained and offsets synced. */
    readonly drain: Step;
    /** After the switch: the mirror runs the other way (or, after a disaster, not at all until the lost region returns). */
    verify(demotedMirrors: boolean): Step;
    /** Disaster failover: the Kafka line of the data-loss bound. */
    readonly dataLoss: string;
    /** Disaster failover, rebuild of the returning region: what its update does to Kafka. */
    readonly rebuildNote: string;
    /** Disaster failover, once rebuilt: the command showing the returning region mirrors again. */
    readonly rebuiltCheck: string;
}

/** A PromQL query against a region's Prometheus (through the API server proxy), printing `labels value` lines. */
function promQuery(c: StackCommands, cfg: RegionConfig, query: string, label: string): string {
    const path = `/api/v1/namespaces/${cfg.namespaces.monitoring}/services/prometheus-operated:web/proxy/api/v1/query?query=${encodeURIComponent(query)}`;
    return `${c.kubectl(cfg.namespaces.monitoring)} get --raw ${sh(path)} | jq -r ${sh(`.data.result[] | "${label}\\(.value[1])"`)}`;
}

/** The Kafka steps for moving the primary from `cur` (commands `C`) to `tgt` (commands `T`). */
export function kafkaSteps(cur: RegionConfig, tgt: RegionConfig, C: StackCommands, T: StackCommands): KafkaSteps {
    const topics = cur.kafka.topics.map((t) => t.name);
    const curAlias = clusterAlias(cur.region);
    const tgtAlias = clusterAlias(tgt.region);
    const ns = (c: RegionConfig) => c.namespaces.kafka;
    const mirrorReady = (c: StackCommands, cfg: RegionConfig) =>
        `${c.kubectl(ns(cfg))} wait kafkamirrormaker2/${MIRROR_NAME} --for=condition=Ready --timeout=600s`;
    const noMirror = (c: StackCommands, cfg: RegionConfig) => `${c.kubectl(ns(cfg))} get kafkamirrormaker2 -o name`;
    const mirrorSel = (cfg: RegionConfig) => `namespace="${ns(cfg)}", strimzi_io_cluster="${MIRROR_NAME}"`;
    const latency = promQuery(
        T,
        tgt,
        `max(kafka_connect_mirror_mirrorsourceconnector_replication_latency_ms_max{${mirrorSel(tgt)}})`,
        "replication latency ms: ",
    );
    const notMirrored = `max(sum(kafka_consumer_fetch_manager_records_lag{${mirrorSel(tgt)}}) or on () vector(0))`;
    const groupLag = `sum by (consumergroup, topic) (kafka_consumergroup_lag{namespace="${ns(tgt)}", topic=~"${curAlias}\\\\..*"})`;
    const copies = topics.map((t) => remoteTopic(curAlias, t)).join(", ");
    const subscribe = (alias: string) =>
        topics.length ? `^(${alias}\\.)?${topics.length > 1 ? `(${topics.join("|")})` : topics[0]}$` : "";
    return {
        lagPreflight: {
            commands: [mirrorReady(T, tgt), latency],
            note: `Kafka: ${tgt.stack}'s MirrorMaker 2 Ready, replication latency far below 30000 ms.`,
        },
        drain: {
            title: `Kafka: stop producers and consumers in ${cur.region}, wait until ${tgt.region}'s mirror has every record and the consumer groups' offsets`,
            commands: [
                `for i in $(seq 1 30); do LAG=$(${promQuery(T, tgt, notMirrored, "")}); [ "$LAG" = 0 ] && break; sleep 10; done; echo "records of ${cur.region} not yet mirrored: $LAG"`,
                `sleep ${2 * CHECKPOINT_INTERVAL_SECONDS}`,
                promQuery(T, tgt, groupLag, "\\(.metric.consumergroup) \\(.metric.topic): "),
            ],
            notes: [
                `First stop (scale to 0) every producer and consumer of ${topics.join(", ") || "the topics"} in ${cur.region}: MirrorMaker 2 copies a group's offsets only as committed in ${cur.region}, and writes them into ${tgt.region} only while the group has no member there.`,
                `The first command must end with 0. The last lists each group's remaining lag on ${copies || `${curAlias}.<topic>`} in ${tgt.region}: what its consumers will read again (at most about offset.lag.max, 100 records, per partition).`,
            ],
        },
        verify: (demotedMirrors) => ({
            title: demotedMirrors
                ? `Verify Kafka: ${cur.stack} mirrors ${tgt.region}, ${tgt.stack} runs no mirror; move producers and consumers to ${tgt.region}`
                : `Verify Kafka: ${tgt.stack} runs no mirror; move producers and consumers to ${tgt.region}`,
            commands: [...(demotedMirrors ? [mirrorReady(C, cur)] : []), noMirror(T, tgt)],
            notes: [
                `${tgt.stack} prints nothing${demotedMirrors ? `; ${cur.stack}'s mirror copies ${tgt.region}'s topics into ${tgtAlias}.<topic> from now on, so start producers only after it is Ready` : ""}.`,
                `Producers: ${tgt.stack}'s stack output kafka.bootstrap. Consumers in ${tgt.region} subscribe to the topic and its mirrored copy${topics.length ? ` (${subscribe(curAlias)})` : ""}: their groups resume the copies at the translated offsets.`,
            ],
        }),
        dataLoss: `Kafka: records ${cur.region} accepted that MirrorMaker 2 had not yet copied (its replication latency, alerted above 30 s by KafkaMirrorReplicationLatencyHigh); consumer progress since the last offset sync (${CHECKPOINT_INTERVAL_SECONDS} s) is read again, not lost.`,
        rebuildNote: `The same update creates ${cur.stack}'s MirrorMaker 2, which copies ${tgt.region}'s topics from ${crossRegionHostnames(tgt.region, tgt.dnsZone).bootstrap} into ${tgtAlias}.<topic>. Records ${cur.region} accepted but never mirrored stay in its own topics (nothing overwrites them): replay them by hand if they matter.`,
        rebuiltCheck: mirrorReady(C, cur),
    };
}
