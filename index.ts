/**
 * geo-data: one region of the geo-replicated data tier.
 *
 * Config is read and validated first, so invalid config fails before any resource is registered. A
 * secondary stack then reads the primary stack's published `pair` through a StackReference and refuses to
 * continue when the two stacks disagree (e.g. on which region is primary).
 */
import * as pulumi from "@pulumi/pulumi";
import { loadConfig } from "./config";
import { DataRegion } from "./components/region";
import { PairInfo, checkPair } from "./components/shared/pair";

export = async () => {
    const config = loadConfig();
    const pair: PairInfo = {
        region: config.region,
        peerRegion: config.peerRegion,
        primaryRegion: config.primaryRegion,
        dnsZone: config.dnsZone,
    };
    let primaryStack: pulumi.StackReference | undefined;
    if (config.primaryStack) {
        primaryStack = new pulumi.StackReference("primary-stack", { name: config.primaryStack });
        const peer = await primaryStack.getOutputDetails("pair");
        checkPair(pair, peer.value as PairInfo | undefined, config.primaryStack);
    }
    const region = new DataRegion("geo", { config, primaryStack });

    return {
        /** AWS region of this stack. */
        awsRegion: config.region,
        /** This stack's role in the pair. */
        role: config.role,
        /** The region currently holding the writable primaries. */
        primaryRegion: config.primaryRegion,
        /** What the other stack checks itself against. */
        pair,
        /** The data-tier namespaces. */
        namespaces: region.namespaces.names,
    };
};
