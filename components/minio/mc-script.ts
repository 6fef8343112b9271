/**
 * The setup Job's bash script, rendered from typed input. Buckets, versioning, lifecycle, the remote tier,
 * users and replication have no Tenant CRD fields; the script applies them with the pinned `mc`
 * (RELEASE.2025-08-13T08-35-41Z). Pure: no resources; test/minio-script.spec.ts runs `bash -n` on it and
 * checks every command against that release's argument grammar.
 *
 * Idempotent by construction: every step either sets the whole desired state (`mb --ignore-existing`,
 * `version enable`, `admin policy create`, `admin user add`, `ilm rule import` replaces the bucket's whole
 * lifecycle, `admin policy attach` ignores "already applied") or checks before adding (`ilm tier add` and
 * `replicate add` only when the tier / rule ID is missing). `set -euo pipefail`: any failure exits non-zero,
 * so the Job fails (and MinioSetupJobFailed fires) instead of leaving a half-configured tenant behind.
 *
 * Credentials never appear in argv: `mc alias set ALIAS URL` and `mc admin user add ALIAS USER` read the
 * keys from stdin when they are not given (cmd/alias-set.go fetchAliasKeys, cmd/admin-user-add.go
 * fetchUserKeys). Aliases name the tenant's Services, never localhost (minio/operator#1266).
 */

/** The remote tier MinIO transitions objects to (mc upper-cases tier names; cmd/ilm-tier-add.go). */
export const TIER_NAME = "AWS-ARCHIVE";
/** Where mc keeps its config (an emptyDir; the root filesystem is read-only) and trusted CAs (`certs/CAs`). */
export const MC_CONFIG_DIR = "/tmp/mc";
/** Where the CA Secret is mounted. */
export const CA_MOUNT = "/etc/minio-ca";
/** Replication options: soft deletes (delete markers), versioned deletes, existing objects, metadata sync. */
export const REPLICATE_FLAGS = "delete-marker,delete,existing-objects,metadata-sync";
/** The names of the environment variables the Job sets from Secrets. */
export const ENV = {
    rootUser: "ROOT_USER",
    rootPassword: "ROOT_PASSWORD",
    appUser: "APP_USER",
    appPassword: "APP_PASSWORD",
    replUser: "REPL_USER",
    replPassword: "REPL_PASSWORD",
} as const;

/** The AWS S3 tier: a bucket in the region's account, reached with the pods' IRSA role. */
export interface TierSpec {
    readonly bucket: string;
    readonly region: string;
    /** Key prefix inside the tier bucket (one per tenant). */
    readonly prefix: string;
}

/** Two-way bucket replication between this region (`self`) and the peer (`role: secondary` stack only). */
export interface ReplicationSpec {
    /** `https://minio.<peer region>.<zone>:9000`: the peer's cross-region endpoint. */
    readonly peerUrl: string;
    /** `https://minio.<this region>.<zone>:9000`: this region as the peer's servers reach it. */
    readonly selfUrl: string;
    /** Rule IDs: this region → peer, and peer → this region. */
    readonly outboundId: string;
    readonly inboundId: string;
}

/** What the script configures. */
export interface SetupScriptSpec {
    /** URL of the tenant's own Service (`https://minio.<ns>.svc.cluster.local`). */
    readonly localUrl: string;
    readonly buckets: readonly string[];
    readonly transitionDays: number;
    readonly noncurrentExpireDays: number;
    readonly tier: TierSpec;
    /** IAM policy documents by name: `geo-app`, `geo-replication`. */
    readonly policies: Readonly<Record<string, string>>;
    readonly replication?: ReplicationSpec;
    /** Seconds to wait for a tenant to report write quorum (`mc ready`). Defaults to 600. */
    readonly readyTimeoutSeconds?: number;
}

/** The canned policy of the application user: read/write objects of the tenant's buckets, nothing else. */
export function appPolicy(buckets: readonly string[]): Record<string, unknown> {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Action: [
                    "s3:GetBucketLocation",
                    "s3:ListBucket",
                    "s3:ListBucketVersions",
                    "s3:ListBucketMultipartUploads",
                ],
                Resource: buckets.map((b) => `arn:aws:s3:::${b}`),
            },
            {
                Effect: "Allow",
                Action: [
                    "s3:GetObject",
                    "s3:GetObjectVersion",
                    "s3:PutObject",
                    "s3:DeleteObject",
                    "s3:DeleteObjectVersion",
                    "s3:AbortMultipartUpload",
                    "s3:ListMultipartUploadParts",
                ],
                Resource: buckets.map((b) => `arn:aws:s3:::${b}/*`),
            },
        ],
    };
}

