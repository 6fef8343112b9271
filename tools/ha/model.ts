/**
 * The HA scorecard's data model and the few helpers its rules share to read rendered resources.
 */
import { Placement } from "./placement";

/** The failure domains a row is scored for: one pod, one node, one zone, the stack's whole region. */
export const DOMAINS = ["pod", "node", "zone", "region"] as const;
export type Domain = (typeof DOMAINS)[number];

/**
 * - `yes`: keeps serving (after an automatic failover within the RTO), losing at most the RPO;
 * - `partial`: keeps serving part of it (some slots, or reads but not writes);
 * - `manual`: the data survives, serving again needs a person (a promotion, a `pulumi up`);
 * - `no`: stops serving until the lost domain returns (or its data is gone);
 * - `unknown`: depends on a stack this plan did not render.
 */
export type Verdict = "yes" | "partial" | "manual" | "no" | "unknown";

/** What losing one domain does to one service. */
export interface DomainScore {
    verdict: Verdict;
    /** Acknowledged writes lost, as it follows from the config. */
    rpo: string;
    /** Time until writes are served again. */
    rto: string;
    /** The config values and rules that decided it. */
    why: string;
}

/** A measured figure from a drill (out/drills/<stack>.json), shown beside what the config promises. */
export interface Measured {
    scenario: string;
    rpo?: string;
    rto?: string;
    /** The drill's own pass/fail, when it reports one. */
    ok?: boolean;
}

/** One service of one stack. */
export interface ScoreRow {
    /** Stable key (`postgres`, `pooler-rw`, `redis-cache`, …): rows are compared by it. */
    key: string;
    /** Display name. */
    service: string;
    /** The rendered resource it is computed from: `Kind namespace/name`. */
    resource: string;
    domains: Record<Domain, DomainScore>;
    /** The rendered values the row was computed from (replicas, quorum, timeouts…). */
    facts: Record<string, string | number | boolean>;
    measured?: Measured[];
}

/** The scorecard of one stack. */
export interface Scorecard {
    stack: string;
    /** Zones per region assumed by the placement worst cases. */
    zones: number;
    rows: ScoreRow[];
    /** Where measured figures came from, when a drill file was found. */
    drills?: string;
}

/** A recorded resource as plan records it (resources.json entries have the same shape). */
export interface Res {
    type: string;
    name: string;
    inputs: Record<string, any>;
}

/** What a rule gets: the stack's resources and, when rendered too, the other stack's. */
export interface RuleContext {
    stack: string;
    resources: Res[];
    /** The other stack of the pair (undefined when this plan did not render it). */
    peer?: Res[];
    zones: number;
}

/** Kubernetes objects of a kind (optionally of an API group), in registration order. */
export function objectsOf(resources: Res[], kind: string, group?: string): Record<string, any>[] {
    return resources
        .filter((r) => r.type.startsWith("kubernetes:") && r.inputs?.kind === kind)
        .filter((r) => !group || String(r.inputs.apiVersion ?? "").startsWith(group))
        .map((r) => r.inputs);
}

/** `Kind namespace/name` of an object. */
export function ref(o: Record<string, any>): string {
    return `${o.kind} ${o.metadata?.namespace ?? ""}/${o.metadata?.name ?? ""}`;
}

/** One verdict for the domains it applies to, in a compact form. */
export function score(verdict: Verdict, rpo: string, rto: string, why: string): DomainScore {
    return { verdict, rpo, rto, why };
}

/** Units lost when a domain goes: one pod, a node's share or a zone's share (worst case). */
export function lostIn(domain: Exclude<Domain, "region">, p: Placement): number {
    return domain === "pod" ? Math.min(1, p.pods) : domain === "node" ? p.perNode : p.perZone;
}

/** A redis.conf / sentinel.conf directive's value (last occurrence), or undefined. */
export function directive(conf: string, name: string): string | undefined {
    const lines = conf.split("\n").filter((l) => l.trim().startsWith(`${name} `));
    return lines.length ? lines[lines.length - 1].trim().slice(name.length + 1) : undefined;
}

/** "15000" ms → "15 s". */
export function seconds(ms: number): string {
    return `${Math.round(ms / 100) / 10} s`;
}
