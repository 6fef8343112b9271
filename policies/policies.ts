/**
 * The list of policies in the pack. Each lives in its own module under policies/<area>/; this file only
 * collects them so both the pack (index.ts) and the offline runner use the same list.
 */
import { Policies } from "@pulumi/policy";
import { workloadDisallowUnpinnedImages } from "./kubernetes/workload-disallow-unpinned-images";
import { statefulRequireProtect } from "./kubernetes/stateful-require-protect";
import { clusterRequireMinInstances } from "./postgres/cluster-require-min-instances";
import { clusterRequireZoneAntiAffinity } from "./postgres/cluster-require-zone-anti-affinity";
import { clusterRequireSynchronousDurability } from "./postgres/cluster-require-synchronous-durability";
import { clusterRequireWalArchiver } from "./postgres/cluster-require-wal-archiver";
import { clusterRequireScheduledBackup } from "./postgres/cluster-require-scheduled-backup";
import { clusterConfigureReplicaTopology } from "./postgres/cluster-configure-replica-topology";
import { clusterDisallowSharedArchivePath } from "./postgres/cluster-disallow-shared-archive-path";
import { poolerRequireMinInstances } from "./postgres/pooler-require-min-instances";
import { bucketEnableVersioning } from "./aws/bucket-enable-versioning";
import { bucketEnableEncryption } from "./aws/bucket-enable-encryption";
import { bucketDisallowPublicAccess } from "./aws/bucket-disallow-public-access";
import { bucketConfigureLifecycle } from "./aws/bucket-configure-lifecycle";
import { bucketReplicationRequireKmsReencryption } from "./aws/bucket-replication-require-kms-reencryption";
import { workloadRequireResources } from "./kubernetes/workload-require-resources";
import { redisClusterRequireMinReplicas } from "./redis/redis-cluster-require-min-replicas";
import { redisClusterRequirePdb } from "./redis/redis-cluster-require-pdb";
import { redisRequireAofPersistence } from "./redis/redis-require-aof-persistence";
import { postgresDisallowNonTls } from "./postgres/postgres-disallow-non-tls";
import { namespaceRequireDefaultDeny } from "./network/namespace-require-default-deny";
import { serviceRequireLoadBalancerSourceRanges } from "./network/service-require-load-balancer-source-ranges";
import { alertmanagerRequireReceiver } from "./monitoring/alertmanager-require-receiver";
// Kafka (Strimzi)
import { kafkaNodepoolRequireMinReplicas } from "./kafka/kafka-nodepool-require-min-replicas";
import { kafkaNodepoolRequirePersistentStorage } from "./kafka/kafka-nodepool-require-persistent-storage";
import { kafkaRequireMinReplication } from "./kafka/kafka-require-min-replication";
import { kafkaTopicRequireMinReplication } from "./kafka/kafka-topic-require-min-replication";
import { kafkaRequireTlsListeners } from "./kafka/kafka-require-tls-listeners";
import { redisRequireTls } from "./redis/redis-require-tls";
import { tenantRequireMinGeometry } from "./minio/tenant-require-min-geometry";
import { tenantRequireTls } from "./minio/tenant-require-tls";
import { tenantRequireCredentialsSecret } from "./minio/tenant-require-credentials-secret";
import { tenantRequirePinnedImage } from "./minio/tenant-require-pinned-image";
import { replicationRequireVersioning } from "./minio/replication-require-versioning";
// Issue 15: HA, durability, security and cross-region gaps
import { clusterRequirePdb } from "./postgres/cluster-require-pdb";
import { objectstoreRequireMinRetention } from "./postgres/objectstore-require-min-retention";
import { sentinelRequireMinReplicas } from "./redis/sentinel-require-min-replicas";
import { workloadRequirePdb } from "./kubernetes/workload-require-pdb";
import { workloadRequireZoneSpread } from "./kubernetes/workload-require-zone-spread";
import { workloadRequireSecurityContext } from "./kubernetes/workload-require-security-context";
import { workloadDisallowSecretLiterals } from "./kubernetes/workload-disallow-secret-literals";
import { bucketRequireTls } from "./aws/bucket-require-tls";
import { bucketRequireReplication } from "./aws/bucket-require-replication";
import { pairRequireAgreedPrimary } from "./pair/pair-require-agreed-primary";
import { pairRequirePeerEndpoints } from "./pair/pair-require-peer-endpoints";

/** Every policy of the geo-data pack. */
export const policies: Policies = [
    workloadDisallowUnpinnedImages,
    statefulRequireProtect,
    clusterRequireMinInstances,
    clusterRequireZoneAntiAffinity,
    clusterRequireSynchronousDurability,
    clusterRequireWalArchiver,
    clusterRequireScheduledBackup,
    clusterConfigureReplicaTopology,
    clusterDisallowSharedArchivePath,
    poolerRequireMinInstances,
    bucketEnableVersioning,
    bucketEnableEncryption,
    bucketDisallowPublicAccess,
    bucketConfigureLifecycle,
    bucketReplicationRequireKmsReencryption,
    workloadRequireResources,
    redisClusterRequireMinReplicas,
    redisClusterRequirePdb,
    redisRequireAofPersistence,
    postgresDisallowNonTls,
    namespaceRequireDefaultDeny,
    serviceRequireLoadBalancerSourceRanges,
    alertmanagerRequireReceiver,
    // Kafka (Strimzi)
    kafkaNodepoolRequireMinReplicas,
    kafkaNodepoolRequirePersistentStorage,
    kafkaRequireMinReplication,
    kafkaTopicRequireMinReplication,
    kafkaRequireTlsListeners,
    redisRequireTls,
    tenantRequireMinGeometry,
    tenantRequireTls,
    tenantRequireCredentialsSecret,
    tenantRequirePinnedImage,
    replicationRequireVersioning,
    // Issue 15
    clusterRequirePdb,
    objectstoreRequireMinRetention,
    sentinelRequireMinReplicas,
    workloadRequirePdb,
    workloadRequireZoneSpread,
    workloadRequireSecurityContext,
    workloadDisallowSecretLiterals,
    bucketRequireTls,
    bucketRequireReplication,
    pairRequireAgreedPrimary,
    pairRequirePeerEndpoints,
];
