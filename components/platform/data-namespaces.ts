import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PART_OF } from "../shared/labels";
import { Namespaces } from "../shared/naming";

/** Arguments of DataNamespaces. */
export interface DataNamespacesArgs {
    /** The namespace names, from config (`namespacePrefix`). */
    readonly names: Namespaces;
    /** This stack's AWS region, recorded as a label for cross-cluster tooling. */
    readonly region: string;
}

/**
 * The data-tier namespaces. Pod Security Admission enforces `baseline` and warns/audits at `restricted`
 * (our own workloads meet `restricted`; some operator-managed pods do not yet).
 */
export class DataNamespaces extends pulumi.ComponentResource {
    /** Namespace name per domain (the same strings as `args.names`, for convenient dependsOn wiring). */
    public readonly names: Namespaces;
    /** The Namespace resources, keyed by domain. */
    public readonly namespaces: Readonly<Record<keyof Namespaces, k8s.core.v1.Namespace>>;

    constructor(name: string, args: DataNamespacesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("geo:platform:DataNamespaces", name, {}, opts);
        const entries = Object.entries(args.names) as [keyof Namespaces, string][];
        const namespaces = {} as Record<keyof Namespaces, k8s.core.v1.Namespace>;
        for (const [domain, ns] of entries) {
            namespaces[domain] = new k8s.core.v1.Namespace(
                `${name}-${domain}`,
                {
                    metadata: {
                        name: ns,
                        labels: {
                            "app.kubernetes.io/part-of": PART_OF,
                            "app.kubernetes.io/managed-by": "pulumi",
                            "geo-data/domain": domain,
                            "geo-data/region": args.region,
                            "pod-security.kubernetes.io/enforce": "baseline",
                            "pod-security.kubernetes.io/warn": "restricted",
                            "pod-security.kubernetes.io/audit": "restricted",
                        },
                    },
                },
                { parent: this },
            );
        }
        this.names = args.names;
        this.namespaces = namespaces;
        this.registerOutputs({ names: this.names });
    }
}
