/**
 * `npm run docs`: regenerates every generated section of the documentation from the program itself, so
 * none of them can drift (test/docs.spec.ts and test/config-schema.spec.ts fail when one is stale):
 * - Pulumi.yaml's `config:` block and docs/configuration.md's key table, from CONFIG_SCHEMA (config/);
 * - docs/policies.md's table, from the pack's own policy metadata (policies/policies.ts);
 * - README.md's "what each stack deploys" table, from rendering both stacks offline (as `npm run plan`);
 * - docs/network.md's reachability tables, from evaluating each stack's rendered NetworkPolicies.
 * The runbooks in docs/operations.md are printed by `npm run switchover` and checked by test/switchover.spec.ts.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Policy, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { CONFIG_SCHEMA, KeySpec, parseRegionConfig } from "../config";
import { operatorNamespaces } from "../components/shared/naming";
import { reachabilityMarkdown } from "./reachability";
import { loadStackConfig } from "./stack-config";
import { RecordedResource, ROOT, resourceKey } from "./harness";
import type { StackPlan } from "./plan";
import { PackConfig, enforcementOf, loadPolicyConfig } from "./policy-runner";

/** A generated section's markers in a Markdown file. */
function markers(id: string): [string, string] {
    return [`<!-- generated:${id} (npm run docs) -->`, `<!-- /generated:${id} -->`];
}

/** The section `id` with its markers, as it must appear in the file. */
export function generatedSection(id: string, body: string): string {
    const [begin, end] = markers(id);
    return `${begin}\n${body}\n${end}`;
}

/** `text` with the section `id` (markers included) replaced by `body`; throws when the markers are missing. */
export function replaceSection(text: string, id: string, body: string, file: string): string {
    const [begin, end] = markers(id);
    const a = text.indexOf(begin);
    const b = text.indexOf(end);
    if (a < 0 || b < a) throw new Error(`${file} lacks the ${begin} … ${end} markers`);
    return text.slice(0, a) + generatedSection(id, body) + text.slice(b + end.length);
}

// --- configuration ---------------------------------------------------------------------------------

/** Pulumi.yaml's `config:` block for the schema. */
export function pulumiYamlConfigBlock(schema: Record<string, KeySpec> = CONFIG_SCHEMA): string {
    const lines = ["config:"];
    for (const [key, spec] of Object.entries(schema)) {
        lines.push(`  ${key}:`);
        lines.push(`    type: ${spec.type}`);
        lines.push(`    description: ${JSON.stringify(spec.description)}`);
        if (spec.default !== undefined) lines.push(`    default: ${JSON.stringify(spec.default)}`);
    }
    return lines.join("\n") + "\n";
}

function showDefault(spec: KeySpec): string {
    if (spec.default === undefined) return "**required**";
    if (spec.default === "") return "(empty)";
    return `\`${String(spec.default)}\``;
}

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** docs/configuration.md's key table. */
export function configTable(schema: Record<string, KeySpec> = CONFIG_SCHEMA): string {
    const rows = Object.entries(schema).map(
        ([key, spec]) =>
            `| \`${key}\` | ${spec.type}${spec.secret ? " (secret)" : ""} | ${showDefault(spec)} | ${cell(spec.description)} |`,
    );
    return ["| key (`geo-data:`) | type | default | meaning |", "|---|---|---|---|", ...rows].join("\n");
}

/** Pulumi.yaml with its config block replaced (everything from `config:` to the end of the file). */
export function syncPulumiYaml(text: string): string {
    const i = text.search(/^config:/m);
    return (i < 0 ? text.replace(/\n*$/, "\n") : text.slice(0, i)) + pulumiYamlConfigBlock();
}

// --- policies ----------------------------------------------------------------------------------------

/**
 * One row of the policy table: what the pack's own metadata says, with the default enforcement and settings of
 * the pack config (policies/policy-config.json) over the policy's own.
 */
