import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { RegionConfig } from "../config";
import { DataNamespaces } from "./platform/data-namespaces";
import { OperatorDependencies, Operators } from "./platform/operators";

/** Arguments of DataRegion. */
export interface DataRegionArgs {
    /** The validated config of this stack (from config.ts). */
    readonly config: RegionConfig;
    /** The primary stack (secondary stacks only): the source of shared cross-region material. */
    readonly primaryStack?: pulumi.StackReference;
}

/**
 * One region of the data tier: the Kubernetes provider for the region's cluster, the namespaces, the
 * pinned operators, and one component per data service.
 */
export class DataRegion extends pulumi.ComponentResource {
    /** The explicit Kubernetes provider every object of this region uses. */
    public readonly k8sProvider: k8s.Provider;
    /** The data-tier namespaces. */
    public readonly namespaces: DataNamespaces;
    /** What custom resources wait for (empty lists when operators are managed elsewhere). */
    public readonly operatorDependencies: OperatorDependencies;

    constructor(name: string, args: DataRegionArgs, opts?: pulumi.ComponentResourceOptions) {
        super("geo:index:DataRegion", name, {}, opts);
        const c = args.config;
        this.k8sProvider = new k8s.Provider(
            `${name}-k8s`,
            {
                ...(c.kubernetes.context ? { context: c.kubernetes.context } : {}),
                ...(c.kubernetes.kubeconfig ? { kubeconfig: c.kubernetes.kubeconfig } : {}),
                enableServerSideApply: true,
            },
            { parent: this },
        );
        const childOpts: pulumi.ComponentResourceOptions = { parent: this, providers: [this.k8sProvider] };
        this.namespaces = new DataNamespaces(`${name}-namespaces`, { names: c.namespaces, region: c.region }, childOpts);
        if (c.manageOperators) {
            const operators = new Operators(
                `${name}-operators`,
                { monitoringNamespace: this.namespaces.namespaces.monitoring.metadata.name },
                childOpts,
            );
            this.operatorDependencies = operators.dependencies;
        } else {
            this.operatorDependencies = { postgres: [], kafka: [], minio: [], monitoring: [] };
        }
        this.registerOutputs({});
    }
}
