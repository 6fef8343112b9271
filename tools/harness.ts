/**
 * Runs the Pulumi program for one stack under Pulumi's runtime mocks and records every registered
 * resource (type, name, parent, inputs, options) and the stack outputs. Used by `npm run plan` and by the
 * tests; the program itself knows nothing about it.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";

/** The repository root. */
export const ROOT = path.resolve(__dirname, "..");
/** The organization the CLI reports for a DIY backend (and the stack files' `primaryStack` names). */
export const ORGANIZATION = "organization";
/** The Pulumi project name (also the config namespace). */
export const PROJECT = "geo-data";

/** Marker object Pulumi uses for secret values in serialized properties. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_VAL = "1b47061264138c4ac30d75fd1eb44270";
/** What a secret value is replaced with in everything written to disk. */
export const REDACTED = "[secret]";

/** Resource options the engine would record, as names of the resources they point to. */
export interface RecordedOptions {
    protect?: boolean;
    retainOnDelete?: boolean;
    deleteBeforeReplace?: boolean;
    ignoreChanges?: string[];
    replaceOnChanges?: string[];
    dependsOn?: string[];
    provider?: string;
}

/** One registered resource. */
export interface RecordedResource {
    /** Type token, e.g. `kubernetes:postgresql.cnpg.io/v1:Cluster`. */
    type: string;
    /** Pulumi resource name (logical name). */
    name: string;
    /** `type::name` of the parent resource, if any. */
    parent?: string;
    /** Custom (provider-managed) resource, as opposed to a component. */
    custom: boolean;
    /** Inputs as the engine receives them; secret values are `{[SECRET_SIG]: ..., value}` wrappers. */
    inputs: Record<string, any>;
    options: RecordedOptions;
}

/** A stack output value with its secretness. */
export interface StackOutputs {
    outputs: Record<string, unknown>;
    secretOutputNames: string[];
}

/** What `renderStack` returns. */
export interface RenderResult extends StackOutputs {
    stack: string;
    resources: RecordedResource[];
    /**
     * What the program logged with `pulumi.log.warn`, in order. Recorded, not printed: `npm run plan` shows
     * them in its summary and the specs that provoke one assert its text.
     */
    warnings: string[];
}

/** Arguments of renderStack. */
export interface RenderOptions {
    /** Stack name (us-east, us-west). */
    stack: string;
    /** Full config map `namespace:key` → string value, as the CLI passes it to the program. */
    config: Record<string, string>;
    /** Config keys that are secrets (`geo-data:kubeconfig`). */
    secretKeys?: string[];
    /** Outputs to serve for `StackReference`s, by referenced stack name. */
    stackReferences?: Record<string, StackOutputs>;
    /** Program entry (defaults to the repo's index.ts). */
    program?: string;
}

/** True for Pulumi's serialized secret wrapper. */
export function isSecretWrapper(v: unknown): v is { value: unknown } {
    return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SECRET_SIG] === SECRET_VAL;
}

/** Deep copy with every secret wrapper replaced by `replace(value)`. */
export function mapSecrets(v: unknown, replace: (value: unknown) => unknown): any {
    if (isSecretWrapper(v)) return replace(v.value);
    if (Array.isArray(v)) return v.map((x) => mapSecrets(x, replace));
    if (v && typeof v === "object") {
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mapSecrets(x, replace)]));
    }
    return v;
}

/** Deep copy with every secret wrapper replaced by REDACTED. */
export function redact(v: unknown): any {
    return mapSecrets(v, () => REDACTED);
}

/** Deep copy with every secret wrapper replaced by its plain value (what policies see from the engine). */
export function unwrapSecrets(v: unknown): any {
    return mapSecrets(v, (x) => unwrapSecrets(x));
}

const FAKE_ACCOUNT = "123456789012";

/** A deterministic fake value derived from a name (stable across runs, so plans diff cleanly). */
function fakeHex(seed: string, len: number): string {
    let h = 2166136261;
    let out = "";
    while (out.length < len) {
        for (const ch of seed + out.length) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
        out += h.toString(16).padStart(8, "0");
    }
    return out.slice(0, len);
}