export function policyRow(p: Policy, area: string, config: PackConfig = {}): string {
    const kind = "validateStack" in p ? "stack" : "resource";
    const props = (p.configSchema?.properties ?? {}) as Record<string, { default?: unknown }>;
    const entry = config[p.name];
    const configured: Record<string, unknown> = typeof entry === "object" && entry ? entry : {};
    const settings = Object.entries(props)
        .map(([k, s]) => [k, configured[k] ?? s.default] as const)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `\`${k}\` = ${JSON.stringify(v)}`)
        .join(", ");
    return `| \`${p.name}\` | ${area} | ${enforcementOf(p, config)} (${kind}) | ${p.severity ?? ""} | ${cell(p.description)}${settings ? ` Settings: ${settings}.` : ""} | ${cell(p.remediationSteps ?? "")} |`;
}

/** docs/policies.md's table, from the pack's policies in pack order; `areas` maps a policy name to its folder. */
export function policyTable(
    policies: readonly (ResourceValidationPolicy | StackValidationPolicy)[],
    areas: Record<string, string>,
    config: PackConfig = {},
): string {
    return [
        "| policy | area | default enforcement | severity | what it requires | how to fix (remediation) |",
        "|---|---|---|---|---|---|",
        ...policies.map((p) => policyRow(p, areas[p.name] ?? "?", config)),
    ].join("\n");
}

/** Policy name → its folder under policies/ (the file is named after the policy). */
export function policyAreas(root = ROOT): Record<string, string> {
    const out: Record<string, string> = {};
    const dir = path.join(root, "policies");
    for (const area of fs.readdirSync(dir)) {
        const sub = path.join(dir, area);
        if (!fs.statSync(sub).isDirectory() || area === "node_modules") continue;
        for (const f of fs.readdirSync(sub)) if (f.endsWith(".ts")) out[f.slice(0, -3)] = area;
    }
    return out;
}

// --- what each stack deploys -------------------------------------------------------------------------

/** The README's service label of each top-level component type (a direct child of DataRegion). */
const SERVICES: Record<string, string> = {
    "geo:platform:DataNamespaces": "Platform",
    "geo:platform:Operators": "Platform",
    "geo:platform:DataNetworkPolicies": "Platform",
    "geo:postgres:Postgres": "PostgreSQL",
    "geo:postgres:PostgresCertificates": "PostgreSQL",
    "geo:redis:RedisCluster": "Redis cache (cluster mode)",
    "geo:redis:RedisReplicated": "Redis sessions (Sentinel)",
    "geo:redis:RedisCertificates": "Redis TLS (CAs, certificates)",
    "geo:backup:BackupBucket": "Backups (AWS S3)",
    "geo:backup:BackupReplication": "Backups (AWS S3)",
    // The region's alerts topic (CloudWatch alarm actions): created by DataRegion itself.
    "aws:sns/topic:Topic": "Alerting (SNS)",
    "aws:sns/topicSubscription:TopicSubscription": "Alerting (SNS)",
    "geo:kafka:KafkaTier": "Kafka (Strimzi)",
    "geo:kafka:KafkaCertificates": "Kafka (Strimzi)",
    "geo:minio:MinioTenant": "MinIO object store",
    "geo:minio:MinioCertificates": "MinIO object store",
    "geo:minio:MinioTierBucket": "MinIO object store",
};

const kindOf = (r: RecordedResource) => r.type.split(":").pop()!;
const k8sName = (r: RecordedResource) => r.inputs?.metadata?.name ?? r.name;

