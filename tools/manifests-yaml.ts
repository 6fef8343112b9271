/**
 * The multi-document YAML of rendered objects (manifests.yaml). Its own module, with js-yaml as its only
 * import, so the plan's checking thread (tools/schema/thread.ts) writes it without loading the Pulumi SDK.
 */
import * as yaml from "js-yaml";

/** Multi-document YAML of the objects. */
export function toYaml(objs: Record<string, any>[]): string {
    return objs.map((o) => yaml.dump(o, { noRefs: true, lineWidth: -1, sortKeys: false })).join("---\n");
}
