/**
 * MinioSetupJob: the one-shot Job that runs the rendered `mc` script (mc-script.ts) against the tenant's
 * Service. It is named after a hash of its script, image and Secret names, so any change creates a new Job
 * instead of patching an immutable one, and re-running the same script changes nothing. Pulumi waits for
 * it to complete: a failing script fails the update (and MinioSetupJobFailed fires) rather than leaving a
 * half-configured tenant that looks healthy.
 */
import * as crypto from "crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { containerSecurityContext, meta, podSecurityContext, resources } from "../shared/k8s";
import { imageTag, standardLabels } from "../shared/labels";
import { CA_MOUNT, ENV, MC_CONFIG_DIR } from "./mc-script";
import { MINIO_APP, minioNames } from "./naming";

/** The setup Job's UID: a high UID outside the host's range (mc needs no user of its own: it only writes under MC_CONFIG_DIR). */
export const MC_UID = 10001;
/** Requests and limits of the setup container. */
export const SETUP_RESOURCES = {
    requests: { cpu: "50m", memory: "64Mi" },
    limits: { cpu: "500m", memory: "256Mi" },
} as const;

/** Arguments of MinioSetupJob. */
export interface MinioSetupJobArgs {
    readonly namespace: string;
    /** The pinned mc image. */
    readonly image: string;
    /** The rendered script (mc-script.ts setupScript). */
    readonly script: pulumi.Input<string>;
    /** What the Job waits for (the Tenant, the Secrets). Defaults to none. */
    readonly dependsOn?: pulumi.Resource[];
}

/** A short hash of what the Job runs: its name changes exactly when the script or image does. */
export function setupJobHash(script: string, image: string): string {
    return crypto.createHash("sha256").update(`${image}\n${script}`).digest("hex").slice(0, 10);
}

/** The Job spec (pure): credentials from Secrets, the CA mounted, mc's config in an emptyDir. */
export function setupJobSpec(
    namespace: string,
    image: string,
    script: string,
    labels: Record<string, string>,
): k8s.types.input.batch.v1.JobSpec {
    const n = minioNames(namespace);
    const fromSecret = (name: string, secret: string, key: string) => ({
        name,
        valueFrom: { secretKeyRef: { name: secret, key } },
    });
    return {
        backoffLimit: 4,
        activeDeadlineSeconds: 3600,
        // Kept a week for its log; a re-created Job (pulumi up --refresh) runs the same idempotent script.
        ttlSecondsAfterFinished: 7 * 86400,
        template: {
            metadata: { labels },
            spec: {
                restartPolicy: "Never",
                automountServiceAccountToken: false,
                enableServiceLinks: false,
                securityContext: podSecurityContext(MC_UID),
                containers: [
                    {
                        name: "mc",
                        image,
                        command: ["bash", "-c", script],
                        env: [
                            fromSecret(ENV.rootUser, n.root, "username"),
                            fromSecret(ENV.rootPassword, n.root, "password"),
                            fromSecret(ENV.appUser, n.app, "username"),
                            fromSecret(ENV.appPassword, n.app, "password"),
                            fromSecret(ENV.replUser, n.replicationUser, "username"),
                            fromSecret(ENV.replPassword, n.replicationUser, "password"),
                        ],
                        resources: resources(SETUP_RESOURCES),
                        securityContext: containerSecurityContext(true),
                        volumeMounts: [
                            { name: "mc-config", mountPath: MC_CONFIG_DIR },
                            { name: "ca", mountPath: CA_MOUNT, readOnly: true },
                        ],
                    },
                ],
                volumes: [
                    { name: "mc-config", emptyDir: { sizeLimit: "16Mi" } },
                    { name: "ca", secret: { secretName: n.ca, items: [{ key: "public.crt", path: "public.crt" }] } },
                ],
            },
        },
    };
}

/** The setup Job of one tenant. */
export class MinioSetupJob extends pulumi.ComponentResource {
    public readonly job: k8s.batch.v1.Job;

    constructor(name: string, args: MinioSetupJobArgs, opts?: pulumi.ComponentResourceOptions) {
        super("geo:minio:MinioSetupJob", name, {}, opts);
        const n = minioNames(args.namespace);
        const labels = standardLabels({
            app: MINIO_APP,
            instance: n.tenant,
            component: "setup",
            version: imageTag(args.image),
        });
        const script = pulumi.output(args.script);
        this.job = new k8s.batch.v1.Job(
            `${name}-job`,
            {
                metadata: script.apply((s) => meta(n.setupJob(setupJobHash(s, args.image)), args.namespace, labels)),
                spec: script.apply((s) => setupJobSpec(args.namespace, args.image, s, labels)),
            },
            { parent: this, dependsOn: args.dependsOn ?? [], deleteBeforeReplace: true },
        );
        this.registerOutputs({});
    }
}
