/**
 * The fence's policies (postgres-disallow-non-tls, namespace-require-default-deny,
 * service-require-load-balancer-source-ranges): each passes the program's own output for both stacks and
 * fails a copy of us-east's output in which exactly one field was changed, with the exact message.
 */
import { strict as assert } from "assert";
import { namespaceRequireDefaultDeny } from "../policies/network/namespace-require-default-deny";
import { serviceRequireLoadBalancerSourceRanges } from "../policies/network/service-require-load-balancer-source-ranges";
import { postgresDisallowNonTls, rejectsNonTls } from "../policies/postgres/postgres-disallow-non-tls";
import { RecordedResource } from "../tools/harness";
import { runPolicies } from "../tools/policy-runner";
import { itIsInThePack, render } from "./support";

type Policy = Parameters<typeof runPolicies>[0][number];
const mine = [postgresDisallowNonTls, namespaceRequireDefaultDeny, serviceRequireLoadBalancerSourceRanges];

async function mutated(name: string, edit: (inputs: Record<string, any>) => void): Promise<RecordedResource[]> {
    const copy: RecordedResource[] = JSON.parse(JSON.stringify((await render("us-east")).resources));
    const target = copy.find((x) => x.name === name);
    if (!target) throw new Error(`no resource ${name}`);
    edit(target.inputs);
    return copy;
}

async function messages(policy: Policy, resources: RecordedResource[]): Promise<string[]> {
    return (await runPolicies([policy], resources, { stack: "us-east" })).map((v) => v.message);
}

const CLUSTER = "geo-postgres-main-cluster";
const POOLER = "geo-postgres-pooler-rw-pooler";

