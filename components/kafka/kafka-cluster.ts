/**
 * KafkaCluster: one region's Strimzi 1.2 Kafka in KRaft mode — the `Kafka` (kafka.strimzi.io/v1) with a
 * KRaft controller pool and a broker pool (`KafkaNodePool`), JBOD persistent storage, rack awareness on the
 * zone label, TLS-only listeners with SCRAM-SHA-512 and simple authorization, Cruise Control, Kafka Exporter,
 * the JMX exporter rules, Strimzi's PDB (maxUnavailable 1), the cross-region listener's certificate, and the
 * monitors and alerts (KafkaMonitoring).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Resources, meta } from "../shared/k8s";
import { standardLabels } from "../shared/labels";
import { argChecks, binaryQuantity, dnsLabel, dnsName, intBetween } from "../shared/validate";
import { kafkaVersion } from "../shared/versions";
import {
    BROKER_RESOURCES,
    CONTROLLER_RESOURCES,
    DEFAULT_BROKERS,
    DEFAULT_CONTROLLERS,
    DEFAULT_MIN_INSYNC_REPLICAS,
    DEFAULT_REPLICATION_FACTOR,
    replicationProblem,
} from "./defaults";
import { KafkaTlsMaterial } from "./kafka-certificates";
import { KafkaMonitoring } from "./kafka-monitoring";
import { KAFKA_METRICS_CONFIG, METRICS_CONFIG_KEY, POOL_ROLES, kafkaSpec, nodePoolSpec } from "./kafka-spec";
import {
    KAFKA_CLUSTER,
    KAFKA_SECRETS,
    POOLS,
    STRIMZI_API,
    STRIMZI_LABELS,
    crossRegionHostnames,
    internalBootstrap,
} from "./naming";
import { KafkaNetworkSurface, kafkaNetworkSurface } from "./network";

/** Arguments of KafkaCluster. */
export interface KafkaClusterArgs {
    /** Namespace of every object. */
    readonly namespace: string;
    /** This stack's region (the cross-region names are `*.kafka.<region>.<dnsZone>`). */
    readonly region: string;
    /** DNS zone of the cross-region names. */
    readonly dnsZone: string;
    /** This region's cross-region listener certificate (and the pair CA). */
    readonly tls: KafkaTlsMaterial;
    /** Name of the Kafka and prefix of its pods and Services. Defaults to "events". */
    readonly clusterName?: string;
    /** Brokers. Defaults to 3. */
    readonly brokers?: number;
    /** KRaft controllers (3 or 5). Defaults to 3. */
    readonly controllers?: number;
    /** Data volume of each broker. Defaults to "100Gi". */
    readonly storageSize?: string;
    /** Metadata volume of each controller. Defaults to "20Gi". */
    readonly controllerStorageSize?: string;
    /** StorageClass of the volumes. Defaults to "fast-ssd". */
    readonly storageClass?: string;
    /** `default.replication.factor` (and the internal topics'). Defaults to 3. */
    readonly replicationFactor?: number;
    /** `min.insync.replicas`. Defaults to 2. */
    readonly minInsyncReplicas?: number;
    /** Requests and limits of each broker. Defaults to BROKER_RESOURCES (1/4Gi, 2/4Gi). */
    readonly brokerResources?: Resources;
    /** Requests and limits of each controller. Defaults to CONTROLLER_RESOURCES (250m/1Gi, 1/1Gi). */
    readonly controllerResources?: Resources;
    /** CIDRs allowed through the cross-region listener's NLBs (`loadBalancerSourceRanges`). Defaults to none (no restriction). */
    readonly crossRegionSourceRanges?: readonly string[];
    /** `networkPolicyPeers` of the internal and cross-region listeners (see network.ts). Defaults to none (open). */
    readonly listenerPeers?: { readonly internal?: readonly object[]; readonly crossRegion?: readonly object[] };
    /** `protect` on the Kafka and the node pools (their PVCs hold the data). Defaults to true. */
    readonly protect?: boolean;
    /** Operator resources the custom resources wait for. Defaults to none. */
    readonly dependsOn?: { readonly kafka?: pulumi.Resource[]; readonly monitoring?: pulumi.Resource[] };
}