/** Computed state a provider would return for a resource, for the kinds the program reads back. */
function computedState(type: string, name: string, inputs: Record<string, any>): Record<string, unknown> {
    const region = inputs.region ?? "us-east-1";
    const [pkg, mod] = type.split(":");
    if (pkg === "random") {
        const length = Number(inputs.length ?? 32);
        return { result: `mock${fakeHex(name, Math.max(length - 4, 1))}`.slice(0, length) };
    }
    if (pkg === "tls") {
        const pem = (label: string) => `-----BEGIN ${label}-----\nmock${fakeHex(name, 60)}\n-----END ${label}-----\n`;
        // As the provider: privateKeyPem is PKCS#1 for RSA, SEC1 for ECDSA, PKCS#8 otherwise (ED25519).
        const keyLabel = { RSA: "RSA PRIVATE KEY", ECDSA: "EC PRIVATE KEY" }[String(inputs.algorithm)] ?? "PRIVATE KEY";
        if (mod === "index/privateKey")
            return {
                privateKeyPem: pem(keyLabel),
                privateKeyPemPkcs8: pem("PRIVATE KEY"),
                publicKeyPem: pem("PUBLIC KEY"),
            };
        if (mod === "index/certRequest") return { certRequestPem: pem("CERTIFICATE REQUEST") };
        return { certPem: pem("CERTIFICATE"), validityEndTime: "2036-11-24T00:00:00Z" };
    }
    if (pkg === "aws") {
        const service = mod.split("/")[0];
        const resourceName = inputs.bucket ?? inputs.name ?? name;
        return {
            arn: `arn:aws:${service}:${service === "s3" || service === "iam" ? "" : region}:${service === "s3" ? "" : FAKE_ACCOUNT}:${resourceName}`,
            ...(service === "s3"
                ? { bucket: resourceName, bucketRegionalDomainName: `${resourceName}.s3.${region}.amazonaws.com` }
                : {}),
            ...(service === "kms" ? { keyId: fakeHex(name, 32) } : {}),
        };
    }
    return {};
}

/** Clears the program's own modules (not node_modules, not tools/) so the next stack loads them afresh. */
function clearProgramModules(): void {
    for (const file of Object.keys(require.cache)) {
        if (!file.startsWith(ROOT + path.sep)) continue;
        const rel = path.relative(ROOT, file);
        if (rel.startsWith("node_modules") || rel.startsWith("tools" + path.sep)) continue;
        delete require.cache[file];
    }
}

/** The name a resource is recorded under: `type::name`. */
export function resourceKey(r: { type: string; name: string }): string {
    return `${r.type}::${r.name}`;
}

/**
 * Renders one stack under mocks. Resolves with every registered resource and the stack outputs; rejects
 * with the program's error (for example a ConfigError) when it fails.
 */
export function renderStack(opts: RenderOptions): Promise<RenderResult> {
    // The same inputs always render the same resources (the mocks are deterministic), so a process that
    // renders a configuration several times — the test suite, plan + switchover — renders it once.
    // Results are shared: treat them as read-only.
    const key = stableJson({ ...opts, program: opts.program ?? path.join(ROOT, "index.ts") });
    let p = renders.get(key);
    if (!p) {
        p = process.env.GEO_RENDER_CACHE_DIR ? renderShared(opts, key) : renderUncached(opts);
        renders.set(key, p);
        p.catch(() => renders.delete(key));
    }
    return p;
}

const renders = new Map<string, Promise<RenderResult>>();

/**
 * Renders through a directory shared by the processes of one test run ($GEO_RENDER_CACHE_DIR, set by
 * tools/test.js for mocha's workers): a configuration one worker rendered is read back by the others
 * instead of rendered again. Keyed by the render options and the program file's content; successful
 * renders only (a failing one renders again, so its error is the program's own). The directory lives as
 * long as the run: sources do not change under it.
 */
