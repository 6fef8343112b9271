/**
 * The network fence: the CIDR parser and the config keys that use it, the NetworkPolicy evaluator
 * (tools/netpol.ts) against Kubernetes' semantics, and the reachability of both rendered stacks evaluated
 * over their own NetworkPolicies: applications reach the poolers and Redis, an unlabelled namespace reaches
 * nothing, Prometheus only the metrics ports, the peer region only the cross-region ports.
 */
import { strict as assert } from "assert";
import { parseRegionConfig } from "../config";
import { cidrContains, cidrList, cidrProblem, cidrsOverlap, parseCidr, splitCidrList } from "../components/shared/cidr";
import { operatorNamespaces } from "../components/shared/naming";
import { manifestObjects } from "../tools/manifests";
import { NetworkPolicy, PodEndpoint, ingressAllowed } from "../tools/netpol";
import { reachability } from "../tools/reachability";
import { EAST_RAW, configError, render } from "./support";

describe("CIDR blocks", () => {
    it("parses IPv4 and IPv6 blocks and says what is wrong with the others", () => {
        const cases: { cidr: string; problem?: string }[] = [
            { cidr: "10.20.0.0/16" },
            { cidr: "0.0.0.0/0" },
            { cidr: "192.168.7.10/32" },
            { cidr: "fd00:20::/48" },
            { cidr: "::/0" },
            { cidr: "::ffff:10.0.0.0/104" },
            { cidr: "10.20.1.0/16", problem: "host bits are set; the block containing it is 10.20.0.0/16" },
            { cidr: "fd00:20::1/48", problem: "host bits are set; the block containing it is fd00:20:0:0:0:0:0:0/48" },
            { cidr: "10.20.0.0/33", problem: "the prefix length must be 0 to 32 for an IPv4 block" },
            { cidr: "fd00::/129", problem: "the prefix length must be 0 to 128 for an IPv6 block" },
            ...[
                "10.20.0.0",
                "10.256.0.0/16",
                "10.020.0.0/16",
                "10.20.0/16",
                "fd00:::1/64",
                "1:2:3:4:5:6:7:8:9/64",
                "x/8",
            ].map((cidr) => ({
                cidr,
                problem: "expected a CIDR block <address>/<prefix length>, e.g. 10.20.0.0/16 or fd00:20::/48",
            })),
        ];
        for (const c of cases) assert.equal(cidrProblem(c.cidr), c.problem, c.cidr);
    });

    it("contains, overlaps and splits", () => {
        assert.equal(cidrContains("10.20.0.0/16", "10.20.255.1"), true);
        assert.equal(cidrContains("10.20.0.0/16", "10.21.0.1"), false);
        assert.equal(cidrContains("fd00:20::/48", "fd00:20:0:ffff::1"), true);
        assert.equal(cidrContains("fd00:20::/48", "10.20.0.1"), false);
        assert.equal(cidrsOverlap(parseCidr("10.0.0.0/8"), parseCidr("10.20.0.0/16")), true);
        assert.equal(cidrsOverlap(parseCidr("10.20.0.0/16"), parseCidr("10.21.0.0/16")), false);
        assert.deepEqual(splitCidrList(" 10.20.0.0/16, 10.21.0.0/16 "), ["10.20.0.0/16", "10.21.0.0/16"]);
        assert.deepEqual(splitCidrList('["10.20.0.0/16","fd00::/8"]'), ["10.20.0.0/16", "fd00::/8"]);
        assert.equal(
            cidrList()("10.20.0.0/16,10.20.128.0/17"),
            '"10.20.128.0/17" overlaps "10.20.0.0/16"; list each address range once',
        );
    });
});

