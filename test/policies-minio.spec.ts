/**
 * The MinIO policies: each passes the program's own output for both stacks and fails a copy of that output
 * in which exactly one field was changed, with the exact message.
 */
import { strict as assert } from "assert";
import { replicationRequireVersioning } from "../policies/minio/replication-require-versioning";
import { tenantRequireCredentialsSecret } from "../policies/minio/tenant-require-credentials-secret";
import { tenantRequireMinGeometry } from "../policies/minio/tenant-require-min-geometry";
import { tenantRequirePinnedImage } from "../policies/minio/tenant-require-pinned-image";
import { tenantRequireTls } from "../policies/minio/tenant-require-tls";
import { RecordedResource } from "../tools/harness";
import { runPolicies } from "../tools/policy-runner";
import { itIsInThePack, render } from "./support";

type Policy = Parameters<typeof runPolicies>[0][number];

/** A deep copy of a stack's resources with `edit` applied to the named resource's inputs. */
async function mutated(
    stack: string,
    name: string,
    edit: (inputs: Record<string, any>) => void,
): Promise<RecordedResource[]> {
    const copy: RecordedResource[] = JSON.parse(JSON.stringify((await render(stack)).resources));
    const target = copy.find((x) => x.name === name);
    if (!target) throw new Error(`no resource ${name}`);
    edit(target.inputs);
    return copy;
}

async function messages(policy: Policy, resources: RecordedResource[], stack = "us-east"): Promise<string[]> {
    return (await runPolicies([policy], resources, { stack })).map((v) => `${v.enforcementLevel} ${v.message}`);
}

const TENANT = "geo-minio-tenant";

describe("MinIO policies", () => {
    const mine = [
        tenantRequireMinGeometry,
        tenantRequireTls,
        tenantRequireCredentialsSecret,
        tenantRequirePinnedImage,
        replicationRequireVersioning,
    ];

    itIsInThePack(() => mine);

    it("pass the program's own output for both stacks", async () => {
        for (const stack of ["us-east", "us-west"]) {
            const r = await render(stack);
            assert.deepEqual(await runPolicies(mine, r.resources, { stack }), [], stack);
        }
    });

    it("tenant-require-min-geometry fails 3 servers and 2 volumes per server", async () => {
        const res = await mutated("us-east", TENANT, (i) => {
            i.spec.pools[0].servers = 3;
        });
        assert.deepEqual(await messages(tenantRequireMinGeometry, res), [
            'mandatory Tenant geo-minio/files pool "pool-0" has servers 3; at least 4 are required to survive the loss of a server. Set geo-data:minioServers to 4 or more.',
        ]);
        const vols = await mutated("us-east", TENANT, (i) => (i.spec.pools[0].volumesPerServer = 2));
        assert.deepEqual(await messages(tenantRequireMinGeometry, vols), [
            'mandatory Tenant geo-minio/files pool "pool-0" has volumesPerServer 2; at least 4 are required. Set geo-data:minioVolumesPerServer to 4 or more.',
        ]);
    });

    it("tenant-require-tls fails without a certificate Secret", async () => {
        const res = await mutated("us-east", TENANT, (i) => delete i.spec.externalCertSecret);
        assert.deepEqual(await messages(tenantRequireTls, res), [
            "mandatory Tenant geo-minio/files has spec.requestAutoCert false and no spec.externalCertSecret: MinIO would serve plain HTTP. Give it a certificate Secret in spec.externalCertSecret or let the operator issue one.",
        ]);
    });

    it("tenant-require-credentials-secret fails root credentials in spec.env and a missing Secret", async () => {
        const env = await mutated("us-east", TENANT, (i) =>
            i.spec.env.push({ name: "MINIO_ROOT_PASSWORD", value: "plaintext" }),
        );
        assert.deepEqual(await messages(tenantRequireCredentialsSecret, env), [
            "mandatory Tenant geo-minio/files sets MINIO_ROOT_PASSWORD in spec.env (plain text in the Tenant); move them to the config.env of its spec.configuration Secret.",
        ]);
        const missing = await mutated("us-east", TENANT, (i) => (i.spec.configuration.name = "other"));
        assert.deepEqual(await messages(tenantRequireCredentialsSecret, missing), [
            "mandatory Tenant geo-minio/files reads its root credentials from Secret geo-minio/other, but the stack has no such Secret; create it with config.env (export MINIO_ROOT_USER=…, export MINIO_ROOT_PASSWORD=…).",
        ]);
    });

    it("tenant-require-pinned-image fails a missing and a :latest image", async () => {
        const none = await mutated("us-east", TENANT, (i) => delete i.spec.image);
        assert.deepEqual(await messages(tenantRequirePinnedImage, none), [
            "mandatory Tenant geo-minio/files has no spec.image: the operator would run its default image from Docker Hub. Set spec.image to the pinned images.minio.",
        ]);
        const latest = await mutated("us-east", TENANT, (i) => (i.spec.image = "quay.io/minio/minio:latest"));
        assert.deepEqual(await messages(tenantRequirePinnedImage, latest), [
            "mandatory Tenant geo-minio/files spec.image quay.io/minio/minio:latest uses the floating tag :latest; pin a RELEASE tag or a digest.",
        ]);
    });

    it("replication-require-versioning fails a rule whose target was not versioned first", async () => {
        const res = await mutated("us-west", "geo-minio-setup-job", (i) => {
            const c = i.spec.template.spec.containers[0];
            c.command[2] = c.command[2].replace("mc version enable self/files\n", "");
        });
        const out = await messages(replicationRequireVersioning, res, "us-west");
        assert.deepEqual(out, [
            "mandatory Job geo-minio/" +
                (res.find((r) => r.name === "geo-minio-setup-job")!.inputs.metadata.name as string) +
                " runs `mc replicate add peer/files --remote-bucket self/files` before versioning self/files; run `mc version enable` on it first.",
        ]);
    });
});