/**
 * The canned policy of the replication user, which the other region's MinIO writes with (replication
 * target) and the `role: secondary` stack's Job configures this region's side with (remote targets,
 * replication rules, versioning). No other admin action, no IAM.
 */
export function replicationPolicy(buckets: readonly string[]): Record<string, unknown> {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Action: ["admin:SetBucketTarget", "admin:GetBucketTarget"],
                Resource: ["arn:aws:s3:::*"],
            },
            {
                Effect: "Allow",
                Action: [
                    "s3:GetBucketLocation",
                    "s3:ListBucket",
                    "s3:GetBucketVersioning",
                    "s3:PutBucketVersioning",
                    "s3:GetReplicationConfiguration",
                    "s3:PutReplicationConfiguration",
                    "s3:GetBucketObjectLockConfiguration",
                ],
                Resource: buckets.map((b) => `arn:aws:s3:::${b}`),
            },
            {
                Effect: "Allow",
                Action: [
                    "s3:GetObject",
                    "s3:GetObjectVersion",
                    "s3:GetObjectVersionTagging",
                    "s3:PutObject",
                    "s3:DeleteObject",
                    "s3:ReplicateObject",
                    "s3:ReplicateDelete",
                    "s3:ReplicateTags",
                    "s3:GetObjectRetention",
                    "s3:GetObjectLegalHold",
                ],
                Resource: buckets.map((b) => `arn:aws:s3:::${b}/*`),
            },
        ],
    };
}

/**
 * A bucket's whole lifecycle in the JSON `mc ilm rule import` decodes (minio-go v7.0.90
 * pkg/lifecycle/lifecycle.go: Configuration.Rules, Rule.{ID, Status, Filter, Transition,
 * NoncurrentVersionExpiration, Expiration}): current objects move to the tier after `transitionDays`;
 * noncurrent versions expire after `noncurrentExpireDays`; delete markers left without versions go.
 */
export function lifecycleJson(transitionDays: number, noncurrentExpireDays: number): Record<string, unknown> {
    return {
        Rules: [
            {
                ID: "tier-after-days",
                Status: "Enabled",
                Filter: { Prefix: "" },
                Transition: { Days: transitionDays, StorageClass: TIER_NAME },
            },
            {
                ID: "expire-noncurrent",
                Status: "Enabled",
                Filter: { Prefix: "" },
                NoncurrentVersionExpiration: { NoncurrentDays: noncurrentExpireDays },
                Expiration: { ExpiredObjectDeleteMarker: true },
            },
        ],
    };
}

