/**
 * Downloads the upstream CRDs at the releases the project pins (DESIGN.md §4, ../shared/crds/SOURCES.md)
 * into `.crds/`, where `tools/schema/` finds them when ../shared/crds is absent. Every file is checked
 * against its pinned sha256, so a moved tag or a tampered download fails instead of validating against
 * a different schema.
 *
 * Usage: `npm run fetch-crds`.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

/** One pinned upstream CRD file. */
export interface CrdSource {
    /** Path relative to the CRD directory, e.g. `cloudnative-pg/postgresql.cnpg.io_clusters.yaml`. */
    readonly file: string;
    /** Raw download URL at the pinned release tag. */
    readonly url: string;
    /** sha256 (hex) of the file at that tag. */
    readonly sha256: string;
}

const RAW = "https://raw.githubusercontent.com";
const CNPG = `${RAW}/cloudnative-pg/cloudnative-pg/v1.30.0/config/crd/bases`;
const BARMAN = `${RAW}/cloudnative-pg/plugin-barman-cloud/v0.14.0/config/crd/bases`;
const STRIMZI = `${RAW}/strimzi/strimzi-kafka-operator/1.2.0/packaging/install/cluster-operator`;
const MINIO = `${RAW}/minio/operator/v7.1.1/resources/base/crds`;
const PROMETHEUS = `${RAW}/prometheus-operator/prometheus-operator/v0.93.0/example/prometheus-operator-crd`;

/** Upstream directory of each CRD folder, at the pinned release tag. */
const UPSTREAM: Readonly<Record<string, string>> = {
    "cloudnative-pg": CNPG,
    "plugin-barman-cloud": BARMAN,
    strimzi: STRIMZI,
    "minio-operator": MINIO,
    "prometheus-operator": PROMETHEUS,
};

/** The pinned CRDs: CloudNativePG v1.30.0, Barman Cloud plugin v0.14.0, Strimzi 1.2.0, MinIO operator v7.1.1, prometheus-operator v0.93.0. */
export const CRD_SOURCES: readonly CrdSource[] = (
    [
        [
            "cloudnative-pg/postgresql.cnpg.io_backups.yaml",
            "694bafce2eda4603629657c2141a89189c15250c74215002a6987538d3d78ff5",
        ],
        [
            "cloudnative-pg/postgresql.cnpg.io_clusterimagecatalogs.yaml",
            "a409d4e9418110672d14c263793d0458dd328f794caac668671c08c257e762ae",
        ],
        [
            "cloudnative-pg/postgresql.cnpg.io_clusters.yaml",
            "ae47f4a00f6e998faef57e480f9a3960cd48ea16a79270861fc7442601507472",
        ],
        [
            "cloudnative-pg/postgresql.cnpg.io_databases.yaml",
            "53f7dfca6d23eb70246f41f1e7db596f8782341cd4fffb6ad990107cc8a588e7",
        ],
        [
            "cloudnative-pg/postgresql.cnpg.io_imagecatalogs.yaml",
            "dce0b11005f65a4728144c155a78183169eeb63d42c57b6af6270b4fbdf2b8aa",
        ],
        [
            "cloudnative-pg/postgresql.cnpg.io_poolers.yaml",
            "9e0dad05355f72dceb154a12b43ebe8a410d470133ad228bf711c1fdee221124",
        ],
        [
            "cloudnative-pg/postgresql.cnpg.io_publications.yaml",
            "481121c9f7232402726364a7331f8684ce540c45805574e20a11b6dfb36fd2df",
        ],
        [
            "cloudnative-pg/postgresql.cnpg.io_scheduledbackups.yaml",
            "1dffb969a92ed6b09abe59d9c848ff97c6646c7824e75f8e0b8379df8473a145",
        ],
        [
            "cloudnative-pg/postgresql.cnpg.io_subscriptions.yaml",
            "d6ed0223df8a7898ff10b9ca6c2d2543144cade69f351adaff349da6b97458f5",
        ],
        [
            "plugin-barman-cloud/barmancloud.cnpg.io_objectstores.yaml",
            "7c98720494253421339acd03aa77487869326ea20d4768a0c3aef8ff076daaef",
        ],
        ["strimzi/040-Crd-kafka.yaml", "b5b27fc8d52068a77cde7c40d47c068023c7b4e92fc266c45200db2d2506392a"],
        ["strimzi/041-Crd-kafkaconnect.yaml", "00339af1b873aefbfc4406ef251d03d0928a8d7f6a85c45bd322080e21d6f3be"],
        ["strimzi/043-Crd-kafkatopic.yaml", "36390f0731c699448076d4ee739e8b7f331d083e91a7fb71500aaa830ab1127e"],
        ["strimzi/044-Crd-kafkauser.yaml", "c7e91b9b027a516b43dc7d369e781ee23a6ea177ae15fe0c33af6f722e26e05f"],
        ["strimzi/045-Crd-kafkanodepool.yaml", "411c1b32ef8c1a6408ac9d4fe791115a6ce2b41107204588f976a3ed19be2430"],
        ["strimzi/048-Crd-kafkamirrormaker2.yaml", "ca92dcb51e1982838150682d6de820392d3f046adf4ec9a9f049b522c90cb3e0"],
        ["strimzi/049-Crd-kafkarebalance.yaml", "e84ffcd975c62025436ead73298c53b3e3409746986295d57dc156b6710201b2"],
        [
            "minio-operator/minio.min.io_tenants.yaml",
            "48385fa45f640f3979fa8013c06fa51361c0a7279ac347b49330c1ae6bd0dbe2",
        ],
        [
            "minio-operator/sts.min.io_policybindings.yaml",
            "78f7afecf9664fbb2ce93c456702ac286dbd2b4d6a0f78a7a35183023693a3d4",
        ],
        [
            "prometheus-operator/monitoring.coreos.com_podmonitors.yaml",
            "45a93443daa687d3654f7e9631909ff7edcdf3ec09c5e60251b74aa2722aee5d",
        ],
        [
            "prometheus-operator/monitoring.coreos.com_prometheusrules.yaml",
            "78be98554b9c8506ab2b4f4feb91c5f3a56e536a0a510f3a8e876a459970d56d",
        ],
        [
            "prometheus-operator/monitoring.coreos.com_servicemonitors.yaml",
            "a99047972c9dd7679ce2050b9968e8a08773492e671b3e17abd476d42aa78a32",
        ],
    ] as const
).map(([file, sha256]) => {
    const [dir, name] = file.split("/");
    return { file, url: `${UPSTREAM[dir]}/${name}`, sha256 };
});

