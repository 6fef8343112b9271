/**
 * The list of policies in the pack. Each lives in its own module under policies/<area>/; this file only
 * collects them so both the pack (index.ts) and the offline runner use the same list.
 */
import { Policies } from "@pulumi/policy";
import { workloadDisallowUnpinnedImages } from "./kubernetes/workload-disallow-unpinned-images";

/** Every policy of the geo-data pack. */
export const policies: Policies = [workloadDisallowUnpinnedImages];
