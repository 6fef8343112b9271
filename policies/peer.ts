/**
 * How a stack policy sees the other region: through a `pulumi:pulumi:StackReference` to the peer stack, whose
 * props (as the engine passes them to stack policies: the resource's outputs) carry the peer's exports —
 * `pair`, `postgres.topology`, `backup`, `redis`, `kafka`, `minio` (components/shared/pair.ts and index.ts).
 * With the real CLI only the stack that references its peer (us-west) has one; the primary-role stack is
 * checked alone. Offline, `npm run plan` and `npm run policy -- <east> <west>` give each stack its peer's
 * outputs (tools/policy-runner.ts), so both directions are checked.
 */
import { StackResource } from "./lib";

/** The peer's exports the cross-region policies read (all non-secret). */
export interface PeerOutputs {
    pair?: { region?: string; peerRegion?: string; primaryRegion?: string; role?: string };
    postgres?: { topology?: { self?: string; primary?: string; replicationHost?: string } };
    backup?: { bucketName?: string; bucketArn?: string; prefix?: string };
    redis?: { sessions?: { replicationEndpoint?: string; sentinelHost?: string | null } };
    kafka?: { alias?: string; crossRegionBootstrap?: string };
    minio?: { replicationEndpoint?: string };
}

/** The stack name of a URN (`urn:pulumi:<stack>::…`). */
export function stackOfUrn(urn: string): string | undefined {
    return /^urn:pulumi:([^:]+)::/.exec(urn)?.[1];
}

/** The peer region's outputs and the StackReference they came from; undefined when the stack sees no peer. */
export function peerOf(resources: readonly StackResource[]): { ref: StackResource; outputs: PeerOutputs } | undefined {
    for (const r of resources) {
        if (r.type !== "pulumi:pulumi:StackReference") continue;
        const name = String(r.props?.name ?? "");
        const outputs = r.props?.outputs;
        if (name.split("/").pop() === stackOfUrn(r.urn)) continue; // the stack's reference to itself
        if (outputs && typeof outputs === "object" && outputs.pair) return { ref: r, outputs };
    }
    return undefined;
}

/** True when the peer's exports say it holds the primary (its topology's self is the primary). */
export function peerIsPrimary(peer: PeerOutputs): boolean {
    const t = peer.postgres?.topology;
    return !!t?.self && t.self === t.primary;
}
