/**
 * npm run apply-check has teeth: against the real kube-apiserver (scripts/kube, one control plane shared by
 * the cases) a pod template that breaks its namespace's Pod Security enforce level, and an update of an
 * immutable StatefulSet field, each fail the check naming the object; the program's own redisStorageSize
 * growth passes because the claim templates are kept. Needs the built binaries (scripts/kube/build.sh):
 * skipped without them, a failure with GEO_REQUIRE_SERVERS set. The pure pieces are tested without a server.
 */
import * as assert from "assert";
import { RecordedResource } from "../tools/harness";
import { classify, inApplyOrder, podFromTemplate, podSecurityLevel } from "../tools/apply-check/apply";
import { ControlPlane, cachedBinDir, startControlPlane } from "../tools/apply-check/control-plane";
import { StackReport, checkStack } from "../tools/apply-check/index";
import { KubeClient, loadKubeconfig, parseWarnings } from "../tools/apply-check/kube";
import { isImmutableRefusal, withIgnoredChanges } from "../tools/apply-check/updates";
import { render } from "./support";

const STS = "kubernetes:apps/v1:StatefulSet";
const CACHE = "geo-redis-cache-statefulset";

/** The render's core objects (no custom resources: this spec installs no CRDs), `edit` applied to one. */
function coreResources(resources: RecordedResource[], edit?: { name: string; change: (inputs: any) => void }) {
    return resources
        .filter((r) => !/^kubernetes:[a-z-]+\.[a-z.-]+\//.test(r.type) || /\.k8s\.io\//.test(r.type))
        .map((r) => {
            if (r.name !== edit?.name) return r;
            const copy = structuredClone(r);
            edit.change(copy.inputs);
            return copy;
        });
}

/**
 * The Namespaces and the objects of geo-redis: enough for the cases about the Redis StatefulSets (their
 * Pods' ServiceAccounts, Secrets and ConfigMaps included), a fifth of the stack to apply and remove.
 */
function redisNamespace(resources: RecordedResource[]): RecordedResource[] {
    return resources.filter(
        (r) => r.type === "kubernetes:core/v1:Namespace" || r.inputs?.metadata?.namespace === "geo-redis",
    );
}

describe("apply-check: the pure pieces", () => {
    it("reads the Pod Security level of a warning and classifies it against the namespace's enforce level", () => {
        const levels = new Map([["geo-redis", "baseline"]]);
        const ref = { kind: "StatefulSet", name: "redis-cache", namespace: "geo-redis" };
        const restricted = 'would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false';
        assert.equal(podSecurityLevel(restricted), "restricted");
        assert.equal(classify(ref, restricted, levels).level, "warn");
        assert.equal(classify(ref, restricted.replace("restricted:", "baseline:"), levels).level, "enforce");
        assert.equal(classify(ref, 'unknown field "spec.foo"', levels).level, "other");
    });

    it("parses Warning headers as the API server sends them", () => {
        assert.deepEqual(
            parseWarnings(["Warning", '299 - "would violate \\"x\\""', "Content-Type", "application/json"]),
            ['would violate "x"'],
        );
    });

    it("keeps ignoreChanges paths at their first-apply values, as Pulumi does", () => {
        const prev = { spec: { replicas: 6, volumeClaimTemplates: [{ size: "10Gi" }] } };
        const next = { spec: { replicas: 8, volumeClaimTemplates: [{ size: "20Gi" }] } };
        assert.deepEqual(withIgnoredChanges(next, prev, ["spec.volumeClaimTemplates"]), {
            spec: { replicas: 8, volumeClaimTemplates: [{ size: "10Gi" }] },
        });
    });

    it("recognises the server's immutable-field refusals", () => {
        assert.ok(
            isImmutableRefusal(422, "spec: Forbidden: updates to statefulset spec for fields other than 'replicas'"),
        );
        assert.ok(isImmutableRefusal(422, "spec.template: Invalid value: ...: field is immutable"));
        assert.ok(!isImmutableRefusal(422, "spec.replicas: Invalid value: -1"));
    });

    it("orders namespaces first and custom resources last; a StatefulSet's Pod gets its claims as volumes", () => {
        const objs = [
            { apiVersion: "postgresql.cnpg.io/v1", kind: "Cluster", metadata: { name: "pg" } },
            { apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "s" } },
            { apiVersion: "v1", kind: "Namespace", metadata: { name: "n" } },
        ];
        assert.deepEqual(
            inApplyOrder(objs.map((obj) => ({ obj }))).map((e) => e.obj.kind),
            ["Namespace", "StatefulSet", "Cluster"],
        );
        const pod = podFromTemplate({
            apiVersion: "apps/v1",
            kind: "StatefulSet",
            metadata: { name: "redis-cache", namespace: "geo-redis" },
            spec: { template: { spec: { containers: [] } }, volumeClaimTemplates: [{ metadata: { name: "data" } }] },
        });
        assert.deepEqual(pod?.spec.volumes, [
            { name: "data", persistentVolumeClaim: { claimName: "data-redis-cache-0" } },
        ]);
    });
});