/** Single-quotes a word for bash. */
export function q(word: string): string {
    return /^[A-Za-z0-9_.:/@%+=,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The script. Every line is deterministic in its input, so the Job's hash changes exactly when it should. */
export function setupScript(s: SetupScriptSpec): string {
    const timeout = s.readyTimeoutSeconds ?? 600;
    const L: string[] = [
        "#!/bin/bash",
        "# Rendered by components/minio/mc-script.ts: buckets, versioning, lifecycle, tier, users, replication.",
        "set -euo pipefail",
        `export MC_CONFIG_DIR=${MC_CONFIG_DIR}`,
        'mkdir -p "$MC_CONFIG_DIR/certs/CAs"',
        `cp ${CA_MOUNT}/public.crt "$MC_CONFIG_DIR/certs/CAs/geo-data-minio-ca.crt"`,
        "",
        "# json_has JSON KEY VALUE: mc prints compact or indented JSON; no jq in the image.",
        'json_has() { [[ $1 == *"\\"$2\\":\\"$3\\""* || $1 == *"\\"$2\\": \\"$3\\""* ]]; }',
        "",
        "# Aliases: the tenant's Service, credentials on stdin (never in argv).",
        `printf '%s\\n%s\\n' "$${ENV.rootUser}" "$${ENV.rootPassword}" | mc alias set local ${q(s.localUrl)} --api S3v4`,
        `timeout ${timeout} mc ready local`,
        "",
        "# Users and their canned policies (create/add overwrite; attach ignores an existing attachment).",
    ];
    for (const [name, doc] of Object.entries(s.policies)) {
        L.push(`cat > "$MC_CONFIG_DIR/${name}.json" <<'POLICY'`, doc, "POLICY");
        L.push(`mc admin policy create local ${q(name)} "$MC_CONFIG_DIR/${name}.json"`);
    }
    L.push(
        `printf '%s\\n' "$${ENV.appPassword}" | mc admin user add local "$${ENV.appUser}"`,
        `mc admin policy attach local geo-app --user "$${ENV.appUser}"`,
        `printf '%s\\n' "$${ENV.replPassword}" | mc admin user add local "$${ENV.replUser}"`,
        `mc admin policy attach local geo-replication --user "$${ENV.replUser}"`,
        "",
        `# Remote tier ${TIER_NAME}: the region's AWS bucket, reached with the pods' IRSA role (--use-aws-role).`,
        "tiers=$(mc ilm tier ls --json local)",
        `if ! json_has "$tiers" Name ${TIER_NAME}; then`,
        `  mc ilm tier add s3 local ${TIER_NAME} --endpoint https://s3.${s.tier.region}.amazonaws.com --region ${s.tier.region} --bucket ${q(s.tier.bucket)} --prefix ${q(s.tier.prefix)} --storage-class STANDARD --use-aws-role`,
        "fi",
        `mc ilm tier check local ${TIER_NAME}`,
        "",
        "# Buckets: versioned (replication needs it on both sides), then their whole lifecycle.",
    );
    const lifecycle = JSON.stringify(lifecycleJson(s.transitionDays, s.noncurrentExpireDays));
    for (const b of s.buckets) {
        L.push(`mc mb --ignore-existing local/${b}`, `mc version enable local/${b}`);
        L.push(`mc ilm rule import local/${b} <<'LIFECYCLE'`, lifecycle, "LIFECYCLE");
    }
    const r = s.replication;
    if (r) {
        L.push(
            "",
            "# Two-way bucket replication with the other region; a rule is added only when its ID is missing.",
            `printf '%s\\n%s\\n' "$${ENV.replUser}" "$${ENV.replPassword}" | mc alias set peer ${q(r.peerUrl)} --api S3v4`,
            `printf '%s\\n%s\\n' "$${ENV.replUser}" "$${ENV.replPassword}" | mc alias set self ${q(r.selfUrl)} --api S3v4`,
            `timeout ${timeout} mc ready peer`,
        );
        const rule = (source: string, target: string, id: string) => [
            `if json_has "$(mc replicate ls --json ${source} 2>/dev/null || true)" ID ${q(id)}; then`,
            `  echo "replication rule ${id} on ${source} exists"`,
            "else",
            `  mc replicate add ${source} --remote-bucket ${target} --id ${q(id)} --priority 1 --replicate ${REPLICATE_FLAGS}`,
            "fi",
        ];
        for (const b of s.buckets) {
            L.push(
                `# ${b}: versioning on every alias a rule names, then this region → peer and peer → this region.`,
                `mc version enable peer/${b}`,
                `mc version enable self/${b}`,
                ...rule(`local/${b}`, `peer/${b}`, r.outboundId),
                ...rule(`peer/${b}`, `self/${b}`, r.inboundId),
            );
        }
    }
    L.push("", 'echo "MinIO setup complete"');
    return L.join("\n") + "\n";
}

/** Every `mc` command line of a script, with here-documents removed (for grammar checks and policies). */
export function mcCommands(script: string): string[][] {
    const out: string[][] = [];
    let heredoc: string | undefined;
    for (const raw of script.split("\n")) {
        const line = raw.trim();
        if (heredoc) {
            if (line === heredoc) heredoc = undefined;
            continue;
        }
        const h = /<<'([A-Z]+)'$/.exec(line);
        if (h) heredoc = h[1];
        // `mc` at the start, after a pipe, inside $( ), or after `timeout N`; the command ends at `)`, a
        // redirection, a here-document or `||`.
        const re = /(?:^|\|\s*|\$\(|timeout \d+ )mc /g;
        for (let m = re.exec(line); m; m = re.exec(line)) {
            const rest = line.slice(m.index + m[0].length);
            const end = rest.search(/\)|\s2>|\s<<|\s\|\|/);
            const cmd = end < 0 ? rest : rest.slice(0, end);
            out.push(["mc", ...(cmd.trim().match(/'[^']*'|"[^"]*"|\S+/g) ?? [])]);
        }
    }
    return out;
}
