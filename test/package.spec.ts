import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "../tools/harness";

const readJson = (file: string) => JSON.parse(fs.readFileSync(path.join(ROOT, file), "utf8"));

describe("package.json", () => {
    it("decides every dependency install script in allowScripts (npm ci prints no install-scripts warning)", () => {
        const lock = readJson("package-lock.json") as { packages: Record<string, { hasInstallScript?: boolean }> };
        const allow = (readJson("package.json").allowScripts ?? {}) as Record<string, boolean>;
        const withScripts = Object.entries(lock.packages)
            .filter(([, p]) => p.hasInstallScript)
            .map(([where]) => where.slice(where.lastIndexOf("node_modules/") + "node_modules/".length))
            .sort();
        assert.deepEqual(
            withScripts.filter((name) => !(name in allow)),
            [],
            "packages with install scripts missing from package.json allowScripts",
        );
        // Nothing runs at install time: the kubernetes provider plugin download is not needed offline and
        // protobufjs's postinstall only prints version-scheme advice.
        assert.deepEqual(Object.fromEntries(withScripts.map((name) => [name, allow[name]])), {
            "@pulumi/kubernetes": false,
            protobufjs: false,
        });
    });
});
