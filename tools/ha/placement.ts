/**
 * Worst-case placement of a workload's pods, from the scheduling constraints it renders: how many of its
 * pods one zone, and one node, can hold at most. The scorecard assumes nothing the manifests do not force:
 * a soft constraint (`ScheduleAnyway`, `preferred…`) guarantees nothing, so it is ignored.
 */

/** Zones per region the scorecard assumes (the EKS clusters span three zones: see README prerequisites). */
export const ZONES = 3;

export const ZONE_KEY = "topology.kubernetes.io/zone";
export const HOST_KEY = "kubernetes.io/hostname";

/** How a workload's pods are guaranteed to be spread. */
export interface Placement {
    /** Pods of the workload. */
    pods: number;
    /** Most pods one zone can hold under the hard constraints. */
    perZone: number;
    /** Most pods one node can hold under the hard constraints. */
    perNode: number;
    /** Pods the hard constraints leave unschedulable (required zone anti-affinity with more pods than zones). */
    unschedulable: number;
    /** The constraints that decided it, for the "why" column. */
    because: string;
}

/** The scheduling fields of a pod template (a subset of PodSpec; CloudNativePG's own `affinity` too). */
export interface SchedulingSpec {
    affinity?: {
        podAntiAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { topologyKey?: string }[] };
        /** CloudNativePG's Cluster.spec.affinity shorthand. */
        enablePodAntiAffinity?: boolean;
        podAntiAffinityType?: string;
        topologyKey?: string;
    };
    topologySpreadConstraints?: { topologyKey?: string; maxSkew?: number; whenUnsatisfiable?: string }[];
}

/** Most pods in one of `domains` domains when `pods` pods spread with at most `skew` difference. */
export function worstPerDomain(pods: number, skew: number, domains: number): number {
    if (pods <= 0) return 0;
    return Math.min(pods, Math.floor((pods + (domains - 1) * skew) / domains));
}

function hardSkew(spec: SchedulingSpec, key: string): number | undefined {
    const skews = (spec.topologySpreadConstraints ?? [])
        .filter((c) => c.topologyKey === key && (c.whenUnsatisfiable ?? "DoNotSchedule") === "DoNotSchedule")
        .map((c) => c.maxSkew ?? 1);
    return skews.length ? Math.min(...skews) : undefined;
}

function requiredAntiAffinity(spec: SchedulingSpec, key: string): boolean {
    const a = spec.affinity;
    if (!a) return false;
    if (a.enablePodAntiAffinity && a.podAntiAffinityType === "required" && (a.topologyKey ?? HOST_KEY) === key)
        return true;
    return (a.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).some((t) => t.topologyKey === key);
}

/**
 * The worst case placement of `pods` pods under `spec`'s hard constraints, over `zones` zones and enough nodes.
 * Required anti-affinity over zones puts one pod per zone (and per node); a `DoNotSchedule` spread with
 * maxSkew k bounds a zone to ⌊(n + (z−1)k)/z⌋; without a hard node rule a node can hold a whole zone's share.
 */
export function placement(pods: number, spec: SchedulingSpec, zones = ZONES): Placement {
    const reasons: string[] = [];
    let perZone = pods;
    let unschedulable = 0;
    if (requiredAntiAffinity(spec, ZONE_KEY)) {
        perZone = Math.min(1, pods);
        unschedulable = Math.max(0, pods - zones);
        reasons.push("required zone anti-affinity");
    } else {
        const skew = hardSkew(spec, ZONE_KEY);
        if (skew !== undefined) {
            perZone = worstPerDomain(pods, skew, zones);
            reasons.push(`zone spread maxSkew ${skew} (DoNotSchedule)`);
        } else reasons.push("no hard zone spread");
    }
    let perNode = perZone;
    if (requiredAntiAffinity(spec, HOST_KEY) || hardSkew(spec, HOST_KEY) !== undefined || perZone <= 1) {
        perNode = Math.min(1, perZone);
        if (perZone > 1) reasons.push("one pod per node");
    } else reasons.push("node spread soft: a node may hold a zone's share");
    return { pods, perZone, perNode, unschedulable, because: `${pods} pods, ≤${perZone}/zone: ${reasons.join(", ")}` };
}
