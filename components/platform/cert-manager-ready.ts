/**
 * A real readiness signal for cert-manager. Its chart counts as ready when its Deployments are available,
 * which is before the webhook serves (its CA bundle is injected asynchronously); an `Issuer`/`Certificate`
 * created then fails with "x509: certificate signed by unknown authority" or "connection refused". The Job
 * below runs cert-manager's own `startupapicheck check api`, which dry-run-creates a Certificate until the
 * API (webhook included) accepts it, bounded by `--wait`. Pulumi waits for a Job to complete before it creates
 * dependents, so whatever `dependsOn` this Job (the Barman Cloud plugin manifest) waits for a serving API.
 *
 * The Job, its ServiceAccount and its RBAC mirror the chart's own hook (cert-manager
 * deploy/charts/cert-manager/templates/startupapicheck-{job,rbac}.yaml at v1.19.1: args `check api
 * --wait=<timeout>`, env POD_NAMESPACE, a Role allowing only `create` on certificates.cert-manager.io in
 * its namespace), but as ordinary objects this program owns instead of a Helm hook.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Resources, containerSecurityContext, meta, podSecurityContext, resources } from "../shared/k8s";
import { imageTag, standardLabels } from "../shared/labels";
import { images } from "../shared/versions";

/** Name of the Job, its ServiceAccount, Role and RoleBinding. */
export const CERT_MANAGER_READY_NAME = "cert-manager-api-ready";

/** How long the check waits for the API: `--wait`. */
export const CERT_MANAGER_READY_WAIT = "5m";

/** Resources of the check (a single Go binary doing a few API calls). */
export const CERT_MANAGER_READY_RESOURCES: Resources = Object.freeze({
    requests: { cpu: "10m", memory: "32Mi" },
    limits: { cpu: "100m", memory: "64Mi" },
});

/** UID/GID of the distroless cert-manager images' `nonroot` user. */
const NONROOT = 65532;

/** Labels of every object of the check. */
export function certManagerReadyLabels(): Record<string, string> {
    return standardLabels({
        app: "cert-manager",
        instance: CERT_MANAGER_READY_NAME,
        component: "api-check",
        version: imageTag(images.certManagerStartupApiCheck),
    });
}

/** The Role: dry-run creation of a Certificate in its own namespace, nothing else. */
export function certManagerReadyRules(): k8s.types.input.rbac.v1.PolicyRule[] {
    return [{ apiGroups: ["cert-manager.io"], resources: ["certificates"], verbs: ["create"] }];
}

/** The Job's `spec`: a bounded wait (`--wait`, few retries, a deadline) that fails the update if cert-manager never serves. */
export function certManagerReadyJobSpec(labels: Record<string, string>): k8s.types.input.batch.v1.JobSpec {
    return {
        backoffLimit: 2,
        activeDeadlineSeconds: 900,
        template: {
            metadata: { labels },
            spec: {
                restartPolicy: "Never",
                serviceAccountName: CERT_MANAGER_READY_NAME,
                // The check talks to the API server: it needs its token (the Role above is all it grants).
                automountServiceAccountToken: true,
                enableServiceLinks: false,
                securityContext: podSecurityContext(NONROOT),
                containers: [
                    {
                        name: "check",
                        image: images.certManagerStartupApiCheck,
                        args: ["check", "api", `--wait=${CERT_MANAGER_READY_WAIT}`, "-v"],
                        env: [{ name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } }],
                        securityContext: containerSecurityContext(),
                        resources: resources(CERT_MANAGER_READY_RESOURCES),
                    },
                ],
            },
        },
    };
}

/**
 * Creates the check in `namespace` (cert-manager's) after `certManager` (the chart) and returns the Job,
 * which dependents list in `dependsOn`. Children are named `${name}-cert-manager-ready-<role>`.
 */
export function createCertManagerReady(
    name: string,
    namespace: string,
    certManager: pulumi.Resource,
    parent: pulumi.Resource,
): k8s.batch.v1.Job {
    const labels = certManagerReadyLabels();
    const m = meta(CERT_MANAGER_READY_NAME, namespace, labels);
    const opts = { parent, dependsOn: [certManager] };
    const sa = new k8s.core.v1.ServiceAccount(`${name}-cert-manager-ready-sa`, { metadata: m }, opts);
    const role = new k8s.rbac.v1.Role(
        `${name}-cert-manager-ready-role`,
        { metadata: m, rules: certManagerReadyRules() },
        opts,
    );
    const binding = new k8s.rbac.v1.RoleBinding(
        `${name}-cert-manager-ready-rolebinding`,
        {
            metadata: m,
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: CERT_MANAGER_READY_NAME },
            subjects: [{ kind: "ServiceAccount", name: CERT_MANAGER_READY_NAME, namespace }],
        },
        opts,
    );
    return new k8s.batch.v1.Job(
        `${name}-cert-manager-ready`,
        { metadata: m, spec: certManagerReadyJobSpec(labels) },
        // A Job's template is immutable: a new image replaces it, under the same name.
        { parent, dependsOn: [certManager, sa, role, binding], deleteBeforeReplace: true },
    );
}
