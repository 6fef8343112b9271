/**
 * MinIO credentials (root only in config.env and a basic-auth Secret, shared users from the primary-role
 * stack, no secret value in anything `npm run plan` writes), the metrics ServiceMonitor and token, and the
 * AWS tier bucket.
 */
import { strict as assert } from "assert";
import * as crypto from "crypto";
import { METRICS_TOKEN_EXPIRY, prometheusToken } from "../components/minio/minio-monitoring";
import { APP_USER, REPLICATION_USER, ROOT_USER } from "../components/minio/minio-tenant";
import { tierLifecycleRules } from "../components/minio/minio-tier-bucket";
import { selects } from "../components/monitoring/monitors";
import { RecordedResource, redact } from "../tools/harness";
import { manifestObjects, toYaml } from "../tools/manifests";
import { find, inputs, ofType, render } from "./support";

const TENANT = "kubernetes:minio.min.io/v2:Tenant";
const SECRET = "kubernetes:core/v1:Secret";

/** A Secret's stringData, unwrapped. */
function secretData(r: RecordedResource): Record<string, string> {
    return inputs(r).stringData;
}

describe("MinIO tenant: credentials, metrics, tier bucket", () => {
    describe("credentials", () => {
        it("writes root credentials only as config.env export lines and a basic-auth Secret with the same password", async () => {
            const r = await render("us-east");
            const root = secretData(find(r, SECRET, "geo-minio-root-secret"));
            assert.equal(root.username, ROOT_USER);
            assert.equal(
                secretData(find(r, SECRET, "geo-minio-env"))["config.env"],
                `export MINIO_ROOT_USER="${ROOT_USER}"\nexport MINIO_ROOT_PASSWORD="${root.password}"\n`,
            );
            assert.match(root.password, /^[A-Za-z0-9]{40}$/);
        });

        it("shares the application and replication passwords with us-west, not the root password", async () => {
            const [east, west] = [await render("us-east"), await render("us-west")];
            for (const [name, user] of [
                ["geo-minio-app-secret", APP_USER],
                ["geo-minio-replication-secret", REPLICATION_USER],
            ]) {
                const [e, w] = [secretData(find(east, SECRET, name)), secretData(find(west, SECRET, name))];
                assert.deepEqual([e.username, w.username], [user, user]);
                assert.equal(w.password, e.password, name);
            }
            // The root password is each region's own (the mocks' fake values repeat across stacks, so count them).
            assert.deepEqual(
                ofType(west, "random:index/randomPassword:RandomPassword")
                    .map((p) => p.name)
                    .filter((n) => n.includes("minio")),
                ["geo-minio-root-password"],
            );
        });

        it("leaves no MinIO secret in plain text in manifests.yaml, resources.json or outputs.json", async () => {
            for (const stack of ["us-east", "us-west"]) {
                const r = await render(stack);
                const values = ofType(r, SECRET)
                    .filter((s) => s.name.startsWith("geo-minio"))
                    .flatMap((s) =>
                        Object.entries(secretData(s))
                            .filter(([k]) => !["tls.crt", "public.crt", "username"].includes(k))
                            .map(([, v]) => v),
                    )
                    .flatMap((v) => v.split("\n").filter((l) => l.length > 20 && !l.startsWith("-----")));
                assert.ok(values.length >= 6, `${stack}: ${values.length} secret values found`);
                const outputs = Object.fromEntries(
                    Object.entries(r.outputs).map(([k, v]) => [
                        k,
                        r.secretOutputNames.includes(k) ? "[secret]" : redact(v),
                    ]),
                );
                const texts = {
                    "manifests.yaml": toYaml(manifestObjects(r.resources)),
                    "resources.json": JSON.stringify(redact(r.resources)),
                    "outputs.json": JSON.stringify(outputs),
                };
                for (const [file, text] of Object.entries(texts)) {
                    for (const v of values) assert.ok(!text.includes(v), `${stack} ${file} contains a secret value`);
                }
            }
            assert.ok((await render("us-east")).secretOutputNames.includes("minioCredentials"));
            assert.ok((await render("us-east")).secretOutputNames.includes("minioPeerTls"));
        });
    });

    describe("metrics", () => {
        it("selects the labels the Tenant puts on the operator's minio Service, with the bearer JWT and the pair's CA", async () => {
            const r = await render("us-east");
            const t = inputs(find(r, TENANT, "geo-minio-tenant"));
            const sm = inputs(
                find(r, "kubernetes:monitoring.coreos.com/v1:ServiceMonitor", "geo-minio-monitoring-service-monitor"),
            );
            // The operator copies serviceMetadata.minioServiceLabels onto Service `minio` (service.go NewClusterIPForMinIO).
            assert.ok(selects(sm.spec.selector.matchLabels, t.spec.serviceMetadata.minioServiceLabels));
            assert.deepEqual(sm.spec.selector.matchLabels, {
                "app.kubernetes.io/name": "minio",
                "app.kubernetes.io/instance": "files",
                "app.kubernetes.io/component": "server",
            });
            assert.deepEqual(
                sm.spec.endpoints.map((e: any) => [e.port, e.scheme, e.path]),
                [
                    ["https-minio", "https", "/minio/v2/metrics/cluster"],
                    ["https-minio", "https", "/minio/v2/metrics/bucket"],
                ],
            );
            assert.deepEqual(sm.spec.endpoints[0].authorization, {
                type: "Bearer",
                credentials: { name: "files-metrics-token", key: "token" },
            });
            assert.equal(sm.spec.endpoints[0].tlsConfig.serverName, "minio.geo-minio.svc.cluster.local");
        });

        it("signs the token like mc admin prometheus generate (HS512, sub = root user, iss prometheus)", async () => {
            const r = await render("us-east");
            const password = secretData(find(r, SECRET, "geo-minio-root-secret")).password;
            const token = secretData(find(r, SECRET, "geo-minio-monitoring-token")).token;
            assert.equal(token, prometheusToken(ROOT_USER, password));
            const [h, p, sig] = token.split(".");
            assert.deepEqual(JSON.parse(Buffer.from(h, "base64url").toString()), { alg: "HS512", typ: "JWT" });
            assert.deepEqual(JSON.parse(Buffer.from(p, "base64url").toString()), {
                iss: "prometheus",
                sub: ROOT_USER,
                exp: METRICS_TOKEN_EXPIRY,
            });
            assert.equal(sig, crypto.createHmac("sha512", password).update(`${h}.${p}`).digest("base64url"));
        });

        it("alerts on drives, nodes, capacity over 80 %, healing, replication and the setup Job", async () => {
            const rules = inputs(
                find(
                    await render("us-west"),
                    "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
                    "geo-minio-monitoring-rules",
                ),
            ).spec.groups[0].rules;
            assert.deepEqual(
                rules.map((x: any) => x.alert),
                [
                    "MinioDrivesOffline",
                    "MinioNodesOffline",
                    "MinioErasureSetUnhealthy",
                    "MinioCapacityHigh",
                    "MinioHealingBacklog",
                    "MinioHealErrors",
                    "MinioSetupJobFailed",
                    "MinioReplicationFailures",
                    "MinioReplicationLag",
                ],
            );
            assert.equal(
                rules.find((x: any) => x.alert === "MinioCapacityHigh").expr,
                'max by (namespace) (1 - minio_cluster_capacity_usable_free_bytes{namespace="geo-minio", service="minio"} / minio_cluster_capacity_usable_total_bytes{namespace="geo-minio", service="minio"}) > 0.8',
            );
        });
    });

    describe("AWS tier bucket", () => {
        it("moves tiered objects to GLACIER_IR on arrival and lets only the MinIO pods' service account assume its role", async () => {
            const r = await render("us-east");
            const lc = inputs(
                find(r, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "geo-minio-tier-lifecycle"),
            );
            assert.deepEqual(
                lc.rules,
                tierLifecycleRules({ storageClass: "GLACIER_IR", noncurrentExpirationDays: 30 }),
            );
            assert.deepEqual(lc.rules[0].transitions, [{ days: 0, storageClass: "GLACIER_IR" }]);
            assert.equal(
                inputs(find(r, "aws:s3/bucket:Bucket", "geo-minio-tier-bucket")).bucket,
                "geo-minio-tier-123456789012-us-east-1",
            );
            const trust = JSON.parse(inputs(find(r, "aws:iam/role:Role", "geo-minio-tier-role")).assumeRolePolicy);
            assert.deepEqual(Object.values(trust.Statement[0].Condition.StringEquals)[1], [
                "system:serviceaccount:geo-minio:files-minio",
            ]);
            const sa = inputs(find(r, "kubernetes:core/v1:ServiceAccount", "geo-minio-service-account"));
            assert.match(sa.metadata.annotations["eks.amazonaws.com/role-arn"], /geo-minio-tier-use1$/);
        });
    });
});
