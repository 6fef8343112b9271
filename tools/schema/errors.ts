/**
 * ajv errors (from the CRD schemas or from kubernetes-models) as path + message pairs that say what is
 * wrong in the object's own terms: unknown fields, missing ones, allowed values, the alternatives of a
 * failed `oneOf`/`anyOf` reported once.
 */
import { ErrorObject } from "ajv";

const escapePointer = (s: string): string => s.replace(/~/g, "~0").replace(/\//g, "~1");
const show = (p: string): string => p || "/";

/** Whether an error comes from inside a failed `oneOf`/`anyOf` branch (reported once by the parent). */
function insideFailedBranch(e: ErrorObject, all: ErrorObject[]): boolean {
    return all.some(
        (p) =>
            p !== e &&
            (p.keyword === "oneOf" || p.keyword === "anyOf") &&
            e.schemaPath.startsWith(`${p.schemaPath}/`) &&
            e.instancePath.startsWith(p.instancePath),
    );
}

/** Turns ajv errors (CRD schemas or kubernetes-models) into path + message pairs. */
export function describeErrors(errors: ErrorObject[]): { path: string; message: string }[] {
    return errors
        .filter((e) => !insideFailedBranch(e, errors))
        .map((e) => {
            const p = e.params as Record<string, unknown>;
            switch (e.keyword) {
                case "additionalProperties": {
                    const path = `${e.instancePath}/${escapePointer(String(p.additionalProperty))}`;
                    return { path, message: `${path} is an unknown field (not in the schema)` };
                }
                case "required": {
                    const path = `${e.instancePath}/${escapePointer(String(p.missingProperty))}`;
                    return { path, message: `${path} is required` };
                }
                case "enum":
                    return {
                        path: e.instancePath,
                        message: `${show(e.instancePath)} ${e.message}: ${(p.allowedValues as unknown[]).join(", ")}`,
                    };
                case "x-geo-described":
                    return { path: e.instancePath, message: String(e.message) };
                case "x-kubernetes-validations":
                    return { path: e.instancePath, message: `${show(e.instancePath)}: ${e.message}` };
                case "oneOf":
                case "anyOf": {
                    // name the alternatives from the branches' own "required" errors
                    const missing = new Map<string, string[]>();
                    for (const b of errors) {
                        if (
                            b.keyword !== "required" ||
                            b.instancePath !== e.instancePath ||
                            !b.schemaPath.startsWith(`${e.schemaPath}/`)
                        )
                            continue;
                        const branch = b.schemaPath.slice(e.schemaPath.length + 1).split("/")[0];
                        missing.set(branch, [...(missing.get(branch) ?? []), String(b.params.missingProperty)]);
                    }
                    const which = e.keyword === "oneOf" ? "exactly one" : "at least one";
                    const hint = Array.isArray(p.passingSchemas)
                        ? " (more than one alternative is set)"
                        : missing.size > 0
                          ? ` (set ${which} of: ${[...missing.values()].map((m) => m.join("+")).join(" | ")})`
                          : "";
                    return { path: e.instancePath, message: `${show(e.instancePath)} ${e.message}${hint}` };
                }
                default:
                    return { path: e.instancePath, message: `${show(e.instancePath)} ${e.message}` };
            }
        });
}