describe("fence config keys", () => {
    it("default to the documented label and no CIDR blocks", () => {
        const c = parseRegionConfig(EAST_RAW, "us-east").network;
        assert.deepEqual(c, {
            clientNamespaceLabel: { key: "geo-data/client", value: "true" },
            peerCidrs: [],
            loadBalancerSubnetCidrs: [],
        });
    });
    it("read lists and labels", () => {
        const c = parseRegionConfig(
            {
                ...EAST_RAW,
                "geo-data:peerCidrs": "10.20.0.0/16, 10.21.0.0/16",
                "geo-data:loadBalancerSubnetCidrs": '["10.10.128.0/24"]',
                "geo-data:clientNamespaceLabel": "example.com/tier=app",
            },
            "us-east",
        ).network;
        assert.deepEqual(c, {
            clientNamespaceLabel: { key: "example.com/tier", value: "app" },
            peerCidrs: ["10.20.0.0/16", "10.21.0.0/16"],
            loadBalancerSubnetCidrs: ["10.10.128.0/24"],
        });
    });
    it("reject malformed and overlapping blocks, naming the key", () => {
        assert.equal(
            configError({ peerCidrs: "10.20.1.0/16" }),
            'geo-data:peerCidrs: "10.20.1.0/16" is not allowed; "10.20.1.0/16": host bits are set; the block containing it is 10.20.0.0/16',
        );
        assert.equal(
            configError({ peerCidrs: "10.20.0.0/16,10.20.5.0/24" }),
            'geo-data:peerCidrs: "10.20.0.0/16,10.20.5.0/24" is not allowed; "10.20.5.0/24" overlaps "10.20.0.0/16"; list each address range once',
        );
        assert.equal(
            configError({ loadBalancerSubnetCidrs: "10.10.128.0/24,nope" }),
            'geo-data:loadBalancerSubnetCidrs: "10.10.128.0/24,nope" is not allowed; "nope": expected a CIDR block <address>/<prefix length>, e.g. 10.20.0.0/16 or fd00:20::/48',
        );
        assert.equal(
            configError({ peerCidrs: "10.0.0.0/8", loadBalancerSubnetCidrs: "10.10.128.0/24" }),
            'geo-data:loadBalancerSubnetCidrs: "10.10.128.0/24" overlaps "10.0.0.0/8" of geo-data:peerCidrs; this region\'s subnets and the peer region\'s VPC cannot share addresses (peered or routed VPCs must not overlap)',
        );
        assert.match(
            configError({ clientNamespaceLabel: "geo-data/client" }),
            /^geo-data:clientNamespaceLabel: "geo-data\/client" is not allowed; expected key=value/,
        );
    });
});

