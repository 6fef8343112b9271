/**
 * The parts of @pulumi/aws the program uses, imported module by module: the package's index loads every
 * one of its ~300 service modules (≈ 0.1 s per process, a tenth of a plan) where we need four. Import AWS
 * from here (`import * as aws from "../shared/aws"`) and add a service module below when a component needs
 * one; the resources, their type tokens and what they send to the engine are the same as through the index.
 */
export { Provider } from "@pulumi/aws/provider";
export { getCallerIdentityOutput } from "@pulumi/aws/getCallerIdentity";
export type { Region } from "@pulumi/aws/types/enums";
export type * as types from "@pulumi/aws/types";
export * as cloudwatch from "@pulumi/aws/cloudwatch";
export * as iam from "@pulumi/aws/iam";
export * as kms from "@pulumi/aws/kms";
export * as s3 from "@pulumi/aws/s3";
export * as sns from "@pulumi/aws/sns";