/** How one resource appears in the table: [what it is, its description], or undefined when it is only counted. */
function headline(r: RecordedResource): [string, string] | undefined {
    const s = r.inputs?.spec ?? {};
    const name = `\`${k8sName(r)}\``;
    switch (r.type) {
        case "kubernetes:postgresql.cnpg.io/v1:Cluster": {
            const rep = s.replica;
            const role = !rep || rep.self === rep.primary ? "primary" : `replica of ${rep.primary}`;
            return ["Cluster", `${name} (${s.instances} instances, ${role})`];
        }
        case "kubernetes:postgresql.cnpg.io/v1:Pooler":
            return ["Pooler", `${name} (${s.instances} PgBouncer pods, ${s.type})`];
        case "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup":
            return ["ScheduledBackup", `${name} (\`${s.schedule}\`)`];
        case "kubernetes:kafka.strimzi.io/v1:KafkaNodePool":
            return ["KafkaNodePool", `${name} (${s.replicas} ${(s.roles ?? []).join("+")})`];
        case "kubernetes:kafka.strimzi.io/v1:KafkaMirrorMaker2":
            return ["KafkaMirrorMaker2", `${name} (${s.mirrors?.[0]?.source?.alias} → ${s.target?.alias})`];
        case "kubernetes:kafka.strimzi.io/v1:Kafka":
            return ["Kafka", `${name} (${s.kafka?.version})`];
        case "kubernetes:apps/v1:StatefulSet":
        case "kubernetes:apps/v1:Deployment":
            return [kindOf(r), `${name} (${s.replicas} pods)`];
        case "kubernetes:minio.min.io/v2:Tenant": {
            const p = s.pools?.[0] ?? {};
            const ec = (s.env ?? []).find((e: any) => e.name === "MINIO_STORAGE_CLASS_STANDARD")?.value;
            return ["Tenant", `${name} (${p.servers} servers × ${p.volumesPerServer} volumes, ${ec})`];
        }
        case "kubernetes:batch/v1:Job":
            return ["Job", `\`${k8sName(r).replace(/-[0-9a-f]{10}$/, "-<config hash>")}\``];
        case "kubernetes:core/v1:Namespace":
            return ["Namespace", name];
        case "aws:sns/topic:Topic":
            return ["SNS topic", `\`${r.inputs.name}\` (CloudWatch alarm actions)`];
        case "kubernetes:helm.sh/v4:Chart":
            return ["chart", `${r.name.replace(/^geo-operators-/, "")} ${r.inputs.version}`];
        case "kubernetes:yaml/v2:ConfigFile": {
            const version = /\/(v[0-9][^/]*)\//.exec(String(r.inputs.file ?? ""))?.[1] ?? "";
            return ["manifest", `${r.name.replace(/^geo-operators-/, "")} ${version}`.trim()];
        }
        case "aws:s3/bucket:Bucket":
            return ["S3 bucket", "in the stack's region"];
        case "aws:s3/bucketReplicationConfig:BucketReplicationConfig":
            return ["S3 replication", r.name.replace(/^geo-replication-/, "").replace(/-config$/, "")];
        default:
            return undefined;
    }
}

const plural = (kind: string) =>
    /[sx]$/.test(kind) ? `${kind}es` : /[^aeiou]y$/.test(kind) ? `${kind.slice(0, -1)}ies` : `${kind}s`;