async function renderShared(opts: RenderOptions, key: string): Promise<RenderResult> {
    const program = opts.program ?? path.join(ROOT, "index.ts");
    const hash = crypto.createHash("sha1").update(key).update("\0").update(fs.readFileSync(program)).digest("hex");
    const file = path.join(process.env.GEO_RENDER_CACHE_DIR!, `${hash}.json`);
    try {
        return JSON.parse(fs.readFileSync(file, "utf8")) as RenderResult;
    } catch {
        // not rendered yet in this run
    }
    const result = await renderUncached(opts);
    try {
        const tmp = `${file}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, JSON.stringify(result));
        fs.renameSync(tmp, file);
    } catch {
        // best effort: the next worker renders it itself
    }
    return result;
}

/** JSON with object keys sorted, so equal configs give equal cache keys whatever their insertion order. */
function stableJson(v: unknown): string {
    return JSON.stringify(v, (_k, x) =>
        x && typeof x === "object" && !Array.isArray(x)
            ? Object.fromEntries(
                  Object.keys(x)
                      .sort()
                      .map((k) => [k, x[k]]),
              )
            : x,
    );
}

/**
 * Pulumi captures and formats a stack trace for every resource (`Resource.callsites`, unlimited depth: the
 * source position and stack the engine records) and for every internal promise (`debuggablePromise`: a
 * debug string printed only with PULUMI_DEBUG_PROMISE_LEAKS). Under mocks nobody reads either — the mock
 * monitor drops source positions, and leaks are reported by count — yet they were a fifth of a render's
 * CPU. While a render runs, resources get no call sites and promise debug stacks are not captured (unless
 * PULUMI_DEBUG_PROMISE_LEAKS is set); errors the program throws keep their stack traces.
 */
function withoutStackCaptures(): () => void {
    const resource = pulumi.Resource as unknown as { callsites: () => unknown[] };
    const debuggable = require("@pulumi/pulumi/runtime/debuggable") as {
        debuggablePromise: (p: Promise<unknown>, ctx: unknown) => Promise<unknown>;
    };
    if (stackCaptureDepth++ === 0) {
        const callsites = resource.callsites;
        const debuggablePromise = debuggable.debuggablePromise;
        resource.callsites = () => [];
        if (!process.env.PULUMI_DEBUG_PROMISE_LEAKS) {
            debuggable.debuggablePromise = (p, ctx) => {
                const limit = Error.stackTraceLimit;
                Error.stackTraceLimit = 0;
                try {
                    return debuggablePromise(p, ctx);
                } finally {
                    Error.stackTraceLimit = limit;
                }
            };
        }
        restoreStackCaptures = () => {
            resource.callsites = callsites;
            debuggable.debuggablePromise = debuggablePromise;
        };
    }
    return () => {
        if (--stackCaptureDepth === 0) restoreStackCaptures();
    };
}
/**
 * The SDK logs every monitor response with `log.debug(\`… resp: ${response}\`)`, which turns the protobuf
 * message (all of the resource's state) into a string, even when nothing reads debug logs — under mocks
 * about a seventh of a render. The mock monitor's responses get a short `toString` instead (the log line
 * names the message type); their content is unchanged.
 */
function cheapResponseStrings(): void {
    const monitor = (pulumi.runtime as unknown as { getMonitor(): Record<string, unknown> }).getMonitor();
    for (const method of ["registerResource", "registerResourceOutputs", "invoke", "call", "readResource"]) {
        const original = monitor?.[method];
        if (typeof original !== "function") continue;
        monitor[method] = function (this: unknown, req: unknown, callback: (err: unknown, resp: any) => void) {
            return original.call(this, req, (err: unknown, resp: any) => {
                if (resp && typeof resp === "object") {
                    Object.defineProperty(resp, "toString", { value: () => `[${method} response]`, enumerable: false });
                }
                callback(err, resp);
            });
        };
    }
}

/**
 * The mock monitor's registerResource, less its response's protobuf round trip. The SDK's MockMonitor
 * serialises the mocked state (`serializeProperties`), packs it into a protobuf Struct for the response, and
 * the SDK unpacks it again (`resp.getObject().toJavaScript()`) before deserialising it: about a tenth of a
 * render under mocks, for a value that comes back as it went in. This hands the SDK the serialised state
 * itself behind the same accessors (urn, id, object, property dependencies: none, result: SUCCESS) and
 * otherwise does what MockMonitor.registerResource does, line for line (same mock call, URN, stored state).
 * Only for the SDK version pinned in package.json (checked by test/plan-speed.spec.ts, which also renders
 * us-east both ways and compares); any other version keeps the SDK's own method.
 */
export const LEAN_MONITOR_SDK = "3.248.0";
function leanRegisterResource(): void {
    const sdk: string = require("@pulumi/pulumi/package.json").version;
    if (sdk !== LEAN_MONITOR_SDK) return;
    const { MockMonitor } = require("@pulumi/pulumi/runtime/mocks");
    const { serializeProperties, deserializeProperties } = require("@pulumi/pulumi/runtime/rpc");
    const monitor = (pulumi.runtime as unknown as { getMonitor(): any }).getMonitor();
    if (!(monitor instanceof MockMonitor)) return;
    monitor.registerResource = async function (this: any, req: any, callback: (err: unknown, resp?: unknown) => void) {
        try {
            const result = await this.mocks.newResource({
                type: req.getType(),
                name: req.getName(),
                inputs: deserializeProperties(req.getObject()),
                provider: req.getProvider(),
                custom: req.getCustom(),
                id: req.getImportid(),
            });
            const urn = this.newUrn(req.getParent(), req.getType(), req.getName());
            const serializedState = await serializeProperties("", result.state);
            this.resources.set(urn, { urn, id: result.id ?? null, state: serializedState });
            const object = { toJavaScript: () => serializedState };
            const id = result.id || "";
            callback(null, {
                getUrn: () => urn,
                getId: () => id,
                getObject: () => object,
                getPropertydependenciesMap: () => undefined,
                getResult: () => 0,
                toString: () => "[registerResource response]",
            });
        } catch (err) {
            callback(err, undefined);
        }
    };
}

let stackCaptureDepth = 0;
let restoreStackCaptures = (): void => undefined;

/**
 * Renders one stack afresh (no process or shared cache); `leanMonitor: false` keeps the SDK's own mock
 * registerResource (test/plan-speed.spec.ts compares the two).
 */
export async function renderUncached(
    opts: RenderOptions,
    { leanMonitor = true }: { leanMonitor?: boolean } = {},
): Promise<RenderResult> {
    const restore = withoutStackCaptures();
    try {
        return await renderWithMocks(opts, leanMonitor);
    } finally {
        restore();
    }
}

async function renderWithMocks(opts: RenderOptions, leanMonitor: boolean): Promise<RenderResult> {
    const program = opts.program ?? path.join(ROOT, "index.ts");
    const records: RecordedResource[] = [];
    const byKey = new Map<string, RecordedResource>();
    const keyOf = new WeakMap<pulumi.Resource, string>();
    const stackKey = `pulumi:pulumi:Stack::${PROJECT}-${opts.stack}`;

    // A program that exports a function (`export = async () => outputs`) registers its resources when
    // called, so its modules can stay loaded between stacks (a third faster); a module that registers them
    // at load time must be loaded afresh. Before its first load nothing of it has run: the modules the
    // tools already loaded (config/, components/shared/) are kept rather than loaded a second time.
    const loaded = require.cache[require.resolve(program)];
    if (loaded && typeof loaded.exports !== "function") clearProgramModules();
    pulumi.runtime.setAllConfig(opts.config, opts.secretKeys ?? []);
    await pulumi.runtime.setMocks(
        {
            newResource(args: pulumi.runtime.MockResourceArgs) {
                const inputs = args.inputs ?? {};
                const rec = byKey.get(resourceKey(args));
                if (rec) {
                    rec.inputs = inputs;
                    rec.custom = args.custom ?? true;
                }
                if (args.type === "pulumi:pulumi:StackReference") {
                    const name = inputs.name ?? args.name;
                    // A stack reading its own last deployment: offline there is none unless a test supplies it.
                    const self = `${ORGANIZATION}/${PROJECT}/${opts.stack}`;
                    const ref =
                        opts.stackReferences?.[name] ??
                        (name === self ? { outputs: {}, secretOutputNames: [] } : undefined);
                    if (!ref)
                        throw new Error(
                            `renderStack: no outputs supplied for StackReference ${inputs.name ?? args.name}`,
                        );
                    return { id: args.name, state: { name: inputs.name ?? args.name, ...ref } };
                }
                return { id: `${args.name}-id`, state: { ...inputs, ...computedState(args.type, args.name, inputs) } };
            },
            call(args: pulumi.runtime.MockCallArgs) {
                switch (args.token) {
                    case "aws:index/getCallerIdentity:getCallerIdentity":
                        return {
                            accountId: FAKE_ACCOUNT,
                            arn: `arn:aws:iam::${FAKE_ACCOUNT}:user/plan`,
                            userId: "plan",
                        };
                    case "aws:index/getPartition:getPartition":
                        return { partition: "aws", dnsSuffix: "amazonaws.com" };
                    default:
                        throw new Error(`renderStack: unmocked call ${args.token}`);
                }
            },
        },
        PROJECT,
        opts.stack,
        false,
        ORGANIZATION,
    );
    if (leanMonitor) leanRegisterResource();
    cheapResponseStrings();

    const record = (args: pulumi.ResourceTransformationArgs): undefined => {
        const o = args.opts as pulumi.CustomResourceOptions & pulumi.ComponentResourceOptions;
        const key = resourceKey(args);
        keyOf.set(args.resource, key);
        const deps = o.dependsOn === undefined ? [] : Array.isArray(o.dependsOn) ? o.dependsOn : [o.dependsOn];
        const options: RecordedOptions = {};
        if (o.protect !== undefined) options.protect = o.protect;
        if (o.retainOnDelete !== undefined) options.retainOnDelete = o.retainOnDelete;
        if (o.deleteBeforeReplace !== undefined) options.deleteBeforeReplace = o.deleteBeforeReplace;
        if (o.ignoreChanges?.length) options.ignoreChanges = [...o.ignoreChanges];
        if (o.replaceOnChanges?.length) options.replaceOnChanges = [...o.replaceOnChanges];
        const depKeys = deps
            .filter((d): d is pulumi.Resource => pulumi.Resource.isInstance(d))
            .map((d) => keyOf.get(d) ?? "<unknown>");
        if (depKeys.length) options.dependsOn = depKeys;
        if (o.provider && pulumi.Resource.isInstance(o.provider)) options.provider = keyOf.get(o.provider);
        const rec: RecordedResource = {
            type: args.type,
            name: args.name,
            // Resources without a recorded parent hang off the root stack resource, as in the engine.
            parent: (o.parent && keyOf.get(o.parent)) || stackKey,
            custom: true,
            inputs: {},
            options,
        };
        if (byKey.has(key)) throw new Error(`renderStack: duplicate resource ${key}`);
        byKey.set(key, rec);
        records.push(rec);
        return undefined;
    };

    let exported: Record<string, unknown> = {};
    let failure: unknown;
    const warnings: string[] = [];
    const stopCapture = captureWarnings(warnings);
    try {
        await pulumi.runtime.runInPulumiStack(async () => {
            pulumi.runtime.registerStackTransformation(record);
            try {
                // The program is `export = async () => outputs` (or a plain module of exports).
                const mod = require(program);
                exported = { ...(typeof mod === "function" ? await mod() : mod) };
            } catch (err) {
                // Rethrown below, outside the stack resource, so it is not also an unhandled rejection.
                failure = err;
            }
            return exported;
        });
        await pulumi.runtime.disconnect();
    } finally {
        stopCapture();
    }
    if (failure !== undefined) {
        // Lets tests prove that invalid config fails before any resource is registered.
        if (failure instanceof Error) Object.defineProperty(failure, "registeredResources", { value: records.slice() });
        throw failure;
    }

    const outputs: Record<string, unknown> = {};
    const secretOutputNames: string[] = [];
    for (const [k, v] of Object.entries(exported)) {
        const out = pulumi.output(v) as any;
        outputs[k] = await out.promise();
        if (await out.isSecret) secretOutputNames.push(k);
    }
    return { stack: opts.stack, resources: records, outputs, secretOutputNames, warnings };
}

/**
 * Routes `pulumi.log.warn` into `sink` until the returned function is called. Without an engine (as under
 * mocks) the SDK would print each one with console.warn, in the middle of whatever else is printing.
 */
function captureWarnings(sink: string[]): () => void {
    const log = pulumi.log as { warn: typeof pulumi.log.warn };
    const original = log.warn;
    log.warn = (msg: string) => {
        sink.push(msg);
        return Promise.resolve();
    };
    return () => {
        log.warn = original;
    };
}