describe("NetworkPolicy evaluator (Kubernetes semantics)", () => {
    const dest: PodEndpoint = {
        namespace: "db",
        name: "db-0",
        labels: { app: "db", tier: "a" },
        ports: [{ name: "sql", containerPort: 5432 }],
    };
    const ns = (n: string) => ({ "kubernetes.io/metadata.name": n, ...(n === "apps" ? { team: "shop" } : {}) });
    const app = { kind: "pod" as const, namespace: "apps", labels: { role: "web" } };
    const np = (spec: any): NetworkPolicy => ({ metadata: { name: "p", namespace: "db" }, spec });
    const allowed = (policies: NetworkPolicy[], source: any, port = 5432) =>
        ingressAllowed(policies, ns, source, dest, port);

    it("a pod no policy selects is open; an egress-only policy does not isolate ingress", () => {
        assert.equal(allowed([], app), true);
        assert.equal(allowed([np({ podSelector: {}, policyTypes: ["Egress"] })], app), true);
        assert.equal(
            allowed([np({ podSelector: {}, egress: [] })], app),
            false,
            "policyTypes defaults to Ingress (+Egress)",
        );
        assert.equal(allowed([np({ podSelector: { matchLabels: { app: "other" } } })], app), true);
    });
    it("policies add up; an empty rule admits everything", () => {
        const deny = np({ podSelector: {}, policyTypes: ["Ingress"] });
        assert.equal(allowed([deny], app), false);
        assert.equal(allowed([deny, np({ podSelector: {}, ingress: [{}] })], app), true);
    });
    it("namespace and pod selectors (alone and together), with matchExpressions", () => {
        const from = (peer: any) => [np({ podSelector: {}, ingress: [{ from: [peer] }] })];
        assert.equal(allowed(from({ namespaceSelector: { matchLabels: { team: "shop" } } }), app), true);
        assert.equal(
            allowed(from({ podSelector: { matchLabels: { role: "web" } } }), app),
            false,
            "podSelector alone = policy's namespace",
        );
        assert.equal(
            allowed(from({ namespaceSelector: {}, podSelector: { matchLabels: { role: "web" } } }), app),
            true,
        );
        assert.equal(
            allowed(
                from({
                    namespaceSelector: { matchExpressions: [{ key: "team", operator: "In", values: ["shop"] }] },
                    podSelector: { matchExpressions: [{ key: "role", operator: "NotIn", values: ["web"] }] },
                }),
                app,
            ),
            false,
        );
        assert.equal(
            allowed(from({ namespaceSelector: { matchExpressions: [{ key: "team", operator: "Exists" }] } }), app),
            true,
        );
        assert.equal(
            allowed(
                from({ namespaceSelector: { matchExpressions: [{ key: "team", operator: "DoesNotExist" }] } }),
                app,
            ),
            false,
        );
    });
    it("ipBlock with except; pods without an address never match an ipBlock", () => {
        const p = [
            np({
                podSelector: {},
                ingress: [{ from: [{ ipBlock: { cidr: "10.20.0.0/16", except: ["10.20.9.0/24"] } }] }],
            }),
        ];
        assert.equal(allowed(p, { kind: "ip", ip: "10.20.1.1" }), true);
        assert.equal(allowed(p, { kind: "ip", ip: "10.20.9.1" }), false);
        assert.equal(allowed(p, { kind: "ip", ip: "10.21.0.1" }), false);
        assert.equal(allowed(p, app), false);
    });
    it("numbered, ranged and named ports, protocols", () => {
        const on = (ports: any[]) => [np({ podSelector: {}, ingress: [{ ports }] })];
        assert.equal(allowed(on([{ port: 5432 }]), app), true);
        assert.equal(allowed(on([{ port: 5432, protocol: "UDP" }]), app), false);
        assert.equal(allowed(on([{ port: 5000, endPort: 6000 }]), app), true);
        assert.equal(allowed(on([{ port: "sql" }]), app), true);
        assert.equal(allowed(on([{ port: "sql" }]), app, 9187), false);
        assert.equal(allowed(on([{ port: "metrics" }]), app), false);
    });
});

