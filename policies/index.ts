/**
 * The geo-data CrossGuard policy pack: `pulumi preview --policy-pack policies`.
 * Only assembles; each policy is in its own module (constructing a PolicyPack starts the policy server).
 */
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("geo-data", { policies });
