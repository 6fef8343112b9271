import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { CONFIG_SCHEMA } from "../config";
import { ROOT } from "../tools/harness";
import { configTable, generatedSection, pulumiYamlConfigBlock } from "../tools/docs";

describe("config schema documentation", () => {
    it("Pulumi.yaml declares exactly CONFIG_SCHEMA (run `npm run docs` if this fails)", () => {
        const text = fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8");
        assert.ok(text.endsWith(pulumiYamlConfigBlock()), "Pulumi.yaml config block is stale: run npm run docs");
        const declared = (yaml.load(text) as any).config;
        assert.deepEqual(Object.keys(declared), Object.keys(CONFIG_SCHEMA));
        for (const [key, spec] of Object.entries(CONFIG_SCHEMA)) {
            assert.equal(declared[key].type, spec.type, key);
            assert.deepEqual(declared[key].default, (spec as { default?: unknown }).default, key);
        }
    });

    it("docs/configuration.md documents every key with its default (run `npm run docs` if this fails)", () => {
        const doc = fs.readFileSync(path.join(ROOT, "docs", "configuration.md"), "utf8");
        assert.ok(
            doc.includes(generatedSection("config-table", configTable())),
            "docs/configuration.md config table is stale: run npm run docs",
        );
        for (const key of Object.keys(CONFIG_SCHEMA)) assert.ok(doc.includes(`| \`${key}\` |`), key);
    });

    it("the stack files set only declared keys of this project", () => {
        for (const stack of ["us-east", "us-west"]) {
            const doc = yaml.load(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as any;
            for (const key of Object.keys(doc.config)) {
                if (!key.startsWith("geo-data:")) continue;
                assert.ok(key.slice("geo-data:".length) in CONFIG_SCHEMA, `${stack}: ${key}`);
            }
        }
    });
});
