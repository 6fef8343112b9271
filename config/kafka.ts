/**
 * Kafka keys `kafka*`: the size of each region's Strimzi cluster, its durability defaults, the MirrorMaker 2
 * workers, and the topics and users as typed JSON lists. Every topic and user is validated here, before
 * anything is registered, with the rules Strimzi and Kafka would apply later (components/kafka/defaults.ts):
 * an error names the key and the entry, e.g. `geo-data:kafkaTopics[1].replicas`.
 */
import {
    ACL_OPERATIONS,
    ACL_RESOURCE_TYPES,
    AclOperation,
    CLEANUP_POLICIES,
    CleanupPolicy,
    DEFAULT_BROKERS,
    DEFAULT_CONTROLLERS,
    DEFAULT_MIN_INSYNC_REPLICAS,
    DEFAULT_REPLICATION_FACTOR,
    KafkaAclSpec,
    KafkaTopicSpec,
    KafkaUserSpec,
    replicationProblem,
    retentionMs,
    topicName,
} from "../components/kafka/defaults";
import { MIRROR_USER } from "../components/kafka/naming";
import { ConfigError, binaryQuantity, dnsLabel, intBetween, show } from "../components/shared/validate";
import { KeySpec, PROJECT, Reader } from "./reader";

/** The Kafka keys, in docs order. */
export const KAFKA_KEYS = {
    kafkaBrokers: {
        type: "integer",
        default: DEFAULT_BROKERS,
        description:
            "Brokers (KafkaNodePool `broker`) of each region's Kafka cluster, 3 to 30, spread over the zones; every topic's replication factor must fit.",
    },
    kafkaControllers: {
        type: "integer",
        default: DEFAULT_CONTROLLERS,
        description:
            "KRaft controllers (KafkaNodePool `controller`) of each region's Kafka cluster: 3 or 5 (a quorum of 2N+1 tolerates N controllers down).",
    },
    kafkaStorageSize: {
        type: "string",
        default: "100Gi",
        description: "Persistent (JBOD) data volume of each broker (binary units, e.g. 100Gi).",
    },
    kafkaControllerStorageSize: {
        type: "string",
        default: "20Gi",
        description: "Persistent volume of each KRaft controller (the metadata log; binary units).",
    },
    kafkaReplicationFactor: {
        type: "integer",
        default: DEFAULT_REPLICATION_FACTOR,
        description: "Default replication factor of topics (and of Kafka's internal topics); at most kafkaBrokers.",
    },
    kafkaMinInsyncReplicas: {
        type: "integer",
        default: DEFAULT_MIN_INSYNC_REPLICAS,
        description:
            "Default `min.insync.replicas`: with producers using `acks=all`, a write is acknowledged once this many replicas have it. Below kafkaReplicationFactor.",
    },
    kafkaMirrorReplicas: {
        type: "integer",
        default: 2,
        description:
            "MirrorMaker 2 (Kafka Connect) workers in the region that is not primary, 1 to 10; tasks move to a surviving worker.",
    },
    kafkaTopics: {
        type: "string",
        default: "[]",
        description:
            'Topics of both regions, as a JSON list of {"name", "partitions", "replicas"?, "minInsyncReplicas"?, "retention"? ("7d", "12h", "forever"; default 7d), "cleanupPolicy"? (delete, compact, "compact,delete")}. Set the same list in both stacks: MirrorMaker 2 mirrors exactly these topics from the primary region.',
    },
    kafkaUsers: {
        type: "string",
        default: "[]",
        description:
            'Application users of both regions, as a JSON list of {"name", "acls": [{"type": topic|group|cluster|transactionalId, "name"?, "patternType"? (literal, prefix), "operations": [Read, Write, Describe, …]}]}: SCRAM-SHA-512 credentials (the same password in both regions) and simple-authorization ACLs.',
    },
} as const satisfies Record<string, KeySpec>;

/** Kafka settings (keys `kafka*`). */
export interface KafkaConfig {
    readonly brokers: number;
    readonly controllers: number;
    readonly storageSize: string;
    readonly controllerStorageSize: string;
    readonly replicationFactor: number;
    readonly minInsyncReplicas: number;
    readonly mirrorReplicas: number;
    readonly topics: readonly KafkaTopicSpec[];
    readonly users: readonly KafkaUserSpec[];
}

