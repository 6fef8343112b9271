/**
 * A PostgreSQL major-version upgrade by logical replication, as data: the new cluster's name, the CloudNativePG
 * `Publication`/`Subscription` pairs of both directions (forward: old → new before the switch; rollback: new → old
 * after it), the role and connection both clusters use for them, what each stage routes where, and the
 * subscription-lag alerts. Pure: creates no resources (components/postgres/postgres.ts does, from these).
 *
 * Why the cutover switches to a second pair of Poolers instead of re-pointing `pg-pooler-rw`: a Pooler's
 * `spec.cluster` is immutable — CloudNativePG 1.30's Pooler CRD carries the CEL rule `self == oldSelf` ("cluster
 * reference is immutable after creation", api/v1/pooler_types.go), although its webhook
 * (internal/webhook/v1/pooler_webhook.go) would admit the change — and the Pooler's Service is named after the
 * Pooler with a selector the operator sets to that Pooler's pods (pkg/specs/pgbouncer/services.go), so no Service
 * of ours can take over its name. So the new cluster gets its own Poolers (`pg-v18-pooler-rw/-ro`) from the start;
 * the rw Pooler of the cluster that is not serving stays paused (a client pointed at it waits instead of writing to
 * the wrong cluster), and the switch moves the clients (their pooler host, the regional DNS name, the stack
 * output) while the old rw Pooler is paused.
 */
import type { UpgradeStage } from "../../config";
import { POSTGRES_MAJOR } from "../shared/versions";
import type { AlertRule } from "../monitoring/monitors";
import { serviceHost } from "./naming";

/** The role both clusters' subscriptions connect as: LOGIN REPLICATION, member of pg_read_all_data (initial copy). */
export const UPGRADE_REPLICATION_ROLE = "upgrade_replicator";

/** Name of the upgrade's new Cluster: `<base>-v<major>`, e.g. `pg-v18`. */
export function upgradeClusterName(base: string, major: number): string {
    return `${base}-v${major}`;
}

/** One direction of logical replication: the Publication on `publisher`, the Subscription on `subscriber`. */
export interface ReplicationLink {
    /** Kubernetes names of the two custom resources. */
    readonly publicationResource: string;
    readonly subscriptionResource: string;
    /** Cluster names. */
    readonly publisher: string;
    readonly subscriber: string;
    /** PostgreSQL names: the publication, the subscription, and its replication slot on the publisher. */
    readonly publication: string;
    readonly subscription: string;
    readonly slot: string;
    /** `WITH (...)` of CREATE SUBSCRIPTION. */
    readonly parameters: Readonly<Record<string, string>>;
}

/** The names and routing of an upgrade from cluster `old` to major `major`. */
export interface UpgradePlan {
    readonly oldCluster: string;
    readonly newCluster: string;
    readonly major: number;
    /** old → new: the initial copy and the stream until the switch. */
    readonly forward: ReplicationLink;
    /**
     * new → old after the switch, so the old cluster stays current for a rollback. Its slot is created by the
     * cutover inside the pause window (nothing is written to the new cluster before it), so the subscription
     * copies nothing and starts exactly there.
     */
    readonly rollback: ReplicationLink;
}

/** Failover slots (synchronized to standbys, CloudNativePG `synchronizeLogicalDecoding`) need PostgreSQL 17 on the publisher. */
export const FAILOVER_SLOTS_SINCE = 17;

/** The upgrade plan for `old` → `<old>-v<major>`. */
export function upgradePlan(old: string, major: number): UpgradePlan {
    const next = upgradeClusterName(old, major);
    const forwardName = `upgrade_to_v${major}`;
    const rollbackName = `rollback_from_v${major}`;
    return {
        oldCluster: old,
        newCluster: next,
        major,
        forward: {
            publicationResource: `${old}-to-${next}`,
            subscriptionResource: `${next}-from-${old}`,
            publisher: old,
            subscriber: next,
            publication: forwardName,
            subscription: forwardName,
            slot: forwardName,
            parameters: {
                copy_data: "true",
                ...(POSTGRES_MAJOR >= FAILOVER_SLOTS_SINCE ? { failover: "true" } : {}),
            },
        },
        rollback: {
            publicationResource: `${next}-to-${old}`,
            subscriptionResource: `${old}-from-${next}`,
            publisher: next,
            subscriber: old,
            publication: rollbackName,
            subscription: rollbackName,
            slot: rollbackName,
            parameters: { copy_data: "false", create_slot: "false", slot_name: rollbackName },
        },
    };
}

/**
 * What a stage renders: the cluster the Poolers serve, the Publications (both, from the start: a slot must never
 * be created before the publication it decodes for) and the one Subscription that streams.
 */
