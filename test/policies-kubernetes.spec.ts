import { strict as assert } from "assert";
import { unpinnedReason } from "../policies/lib";
import { workloadDisallowUnpinnedImages } from "../policies/kubernetes/workload-disallow-unpinned-images";
import { RecordedResource } from "../tools/harness";
import { runPolicies } from "../tools/policy-runner";
import { render } from "./support";

function statefulSet(image: string): RecordedResource {
    return {
        type: "kubernetes:apps/v1:StatefulSet",
        name: "redis",
        custom: true,
        inputs: {
            apiVersion: "apps/v1",
            kind: "StatefulSet",
            metadata: { name: "redis", namespace: "geo-redis" },
            spec: { template: { spec: { containers: [{ name: "redis", image }] } } },
        },
        options: {},
    };
}

describe("policy workload-disallow-unpinned-images", () => {
    it("passes the program's own output for both stacks", async () => {
        for (const stack of ["us-east", "us-west"]) {
            const r = await render(stack);
            assert.deepEqual(await runPolicies([workloadDisallowUnpinnedImages], r.resources, { stack }), []);
        }
    });

    it("passes an image pinned to an exact tag or a digest", async () => {
        for (const image of [
            "docker.io/library/redis:7.4.6-alpine",
            `redis@sha256:${"a".repeat(64)}`,
            "localhost:5000/redis:7.4.6",
        ]) {
            assert.deepEqual(
                await runPolicies([workloadDisallowUnpinnedImages], [statefulSet(image)], { stack: "t" }),
                [],
                image,
            );
        }
    });

    const bad: [string, string][] = [
        ["redis:latest", "uses the floating tag :latest"],
        ["redis", "has no tag (it means :latest)"],
        ["localhost:5000/redis", "has no tag (it means :latest)"],
        ["redis:7", "uses the floating major-version tag :7"],
        ["redis:7-alpine", "uses the floating major-version tag :7-alpine"],
    ];
    for (const [image, reason] of bad) {
        it(`fails ${image}: ${reason}`, async () => {
            assert.equal(unpinnedReason(image), reason);
            const v = await runPolicies([workloadDisallowUnpinnedImages], [statefulSet(image)], { stack: "t" });
            assert.deepEqual(
                v.map((x) => [x.enforcementLevel, x.name, x.message]),
                [
                    [
                        "mandatory",
                        "redis",
                        `pod[0].containers[redis].image "${image}" ${reason}; pin it to an exact version or digest in components/shared/versions.ts.`,
                    ],
                ],
            );
            assert.equal(v[0].urn, "urn:pulumi:t::geo-data::kubernetes:apps/v1:StatefulSet::redis");
        });
    }

    it("checks operator CR images too (CloudNativePG imageName)", async () => {
        const cluster: RecordedResource = {
            type: "kubernetes:postgresql.cnpg.io/v1:Cluster",
            name: "pg",
            custom: true,
            inputs: {
                apiVersion: "postgresql.cnpg.io/v1",
                kind: "Cluster",
                metadata: { name: "pg" },
                spec: { imageName: "ghcr.io/cloudnative-pg/postgresql:latest" },
            },
            options: {},
        };
        const v = await runPolicies([workloadDisallowUnpinnedImages], [cluster], { stack: "t" });
        assert.equal(
            v[0].message,
            'spec.imageName "ghcr.io/cloudnative-pg/postgresql:latest" uses the floating tag :latest; pin it to an exact version or digest in components/shared/versions.ts.',
        );
    });
});
