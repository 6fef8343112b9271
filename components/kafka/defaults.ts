/**
 * Kafka facts config/ and the components both rely on, written once: the durability defaults, the typed
 * topic and user specs, and the checks a topic or user must pass before Strimzi or Kafka would see it
 * (config/kafka.ts reports them under the config key, the components under their property). Pure.
 */
import type { Resources } from "../shared/k8s";
import type { Check } from "../shared/validate";

/** Default replication factor of every topic (and of Kafka's internal topics). */
export const DEFAULT_REPLICATION_FACTOR = 3;
/** Default `min.insync.replicas`: with `acks=all` a write survives the loss of one more broker. */
export const DEFAULT_MIN_INSYNC_REPLICAS = 2;
/** Default broker count of each region. */
export const DEFAULT_BROKERS = 3;
/** Default KRaft controller count of each region (a quorum of 3 tolerates one controller down). */
export const DEFAULT_CONTROLLERS = 3;

/** Resources of each broker container (JVM heap is half the memory limit: the rest is page cache headroom). */
export const BROKER_RESOURCES: Resources = Object.freeze({
    requests: { cpu: "1", memory: "4Gi" },
    limits: { cpu: "2", memory: "4Gi" },
});
/** Resources of each KRaft controller container. */
export const CONTROLLER_RESOURCES: Resources = Object.freeze({
    requests: { cpu: "250m", memory: "1Gi" },
    limits: { cpu: "1", memory: "1Gi" },
});
/** Resources of each MirrorMaker 2 (Kafka Connect) worker. */
export const MIRROR_RESOURCES: Resources = Object.freeze({
    requests: { cpu: "500m", memory: "2Gi" },
    limits: { cpu: "1", memory: "2Gi" },
});
/** Resources of the small helper containers (topic and user operators, Kafka Exporter, Cruise Control). */
export const OPERAND_RESOURCES = {
    topicOperator: Object.freeze({
        requests: { cpu: "100m", memory: "256Mi" },
        limits: { cpu: "500m", memory: "512Mi" },
    }),
    userOperator: Object.freeze({
        requests: { cpu: "100m", memory: "256Mi" },
        limits: { cpu: "500m", memory: "512Mi" },
    }),
    kafkaExporter: Object.freeze({
        requests: { cpu: "50m", memory: "64Mi" },
        limits: { cpu: "500m", memory: "256Mi" },
    }),
    cruiseControl: Object.freeze({ requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } }),
} as const satisfies Record<string, Resources>;

/** Kafka topic cleanup policies (`cleanup.policy`). */
export const CLEANUP_POLICIES = ["delete", "compact", "compact,delete"] as const;
export type CleanupPolicy = (typeof CLEANUP_POLICIES)[number];

/** One topic, as configured (`kafkaTopics`). */
export interface KafkaTopicSpec {
    /** Kafka topic name. */
    readonly name: string;
    /** Partitions (can only grow). */
    readonly partitions: number;
    /** Replication factor. Defaults to kafkaReplicationFactor. */
    readonly replicas: number;
    /** `min.insync.replicas`. Defaults to kafkaMinInsyncReplicas. */
    readonly minInsyncReplicas: number;
    /** `retention.ms`; -1 keeps records forever. */
    readonly retentionMs: number;
    readonly cleanupPolicy: CleanupPolicy;
}

/** ACL resource types of a KafkaUser (Strimzi `acls[].resource.type`). */
export const ACL_RESOURCE_TYPES = ["topic", "group", "cluster", "transactionalId"] as const;
/** ACL operations Strimzi accepts (`acls[].operations`). */
export const ACL_OPERATIONS = [
    "Read",
    "Write",
    "Create",
    "Delete",
    "Alter",
    "Describe",
    "ClusterAction",
    "AlterConfigs",
    "DescribeConfigs",
    "IdempotentWrite",
    "All",
] as const;
export type AclOperation = (typeof ACL_OPERATIONS)[number];

/** One ACL of a user: allow `operations` on a resource. */
export interface KafkaAclSpec {
    readonly type: (typeof ACL_RESOURCE_TYPES)[number];
    /** Resource name (`*` for all); absent for `cluster`. */
    readonly name?: string;
    readonly patternType: "literal" | "prefix";
    readonly operations: readonly AclOperation[];
}

/** One application user (`kafkaUsers`): SCRAM-SHA-512 credentials and simple-authorization ACLs. */
export interface KafkaUserSpec {
    /** The user name (also its KafkaUser and credentials Secret name). */
    readonly name: string;
    readonly acls: readonly KafkaAclSpec[];
}

const TOPIC_CHARS = /^[a-zA-Z0-9._-]{1,249}$/;

/**
 * A topic name Kafka accepts and this program can manage: Kafka's characters and length, not `.`/`..`, not
 * an internal name (`__…`, `*.internal`, MirrorMaker's `mm2-…`, `heartbeats`), and not prefixed with a
 * region alias plus "." — those names belong to the topics MirrorMaker 2 mirrors from the other region.
 */
export function topicName(aliases: readonly string[]): Check<string> {
    return (v) => {
        if (!TOPIC_CHARS.test(v) || v === "." || v === "..")
            return "expected 1 to 249 characters of a-z, A-Z, 0-9, '.', '_' and '-' (and not . or ..)";
        if (v.startsWith("__") || v.endsWith(".internal") || v.startsWith("mm2-") || v === "heartbeats")
            return "is reserved for Kafka's and MirrorMaker 2's internal topics";
        const alias = aliases.find((a) => v.startsWith(`${a}.`));
        if (alias) return `starts with "${alias}.", the prefix of topics mirrored from region alias ${alias}`;
        return undefined;
    };
}

/** The replication rule Kafka enforces at topic creation plus the one that makes `acks=all` survive a broker loss. */
export function replicationProblem(replicas: number, minIsr: number, brokers: number): string | undefined {
    if (!Number.isInteger(replicas) || replicas < 1) return `replication factor ${replicas} must be an integer >= 1`;
    if (replicas > brokers)
        return `replication factor ${replicas} exceeds the ${brokers} brokers (kafkaBrokers): Kafka cannot place the replicas`;
    if (!Number.isInteger(minIsr) || minIsr < 1) return `min.insync.replicas ${minIsr} must be an integer >= 1`;
    if (minIsr >= replicas)
        return `min.insync.replicas ${minIsr} must be below the replication factor ${replicas}: otherwise one broker down stops every acks=all write`;
    return undefined;
}

const DURATION = /^(0|[1-9][0-9]*)(ms|s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `retention.ms` of a retention such as `7d`, `12h`, `30m`, `45s`, `500ms`, or `forever` (-1); undefined if invalid. */
export function retentionMs(v: string): number | undefined {
    if (v === "forever") return -1;
    const m = DURATION.exec(v);
    return m && Number(m[1]) > 0 ? Number(m[1]) * UNIT_MS[m[2]] : undefined;
}
