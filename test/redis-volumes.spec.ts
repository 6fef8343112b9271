/**
 * Redis volume settings after creation: the claim-backed StatefulSets ignore changes to their (immutable)
 * volume claim templates, and the update that changes redisStorageSize or storageClass warns, comparing with
 * the stack's last deployment (its `redisVolumes` output, read through the stack's reference to itself).
 */
import * as assert from "assert";
import { VOLUME_CLAIM_TEMPLATES_IGNORED } from "../components/redis/server-set";
import { redisVolumeChangeWarning } from "../components/redis/volumes";
import { find, render } from "./support";

const DEPLOYED = { storageSize: "10Gi", storageClass: "fast-ssd" };

describe("Redis volumes after creation", () => {
    it("warns only when the size or class differs from the last deployment", () => {
        assert.equal(redisVolumeChangeWarning(DEPLOYED, undefined), undefined);
        assert.equal(redisVolumeChangeWarning(DEPLOYED, DEPLOYED), undefined);
        const grown = redisVolumeChangeWarning({ ...DEPLOYED, storageSize: "20Gi" }, DEPLOYED)!;
        assert.match(
            grown,
            /^geo-data:redisStorageSize 10Gi -> 20Gi: the running Redis StatefulSets keep their volume claim templates/,
        );
        assert.match(grown, /docs\/redis\.md "Growing the data volumes"/);
        assert.match(
            redisVolumeChangeWarning({ storageSize: "20Gi", storageClass: "gp3" }, DEPLOYED)!,
            /^geo-data:redisStorageSize 10Gi -> 20Gi, geo-data:storageClass fast-ssd -> gp3: /,
        );
    });

    it("the claim-backed sets ignore spec.volumeClaimTemplates; the Sentinels (no claim) ignore nothing", async () => {
        const east = await render("us-east");
        const sts = (name: string) => find(east, "kubernetes:apps/v1:StatefulSet", name).options.ignoreChanges;
        assert.deepEqual(sts("geo-redis-cache-statefulset"), [...VOLUME_CLAIM_TEMPLATES_IGNORED]);
        assert.deepEqual(sts("geo-redis-sessions-statefulset"), [...VOLUME_CLAIM_TEMPLATES_IGNORED]);
        assert.equal(sts("geo-redis-sessions-sentinel"), undefined);
        assert.deepEqual(east.outputs.redisVolumes, DEPLOYED);
    });

    it("an update that grows redisStorageSize renders with the warning; the first deployment has none", async () => {
        const update = await render("us-east", { redisStorageSize: "20Gi" }, { redisStorageSize: "20Gi" }, {});
        assert.ok(
            update.warnings.some((w) => w.startsWith("geo-data:redisStorageSize 10Gi -> 20Gi: ")),
            update.warnings.join("\n"),
        );
        const first = await render("us-east", { redisStorageSize: "20Gi" });
        assert.ok(!first.warnings.some((w) => w.includes("redisStorageSize")));
    });
});
