/**
 * PostgresCluster: one CloudNativePG `Cluster` with its backups (Barman Cloud plugin `ObjectStore`, WAL
 * archiving, a daily `ScheduledBackup`), its application credentials (generated, stored as Kubernetes
 * Secrets) and its monitoring (PodMonitor + PrometheusRule). With `recovery` set, the cluster is
 * bootstrapped by point-in-time recovery from another cluster's backups instead of initdb.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { meta } from "../shared/k8s";
import { standardLabels } from "../shared/labels";
import { RoleCredentials, SecretScope, createCredentials, createTlsSecret } from "../shared/secrets";
import { monitoringResource, podMonitorSpec, prometheusRuleSpec } from "../monitoring/monitors";
import { BARMAN_PLUGIN, CNPG_LABELS, tlsSecretNames } from "./naming";
import { clusterAlertRules, crossRegionAlertRules } from "./postgres-monitoring";
import { DURABILITY_LABEL, PostgresClusterArgs, peerMember, validatePostgresClusterArgs } from "./cluster-args";
import { clusterSpec, objectStoreSpec, readonlyRole } from "./cluster-spec";

// The component's args and pure specs live beside it; importers keep using this module.
export * from "./cluster-args";
export * from "./cluster-spec";
export type { RoleCredentials } from "../shared/secrets";

/** One CloudNativePG cluster with backups, credentials and monitoring. */
export class PostgresCluster extends pulumi.ComponentResource {
    public readonly cluster: k8s.apiextensions.CustomResource;
    /** Kubernetes name of the Cluster. */
    public readonly clusterName: string;
    public readonly namespace: string;
    /** Name of its ObjectStore. */
    public readonly objectStoreName: string;
    /** Services CloudNativePG creates: read-write (primary), read-only (standbys), read (any). */
    public readonly services: { readonly rw: string; readonly ro: string; readonly r: string };
    /** Application owner credentials (secret). */
    public readonly app: RoleCredentials;
    /** Read-only role credentials (secret). */
    public readonly readonly: RoleCredentials;

