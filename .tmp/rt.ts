import * as fs from "fs";
import * as yaml from "js-yaml";
import { reachabilityMarkdown } from "../tools/reachability";
for (const stack of ["us-east","us-west"]) {
const objects = yaml.loadAll(fs.readFileSync(`/work/wt-fence/out/${stack}/manifests.yaml`, "utf8")).filter(Boolean) as any[];
console.log(reachabilityMarkdown({ objects, clientNamespaceLabel: { key: "geo-data/client", value: "true" }, peerCidrs: [stack==="us-east"?"10.20.0.0/16":"10.10.0.0/16"], loadBalancerSubnetCidrs: [stack==="us-east"?"10.10.128.0/24":"10.20.128.0/24"], monitoringNamespace: "geo-monitoring", cnpgNamespace: "cnpg-system" }));
}