type Json = Record<string, unknown>;

/** Parses a JSON list key; errors name the key and say what the list holds. */
function jsonList(key: string, raw: string, what: string): Json[] {
    let v: unknown;
    try {
        v = JSON.parse(raw);
    } catch (err) {
        throw new ConfigError(
            `${PROJECT}:${key}`,
            `is not valid JSON (${(err as Error).message}); expected a list of ${what}`,
        );
    }
    if (!Array.isArray(v))
        throw new ConfigError(`${PROJECT}:${key}`, `${show(raw)} is not allowed; expected a JSON list of ${what}`);
    v.forEach((x, i) => {
        if (typeof x !== "object" || x === null || Array.isArray(x))
            throw new ConfigError(`${PROJECT}:${key}[${i}]`, `${show(x)} is not allowed; expected an object`);
    });
    return v as Json[];
}

/** Field reader of one list entry: errors name `geo-data:<key>[i].<field>`. */
function entry(key: string, i: number, o: Json, fields: readonly string[]) {
    const at = (f: string) => `${PROJECT}:${key}[${i}]${f ? `.${f}` : ""}`;
    for (const f of Object.keys(o)) {
        if (!fields.includes(f))
            throw new ConfigError(at(f), `is not a known field; expected one of: ${fields.join(", ")}`);
    }
    const fail = (f: string, problem: string): never => {
        throw new ConfigError(at(f), `${show(o[f])} is not allowed; ${problem}`);
    };
    return {
        at,
        fail,
        str(f: string, dflt?: string): string {
            const v = o[f] ?? dflt;
            if (v === undefined) throw new ConfigError(at(f), "is required");
            return typeof v === "string" ? v : fail(f, "expected a string");
        },
        int(f: string, dflt?: number): number {
            const v = o[f] ?? dflt;
            if (v === undefined) throw new ConfigError(at(f), "is required");
            return typeof v === "number" && Number.isInteger(v) ? v : fail(f, "expected an integer");
        },
    };
}

const TOPIC_FIELDS = ["name", "partitions", "replicas", "minInsyncReplicas", "retention", "cleanupPolicy"] as const;

/** `kafkaTopics`: each topic checked against the cluster it lands on (brokers) and the mirrored-name prefixes. */
export function parseKafkaTopics(
    raw: string,
    d: { brokers: number; replicationFactor: number; minInsyncReplicas: number; aliases: readonly string[] },
): KafkaTopicSpec[] {
    const seen = new Set<string>();
    return jsonList("kafkaTopics", raw, "topics").map((o, i) => {
        const e = entry("kafkaTopics", i, o, TOPIC_FIELDS);
        const name = e.str("name");
        const nameProblem = topicName(d.aliases)(name);
        if (nameProblem) e.fail("name", nameProblem);
        if (seen.has(name)) e.fail("name", "is configured twice");
        seen.add(name);
        const partitions = e.int("partitions");
        if (intBetween(1, 10000)(partitions)) e.fail("partitions", "expected an integer from 1 to 10000");
        const replicas = e.int("replicas", d.replicationFactor);
        const minInsyncReplicas = e.int("minInsyncReplicas", d.minInsyncReplicas);
        const problem = replicationProblem(replicas, minInsyncReplicas, d.brokers);
        if (problem) {
            const field =
                problem.startsWith("min") && o.minInsyncReplicas !== undefined ? "minInsyncReplicas" : "replicas";
            e.fail(field, problem);
        }
        const retention = e.str("retention", "7d");
        const ms = retentionMs(retention);
        if (ms === undefined) e.fail("retention", 'expected a duration like 7d, 12h, 30m, 45s or 500ms, or "forever"');
        const cleanupPolicy = e.str("cleanupPolicy", "delete") as CleanupPolicy;
        if (!CLEANUP_POLICIES.includes(cleanupPolicy))
            e.fail("cleanupPolicy", `expected one of: ${CLEANUP_POLICIES.join(", ")}`);
        return Object.freeze({ name, partitions, replicas, minInsyncReplicas, retentionMs: ms!, cleanupPolicy });
    });
}

