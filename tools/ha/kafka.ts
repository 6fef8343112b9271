/**
 * Scorecard rules for Kafka (Strimzi, KRaft node pools).
 *
 * Kafka facts used: an `acks=all` record is acknowledged once `min.insync.replicas` in-sync replicas
 * have it; with fewer in sync, such writes are refused (reads go on); with `unclean.leader.election.enable`
 * false only an in-sync replica becomes leader. `broker.rack` (Strimzi `rack.topologyKey`) makes replica
 * assignment put a partition's replicas in different racks. KRaft needs a majority of controllers.
 * MirrorMaker 2 copies asynchronously and syncs consumer offsets every `sync.group.offsets.interval.seconds`.
 */
import { placement, Placement } from "./placement";
import { Domain, DomainScore, Res, RuleContext, ScoreRow, lostIn, objectsOf, ref, score } from "./model";

function pools(resources: Res[], cluster: string, role: string): Record<string, any>[] {
    return objectsOf(resources, "KafkaNodePool", "kafka.strimzi.io/").filter(
        (p) => p.metadata?.labels?.["strimzi.io/cluster"] === cluster && (p.spec?.roles ?? []).includes(role),
    );
}

/** One placement over every pool with the role (worst case: their shares add up). */
function rolePlacement(list: Record<string, any>[], zones: number): Placement {
    const parts = list.map((p) => placement(Number(p.spec?.replicas ?? 0), p.spec?.template?.pod ?? {}, zones));
    return {
        pods: parts.reduce((a, x) => a + x.pods, 0),
        perZone: parts.reduce((a, x) => a + x.perZone, 0),
        perNode: parts.reduce((a, x) => a + x.perNode, 0),
        unschedulable: parts.reduce((a, x) => a + x.unschedulable, 0),
        because: parts.map((x) => x.because).join("; "),
    };
}

function mirrors(resources: Res[]): Record<string, any>[] {
    return objectsOf(resources, "KafkaMirrorMaker2", "kafka.strimzi.io/");
}

function kafkaRow(ctx: RuleContext, k: Record<string, any>): ScoreRow {
    const name = k.metadata?.name;
    const config = k.spec?.kafka?.config ?? {};
    const rackZone = k.spec?.kafka?.rack?.topologyKey === "topology.kubernetes.io/zone";
    const unclean = String(config["unclean.leader.election.enable"] ?? false) === "true";
    const brokers = rolePlacement(pools(ctx.resources, name, "broker"), ctx.zones);
    const controllers = rolePlacement(pools(ctx.resources, name, "controller"), ctx.zones);
    const topics = objectsOf(ctx.resources, "KafkaTopic", "kafka.strimzi.io/")
        .filter((t) => t.metadata?.labels?.["strimzi.io/cluster"] === name)
        .map((t) => ({
            name: t.spec?.topicName ?? t.metadata?.name,
            rf: Number(t.spec?.replicas ?? config["default.replication.factor"] ?? 1),
            minIsr: Number(t.spec?.config?.["min.insync.replicas"] ?? config["min.insync.replicas"] ?? 1),
        }));
    if (!topics.length)
        topics.push({
            name: "(broker defaults)",
            rf: Number(config["default.replication.factor"] ?? 1),
            minIsr: Number(config["min.insync.replicas"] ?? 1),
        });
    const domains = {} as Record<Domain, DomainScore>;
    const rto = "leader election: seconds (producers retry)";
    for (const d of ["pod", "node", "zone"] as const) {
        const kb = lostIn(d, brokers);
        const kc = d === "pod" ? (kb ? 0 : 1) : lostIn(d, controllers);
        const quorum = Math.floor(controllers.pods / 2) + 1;
        const ctl = `${kc} of ${controllers.pods} controller(s) lost (majority ${quorum})`;
        if (controllers.pods - kc < quorum) {
            domains[d] = score(
                "no",
                "0 for acks=all",
                "until the controllers return",
                `${ctl} [${controllers.because}]`,
            );
            continue;
        }
        let worst: DomainScore | undefined;
        for (const t of topics) {
            // Replicas of one partition in the lost domain: rack awareness keeps them in different zones.
            const x = Math.min(t.rf, kb, rackZone ? Math.ceil(t.rf / ctx.zones) : Infinity);
            const left = t.rf - x;
            const lost = `${kb} of ${brokers.pods} broker(s) lost: topic ${t.name} (RF ${t.rf}, min.insync.replicas ${t.minIsr}) keeps ${left} replica(s)${rackZone ? " (rack-aware)" : ""}`;
            const rpo =
                t.minIsr > x && !unclean
                    ? "0 for acks=all"
                    : `acks=all records held only by the lost replica(s) (min.insync.replicas ${t.minIsr}${unclean ? ", unclean election" : ""})`;
            const s =
                left < 1
                    ? score("no", rpo, "until the brokers return", `${lost}: partitions offline`)
                    : left < t.minIsr
                      ? score(
                            "partial",
                            rpo,
                            "acks=all writes: until a broker returns",
                            `${lost}: reads only, acks=all writes refused`,
                        )
                      : score("yes", rpo, rto, lost);
            const rank = (v: DomainScore) =>
                ["yes", "partial", "no"].indexOf(v.verdict) * 2 + (v.rpo === "0 for acks=all" ? 0 : 1);
            if (!worst || rank(s) > rank(worst)) worst = s;
        }
        domains[d] = { ...worst!, why: `${worst!.why}; ${ctl} [${brokers.because}]` };
    }
    const ours = mirrors(ctx.resources);
    const follower = ctx.peer ? mirrors(ctx.peer).length > 0 : undefined;
    if (ours.length)
        domains.region = score(
            "yes",
            "0 (mirror only)",
            "— (the primary region keeps serving)",
            "this region mirrors the primary with MirrorMaker 2",
        );
    else if (follower === undefined) domains.region = score("unknown", "—", "—", "the other stack was not rendered");
    else if (follower) {
        const cp = mirrors(ctx.peer!)[0]?.spec?.mirrors?.[0]?.checkpointConnector?.config ?? {};
        const sync = cp["sync.group.offsets.enabled"] === "true";
        domains.region = score(
            "manual",
            `records MirrorMaker 2 had not copied (asynchronous)${sync ? `; consumer offsets synced every ${cp["sync.group.offsets.interval.seconds"] ?? 60} s` : "; consumer offsets not synced"}`,
            "producers and consumers move to the survivor",
            "the other region runs MirrorMaker 2 from this cluster",
        );
    } else domains.region = score("no", "every record", "—", "no MirrorMaker 2 in either region");
    const minIsr = Math.min(...topics.map((t) => t.minIsr));
    return {
        key: "kafka",
        service: "Kafka",
        resource: ref(k),
        domains,
        facts: {
            brokers: brokers.pods,
            controllers: controllers.pods,
            minReplicationFactor: Math.min(...topics.map((t) => t.rf)),
            "min.insync.replicas": minIsr,
            rack: rackZone ? "zone" : "none",
            "unclean.leader.election.enable": unclean,
        },
    };
}

/** Rows for the Strimzi Kafka clusters of the stack. */
export function kafkaRows(ctx: RuleContext): ScoreRow[] {
    return objectsOf(ctx.resources, "Kafka", "kafka.strimzi.io/").map((k) => kafkaRow(ctx, k));
}