    constructor(name: string, args: PostgresClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("geo:postgres:PostgresCluster", name, {}, opts);
        const a = validatePostgresClusterArgs(args);
        const ns = a.namespace;
        const cn = a.clusterName;
        const labels = (component: string) =>
            standardLabels({ app: "postgresql", instance: cn, component, version: a.imageName.split(":").pop() });
        const crOpts: pulumi.CustomResourceOptions = { parent: this, dependsOn: args.dependsOn?.postgres ?? [] };
        const monOpts: pulumi.CustomResourceOptions = { parent: this, dependsOn: args.dependsOn?.monitoring ?? [] };

        // Credentials: generated, stored as basic-auth Secrets CloudNativePG reads, exported only as secrets.
        const scope = (component: string): SecretScope => ({
            name,
            namespace: ns,
            labels: { ...labels(component), "cnpg.io/reload": "true" },
            parent: this,
        });
        const credentials = (
            role: string,
            username: string,
            secretName: string,
            given: pulumi.Input<string> | undefined,
        ): RoleCredentials => createCredentials(scope("credentials"), role, username, secretName, given);
        this.app = args.credentials?.app ?? credentials("app", a.owner, `${cn}-app-credentials`, args.passwords?.app);
        this.readonly =
            args.credentials?.readonly ??
            credentials("readonly", readonlyRole(a.owner), `${cn}-readonly-credentials`, args.passwords?.readonly);

        // User-provided TLS: the shared server and client CAs and this region's server and replication
        // certificates, so the other region's cluster can stream from this one and vice versa.
        const tlsSecrets = args.tls ? tlsSecretNames(cn) : undefined;
        const tlsResources: pulumi.Resource[] = [];
        if (args.tls && tlsSecrets) {
            const t = args.tls;
            const secret = (
                role: string,
                secretName: string,
                type: string,
                data: Record<string, pulumi.Input<string>>,
            ) => tlsResources.push(createTlsSecret(scope("tls"), role, secretName, type, data));
            secret("server-ca", tlsSecrets.serverCa, "Opaque", { "ca.crt": t.serverCaCert });
            secret("client-ca", tlsSecrets.clientCa, "Opaque", { "ca.crt": t.clientCaCert, "ca.key": t.clientCaKey });
            secret("server", tlsSecrets.server, "kubernetes.io/tls", {
                "tls.crt": t.serverCert,
                "tls.key": t.serverKey,
            });
            secret("replication", tlsSecrets.replication, "kubernetes.io/tls", {
                "tls.crt": t.replicationCert,
                "tls.key": t.replicationKey,
            });
        }

        this.objectStoreName = `${cn}-backups`;
        const objectStore = new k8s.apiextensions.CustomResource(
            `${name}-objectstore`,
            {
                apiVersion: "barmancloud.cnpg.io/v1",
                kind: "ObjectStore",
                metadata: meta(this.objectStoreName, ns, labels("backup")),
                spec: pulumi.all([a.backup.bucketName, a.backup.kmsKeyArn]).apply(([bucketName, kmsKeyArn]) =>
                    objectStoreSpec({
                        bucketName,
                        prefix: a.backup.prefix,
                        retention: a.backup.retention,
                        kmsKeyArn,
                    }),
                ),
            },
            crOpts,
        );

        this.cluster = new k8s.apiextensions.CustomResource(
            `${name}-cluster`,
            {
                apiVersion: "postgresql.cnpg.io/v1",
                kind: "Cluster",
                metadata: meta(cn, ns, { ...labels("database"), [DURABILITY_LABEL]: a.durability }),
                spec: clusterSpec(a, {
                    objectStore: this.objectStoreName,
                    appSecret: this.app.secretName,
                    readonlySecret: this.readonly.secretName,
                    roleArn: a.backup.roleArn,
                    tlsSecrets,
                }),
            },
            {
                ...crOpts,
                dependsOn: [...(args.dependsOn?.postgres ?? []), objectStore, ...tlsResources],
                protect: a.protect,
                retainOnDelete: a.protect,
                // CloudNativePG reads bootstrap only when it creates the cluster; in a distributed topology it
                // follows the current primary (initdb there, pg_basebackup from it elsewhere), so a switchover
                // must not show it as a change.
                ...(a.topology ? { ignoreChanges: ["spec.bootstrap"] } : {}),
            },
        );

        new k8s.apiextensions.CustomResource(
            `${name}-scheduled-backup`,
            {
                apiVersion: "postgresql.cnpg.io/v1",
                kind: "ScheduledBackup",
                metadata: meta(`${cn}-daily`, ns, labels("backup")),
                spec: {
                    schedule: a.backup.schedule,
                    immediate: true,
                    backupOwnerReference: "self",
                    cluster: { name: cn },
                    method: "plugin",
                    pluginConfiguration: { name: BARMAN_PLUGIN },
                },
            },
            { ...crOpts, dependsOn: [...(args.dependsOn?.postgres ?? []), this.cluster] },
        );

        monitoringResource(
            `${name}-podmonitor`,
            "PodMonitor",
            meta(cn, ns, labels("monitoring")),
            podMonitorSpec({
                selector: { [CNPG_LABELS.cluster]: cn, [CNPG_LABELS.podRole]: "instance" },
                podTargetLabels: [CNPG_LABELS.cluster, CNPG_LABELS.instanceRole],
            }),
            monOpts,
        );
        monitoringResource(
            `${name}-alerts`,
            "PrometheusRule",
            meta(`${cn}-alerts`, ns, labels("monitoring")),
            prometheusRuleSpec(`postgres-${cn}`, [
                ...clusterAlertRules({ cluster: cn, namespace: ns, instances: a.instances }),
                ...(a.topology
                    ? crossRegionAlertRules({
                          cluster: cn,
                          namespace: ns,
                          peer: peerMember(a.topology).name,
                      })
                    : []),
            ]),
            monOpts,
        );

        this.clusterName = cn;
        this.namespace = ns;
        this.services = { rw: `${cn}-rw`, ro: `${cn}-ro`, r: `${cn}-r` };
        this.registerOutputs({ clusterName: cn, services: this.services });
    }
}
