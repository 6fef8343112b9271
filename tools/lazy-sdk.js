/**
 * Loads the Pulumi SDK's function-serialisation machinery only when it is used. Installed by
 * tools/register.js (plan, the tools, mocha); what `pulumi up` runs is unchanged.
 *
 * `require("@pulumi/pulumi")` loads `runtime/closure/serializeClosure` and `runtime/closure/codePaths`
 * eagerly, and with them the TypeScript compiler (9 MB of JavaScript, to parse closures) and npm's
 * @npmcli/arborist with its dependencies (pacote, sigstore, tar, … to find a package's code paths): about
 * 60 % of the SDK's load time. They serve `pulumi.runtime.serializeFunction`/`computeCodePaths` —
 * function serialisation for callbacks and dynamic providers, which this program does not use. The SDK's
 * runtime/index.js copies the three functions at load (`exports.serializeFunction =
 * serializeClosure_1.serializeFunction`); here it gets stand-ins that load the real module on their first
 * call and forward to it (any other property access loads it too). The Automation API is deferred the
 * same way (DEFERRED_NAMESPACES). GEO_LAZY_SDK=0 turns this off.
 */
"use strict";
const Module = require("module");
const path = require("path");

/** The modules deferred, by the request runtime/index.js makes, with the functions it copies from each. */
const DEFERRED = {
    "./closure/serializeClosure": ["serializeFunctionAsync", "serializeFunction"],
    "./closure/codePaths": ["computeCodePaths"],
};
const PARENT = path.join("@pulumi", "pulumi", "runtime", "index.js");

/**
 * The SDK's index.js also loads the Automation API (`pulumi.automation`: LocalWorkspace, Stack… — it
 * drives the pulumi CLI from a program; ≈ 20 ms of every process that loads the SDK), which this program
 * never touches. index.js takes it through `__importStar`, which returns a module marked `__esModule` as it
 * is: the stand-in answers that mark itself and loads the real module on any other access.
 */
const DEFERRED_NAMESPACES = { "./automation": path.join("@pulumi", "pulumi", "index.js") };

function install() {
    if (process.env.GEO_LAZY_SDK === "0") return;
    const load = Module._load;
    Module._load = function loadLazily(request, parent, isMain) {
        const names = DEFERRED[request];
        if (names && parent && parent.filename && parent.filename.endsWith(path.sep + PARENT)) {
            return deferred(() => load.call(Module, request, parent, isMain), names);
        }
        const from = DEFERRED_NAMESPACES[request];
        if (from && parent && parent.filename && parent.filename.endsWith(path.sep + from)) {
            return deferred(() => load.call(Module, request, parent, isMain), [], { __esModule: true });
        }
        return load.apply(this, arguments);
    };
}

/**
 * A stand-in for a module: its functions `names` load it when called, the `known` properties are answered
 * without loading it; anything else loads it at once.
 */
function deferred(loadReal, names, known = {}) {
    let real;
    const get = () => (real ??= loadReal());
    const stubs = new Map(names.map((n) => [n, (...args) => get()[n](...args)]));
    return new Proxy(
        {},
        {
            get: (_t, prop) => {
                if (real === undefined && Object.hasOwn(known, prop)) return known[prop];
                return real === undefined && stubs.has(prop) ? stubs.get(prop) : get()[prop];
            },
            has: (_t, prop) => prop in get(),
            ownKeys: () => Reflect.ownKeys(get()),
            getOwnPropertyDescriptor: (_t, prop) => {
                const d = Reflect.getOwnPropertyDescriptor(get(), prop);
                return d && { ...d, configurable: true };
            },
        },
    );
}

module.exports = { install };
