/**
 * A small evaluator of Kubernetes NetworkPolicy ingress semantics (networking.k8s.io/v1), for reachability
 * specs and the generated table in docs/network.md:
 * - a pod is isolated for ingress once any policy of its namespace selects it with `Ingress` in policyTypes
 *   (policyTypes defaults to Ingress, plus Egress when the policy has egress rules); an isolated pod accepts
 *   a connection when ANY rule of ANY selecting policy admits it (policies add up, none subtracts);
 * - a rule without `from` admits every source, one without `ports` every port;
 * - a peer with `podSelector` alone means pods of the policy's namespace; with `namespaceSelector` alone, every
 *   pod of the matching namespaces; with both, the matching pods of the matching namespaces; `{}` matches all;
 *   label selectors take `matchLabels` and `matchExpressions` (In, NotIn, Exists, DoesNotExist);
 * - `ipBlock` matches addresses in `cidr` and in none of `except` (sources given as addresses; pod sources
 *   without an address never match an ipBlock, as the API recommends for cluster-internal traffic);
 * - a port is a number (with optional `endPort`) or a container port name resolved on the destination pod;
 *   protocol defaults to TCP.
 * Pure; no Kubernetes access.
 */
import { cidrContains } from "../components/shared/cidr";
import { LabelSelector, labelSelectorMatches } from "../components/shared/selector";

export type { LabelSelector };

/** A NetworkPolicy object as rendered (metadata + spec). */
export interface NetworkPolicy {
    metadata: { name: string; namespace: string };
    spec: {
        podSelector: LabelSelector;
        policyTypes?: string[];
        ingress?: {
            from?: {
                podSelector?: LabelSelector;
                namespaceSelector?: LabelSelector;
                ipBlock?: { cidr: string; except?: string[] };
            }[];
            ports?: { port?: number | string; endPort?: number; protocol?: string }[];
        }[];
        egress?: unknown[];
    };
}

/** A destination pod: namespace, labels and container ports. */
export interface PodEndpoint {
    namespace: string;
    name: string;
    labels: Record<string, string>;
    ports: { name?: string; containerPort: number; protocol?: string }[];
}

/** A connection's source: a pod (namespace and labels, optionally its address) or a bare address. */
export type Source =
    { kind: "pod"; namespace: string; labels: Record<string, string>; ip?: string } | { kind: "ip"; ip: string };

/** True when `selector` selects `labels` (an empty selector selects everything; none selects nothing). */
export function selects(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
    return selector ? labelSelectorMatches(selector, labels) : false;
}

/** The policy types of a policy, with the API's defaults. */
export function policyTypes(p: NetworkPolicy): string[] {
    return p.spec.policyTypes ?? ["Ingress", ...(p.spec.egress ? ["Egress"] : [])];
}

/** Evaluates ingress to `dest` on `port`/`protocol` from `source`. */
export function ingressAllowed(
    policies: readonly NetworkPolicy[],
    namespaceLabels: (namespace: string) => Record<string, string>,
    source: Source,
    dest: PodEndpoint,
    port: number,
    protocol = "TCP",
): boolean {
    const selecting = policies.filter(
        (p) =>
            p.metadata.namespace === dest.namespace &&
            policyTypes(p).includes("Ingress") &&
            selects(p.spec.podSelector, dest.labels),
    );
    if (selecting.length === 0) return true;
    return selecting.some((p) =>
        (p.spec.ingress ?? []).some((rule) => {
            const fromOk =
                !rule.from ||
                rule.from.length === 0 ||
                rule.from.some((peer) => peerMatches(p, peer, source, namespaceLabels));
            const portOk =
                !rule.ports ||
                rule.ports.length === 0 ||
                rule.ports.some((rp) => portMatches(rp, dest, port, protocol));
            return fromOk && portOk;
        }),
    );
}

type Peer = NonNullable<NonNullable<NetworkPolicy["spec"]["ingress"]>[number]["from"]>[number];

function peerMatches(
    policy: NetworkPolicy,
    peer: Peer,
    source: Source,
    namespaceLabels: (namespace: string) => Record<string, string>,
): boolean {
    if (peer.ipBlock) {
        const ip = source.ip;
        return (
            ip !== undefined &&
            cidrContains(peer.ipBlock.cidr, ip) &&
            !(peer.ipBlock.except ?? []).some((e) => cidrContains(e, ip))
        );
    }
    if (source.kind !== "pod") return false;
    const nsOk = peer.namespaceSelector
        ? selects(peer.namespaceSelector, namespaceLabels(source.namespace))
        : source.namespace === policy.metadata.namespace;
    const podOk = peer.podSelector ? selects(peer.podSelector, source.labels) : true;
    return (peer.namespaceSelector !== undefined || peer.podSelector !== undefined) && nsOk && podOk;
}

function portMatches(
    rp: { port?: number | string; endPort?: number; protocol?: string },
    dest: PodEndpoint,
    port: number,
    protocol: string,
): boolean {
    if ((rp.protocol ?? "TCP") !== protocol) return false;
    if (rp.port === undefined) return true;
    if (typeof rp.port === "number")
        return rp.endPort !== undefined ? port >= rp.port && port <= rp.endPort : port === rp.port;
    // A named port: the destination pod's container port of that name and protocol.
    return dest.ports.some(
        (cp) => cp.name === rp.port && cp.containerPort === port && (cp.protocol ?? "TCP") === protocol,
    );
}
