/**
 * promtool scenarios of the cross-region watch (components/monitoring/cross-region-watch.ts): blackbox
 * exporter probes of the other region's endpoints, labelled by the ServiceMonitor's relabelings.
 */
import { Scope } from "../scope";
import { AlertScenario, Series, on } from "./types";

const PROBE = {
    peer_target: "postgres-replication",
    peer_address: "pg-rw.peer.data.internal:5432",
    peer_region: "peer",
};
const OTHER = { peer_target: "minio-replication", peer_address: "minio.peer.data.internal:9000", peer_region: "peer" };
const probes = (s: Scope, ok: number): Series[] => [
    on(s, `${s.podBase}-0`, "probe_success", ok, PROBE),
    on(s, `${s.podBase}-0`, "probe_success", 1, OTHER),
];

export const MONITORING_SCENARIOS: Record<string, AlertScenario> = {
    PeerRegionEndpointUnreachable: {
        failing: (s) => probes(s, 0),
        fires: () => [{ labels: PROBE, value: 0 }],
        healthy: (s) => probes(s, 1),
    },
    PeerRegionProbesMissing: {
        // The exporter's own metrics are scraped, but no probe runs.
        failing: (s) => [on(s, `${s.podBase}-0`, "up", 1)],
        fires: (s) => [{ labels: { namespace: s.namespace, job: s.job }, value: 1 }],
        healthy: (s) => probes(s, 1),
    },
};
