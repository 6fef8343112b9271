import { mcCommands } from "../../components/minio/mc-script";
import { StackValidationPolicy } from "@pulumi/policy";
import { TYPES, confValue, mcScripts, objectRef } from "../lib";
import { peerOf } from "../peer";

/**
 * Every cross-region connection goes to the endpoint the peer stack exports, never to a hand-typed or stale name:
 * the CloudNativePG Cluster's external cluster for the peer (`postgres.topology.replicationHost`), a Redis
 * `replicaof` outside the cluster (`redis.sessions.replicationEndpoint`), a MirrorMaker 2 source with the peer's
 * alias (`kafka.crossRegionBootstrap`) and the MinIO setup Job's `peer` alias (`minio.replicationEndpoint`).
 */
export const pairRequirePeerEndpoints: StackValidationPolicy = {
    name: "pair-require-peer-endpoints",
    description:
        "Cross-region connections (CloudNativePG external cluster, Redis replicaof, MirrorMaker 2 source, MinIO peer alias) must use the endpoints the peer stack exports.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Derive every cross-region endpoint from the peer's StackReference outputs or from geo-data:dnsZone and the peer region (components/shared/naming.ts), never by hand; give both stacks the same dnsZone.",
    validateStack: (args, reportViolation) => {
        const peer = peerOf(args.resources)?.outputs;
        if (!peer) return;
        const from = `the peer stack (${peer.pair?.region}) exports`;
        const pgHost = peer.postgres?.topology?.replicationHost;
        for (const c of args.resources.filter((r) => r.type === TYPES.cnpgCluster)) {
            const self = c.props?.spec?.replica?.self ?? c.props?.metadata?.name;
            for (const e of c.props?.spec?.externalClusters ?? []) {
                const host = e?.connectionParameters?.host;
                if (e?.name === self || host === undefined || !pgHost || host === pgHost) continue;
                reportViolation(
                    `Cluster ${objectRef(c.props)} streams from external cluster ${JSON.stringify(e.name)} at ${host}, but ${from} replicationHost ${pgHost}; use the exported host.`,
                    c.urn,
                );
            }
        }
        const redisHost = peer.redis?.sessions?.replicationEndpoint;
        for (const cm of args.resources.filter((r) => r.type === "kubernetes:core/v1:ConfigMap")) {
            const conf = cm.props?.data?.["redis.conf"];
            const replicaof = typeof conf === "string" ? confValue(conf, "replicaof") : undefined;
            const host = replicaof?.split(/\s+/)[0];
            if (!host || !redisHost || /\.svc(\.|$)/.test(host) || host === redisHost.toLowerCase()) continue;
            reportViolation(
                `ConfigMap ${objectRef(cm.props)} makes Redis replicate from ${host}, but ${from} replicationEndpoint ${redisHost}; use the exported endpoint.`,
                cm.urn,
            );
        }
        const kafkaBootstrap = peer.kafka?.crossRegionBootstrap;
        for (const mm of args.resources.filter((r) => r.type === "kubernetes:kafka.strimzi.io/v1:KafkaMirrorMaker2")) {
            for (const m of mm.props?.spec?.mirrors ?? []) {
                const s = m?.source ?? {};
                if (!kafkaBootstrap || s.alias !== peer.kafka?.alias || s.bootstrapServers === kafkaBootstrap) continue;
                reportViolation(
                    `KafkaMirrorMaker2 ${objectRef(mm.props)} mirrors ${s.alias} from ${s.bootstrapServers}, but ${from} crossRegionBootstrap ${kafkaBootstrap}; use the exported bootstrap.`,
                    mm.urn,
                );
            }
        }
        const minio = peer.minio?.replicationEndpoint;
        for (const job of args.resources.filter((r) => r.type === "kubernetes:batch/v1:Job")) {
            for (const script of mcScripts(job.props)) {
                for (const argv of mcCommands(script)) {
                    if (argv[1] !== "alias" || argv[2] !== "set" || argv[3] !== "peer" || !minio) continue;
                    if (argv[4] === `https://${minio}`) continue;
                    reportViolation(
                        `Job ${objectRef(job.props)} points MinIO alias peer at ${argv[4]}, but ${from} replicationEndpoint ${minio}; use https://${minio}.`,
                        job.urn,
                    );
                }
            }
        }
    },
};
