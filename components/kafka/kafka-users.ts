/**
 * KafkaUsers: the configured application users and MirrorMaker 2's own user as `KafkaUser` CRs with
 * SCRAM-SHA-512 and simple authorization. Each password is ours, not the User Operator's: generated once by the
 * primary-role stack (or given, by the other stack, from its StackReference) and stored in a Secret the
 * KafkaUser references (`authentication.password.valueFrom`). So a user has the same password in both regions
 * and a consumer that moves to the other region changes only its bootstrap address.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { meta } from "../shared/k8s";
import { standardLabels } from "../shared/labels";
import { argChecks, dnsLabel } from "../shared/validate";
import { KafkaAclSpec, KafkaUserSpec } from "./defaults";
import { KAFKA_SECRETS, MIRROR_USER, STRIMZI_API, STRIMZI_LABELS } from "./naming";

/**
 * The ACLs of MirrorMaker 2's user, the same in both regions (the mirror runs in whichever region is not
 * primary): on the source, read the configured topics and the consumer groups' offsets; on the target, write
 * the mirrored copies (`<alias>.` prefixes), its Connect group and storage topics (`connect-mirror-`), the
 * offset-syncs and checkpoint topics, and commit translated offsets for the groups.
 */
export function mirrorUserAcls(topics: readonly string[], aliases: readonly string[]): KafkaAclSpec[] {
    const acl = (
        type: KafkaAclSpec["type"],
        name: string | undefined,
        patternType: KafkaAclSpec["patternType"],
        operations: KafkaAclSpec["operations"],
    ): KafkaAclSpec => ({ type, ...(name !== undefined ? { name } : {}), patternType, operations });
    const write = ["Read", "Write", "Create", "Describe", "DescribeConfigs"] as const;
    return [
        ...topics.map((t) => acl("topic", t, "literal", ["Read", "Describe", "DescribeConfigs"])),
        ...aliases.map((a) => acl("topic", `${a}.`, "prefix", write)),
        acl("topic", "connect-mirror-", "prefix", write),
        acl("topic", "mm2-offset-syncs.", "prefix", write),
        acl("group", "connect-mirror-", "prefix", ["Read", "Describe"]),
        acl("group", "*", "literal", ["Read", "Describe"]),
        acl("cluster", undefined, "literal", ["Describe", "DescribeConfigs"]),
    ];
}

/** The Strimzi `authorization.acls` of a user. */
export function strimziAcls(acls: readonly KafkaAclSpec[]): Record<string, unknown>[] {
    return acls.map((a) => ({
        resource: { type: a.type, ...(a.name !== undefined ? { name: a.name, patternType: a.patternType } : {}) },
        operations: [...a.operations],
    }));
}

/** The `spec` of a KafkaUser whose SCRAM password is in Secret `secretName`, key `password`. */
export function userSpec(acls: readonly KafkaAclSpec[], secretName: string): Record<string, unknown> {
    return {
        authentication: {
            type: "scram-sha-512",
            password: { valueFrom: { secretKeyRef: { name: secretName, key: "password" } } },
        },
        authorization: { type: "simple", acls: strimziAcls(acls) },
    };
}

/** Arguments of KafkaUsers. */
export interface KafkaUsersArgs {
    readonly namespace: string;
    /** The Kafka the users belong to (label `strimzi.io/cluster`). */
    readonly clusterName: string;
    /** Application users (from config). */
    readonly users: readonly KafkaUserSpec[];
    /** Topics MirrorMaker 2 mirrors (its user may read them). */
    readonly mirroredTopics: readonly string[];
    /** Both regions' aliases (its user may write their mirrored copies). */
    readonly aliases: readonly string[];
    /** Passwords by user name (the other stack's); missing users fail. Defaults to generating them here. */
    readonly passwords?: pulumi.Input<Record<string, string>>;
    /** The Kafka (and operator) the users wait for. Defaults to none. */
    readonly dependsOn?: pulumi.Resource[];
}

/** One region's users and their passwords. */
export class KafkaUsers extends pulumi.ComponentResource {
    /** Password per user name, MirrorMaker 2's included (secret). */
    public readonly passwords: pulumi.Output<Record<string, string>>;
    /** Every user name, MirrorMaker 2's last. */
    public readonly userNames: readonly string[];

    constructor(name: string, args: KafkaUsersArgs, opts?: pulumi.ComponentResourceOptions) {
        super("geo:kafka:KafkaUsers", name, {}, opts);
        const { check } = argChecks("KafkaUsers");
        args.users.forEach((u, i) => check(`users[${i}].name`, u.name, dnsLabel(u.name)));
        const labels = {
            ...standardLabels({ app: "kafka", instance: args.clusterName, component: "user" }),
            [STRIMZI_LABELS.cluster]: args.clusterName,
        };
        const all: KafkaUserSpec[] = [
            ...args.users,
            { name: MIRROR_USER, acls: mirrorUserAcls(args.mirroredTopics, args.aliases) },
        ];
        const given = args.passwords ? pulumi.output(args.passwords) : undefined;
        const passwords: Record<string, pulumi.Output<string>> = {};
        for (const u of all) {
            const password = pulumi.secret(
                given
                    ? given.apply((p) => {
                          if (typeof p?.[u.name] !== "string")
                              throw new Error(
                                  `KafkaUsers: the primary stack publishes no password for Kafka user ${u.name}; deploy the role: primary stack first`,
                              );
                          return p[u.name];
                      })
                    : new random.RandomPassword(
                          `${name}-${u.name}-password`,
                          { length: 32, special: false },
                          { parent: this },
                      ).result,
            );
            passwords[u.name] = password;
            const secret = new k8s.core.v1.Secret(
                `${name}-${u.name}-scram`,
                {
                    metadata: meta(KAFKA_SECRETS.password(u.name), args.namespace, labels),
                    type: "Opaque",
                    stringData: { password },
                },
                { parent: this, additionalSecretOutputs: ["stringData", "data"] },
            );
            new k8s.apiextensions.CustomResource(
                `${name}-${u.name}`,
                {
                    apiVersion: STRIMZI_API,
                    kind: "KafkaUser",
                    metadata: meta(u.name, args.namespace, labels),
                    spec: userSpec(u.acls, KAFKA_SECRETS.password(u.name)),
                },
                { parent: this, dependsOn: [...(args.dependsOn ?? []), secret] },
            );
        }
        this.passwords = pulumi.secret(pulumi.all(passwords));
        this.userNames = all.map((u) => u.name);
        this.registerOutputs({ userNames: this.userNames });
    }
}