/** One table cell: the headline objects by kind, their namespaces, then counts of everything else by kind. */
function describe(resources: RecordedResource[]): string {
    const heads = new Map<string, string[]>();
    for (const r of resources) {
        const h = headline(r);
        if (h) heads.set(h[0], [...(heads.get(h[0]) ?? []), h[1]]);
    }
    const namespaces = [
        ...new Set(resources.map((r) => r.inputs?.metadata?.namespace).filter((n): n is string => !!n)),
    ];
    const counts = new Map<string, number>();
    for (const r of resources) {
        if (!r.custom || headline(r)) continue;
        counts.set(kindOf(r), (counts.get(kindOf(r)) ?? 0) + 1);
    }
    const rest = [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${n} ${n > 1 ? plural(k) : k}`);
    return [
        [...heads].map(([kind, items]) => `${items.length > 1 ? plural(kind) : kind} ${items.join(", ")}`).join("; "),
        namespaces.length ? `in ${namespaces.map((n) => `\`${n}\``).join(", ")}` : "",
        rest.length ? `(+ ${rest.join(", ")})` : "",
    ]
        .filter(Boolean)
        .join(" ");
}

/** Per service label: the resources of each top-level component of that service, in registration order. */
function byService(resources: RecordedResource[]): Map<string, RecordedResource[]> {
    const region = resources.find((r) => r.type === "geo:index:DataRegion");
    const byKey = new Map(resources.map((r) => [resourceKey(r), r]));
    const topOf = (r: RecordedResource): RecordedResource | undefined => {
        let cur: RecordedResource | undefined = r;
        while (cur && cur.parent && cur.parent !== resourceKey(region!)) cur = byKey.get(cur.parent);
        return cur?.parent ? cur : undefined;
    };
    const out = new Map<string, RecordedResource[]>();
    for (const r of resources) {
        const top = topOf(r);
        if (!top || r.type.startsWith("pulumi:") || (!r.custom && !headline(r))) continue;
        const service = SERVICES[top.type] ?? top.type.split(":").pop()!;
        out.set(service, [...(out.get(service) ?? []), r]);
    }
    return out;
}

/** One rendered stack as the deploy table needs it. */
export interface StackSummary {
    stack: string;
    region: string;
    role: string;
    resources: RecordedResource[];
}

/** README's "what each stack deploys" table: one row per service, one column per stack. */
export function deployTable(stacks: StackSummary[]): string {
    const services = stacks.map((s) => byService(s.resources));
    const labels = [...new Set(services.flatMap((m) => [...m.keys()]))];
    return [
        `| service | ${stacks.map((s) => `${s.stack} (${s.region}, ${s.role})`).join(" | ")} |`,
        `|---|${stacks.map(() => "---|").join("")}`,
        ...labels.map((l) => `| ${l} | ${services.map((m) => (m.get(l) ? describe(m.get(l)!) : "—")).join(" | ")} |`),
    ].join("\n");
}

// --- main --------------------------------------------------------------------------------------------

/** Both stacks planned as `npm run plan` plans them (its files go to a temporary directory, then away). */
export async function planStacks(): Promise<StackPlan[]> {
    const { plan } = await import("./plan");
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "geo-docs-"));
    try {
        return await plan({ stacks: [], overrides: {}, out });
    } finally {
        fs.rmSync(out, { recursive: true, force: true });
    }
}

/** The reachability table of one planned stack, evaluated over its rendered NetworkPolicies (docs/network.md). */
export function stackReachability(p: StackPlan, root = ROOT): string {
    const c = parseRegionConfig(loadStackConfig(p.render.stack, {}, root).config, p.render.stack);
    return reachabilityMarkdown({
        objects: p.objects,
        clientNamespaceLabel: c.network.clientNamespaceLabel,
        peerCidrs: c.network.peerCidrs,
        loadBalancerSubnetCidrs: c.network.loadBalancerSubnetCidrs,
        monitoringNamespace: c.namespaces.monitoring,
        cnpgNamespace: operatorNamespaces.cnpg,
    });
}

/** The generated content of every file, from the program's plans (see {@link planStacks}). */
export async function generateDocs(plans: StackPlan[], root = ROOT): Promise<Record<string, string>> {
    const { policies } = await import("../policies/policies");
    const summaries = plans.map((p) => ({
        stack: p.render.stack,
        region: String(p.render.outputs.awsRegion),
        role: String(p.render.outputs.role),
        resources: p.render.resources,
    }));
    const read = (f: string) => fs.readFileSync(path.join(root, f), "utf8");
    return {
        "Pulumi.yaml": syncPulumiYaml(read("Pulumi.yaml")),
        "docs/configuration.md": replaceSection(
            read("docs/configuration.md"),
            "config-table",
            configTable(),
            "docs/configuration.md",
        ),
        "docs/policies.md": replaceSection(
            read("docs/policies.md"),
            "policy-table",
            policyTable(
                policies,
                policyAreas(root),
                loadPolicyConfig(path.join(root, "policies", "policy-config.json")),
            ),
            "docs/policies.md",
        ),
        "README.md": replaceSection(read("README.md"), "deploy-table", deployTable(summaries), "README.md"),
        "docs/network.md": plans.reduce(
            (text, p) =>
                replaceSection(text, `reachability-${p.render.stack}`, stackReachability(p, root), "docs/network.md"),
            read("docs/network.md"),
        ),
    };
}

if (require.main === module) {
    planStacks()
        .then(generateDocs)
        .then((files) => {
            for (const [f, text] of Object.entries(files)) fs.writeFileSync(path.join(ROOT, f), text);
            console.log(`regenerated: ${Object.keys(files).join(", ")}`);
        })
        .catch((e) => {
            console.error(e instanceof Error ? e.message : e);
            process.exit(1);
        });
}
