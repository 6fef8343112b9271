import { ResourceValidationPolicy } from "@pulumi/policy";
import { confValue, isKubernetesObject, objectRef, podSpecs } from "../lib";

/** Names (env variables, ConfigMap keys, annotation keys) that denote secret material. */
const SECRET_NAME = /(password|passwd|secret|token|private[-_.]?key|access[-_.]?key|credentials?)$/i;
/** Config-file directives that carry a password (redis.conf, sentinel.conf, pgbouncer.ini). */
const SECRET_DIRECTIVES = ["requirepass", "masterauth", "sentinel auth-pass", "auth_password", "password"];
/** Text that is itself key material. */
const KEY_MATERIAL = /-----BEGIN [A-Z ]*PRIVATE KEY-----|\bAKIA[0-9A-Z]{16}\b/;

/** Where a ConfigMap's data leaks a secret, or []. */
function configMapLeaks(data: Record<string, unknown>): string[] {
    const out: string[] = [];
    for (const [key, value] of Object.entries(data ?? {})) {
        if (typeof value !== "string") continue;
        if (SECRET_NAME.test(key) && value.trim() !== "") out.push(`data key ${JSON.stringify(key)}`);
        if (KEY_MATERIAL.test(value)) out.push(`data ${JSON.stringify(key)} contains key material`);
        for (const d of SECRET_DIRECTIVES) {
            const v = d.includes(" ") ? undefined : confValue(value, d);
            const multi = d.includes(" ") && value.split("\n").some((l) => l.trim().toLowerCase().startsWith(`${d} `));
            if ((v !== undefined && v !== "") || multi) out.push(`data ${JSON.stringify(key)} sets ${d}`);
        }
    }
    return out;
}

/**
 * Secret material lives only in Secrets: no ConfigMap holds a password directive (requirepass, masterauth,
 * sentinel auth-pass, …), a key named like a secret or a private key; no container env sets a secret-named
 * variable to a literal `value` (use valueFrom.secretKeyRef); no annotation carries a secret-named key or key
 * material. ConfigMaps and annotations are readable by anyone with `get` on them and land in logs and diffs.
 */
export const workloadDisallowSecretLiterals: ResourceValidationPolicy = {
    name: "workload-disallow-secret-literals",
    description:
        "No secret material in ConfigMaps (password directives, secret-named keys, private keys), container env literals (secret-named variables with a value) or annotations.",
    enforcementLevel: "mandatory",
    severity: "critical",
    remediationSteps:
        "Move the value into a Secret (marked secret in Pulumi) and mount it (redis.conf `include /etc/redis-secret/auth.conf`) or reference it with env[].valueFrom.secretKeyRef; never put it in a ConfigMap, an env value or an annotation.",
    validateResource: (args, reportViolation) => {
        if (!isKubernetesObject(args.type) || args.type === "kubernetes:core/v1:Secret") return;
        const ref = `${args.props?.kind ?? args.type} ${objectRef(args.props)}`;
        if (args.type === "kubernetes:core/v1:ConfigMap") {
            const leaks = configMapLeaks(args.props?.data ?? {});
            if (leaks.length)
                reportViolation(
                    `${ref} holds secret material (${leaks.join("; ")}); move it to a Secret and mount or include it from there.`,
                );
        }
        for (const [key, value] of Object.entries<unknown>(args.props?.metadata?.annotations ?? {})) {
            if (SECRET_NAME.test(key) || (typeof value === "string" && KEY_MATERIAL.test(value)))
                reportViolation(`${ref} has annotation ${JSON.stringify(key)} carrying secret material; remove it.`);
        }
        for (const pod of podSpecs(args.props)) {
            for (const c of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) {
                for (const e of c?.env ?? []) {
                    if (SECRET_NAME.test(String(e?.name ?? "")) && typeof e?.value === "string" && e.value !== "")
                        reportViolation(
                            `${ref} container ${c?.name} sets env ${e.name} to a literal value; use valueFrom.secretKeyRef to a Secret instead.`,
                        );
                }
            }
        }
    },
};