/** KafkaClusterArgs with every default applied. */
export type ResolvedKafkaClusterArgs = Required<Omit<KafkaClusterArgs, "dependsOn" | "listenerPeers">> & {
    readonly listenerPeers: { readonly internal: readonly object[]; readonly crossRegion: readonly object[] };
};

/** Applies the documented defaults and validates; throws naming the property, the value and what is allowed. */
export function validateKafkaClusterArgs(args: KafkaClusterArgs): ResolvedKafkaClusterArgs {
    const a: ResolvedKafkaClusterArgs = {
        ...args,
        clusterName: args.clusterName ?? KAFKA_CLUSTER,
        brokers: args.brokers ?? DEFAULT_BROKERS,
        controllers: args.controllers ?? DEFAULT_CONTROLLERS,
        storageSize: args.storageSize ?? "100Gi",
        controllerStorageSize: args.controllerStorageSize ?? "20Gi",
        storageClass: args.storageClass ?? "fast-ssd",
        replicationFactor: args.replicationFactor ?? DEFAULT_REPLICATION_FACTOR,
        minInsyncReplicas: args.minInsyncReplicas ?? DEFAULT_MIN_INSYNC_REPLICAS,
        brokerResources: args.brokerResources ?? BROKER_RESOURCES,
        controllerResources: args.controllerResources ?? CONTROLLER_RESOURCES,
        crossRegionSourceRanges: args.crossRegionSourceRanges ?? [],
        listenerPeers: {
            internal: args.listenerPeers?.internal ?? [],
            crossRegion: args.listenerPeers?.crossRegion ?? [],
        },
        protect: args.protect ?? true,
    };
    const { check } = argChecks("KafkaCluster");
    check("namespace", a.namespace, dnsLabel(a.namespace));
    // Pods are `<cluster>-<pool>-<id>` and Services `<cluster>-kafka-bootstrap`: keep names well inside 63.
    check(
        "clusterName",
        a.clusterName,
        dnsLabel(a.clusterName) ?? (a.clusterName.length > 30 ? "expected at most 30 characters" : undefined),
    );
    check("dnsZone", a.dnsZone, dnsName(a.dnsZone));
    check("brokers", a.brokers, intBetween(3, 30)(a.brokers));
    check("controllers", a.controllers, a.controllers === 3 || a.controllers === 5 ? undefined : "expected 3 or 5");
    check("storageSize", a.storageSize, binaryQuantity(a.storageSize));
    check("controllerStorageSize", a.controllerStorageSize, binaryQuantity(a.controllerStorageSize));
    check("storageClass", a.storageClass, dnsName(a.storageClass));
    check(
        "replicationFactor",
        a.replicationFactor,
        replicationProblem(a.replicationFactor, a.minInsyncReplicas, a.brokers),
    );
    for (const cidr of a.crossRegionSourceRanges) {
        check(
            "crossRegionSourceRanges",
            cidr,
            /^[0-9]{1,3}(\.[0-9]{1,3}){3}\/[0-9]{1,2}$/.test(cidr)
                ? undefined
                : "expected IPv4 CIDRs like 10.20.0.0/16",
        );
    }
    return a;
}

/** In-cluster and cross-region endpoints of a region's Kafka. */
export interface KafkaEndpoints {
    readonly clusterName: string;
    readonly namespace: string;
    /** `host:port` of the internal TLS listener (SCRAM-SHA-512); trust the Secret `<cluster>-cluster-ca-cert`. */
    readonly bootstrap: string;
    /** `host:port` the other region connects to (TLS with the pair CA, SCRAM-SHA-512). */
    readonly crossRegionBootstrap: string;
    /** The Secret (created by Strimzi) holding the cluster CA certificate clients of the internal listener trust. */
    readonly clusterCaSecret: string;
}

/** One region's Kafka cluster. */
export class KafkaCluster extends pulumi.ComponentResource {
    public readonly endpoints: KafkaEndpoints;
    /** Ports and pod labels for NetworkPolicies (see network.ts). */
    public readonly network: KafkaNetworkSurface;
    /** The Kafka custom resource (topics and users wait for it). */
    public readonly kafka: k8s.apiextensions.CustomResource;

