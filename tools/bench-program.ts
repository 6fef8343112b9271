/**
 * The program `npm run bench` renders to see how render time grows with the number of resources: the
 * region's whole component set (DataRegion, from the stack's validated config, as index.ts builds it),
 * `geo-bench:copies` times over under different names. Not part of the product: only tools/bench.ts uses it.
 */
import * as pulumi from "@pulumi/pulumi";
import { loadConfig } from "../config";
import { DataRegion } from "../components/region";

export = async () => {
    const config = loadConfig();
    const copies = new pulumi.Config("geo-bench").getNumber("copies") ?? 1;
    for (let i = 0; i < copies; i++) new DataRegion(i === 0 ? "geo" : `geo${i}`, { config });
    return {};
};
