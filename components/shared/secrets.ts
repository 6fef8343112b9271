/**
 * Credential and TLS Secrets a component creates for its users: a generated (or given) password stored as a
 * basic-auth Secret, and PEM material stored as Opaque or kubernetes.io/tls Secrets. Used by PostgreSQL's
 * roles and TLS today; MinIO and Kafka users take the same helpers. Children are created with `parent`, named
 * `${name}-${role}-password` / `${name}-${role}-secret` / `${name}-tls-${role}`, and every value stays secret.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { meta } from "./k8s";

/** Credentials of one user or role (values are secret). */
export interface RoleCredentials {
    readonly username: string;
    readonly password: pulumi.Output<string>;
    /** The Kubernetes Secret holding them (type kubernetes.io/basic-auth). */
    readonly secretName: string;
}

/** Where and how a component's Secrets are written. */
export interface SecretScope {
    /** Prefix of the children's Pulumi names (the component's name). */
    readonly name: string;
    readonly namespace: string;
    /** Labels of every Secret (the component adds its own, e.g. a reload label). */
    readonly labels: Record<string, string>;
    readonly parent: pulumi.Resource;
}

/**
 * A basic-auth Secret `secretName` with `username` and a password: `given`, or a new 32-character
 * alphanumeric RandomPassword. Returns the credentials (password secret).
 */
export function createCredentials(
    s: SecretScope,
    role: string,
    username: string,
    secretName: string,
    given?: pulumi.Input<string>,
): RoleCredentials & { readonly resource: k8s.core.v1.Secret } {
    const password = pulumi.secret(
        given ??
            new random.RandomPassword(
                `${s.name}-${role}-password`,
                { length: 32, special: false },
                { parent: s.parent },
            ).result,
    );
    const resource = new k8s.core.v1.Secret(
        `${s.name}-${role}-secret`,
        {
            metadata: meta(secretName, s.namespace, s.labels),
            type: "kubernetes.io/basic-auth",
            stringData: { username, password },
        },
        { parent: s.parent, additionalSecretOutputs: ["stringData", "data"] },
    );
    return { username, password, secretName, resource };
}

/** A Secret `secretName` of `type` (Opaque, kubernetes.io/tls) holding PEM `data`, named `${name}-tls-${role}`. */
export function createTlsSecret(
    s: SecretScope,
    role: string,
    secretName: string,
    type: string,
    data: Record<string, pulumi.Input<string>>,
): k8s.core.v1.Secret {
    return new k8s.core.v1.Secret(
        `${s.name}-tls-${role}`,
        { metadata: meta(secretName, s.namespace, s.labels), type, stringData: data },
        { parent: s.parent, additionalSecretOutputs: ["stringData", "data"] },
    );
}