describe("reachability of the rendered stacks", () => {
    type Table = Map<string, string[]>;
    const tables = new Map<string, Table>();
    before(async function () {
        this.timeout(60000);
        for (const stack of ["us-east", "us-west"]) {
            const r = await render(stack);
            const c = (await import("../tools/stack-config")).loadStackConfig(stack).config;
            const cfg = parseRegionConfig(c, stack);
            const t = reachability({
                objects: manifestObjects(r.resources),
                clientNamespaceLabel: cfg.network.clientNamespaceLabel,
                peerCidrs: cfg.network.peerCidrs,
                loadBalancerSubnetCidrs: cfg.network.loadBalancerSubnetCidrs,
                monitoringNamespace: cfg.namespaces.monitoring,
                cnpgNamespace: operatorNamespaces.cnpg,
            });
            const table: Table = new Map();
            for (const s of t.sources)
                table.set(
                    s.label.replace(/ \(.*\)$/, ""),
                    t.destinations.filter((d) => t.allowed(s, d)).map((d) => d.label),
                );
            tables.set(stack, table);
        }
    });
    const row = (stack: string, source: string) => {
        const r = tables.get(stack)!.get(source);
        if (!r) throw new Error(`no source ${source}; have ${[...tables.get(stack)!.keys()].join(", ")}`);
        return r;
    };

    it("us-east: exactly the documented paths", () => {
        assert.deepEqual(row("us-east", "application pod"), [
            "pg-pooler-rw :5432",
            "pg-pooler-ro :5432",
            "redis-cache :6379",
            "redis-sessions :6379",
            "redis-sessions-sentinel :26379",
            "files :9000",
            "files :9443",
        ]);
        assert.deepEqual(row("us-east", "pod of an unlabelled namespace"), []);
        assert.deepEqual(row("us-east", "Prometheus"), [
            "Prometheus :9090",
            "blackbox-exporter :9115",
            "pg :9187",
            "pg-pooler-rw :9127",
            "pg-pooler-ro :9127",
            "redis-cache :9121",
            "redis-sessions :9121",
            "files :9000",
        ]);
        assert.deepEqual(row("us-east", "CloudNativePG operator"), ["pg :5432", "pg :8000"]);
        assert.deepEqual(row("us-east", "Barman Cloud plugin"), []);
        assert.deepEqual(row("us-east", "MinIO operator"), ["files :9000"]);
        assert.deepEqual(row("us-east", "pod of pg"), ["pg :5432", "pg :8000"]);
        assert.deepEqual(row("us-east", "pod of pg-pooler-rw"), ["pg :5432"]);
        assert.deepEqual(row("us-east", "pod of redis-cache"), ["redis-cache :6379", "redis-cache :16379"]);
        assert.deepEqual(row("us-east", "pod of redis-cache-create Job"), ["redis-cache :6379"]);
        assert.deepEqual(row("us-east", "pod of redis-sessions"), [
            "redis-sessions :6379",
            "redis-sessions-sentinel :26379",
        ]);
        assert.deepEqual(row("us-east", "pod of redis-sessions-sentinel"), [
            "redis-sessions :6379",
            "redis-sessions-sentinel :26379",
        ]);
        assert.deepEqual(row("us-east", "pod of files"), ["files :9000"]);
        assert.deepEqual(row("us-east", "pod of files-setup Job"), ["files :9000"]);
        // The cross-region prober reaches nothing of the data tier (it probes the other region's NLBs); like
        // Grafana, it is in Prometheus's namespace, which the prometheus-peer policy admits.
        assert.deepEqual(row("us-east", "pod of blackbox-exporter"), ["Prometheus :9090"]);
        assert.deepEqual(row("us-east", "Grafana"), ["Prometheus :9090"]);
        assert.deepEqual(row("us-east", "peer region address"), [
            "Prometheus :9090",
            "pg :5432",
            "pg-pooler-rw :5432",
            "redis-sessions :6379",
            "files :9000",
        ]);
        assert.deepEqual(row("us-east", "NLB address"), [
            "Prometheus :9090",
            "pg :5432",
            "pg-pooler-rw :5432",
            "redis-sessions :6379",
            "files :9000",
        ]);
        assert.deepEqual(row("us-east", "any other address"), []);
    });

    it("us-west: no Sentinels and no sessions endpoint, so the peer reaches only PostgreSQL's, MinIO's and Prometheus", () => {
        assert.deepEqual(row("us-west", "application pod"), [
            "pg-pooler-rw :5432",
            "pg-pooler-ro :5432",
            "redis-cache :6379",
            "redis-sessions :6379",
            "files :9000",
            "files :9443",
        ]);
        assert.deepEqual(row("us-west", "pod of an unlabelled namespace"), []);
        assert.deepEqual(row("us-west", "Prometheus"), [
            "Prometheus :9090",
            "blackbox-exporter :9115",
            "pg :9187",
            "pg-pooler-rw :9127",
            "pg-pooler-ro :9127",
            "redis-cache :9121",
            "redis-sessions :9121",
            "files :9000",
        ]);
        assert.deepEqual(row("us-west", "peer region address"), [
            "Prometheus :9090",
            "pg :5432",
            "pg-pooler-rw :5432",
            "files :9000",
        ]);
        assert.deepEqual(row("us-west", "any other address"), []);
    });

    it("every data namespace of both stacks has the default-deny policy", async () => {
        for (const stack of ["us-east", "us-west"]) {
            const objs = manifestObjects((await render(stack)).resources);
            const denies = objs
                .filter((o) => o.kind === "NetworkPolicy" && o.metadata.name === "default-deny-ingress")
                .map((o) => o.metadata.namespace);
            assert.deepEqual(denies, ["geo-postgres", "geo-redis", "geo-minio", "geo-kafka"], stack);
        }
    });
});
