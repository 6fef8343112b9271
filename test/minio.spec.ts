/**
 * MinIO tenant: erasure geometry and parity, config keys and their errors, documented defaults, the seed's
 * fields against the pinned Tenant schema, and the rendered Tenant, Services and PDB.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import { parseRegionConfig } from "../config";
import { capacity, erasureGeometry, minParityForServerLoss, parityProblem } from "../components/minio/geometry";
import { validateMinioCertificatesArgs } from "../components/minio/minio-certificates";
import { validateMinioTierBucketArgs } from "../components/minio/minio-tier-bucket";
import { minioNetwork } from "../components/minio/naming";
import { images } from "../components/shared/versions";
import { manifestObjects } from "../tools/manifests";
import { defaultCrdDir, validateManifests } from "../tools/schema";
import { EAST_RAW, TEST_OIDC, configError, documentedDefaults, find, inputs, render } from "./support";

const TENANT = "kubernetes:minio.min.io/v2:Tenant";
const SERVICE = "kubernetes:core/v1:Service";

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
            assert.deepEqual(documentedDefaults("components/shared/certificates.ts", "CertificateValidityArgs"), {
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

    it("the seed's console, consoleSecret and creationDate are not in the pinned Tenant schema; the rendered Tenants are", async function () {
        if (!fs.existsSync(defaultCrdDir())) this.skip();
        const seed = {
            apiVersion: "minio.min.io/v2",
            kind: "Tenant",
            metadata: { name: "files", namespace: "geo-minio" },
            spec: {
                ...inputs(find(await render("us-east"), TENANT, "geo-minio-tenant")).spec,
                console: { image: "minio/console:v0.22.5", replicas: 2 },
                consoleSecret: { name: "console-secret" },
                creationDate: "2024-01-20T10:00:00Z",
            },
        };
        assert.deepEqual(
            validateManifests([seed]).map((i) => i.message),
            ["console", "consoleSecret", "creationDate"].map(
                (f) => `/spec/${f} is an unknown field (not in the schema)`,
            ),
        );
        for (const stack of ["us-east", "us-west"]) {
            const t = manifestObjects((await render(stack)).resources).filter((o) => o.kind === "Tenant");
            assert.equal(t.length, 1);
            assert.deepEqual(validateManifests(t), [], stack);
        }
    });

    describe("MinioTenantArgs defaults", () => {
        it("documents what the component applies: pinned images, no replication, protected", async () => {
            assert.deepEqual(documentedDefaults("components/minio/minio-tenant.ts", "MinioTenantArgs"), {
                image: "images.minio (components/shared/versions.ts)",
                clientImage: "images.minioClient",
                configureReplication: "false",
                loadBalancerSourceRanges: "none (any)",
                protect: "true",
                dependsOn: "none",
            });
            const r = await render("us-east");
            const tenant = find(r, TENANT, "geo-minio-tenant");
            assert.equal(inputs(tenant).spec.image, images.minio);
            assert.equal(tenant.options.protect, true);
            const job = inputs(find(r, "kubernetes:batch/v1:Job", "geo-minio-setup-job"));
            assert.equal(job.spec.template.spec.containers[0].image, images.minioClient);
            assert.ok(!job.spec.template.spec.containers[0].command[2].includes("mc replicate"));
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
});