describe("apply-check against kube-apiserver", function () {
    this.timeout(120_000);
    let cp: ControlPlane | undefined;
    let client: KubeClient;
    let base: RecordedResource[];
    /** `base` cut to the Redis namespace: what the Redis StatefulSet cases apply. */
    let redis: RecordedResource[];

    before(async function () {
        if (!cachedBinDir()) {
            if (process.env.GEO_REQUIRE_SERVERS)
                throw new Error(
                    "GEO_REQUIRE_SERVERS is set but kube-apiserver is not built: run scripts/kube/build.sh",
                );
            this.skip();
        }
        const [started, east] = await Promise.all([startControlPlane(60_000), render("us-east")]);
        cp = started;
        client = new KubeClient(loadKubeconfig(cp.kubeconfig));
        base = coreResources(east.resources);
        redis = redisNamespace(base);
    });
    after(async () => {
        client?.close();
        await cp?.stop();
    });

    const check = (resources: RecordedResource[], variants: { name: string; resources: RecordedResource[] }[] = []) =>
        checkStack(
            client,
            {
                stack: "us-east",
                resources,
                variants: variants.map((v) => ({
                    variant: { name: v.name, description: v.name, overrides: {} },
                    resources: v.resources,
                })),
            },
            "test",
        );

    it("accepts the program's own core objects: no rejection, no Pod Security warning", async () => {
        const r = await check(base);
        assert.deepEqual(r.failures, []);
        assert.deepEqual(r.warnings, []);
        assert.ok(r.applied.some((a) => a.kind === "StatefulSet" && a.name === "redis-cache"));
    });

    it("fails on a pod template that breaks the namespace's enforce level, naming the StatefulSet", async () => {
        const hostNetwork = coreResources(redis, {
            name: CACHE,
            change: (i) => (i.spec.template.spec.hostNetwork = true),
        });
        const r: StackReport = await check(hostNetwork);
        assert.equal(r.failures.length, 1, r.failures.join("\n"));
        assert.match(r.failures[0], /^rejected: StatefulSet geo-redis\/redis-cache: its Pods would be rejected/);
        assert.match(r.failures[0], /violates PodSecurity "baseline:latest": host namespaces \(hostNetwork=true\)/);
    });

    it("reports a restricted-only breach as a warning at the warn level without failing", async () => {
        const escalating = coreResources(redis, {
            name: CACHE,
            change: (i) => (i.spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation = true),
        });
        const r = await check(escalating);
        assert.deepEqual(r.failures, []);
        assert.deepEqual(
            r.warnings.map((w) => [w.kind, w.name, w.level]),
            [["StatefulSet", "redis-cache", "warn"]],
        );
    });

    it("fails on an update of an immutable StatefulSet field, naming the StatefulSet", async () => {
        const parallel = coreResources(redis, {
            name: CACHE,
            change: (i) =>
                (i.spec.podManagementPolicy = i.spec.podManagementPolicy === "Parallel" ? "OrderedReady" : "Parallel"),
        });
        const r = await check(redis, [{ name: "podManagementPolicy", resources: parallel }]);
        assert.equal(r.failures.length, 1, r.failures.join("\n"));
        assert.match(
            r.failures[0],
            /^update podManagementPolicy: refused in place: StatefulSet geo-redis\/redis-cache: .*Forbidden: updates to statefulset spec/,
        );
    });

    it("accepts the program's redisStorageSize growth: the claim templates keep their size (ignoreChanges)", async () => {
        const grown = redisNamespace(coreResources((await render("us-east", { redisStorageSize: "20Gi" })).resources));
        const r = await check(redis, [{ name: "redisStorageSize", resources: grown }]);
        assert.deepEqual(r.failures, []);
        assert.deepEqual(
            r.updates[0].ignored.map((i) => [i.name, i.paths]),
            [
                ["redis-cache", ["spec.volumeClaimTemplates"]],
                ["redis-sessions", ["spec.volumeClaimTemplates"]],
            ],
        );
        // Without the program's ignoreChanges the same change is refused.
        const bare = grown.map((x) =>
            x.type === STS ? { ...x, options: { ...x.options, ignoreChanges: undefined } } : x,
        );
        const refused = await check(redis, [{ name: "redisStorageSize", resources: bare }]);
        assert.deepEqual(
            refused.updates[0].refused.map((f) => f.name),
            ["redis-cache", "redis-sessions"],
        );
    });
});
