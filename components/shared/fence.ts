/**
 * NetworkPolicy peers of the network fence that more than one component renders (the data namespaces'
 * policies, Strimzi's listener peers, the Prometheus peer endpoint): one definition, so they cannot drift.
 */

/** Namespaces labelled as application namespaces (config `clientNamespaceLabel`). */
export function clientNamespacesPeer(label: { readonly key: string; readonly value: string }) {
    return { namespaceSelector: { matchLabels: { [label.key]: label.value } } };
}

/**
 * Who reaches a cross-region port: the peer region's CIDR blocks (config `peerCidrs`) and this region's
 * internal-NLB subnets (`loadBalancerSubnetCidrs`: an NLB with IP targets health-checks, and without client IP
 * preservation forwards, from its own addresses; docs/network.md).
 */
export function crossRegionPeers(peerCidrs: readonly string[], loadBalancerSubnetCidrs: readonly string[]) {
    return [...peerCidrs, ...loadBalancerSubnetCidrs].map((cidr) => ({ ipBlock: { cidr } }));
}
