/**
 * The Kafka steps of `npm run switchover`: the planned switchover drains the mirror and the consumer offsets
 * before the demotion and verifies the reversed mirror after the promotion; the disaster failover states what
 * Kafka loses and shows the returning region mirroring again.
 */
import { strict as assert } from "assert";
import { loadPairConfigs } from "../tools/runbook/config";
import { Procedure } from "../tools/runbook/procedure";
import { switchoverSteps } from "../tools/runbook/steps";

const CONTEXTS = { "us-east/kubeContext": "east-admin", "us-west/kubeContext": "west-admin" };

function step(p: Procedure, titleStart: string) {
    const index = p.steps.findIndex((s) => s.title.startsWith(titleStart));
    assert.ok(index >= 0, `no step "${titleStart}…" in: ${p.steps.map((s) => s.title).join(" | ")}`);
    return { index, commands: p.steps[index].commands, notes: (p.steps[index].notes ?? []).join("\n") };
}

describe("switchover: Kafka steps", () => {
    const planned = switchoverSteps("us-east", "us-west", loadPairConfigs(CONTEXTS));

    it("checks the target's mirror in the lag preflight", () => {
        const pre = step(planned, "Preflight: cross-region lag");
        assert.ok(
            pre.commands.includes(
                "kubectl --context west-admin -n geo-kafka wait kafkamirrormaker2/events-mirror --for=condition=Ready --timeout=600s",
            ),
        );
        assert.match(pre.notes, /Kafka: us-west's MirrorMaker 2 Ready/);
    });

    it("drains the mirror and syncs consumer offsets after the Redis fence and before the demotion", () => {
        const drain = step(planned, "Kafka: stop producers and consumers in us-east-1");
        assert.equal(drain.index, step(planned, "Redis sessions: stop").index + 1);
        assert.equal(step(planned, "Demote us-east").index, drain.index + 1);
        assert.match(
            drain.commands[0],
            /^for i in \$\(seq 1 30\); do LAG=\$\(kubectl --context west-admin -n geo-monitoring get --raw '\/api\/v1\/namespaces\/geo-monitoring\/services\/prometheus-operated:web\/proxy\/api\/v1\/query\?query=max\(sum\(kafka_consumer_fetch_manager_records_lag%7Bnamespace%3D%22geo-kafka%22%2C%20strimzi_io_cluster%3D%22events-mirror%22%7D\)/,
        );
        assert.equal(drain.commands[1], "sleep 60");
        assert.match(drain.notes, /only while the group has no member there/);
        assert.match(drain.notes, /use1\.orders, use1\.orders-dlq, use1\.notifications in us-west-2/);
    });

    it("after the promotion, the demoted region mirrors the new primary and the new primary runs none", () => {
        const verify = step(planned, "Verify Kafka: us-east mirrors us-west-2, us-west runs no mirror");
        assert.deepEqual(verify.commands, [
            "kubectl --context east-admin -n geo-kafka wait kafkamirrormaker2/events-mirror --for=condition=Ready --timeout=600s",
            "kubectl --context west-admin -n geo-kafka get kafkamirrormaker2 -o name",
        ]);
        assert.ok(verify.index > step(planned, "Promote us-west").index);
        assert.match(verify.notes, /\^\(use1\\\.\)\?\(orders\|orders-dlq\|notifications\)\$/);
    });

    it("disaster failover: states Kafka's loss, and the rebuilt region mirrors again", () => {
        const p = switchoverSteps("us-east", "us-west", loadPairConfigs(CONTEXTS), { disaster: true });
        assert.ok(
            p.preamble.includes(
                "Kafka: records us-east-1 accepted that MirrorMaker 2 had not yet copied (its replication latency, alerted above 30 s by KafkaMirrorReplicationLatencyHigh); consumer progress since the last offset sync (30 s) is read again, not lost.",
            ),
        );
        assert.deepEqual(step(p, "Verify Kafka: us-west runs no mirror").commands, [
            "kubectl --context west-admin -n geo-kafka get kafkamirrormaker2 -o name",
        ]);
        assert.match(
            step(p, "Rebuild us-east's PostgreSQL").notes,
            /creates us-east's MirrorMaker 2, which copies us-west-2's topics from bootstrap\.kafka\.us-west-2\.data\.internal into usw2\.<topic>/,
        );
        assert.ok(
            step(p, "Verify us-east replicates from us-west").commands.includes(
                "kubectl --context east-admin -n geo-kafka wait kafkamirrormaker2/events-mirror --for=condition=Ready --timeout=600s",
            ),
        );
    });
});
