/** Command builders for one stack of the runbooks: kubectl, kubectl-cnpg/psql, Prometheus alerts, pulumi. */
import { RegionConfig } from "../../config";
import { CLUSTER_NAME } from "../../components/postgres/postgres";
import { sh, sqlArg } from "./procedure";

/** The placeholder printed for a stack without `kubeContext`; deliberately not valid shell. */
export function contextPlaceholder(stack: string): string {
    return `<SET-ME:${stack}-kube-context>`;
}

/** Command builders for one stack, from its parsed config. */
export function commandsFor(c: RegionConfig) {
    const ctx = c.kubernetes.context ? sh(c.kubernetes.context) : contextPlaceholder(c.stack);
    const pgNs = c.namespaces.postgres;
    const kubectl = (ns: string) => `kubectl --context ${ctx} -n ${ns}`;
    const cnpg = (sub: string) => `kubectl cnpg ${sub} ${CLUSTER_NAME} -n ${pgNs} --context ${ctx}`;
    return {
        stack: c.stack,
        /** `kubectl` in namespace `ns` of this stack's cluster. */
        kubectl,
        status: cnpg("status"),
        psql: (sql: string) => `${cnpg("psql")} -- -Atc ${sqlArg(sql)}`,
        clusterField: (jsonpath: string) =>
            `${kubectl(pgNs)} get cluster ${CLUSTER_NAME} -o jsonpath=${sh(`{${jsonpath}}`)}`,
        kubectlPg: kubectl(pgNs),
        alerts:
            `kubectl --context ${ctx} get --raw ` +
            `/api/v1/namespaces/${c.namespaces.monitoring}/services/prometheus-operated:web/proxy/api/v1/alerts ` +
            `| jq -r '.data.alerts[] | select(.state == "firing" and .labels.severity != "none") | .labels.alertname'`,
        up: `pulumi up --stack ${c.stack} --policy-pack policies`,
        set: (key: string, value: string, secret = false) =>
            `pulumi config set ${secret ? "--secret " : ""}${key} ${value} --stack ${c.stack}`,
        rm: (key: string) => `pulumi config rm ${key} --stack ${c.stack}`,
    };
}

/** What {@link commandsFor} returns. */
export type StackCommands = ReturnType<typeof commandsFor>;