export function stageRouting(
    p: UpgradePlan,
    stage: UpgradeStage,
): { poolerCluster: string; publications: readonly ReplicationLink[]; subscriptions: readonly ReplicationLink[] } {
    const publications = [p.forward, p.rollback];
    switch (stage) {
        case "replicate":
            return { poolerCluster: p.oldCluster, publications, subscriptions: [p.forward] };
        case "switched":
            return { poolerCluster: p.newCluster, publications, subscriptions: [p.rollback] };
        case "rolled-back":
            return { poolerCluster: p.oldCluster, publications, subscriptions: [] };
    }
}

/** The `Publication` spec (postgresql.cnpg.io/v1): every table of the application database. */
export function publicationSpec(l: ReplicationLink, database: string): Record<string, unknown> {
    return {
        cluster: { name: l.publisher },
        name: l.publication,
        dbname: database,
        target: { allTables: true },
        publicationReclaimPolicy: "delete",
    };
}

/** The `Subscription` spec (postgresql.cnpg.io/v1); `externalClusterName` is the publisher's entry on the subscriber. */
export function subscriptionSpec(l: ReplicationLink, database: string): Record<string, unknown> {
    return {
        cluster: { name: l.subscriber },
        name: l.subscription,
        dbname: database,
        publicationName: l.publication,
        publicationDBName: database,
        externalClusterName: l.publisher,
        parameters: { ...l.parameters },
        subscriptionReclaimPolicy: "delete",
    };
}

/** A cluster another one connects to for logical replication (and, for the new cluster, the schema import). */
export interface LogicalPeer {
    /** Its Cluster name (also the `externalClusters[].name`). */
    readonly name: string;
    /** The Secret holding the CA of its server certificate, and the key in it. */
    readonly serverCa: { readonly name: string; readonly key: string };
}

/**
 * The `externalClusters` entry through which a cluster reaches `peer`'s primary: TLS verify-full against the
 * peer's server CA (pg_hba is TLS-only), the replication role's SCRAM password.
 */
export function logicalPeerEntry(
    peer: LogicalPeer,
    a: { namespace: string; database: string; role: string; passwordSecret: string },
): Record<string, unknown> {
    return {
        name: peer.name,
        connectionParameters: {
            host: serviceHost(`${peer.name}-rw`, a.namespace).replace(/\.cluster\.local$/, ""),
            port: "5432",
            user: a.role,
            dbname: a.database,
            sslmode: "verify-full",
        },
        password: { name: a.passwordSecret, key: "password" },
        sslRootCert: { ...peer.serverCa },
    };
}

/** Thresholds of the subscription-lag alerts. */
export interface SubscriptionAlertArgs {
    readonly namespace: string;
    readonly link: ReplicationLink;
    /** WAL the subscriber has not confirmed that alerts, in bytes. Defaults to 1073741824 (1 GiB). */
    readonly maxLagBytes?: number;
    /** How long the slot may have no subscriber connected. Defaults to "5m". */
    readonly inactiveFor?: string;
}

/**
 * Alerts on a link's replication slot, read on the publisher from CloudNativePG's default `pg_replication_slots`
 * query (`cnpg_pg_replication_slots_pg_wal_lsn_diff`: WAL retained since the slot's restart_lsn, an upper bound
 * of the subscription's lag; `..._active`). They need no custom query on either cluster.
 */
export function subscriptionAlertRules(a: SubscriptionAlertArgs): AlertRule[] {
    const l = a.link;
    const sel = `namespace="${a.namespace}", cnpg_io_cluster="${l.publisher}", slot_name="${l.slot}", slot_type="logical"`;
    const bytes = a.maxLagBytes ?? 1073741824;
    const runbook = "docs/operations.md#postgresql-major-upgrade";
    return [
        {
            alert: "PostgresSubscriptionLagHigh",
            expr: `max by (namespace, cnpg_io_cluster, slot_name) (cnpg_pg_replication_slots_pg_wal_lsn_diff{${sel}}) > ${bytes}`,
            for: "10m",
            severity: "warning",
            summary: `Subscription ${l.subscription} on ${l.subscriber} lags ${l.publisher} by more than ${bytes / 1048576} MiB`,
            description: `Slot ${l.slot} on ${l.publisher} retains {{ $value | humanize1024 }}B of WAL that ${l.subscriber} has not confirmed: the cutover waits for this to reach zero, and the publisher's pg_wal grows meanwhile. Check the subscription's worker on ${l.subscriber} (pg_stat_subscription) and its log (conflicts stop the apply worker).`,
            runbook,
        },
        {
            alert: "PostgresSubscriptionInactive",
            expr: `max by (namespace, cnpg_io_cluster, slot_name) (cnpg_pg_replication_slots_active{${sel}}) == 0`,
            for: a.inactiveFor ?? "5m",
            severity: "critical",
            summary: `Nothing consumes slot ${l.slot} on ${l.publisher}`,
            description: `Subscription ${l.subscription} on ${l.subscriber} is not connected: ${l.subscriber} falls behind and ${l.publisher} keeps WAL for it. Check the Subscription resource's status and ${l.subscriber}'s log.`,
            runbook,
        },
    ];
}