    constructor(name: string, args: KafkaClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("geo:kafka:KafkaCluster", name, {}, opts);
        const a = validateKafkaClusterArgs(args);
        const labels = standardLabels({
            app: "kafka",
            instance: a.clusterName,
            component: "broker",
            version: kafkaVersion,
        });
        const crOpts = { parent: this, dependsOn: args.dependsOn?.kafka ?? [] };

        const metricsConfigMap = `${a.clusterName}-kafka-metrics`;
        const metrics = new k8s.core.v1.ConfigMap(
            `${name}-metrics`,
            {
                metadata: meta(metricsConfigMap, a.namespace, labels),
                data: { [METRICS_CONFIG_KEY]: KAFKA_METRICS_CONFIG },
            },
            { parent: this },
        );
        const listenerTls = new k8s.core.v1.Secret(
            `${name}-xregion-tls`,
            {
                metadata: meta(KAFKA_SECRETS.crossRegionTls, a.namespace, labels),
                type: "kubernetes.io/tls",
                stringData: { "tls.crt": a.tls.listenerCert, "tls.key": a.tls.listenerKey },
            },
            { parent: this, additionalSecretOutputs: ["stringData", "data"] },
        );
        new k8s.core.v1.Secret(
            `${name}-pair-ca`,
            {
                metadata: meta(KAFKA_SECRETS.pairCa, a.namespace, labels),
                type: "Opaque",
                stringData: { "ca.crt": a.tls.caCert },
            },
            { parent: this },
        );
        // Node pools first: a Kafka without any pool is reported as invalid by the operator.
        const pools = Object.values(POOLS).map(
            (pool) =>
                new k8s.apiextensions.CustomResource(
                    `${name}-pool-${pool}`,
                    {
                        apiVersion: STRIMZI_API,
                        kind: "KafkaNodePool",
                        metadata: meta(pool, a.namespace, { ...labels, [STRIMZI_LABELS.cluster]: a.clusterName }),
                        spec: nodePoolSpec({
                            clusterName: a.clusterName,
                            pool,
                            roles: POOL_ROLES[pool],
                            replicas: pool === POOLS.broker ? a.brokers : a.controllers,
                            storageSize: pool === POOLS.broker ? a.storageSize : a.controllerStorageSize,
                            storageClass: a.storageClass,
                            resources: pool === POOLS.broker ? a.brokerResources : a.controllerResources,
                        }),
                    },
                    { ...crOpts, protect: a.protect, retainOnDelete: a.protect },
                ),
        );
        this.kafka = new k8s.apiextensions.CustomResource(
            `${name}-kafka`,
            {
                apiVersion: STRIMZI_API,
                kind: "Kafka",
                metadata: meta(a.clusterName, a.namespace, labels),
                spec: kafkaSpec({
                    clusterName: a.clusterName,
                    region: a.region,
                    dnsZone: a.dnsZone,
                    replicationFactor: a.replicationFactor,
                    minInsyncReplicas: a.minInsyncReplicas,
                    metricsConfigMap,
                    crossRegionSourceRanges: a.crossRegionSourceRanges,
                    listenerPeers: a.listenerPeers,
                }),
            },
            {
                ...crOpts,
                dependsOn: [...crOpts.dependsOn, metrics, listenerTls, ...pools],
                protect: a.protect,
                retainOnDelete: a.protect,
            },
        );
        new KafkaMonitoring(
            `${name}-monitoring`,
            { namespace: a.namespace, clusterName: a.clusterName, dependsOn: args.dependsOn?.monitoring },
            { parent: this },
        );
        this.endpoints = {
            clusterName: a.clusterName,
            namespace: a.namespace,
            bootstrap: internalBootstrap(a.clusterName, a.namespace),
            crossRegionBootstrap: crossRegionHostnames(a.region, a.dnsZone).bootstrapAddress,
            clusterCaSecret: `${a.clusterName}-cluster-ca-cert`,
        };
        this.network = kafkaNetworkSurface(a.clusterName, a.namespace);
        this.registerOutputs({ endpoints: this.endpoints });
    }
}
