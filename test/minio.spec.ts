import { strict as assert } from "assert";
import * as crypto from "crypto";
import { parseRegionConfig } from "../config";
import { capacity, erasureGeometry, minParityForServerLoss, parityProblem } from "../components/minio/geometry";
import { METRICS_TOKEN_EXPIRY, prometheusToken } from "../components/minio/minio-monitoring";
import { APP_USER, REPLICATION_USER, ROOT_USER } from "../components/minio/minio-tenant";
import { validateMinioCertificatesArgs } from "../components/minio/minio-certificates";
import { tierLifecycleRules, validateMinioTierBucketArgs } from "../components/minio/minio-tier-bucket";
import { minioNetwork } from "../components/minio/naming";
import { selects } from "../components/monitoring/monitors";
import { images } from "../components/shared/versions";
import { RecordedResource, redact } from "../tools/harness";
import { manifestObjects, toYaml } from "../tools/manifests";
import { EAST_RAW, TEST_OIDC, configError, documentedDefaults, find, inputs, ofType, render } from "./support";

const TENANT = "kubernetes:minio.min.io/v2:Tenant";
const SECRET = "kubernetes:core/v1:Secret";
const SERVICE = "kubernetes:core/v1:Service";

/** A Secret's stringData, unwrapped. */
function secretData(r: RecordedResource): Record<string, string> {
    return inputs(r).stringData;
}