describe("fence policies", () => {
    itIsInThePack(() => mine);

    it("pass the program's own output for both stacks", async () => {
        for (const stack of ["us-east", "us-west"]) {
            const r = await render(stack);
            assert.deepEqual(await runPolicies(mine, r.resources, { stack }), [], stack);
        }
    });

    describe("postgres-disallow-non-tls", () => {
        const cases: { what: string; name: string; edit: (i: any) => void; message: string }[] = [
            {
                what: "a Cluster without the hostnossl reject",
                name: CLUSTER,
                edit: (i) => delete i.spec.postgresql.pg_hba,
                message:
                    "Cluster geo-postgres/pg accepts non-TLS connections: CloudNativePG's default rule `host all all all scram-sha-256` admits plaintext unless spec.postgresql.pg_hba rejects them first. Add `hostnossl all all all reject` as the first pg_hba rule.",
            },
            {
                what: "a Cluster whose first rule accepts plaintext",
                name: CLUSTER,
                edit: (i) => i.spec.postgresql.pg_hba.unshift("host all all 10.0.0.0/8 scram-sha-256"),
                message:
                    "Cluster geo-postgres/pg accepts non-TLS connections: CloudNativePG's default rule `host all all all scram-sha-256` admits plaintext unless spec.postgresql.pg_hba rejects them first. Add `hostnossl all all all reject` as the first pg_hba rule.",
            },
            {
                what: "TLS 1.1 allowed",
                name: CLUSTER,
                edit: (i) => (i.spec.postgresql.parameters.ssl_min_protocol_version = "TLSv1.1"),
                message:
                    'Cluster geo-postgres/pg has ssl_min_protocol_version "TLSv1.1"; set spec.postgresql.parameters.ssl_min_protocol_version to TLSv1.3 (or TLSv1.2).',
            },
            {
                what: "md5 password hashes",
                name: CLUSTER,
                edit: (i) => (i.spec.postgresql.parameters.password_encryption = "md5"),
                message:
                    'Cluster geo-postgres/pg has password_encryption "md5"; set spec.postgresql.parameters.password_encryption to scram-sha-256.',
            },
            {
                what: "a Pooler on CloudNativePG's client default (prefer)",
                name: POOLER,
                edit: (i) => delete i.spec.pgbouncer.parameters.client_tls_sslmode,
                message:
                    'Pooler geo-postgres/pg-pooler-rw accepts plaintext clients (client_tls_sslmode "prefer (CloudNativePG default)"); set spec.pgbouncer.parameters.client_tls_sslmode to require.',
            },
            {
                what: "a Pooler that does not verify the server",
                name: POOLER,
                edit: (i) => (i.spec.pgbouncer.parameters.server_tls_sslmode = "require"),
                message:
                    'Pooler geo-postgres/pg-pooler-rw has server_tls_sslmode "require"; set spec.pgbouncer.parameters.server_tls_sslmode to verify-full.',
            },
            {
                what: "a Pooler whose hba misses IPv6",
                name: POOLER,
                edit: (i) => i.spec.pgbouncer.pg_hba.pop(),
                message:
                    "Pooler geo-postgres/pg-pooler-rw: PgBouncer's hba (CloudNativePG appends `host all all 0.0.0.0/0 md5`) admits non-TLS clients; add `hostnossl all all 0.0.0.0/0 reject` and `hostnossl all all ::/0 reject` to spec.pgbouncer.pg_hba.",
            },
        ];
        for (const c of cases) {
            it(`fails ${c.what}`, async () => {
                assert.deepEqual(await messages(postgresDisallowNonTls, await mutated(c.name, c.edit)), [c.message]);
            });
        }
        it("reads pg_hba in order: only a reject before any accepting host line counts", () => {
            const all = ["all"];
            assert.equal(rejectsNonTls(["hostnossl all all all reject"], all), true);
            assert.equal(rejectsNonTls(["hostssl all all all cert", "hostnossl all all all reject"], all), true);
            assert.equal(rejectsNonTls(["host all app all scram-sha-256", "hostnossl all all all reject"], all), false);
            assert.equal(rejectsNonTls(["hostnossl all app all reject"], all), false);
            assert.equal(rejectsNonTls(["# hostnossl all all all reject"], all), false);
            const v46 = ["0.0.0.0/0", "::/0"];
            assert.equal(
                rejectsNonTls(["hostnossl all all 0.0.0.0/0 reject", "hostnossl all all ::/0 reject"], v46),
                true,
            );
            assert.equal(rejectsNonTls(["hostnossl all all 0.0.0.0/0 reject"], v46), false);
        });
    });

    it("namespace-require-default-deny fails a data namespace whose default-deny admits something", async () => {
        const resources = await mutated("geo-network-policies-geo-redis-default-deny-ingress", (i) => {
            i.spec.ingress = [{}];
        });
        assert.deepEqual(await messages(namespaceRequireDefaultDeny, resources), [
            "Data namespace geo-redis (redis) has no default-deny ingress NetworkPolicy: any pod of the cluster can reach the pods no policy selects. Add a NetworkPolicy in geo-redis with podSelector {} and policyTypes [Ingress] and no ingress rules.",
        ]);
    });

    it("namespace-require-default-deny fails a default-deny that selects only some pods", async () => {
        const resources = await mutated("geo-network-policies-geo-kafka-default-deny-ingress", (i) => {
            i.spec.podSelector = { matchLabels: { app: "x" } };
        });
        assert.equal(
            (await messages(namespaceRequireDefaultDeny, resources))[0].split(":")[0],
            "Data namespace geo-kafka (kafka) has no default-deny ingress NetworkPolicy",
        );
    });

    describe("service-require-load-balancer-source-ranges", () => {
        const fix = "Set config key peerCidrs to the peer region's VPC CIDR blocks.";
        it("fails the Redis sessions endpoint without source ranges", async () => {
            const r = await mutated("geo-redis-sessions-primary", (i) => delete i.spec.loadBalancerSourceRanges);
            assert.deepEqual(await messages(serviceRequireLoadBalancerSourceRanges, r), [
                `Service geo-redis/redis-sessions-primary (LoadBalancer) sets no loadBalancerSourceRanges, so every address that routes to the VPC reaches it. ${fix}`,
            ]);
        });
        it("fails CloudNativePG's pg-rw-lb admitting everyone", async () => {
            const r = await mutated(CLUSTER, (i) => {
                i.spec.managed.services.additional[0].serviceTemplate.spec.loadBalancerSourceRanges = ["0.0.0.0/0"];
            });
            assert.deepEqual(await messages(serviceRequireLoadBalancerSourceRanges, r), [
                `Cluster geo-postgres/pg: managed service pg-rw-lb (LoadBalancer) admits everyone (0.0.0.0/0). ${fix}`,
            ]);
        });
        it("fails the rw pooler's service with a malformed range", async () => {
            const r = await mutated(
                POOLER,
                (i) => (i.spec.serviceTemplate.spec.loadBalancerSourceRanges = ["10.20.0.0/33"]),
            );
            assert.deepEqual(await messages(serviceRequireLoadBalancerSourceRanges, r), [
                `Pooler geo-postgres/pg-pooler-rw: its LoadBalancer service has loadBalancerSourceRanges entry "10.20.0.0/33": the prefix length must be 0 to 32 for an IPv4 block. ${fix}`,
            ]);
        });
        it("fails Kafka's cross-region listener without source ranges", async () => {
            const r = await mutated("geo-kafka-cluster-kafka", (i) => {
                delete i.spec.kafka.listeners.find((l: any) => l.name === "xregion").configuration
                    .loadBalancerSourceRanges;
            });
            assert.deepEqual(await messages(serviceRequireLoadBalancerSourceRanges, r), [
                `Kafka geo-kafka/events: listener xregion (loadbalancer) sets no loadBalancerSourceRanges, so every address that routes to the VPC reaches it. ${fix}`,
            ]);
        });
        it("fails MinIO's replication endpoint without source ranges", async () => {
            const r = await mutated("geo-minio-replication", (i) => delete i.spec.loadBalancerSourceRanges);
            assert.deepEqual(await messages(serviceRequireLoadBalancerSourceRanges, r), [
                `Service geo-minio/files-replication (LoadBalancer) sets no loadBalancerSourceRanges, so every address that routes to the VPC reaches it. ${fix}`,
            ]);
        });
        it("fails the Prometheus peer endpoint without source ranges", async () => {
            const r = await mutated("geo-prometheus-peer-service", (i) => delete i.spec.loadBalancerSourceRanges);
            assert.deepEqual(await messages(serviceRequireLoadBalancerSourceRanges, r), [
                `Service geo-monitoring/prometheus-peer (LoadBalancer) sets no loadBalancerSourceRanges, so every address that routes to the VPC reaches it. ${fix}`,
            ]);
        });
    });
});