/** `kafkaUsers`: names are DNS labels (they name the KafkaUser and its Secret); ACLs use Strimzi's vocabulary. */
export function parseKafkaUsers(raw: string): KafkaUserSpec[] {
    const seen = new Set<string>();
    return jsonList("kafkaUsers", raw, "users").map((o, i) => {
        const e = entry("kafkaUsers", i, o, ["name", "acls"]);
        const name = e.str("name");
        const labelProblem = dnsLabel(name) ?? (name.length > 50 ? "expected at most 50 characters" : undefined);
        if (labelProblem) e.fail("name", labelProblem);
        if (name === MIRROR_USER) e.fail("name", `${MIRROR_USER} is the MirrorMaker 2 user this program manages`);
        if (seen.has(name)) e.fail("name", "is configured twice");
        seen.add(name);
        if (!Array.isArray(o.acls) || o.acls.length === 0) e.fail("acls", "expected a non-empty list of ACLs");
        const acls = (o.acls as unknown[]).map((a, j): KafkaAclSpec => {
            const key = `kafkaUsers[${i}].acls`;
            if (typeof a !== "object" || a === null || Array.isArray(a))
                throw new ConfigError(`${PROJECT}:${key}[${j}]`, `${show(a)} is not allowed; expected an object`);
            const ae = entry(key, j, a as Json, ["type", "name", "patternType", "operations"]);
            const type = ae.str("type") as KafkaAclSpec["type"];
            if (!ACL_RESOURCE_TYPES.includes(type))
                ae.fail("type", `expected one of: ${ACL_RESOURCE_TYPES.join(", ")}`);
            const resourceName = type === "cluster" ? undefined : ae.str("name");
            if (resourceName === "") ae.fail("name", "expected a resource name, or * for all");
            const patternType = ae.str("patternType", "literal") as KafkaAclSpec["patternType"];
            if (patternType !== "literal" && patternType !== "prefix")
                ae.fail("patternType", "expected literal or prefix");
            const ops = (a as Json).operations;
            if (
                !Array.isArray(ops) ||
                ops.length === 0 ||
                ops.some((op) => !ACL_OPERATIONS.includes(op as AclOperation))
            )
                ae.fail("operations", `expected a non-empty list of: ${ACL_OPERATIONS.join(", ")}`);
            return Object.freeze({
                type,
                ...(resourceName !== undefined ? { name: resourceName } : {}),
                patternType,
                operations: Object.freeze([...(ops as AclOperation[])]),
            });
        });
        return Object.freeze({ name, acls: Object.freeze(acls) });
    });
}

/** Kafka settings; `aliases` are both regions' MirrorMaker 2 aliases (no topic may start with `<alias>.`). */
export function parseKafka(r: Reader<keyof typeof KAFKA_KEYS>, ctx: { aliases: readonly string[] }): KafkaConfig {
    const brokers = r.int("kafkaBrokers", intBetween(3, 30));
    const controllers = r.int("kafkaControllers", (v) =>
        v === 3 || v === 5 ? undefined : "expected 3 or 5 (an odd quorum; more controllers slow every metadata commit)",
    );
    const storageSize = r.str("kafkaStorageSize", binaryQuantity);
    const controllerStorageSize = r.str("kafkaControllerStorageSize", binaryQuantity);
    const replicationFactor = r.int("kafkaReplicationFactor", (v) =>
        intBetween(2, brokers)(v) ? `expected an integer from 2 to ${brokers} (kafkaBrokers)` : undefined,
    );
    const minInsyncReplicas = r.int("kafkaMinInsyncReplicas", (v) =>
        intBetween(1, replicationFactor - 1)(v)
            ? `expected an integer from 1 to ${replicationFactor - 1} (below kafkaReplicationFactor, so one broker down does not stop acks=all writes)`
            : undefined,
    );
    const mirrorReplicas = r.int("kafkaMirrorReplicas", intBetween(1, 10));
    const topics = parseKafkaTopics(r.str("kafkaTopics"), {
        brokers,
        replicationFactor,
        minInsyncReplicas,
        aliases: ctx.aliases,
    });
    const users = parseKafkaUsers(r.str("kafkaUsers"));
    return Object.freeze({
        brokers,
        controllers,
        storageSize,
        controllerStorageSize,
        replicationFactor,
        minInsyncReplicas,
        mirrorReplicas,
        topics: Object.freeze(topics),
        users: Object.freeze(users),
    });
}