describe("MinIO tenant", () => {
    describe("erasure geometry (one pool)", () => {
        const cases = [
            { servers: 4, volumes: 4, setSize: 16, minParity: 4, usable: 0.75 },
            { servers: 8, volumes: 4, setSize: 16, minParity: 2, usable: 0.875 },
            { servers: 6, volumes: 4, setSize: 12, minParity: 2, usable: 10 / 12 },
            { servers: 4, volumes: 8, setSize: 16, minParity: 4, usable: 0.75 },
        ];
        for (const c of cases) {
            it(`${c.servers} × ${c.volumes}: sets of ${c.setSize}, at least EC:${c.minParity} to survive a server`, () => {
                assert.equal(minParityForServerLoss(c.servers, c.volumes), c.minParity);
                const g = erasureGeometry(c.servers, c.volumes, c.minParity);
                assert.equal(g.setSize, c.setSize);
                assert.equal(g.usableFraction, c.usable);
                assert.equal(parityProblem(c.servers, c.volumes, c.minParity), undefined);
            });
        }

        it("rejects the operator example's EC:2 for 4 × 4 and says what survives", () => {
            assert.equal(
                parityProblem(4, 4, 2),
                "EC:2 does not survive the loss of one server: each of the 1 erasure set(s) of 16 drives loses 4 drives with a server, so parity must be at least 4 (reads) with 12 drives left for a write quorum of 14; use at least EC:4",
            );
            assert.match(
                parityProblem(4, 4, 9)!,
                /^expected an integer from 1 to 8 \(half of the 16-drive erasure set/,
            );
        });

        it("gives the seed's 4 × 4 × 100Gi at EC:4 1600 GiB raw, 1200 GiB usable", () => {
            const { raw, usable } = capacity(erasureGeometry(4, 4, 4), 100 * 1024 ** 3);
            assert.deepEqual([raw / 1024 ** 3, usable / 1024 ** 3], [1600, 1200]);
        });
    });

    describe("config", () => {
        it("defaults to the seed: 4 servers × 4 volumes of 100Gi on fast-ssd, EC:4, bucket files, 30 days to GLACIER_IR", () => {
            const c = parseRegionConfig(EAST_RAW, "test").minio;
            assert.deepEqual(
                { ...c, resources: undefined },
                {
                    servers: 4,
                    volumesPerServer: 4,
                    volumeSize: "100Gi",
                    storageClass: "fast-ssd",
                    parity: 4,
                    resources: undefined,
                    buckets: ["files"],
                    transitionDays: 30,
                    noncurrentExpireDays: 30,
                    tierStorageClass: "GLACIER_IR",
                    replication: true,
                },
            );
            assert.deepEqual(c.resources, {
                requests: { cpu: "1", memory: "4Gi" },
                limits: { cpu: "4", memory: "4Gi" },
            });
        });

        it("names the key and what is allowed", () => {
            assert.equal(
                configError({ minioParity: "2" }),
                "geo-data:minioParity: 2 is not allowed; EC:2 does not survive the loss of one server: each of the 1 erasure set(s) of 16 drives loses 4 drives with a server, so parity must be at least 4 (reads) with 12 drives left for a write quorum of 14; use at least EC:4",
            );
            assert.equal(
                configError({ minioServers: "3" }),
                "geo-data:minioServers: 3 is not allowed; expected an integer from 4 to 32",
            );
            assert.equal(
                configError({ minioTierStorageClass: "GLACIER" }),
                'geo-data:minioTierStorageClass: "GLACIER" is not allowed; GLACIER objects must be restored before they can be read, and MinIO reads a tiered object straight from the tier bucket; expected one of: GLACIER_IR, STANDARD_IA',
            );
            assert.match(
                configError({ minioBuckets: "files,Bad_Name" }),
                /^geo-data:minioBuckets: .*\(bad: "Bad_Name"\)$/,
            );
            assert.equal(
                configError({ minioCpuLimit: "500m" }),
                'geo-data:minioCpuLimit: "500m" is not allowed; expected at least minioCpuRequest (1)',
            );
            assert.match(
                configError({
                    namespacePrefix: "a-prefix-of-thirty-nine-characters-xyz",
                    backupBucketName: "my-backups",
                }),
                /^geo-data:namespacePrefix: is too long for the MinIO tier bucket a-prefix-of-thirty-nine-characters-xyz-minio-tier-<account>-us-east-1 \(72 characters, S3 allows 63\); use at most 29 characters$/,
            );
        });

        it("documents the defaults MinioCertificates and MinioTierBucket apply", () => {
            const certs = validateMinioCertificatesArgs({
                namespace: "n",
                regions: ["us-east-1", "us-west-2"],
                dnsZone: "z.internal",
            });
            assert.deepEqual(documentedDefaults("components/minio/minio-certificates.ts", "MinioCertificatesArgs"), {
                caValidityHours: `${certs.caValidityHours} (10 years)`,
                validityHours: `${certs.validityHours} (2 years)`,
                earlyRenewalHours: `${certs.earlyRenewalHours} (60 days)`,
            });
            const tier = validateMinioTierBucketArgs({
                bucketName: "b",
                region: "us-east-1",
                oidcProviderArn: TEST_OIDC,
                serviceAccount: "system:serviceaccount:n:s",
                roleName: "r",
            });
            assert.deepEqual(documentedDefaults("components/minio/minio-tier-bucket.ts", "MinioTierBucketArgs"), {
                storageClass: JSON.stringify(tier.storageClass),
                noncurrentExpirationDays: String(tier.noncurrentExpirationDays),
                protect: String(tier.protect),
            });
        });
    });

    describe("rendered (us-east)", () => {
        it("renders the pool geometry, pinned image, EC:4, TLS from the pair's CA, credentials from config.env", async () => {
            const t = inputs(find(await render("us-east"), TENANT, "geo-minio-tenant"));
            assert.deepEqual(t.metadata.name, "files");
            assert.equal(t.metadata.namespace, "geo-minio");
            const [pool] = t.spec.pools;
            assert.deepEqual(
                {
                    name: pool.name,
                    servers: pool.servers,
                    volumesPerServer: pool.volumesPerServer,
                    claim: pool.volumeClaimTemplate,
                },
                {
                    name: "pool-0",
                    servers: 4,
                    volumesPerServer: 4,
                    claim: {
                        metadata: { name: "data" },
                        spec: {
                            accessModes: ["ReadWriteOnce"],
                            storageClassName: "fast-ssd",
                            resources: { requests: { storage: "100Gi" } },
                        },
                    },
                },
            );
            assert.equal(t.spec.image, images.minio);
            assert.deepEqual(t.spec.env, [
                { name: "MINIO_STORAGE_CLASS_STANDARD", value: "EC:4" },
                { name: "MINIO_PROMETHEUS_AUTH_TYPE", value: "jwt" },
            ]);
            assert.deepEqual(t.spec.configuration, { name: "files-env" });
            assert.equal(t.spec.requestAutoCert, false);
            assert.deepEqual(t.spec.externalCertSecret, [{ name: "files-tls", type: "kubernetes.io/tls" }]);
            assert.deepEqual(t.spec.externalCaCertSecret, [{ name: "files-ca", type: "Opaque" }]);
            assert.equal(t.spec.serviceAccountName, "files-minio");
        });

        it("runs non-root with a full security context, spread over zones", async () => {
            const [pool] = inputs(find(await render("us-east"), TENANT, "geo-minio-tenant")).spec.pools;
            assert.deepEqual(pool.securityContext, {
                runAsNonRoot: true,
                runAsUser: 1000,
                runAsGroup: 1000,
                fsGroup: 1000,
                fsGroupChangePolicy: "OnRootMismatch",
                seccompProfile: { type: "RuntimeDefault" },
            });
            assert.deepEqual(pool.containerSecurityContext, {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: false,
                runAsNonRoot: true,
                capabilities: { drop: ["ALL"] },
                seccompProfile: { type: "RuntimeDefault" },
                runAsUser: 1000,
                runAsGroup: 1000,
            });
            assert.deepEqual(pool.topologySpreadConstraints[0], {
                maxSkew: 1,
                topologyKey: "topology.kubernetes.io/zone",
                whenUnsatisfiable: "DoNotSchedule",
                labelSelector: { matchLabels: { "v1.min.io/tenant": "files", "v1.min.io/pool": "pool-0" } },
            });
            assert.deepEqual(pool.resources, {
                requests: { cpu: "1", memory: "4Gi" },
                limits: { cpu: "4", memory: "4Gi" },
            });
        });

        it("renders the seed's ports on the applications' Service and the cross-region NLB, a PDB of 1", async () => {
            const r = await render("us-east");
            const api = inputs(find(r, SERVICE, "geo-minio-api"));
            assert.deepEqual(api.spec, {
                type: "ClusterIP",
                selector: { "v1.min.io/tenant": "files" },
                ports: [
                    { name: "https-s3", port: 9000, targetPort: 9000, protocol: "TCP" },
                    { name: "https-console", port: 9001, targetPort: 9443, protocol: "TCP" },
                ],
            });
            const nlb = inputs(find(r, SERVICE, "geo-minio-replication"));
            assert.equal(nlb.spec.type, "LoadBalancer");
            assert.equal(
                nlb.metadata.annotations["external-dns.alpha.kubernetes.io/hostname"],
                "minio.us-east-1.data.internal",
            );
            assert.equal(nlb.metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-scheme"], "internal");
            const pdb = inputs(find(r, "kubernetes:policy/v1:PodDisruptionBudget", "geo-minio-pdb"));
            assert.deepEqual(pdb.spec, {
                maxUnavailable: 1,
                selector: { matchLabels: { "v1.min.io/tenant": "files" } },
            });
            assert.deepEqual((r.outputs.minio as any).endpoint, "https://files-api.geo-minio.svc.cluster.local:9000");
        });

        it("exports the tenant's network description for NetworkPolicies", () => {
            const n = minioNetwork("geo-minio");
            assert.deepEqual(n.podSelector, { "v1.min.io/tenant": "files" });
            assert.deepEqual(
                Object.values(n.ports).map((p) => [p.port, p.crossRegion]),
                [
                    [9000, true],
                    [9443, false],
                    [9000, false],
                ],
            );
        });
    });

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
