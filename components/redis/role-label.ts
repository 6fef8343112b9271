/**
 * The role-label sidecar of RedisReplicated's data pods, which keeps each pod's `geo-data/redis-role` label
 * equal to its replication role (the primary Service selects the master by it): its ServiceAccount, Role and
 * RoleBinding (`get`/`patch` on the set's own pods only), the `tools` init container that copies kubectl into
 * an emptyDir, the sidecar container and the volumes they add to the pod.
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { containerSecurityContext, meta, resources as resourcesOf } from "../shared/k8s";
import { images } from "../shared/versions";
import { HELPER_RESOURCES, ROLE_LABEL_RESOURCES } from "./sizing";
import { roleLabelScript } from "./sessions-scripts";
import { PATHS, POD_NAME_ENV, REDIS_PORT, TLS_MOUNT, secretEnv } from "./workload";

type Container = k8s.types.input.core.v1.Container;
type Volume = k8s.types.input.core.v1.Volume;

/** Where the role-label sidecar finds kubectl (an emptyDir the `tools` init container fills). */
const TOOLS_PATH = "/tools";

/** The sidecar's script (file `role-label.sh` of the data set's ConfigMap). */
export function roleLabelFile(): string {
    return roleLabelScript({ kubectl: `${TOOLS_PATH}/kubectl`, redisPort: REDIS_PORT });
}

/** The init container that puts kubectl where the sidecar finds it. */
export function roleLabelToolsContainer(): Container {
    return {
        name: "tools",
        image: images.kubectl,
        command: ["sh", "-c", `cp "$(command -v kubectl)" ${TOOLS_PATH}/kubectl`],
        resources: resourcesOf(HELPER_RESOURCES),
        securityContext: containerSecurityContext(true),
        volumeMounts: [{ name: "tools", mountPath: TOOLS_PATH }],
    };
}

/** The sidecar: runs `role-label.sh` from the config volume with the service-account token mounted. */
export function roleLabelContainer(image: string, secretName: string): Container {
    return {
        name: "role-label",
        image,
        command: ["sh", `${PATHS.config}/role-label.sh`],
        env: [POD_NAME_ENV, secretEnv("REDISCLI_AUTH", secretName), { name: "HOME", value: "/tmp" }],
        resources: resourcesOf(ROLE_LABEL_RESOURCES),
        securityContext: containerSecurityContext(true),
        volumeMounts: [
            { name: "config", mountPath: PATHS.config, readOnly: true },
            { name: "tools", mountPath: TOOLS_PATH, readOnly: true },
            TLS_MOUNT,
            { name: "tmp", mountPath: "/tmp" },
            {
                name: "kube-api-access",
                mountPath: "/var/run/secrets/kubernetes.io/serviceaccount",
                readOnly: true,
            },
        ],
    };
}

/** The volumes the init container and the sidecar add: kubectl's emptyDir and the projected token. */
export function roleLabelVolumes(): Volume[] {
    return [
        { name: "tools", emptyDir: { sizeLimit: "128Mi" } },
        {
            // The service-account token, mounted into the role-label sidecar only.
            name: "kube-api-access",
            projected: {
                defaultMode: 0o440,
                sources: [
                    { serviceAccountToken: { path: "token", expirationSeconds: 3607 } },
                    { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
                    {
                        downwardAPI: {
                            items: [{ path: "namespace", fieldRef: { fieldPath: "metadata.namespace" } }],
                        },
                    },
                ],
            },
        },
    ];
}

/**
 * ServiceAccount, Role and RoleBinding of the role-label sidecar: `get` and `patch` on the StatefulSet's own
 * pods (`<base>-0` … by name) in this namespace, nothing else. Returns them for the StatefulSet to wait for.
 */
export function createRoleLabelAccess(
    name: string,
    n: { readonly base: string; readonly serviceAccount: string; readonly roleLabel: string },
    ns: string,
    labels: Record<string, string>,
    replicas: number,
    parent: pulumi.Resource,
): pulumi.Resource[] {
    const account = new k8s.core.v1.ServiceAccount(
        `${name}-serviceaccount`,
        { metadata: meta(n.serviceAccount, ns, labels), automountServiceAccountToken: false },
        { parent },
    );
    const role = new k8s.rbac.v1.Role(
        `${name}-role-label`,
        {
            metadata: meta(n.roleLabel, ns, labels),
            rules: [
                {
                    apiGroups: [""],
                    resources: ["pods"],
                    resourceNames: Array.from({ length: replicas }, (_, i) => `${n.base}-${i}`),
                    verbs: ["get", "patch"],
                },
            ],
        },
        { parent },
    );
    const binding = new k8s.rbac.v1.RoleBinding(
        `${name}-role-label-binding`,
        {
            metadata: meta(n.roleLabel, ns, labels),
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: n.roleLabel },
            subjects: [{ kind: "ServiceAccount", name: n.serviceAccount, namespace: ns }],
        },
        { parent },
    );
    return [account, role, binding];
}
