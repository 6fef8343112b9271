/**
 * The other region's cross-region endpoints a region probes (CrossRegionWatch): the names the program renders
 * there, derived from config exactly as the replication derives them. Pure.
 */
import { replicationEndpoint as minioReplicationEndpoint } from "../minio/naming";
import { poolerHostnames, replicationEndpointLabel } from "../postgres/naming";
import { CLUSTER_NAME } from "../postgres/postgres";
import { replicationEndpoint as redisReplicationEndpoint } from "../redis/redis-replicated-args";
import { regionalHostname } from "../shared/naming";
import { PeerTarget } from "./cross-region-watch";
import { PROMETHEUS_PORT, prometheusPeerHostname } from "./prometheus-peer";

/**
 * Endpoints of `peerRegion` (in `dnsZone`): its replication endpoints, its Prometheus (the other region's Grafana
 * data source), and the Redis sessions master only when the peer is the primary region.
 */
export function peerTargets(peerRegion: string, primaryRegion: string, dnsZone: string): PeerTarget[] {
    const peer = { region: peerRegion, primaryRegion, dnsZone };
    return [
        {
            name: "postgres-replication",
            address: `${regionalHostname(replicationEndpointLabel(CLUSTER_NAME), peerRegion, dnsZone)}:5432`,
        },
        { name: "postgres-pooler-rw", address: `${poolerHostnames(CLUSTER_NAME, peer).regional}:5432` },
        { name: "minio-replication", address: minioReplicationEndpoint(peerRegion, dnsZone) },
        { name: "prometheus", address: `${prometheusPeerHostname(peerRegion, dnsZone)}:${PROMETHEUS_PORT}` },
        // Only the primary region serves the sessions master across regions.
        ...(peerRegion === primaryRegion
            ? [
                  {
                      name: "redis-sessions-master",
                      address: `${redisReplicationEndpoint("sessions", primaryRegion, dnsZone)}:6379`,
                  },
              ]
            : []),
    ];
}