/** Where `main()` writes by default: `.crds/` in the repo. */
export const DEFAULT_CRD_DEST = path.resolve(__dirname, "..", ".crds");

const sha256 = (data: Buffer): string => createHash("sha256").update(data).digest("hex");

/** sha256 of a file, or undefined when it does not exist. */
function fileSha256(file: string): string | undefined {
    return fs.existsSync(file) ? sha256(fs.readFileSync(file)) : undefined;
}

/**
 * Checks a CRD directory against the pinned list. Returns one problem per missing file, per file
 * whose sha256 differs from the pinned one, and per `.yaml` file that is not pinned; [] when the
 * directory holds exactly the pinned releases.
 */
export function verifyCrdDir(dir: string): string[] {
    const problems: string[] = [];
    for (const src of CRD_SOURCES) {
        const actual = fileSha256(path.join(dir, src.file));
        if (actual === undefined) problems.push(`${src.file}: missing in ${dir}`);
        else if (actual !== src.sha256)
            problems.push(`${src.file}: sha256 ${actual} does not match the pinned ${src.sha256}`);
    }
    const pinned = new Set(CRD_SOURCES.map((s) => s.file));
    if (fs.existsSync(dir)) {
        for (const rel of fs.readdirSync(dir, { recursive: true }) as string[]) {
            const file = rel.split(path.sep).join("/");
            if (/\.ya?ml$/.test(file) && !pinned.has(file))
                problems.push(`${file}: not in CRD_SOURCES (unpinned CRD in ${dir})`);
        }
    }
    return problems;
}

/**
 * Downloads every pinned CRD into `destDir` (default `.crds/`), skipping files already present with
 * the pinned hash. Rejects, naming the file, on a network error, an HTTP error or a sha256 mismatch;
 * a file is only written once its hash is right.
 */
export async function main(destDir: string = DEFAULT_CRD_DEST): Promise<{ fetched: string[]; upToDate: string[] }> {
    const result = { fetched: [] as string[], upToDate: [] as string[] };
    for (const src of CRD_SOURCES) {
        const target = path.join(destDir, src.file);
        if (fileSha256(target) === src.sha256) {
            result.upToDate.push(src.file);
            continue;
        }
        let res: Response;
        try {
            res = await fetch(src.url);
        } catch (err) {
            const cause = (err as Error & { cause?: Error }).cause?.message ?? (err as Error).message;
            throw new Error(`fetch-crds: ${src.file}: download from ${src.url} failed: ${cause}`);
        }
        if (!res.ok) throw new Error(`fetch-crds: ${src.file}: HTTP ${res.status} ${res.statusText} from ${src.url}`);
        const body = Buffer.from(await res.arrayBuffer());
        const actual = sha256(body);
        if (actual !== src.sha256) {
            throw new Error(
                `fetch-crds: ${src.file}: sha256 mismatch: downloaded ${actual} from ${src.url}, pinned ${src.sha256}`,
            );
        }
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(`${target}.tmp`, body);
        fs.renameSync(`${target}.tmp`, target);
        result.fetched.push(src.file);
    }
    return result;
}

if (require.main === module) {
    main().then(
        ({ fetched, upToDate }) =>
            console.log(
                `fetch-crds: ${fetched.length} downloaded, ${upToDate.length} already up to date in ${DEFAULT_CRD_DEST}`,
            ),
        (err: Error) => {
            console.error(err.message);
            process.exitCode = 1;
        },
    );
}
