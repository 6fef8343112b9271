import { strict as assert } from "assert";
import { CONFIG_SCHEMA, parseRegionConfig } from "../config";
import { RecordedResource } from "../tools/harness";
import { loadStackConfig } from "../tools/stack-config";
import {
    EAST_RAW as EAST,
    SAMPLE_PROMOTION_TOKEN,
    TEST_OIDC as OIDC,
    configErrorOf as parseError,
    render,
} from "./support";

const WEST_OIDC =
    "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE0A2F9C34B1D6E08A7CEXAMPLE";

const WEST = {
    "geo-data:region": "us-west-2",
    "geo-data:peerRegion": "us-east-1",
    "geo-data:role": "secondary",
    "geo-data:primaryStack": "acme/geo-data/us-east",
    "geo-data:oidcProviderArn": WEST_OIDC,
};

describe("config/", () => {
    it("resolves every documented default once", () => {
        const c = parseRegionConfig(EAST, "us-east");
        assert.equal(c.region, "us-east-1");
        assert.equal(c.role, "primary");
        assert.equal(c.primaryRegion, "us-east-1", "primaryRegion defaults to the primary stack's region");
        assert.equal(c.isPrimary, true);
        assert.equal(c.primaryStack, undefined);
        assert.equal(c.manageOperators, CONFIG_SCHEMA.manageOperators.default);
        assert.equal(c.protect, CONFIG_SCHEMA.protect.default);
        assert.equal(c.dnsZone, CONFIG_SCHEMA.dnsZone.default);
        assert.equal(c.storageClass, "fast-ssd");
        assert.deepEqual(c.namespaces, {
            postgres: "geo-postgres",
            redis: "geo-redis",
            minio: "geo-minio",
            kafka: "geo-kafka",
            monitoring: "geo-monitoring",
        });
        assert.deepEqual(c.kubernetes, { context: undefined, kubeconfig: undefined });
        assert.ok(Object.isFrozen(c));
    });

    it("derives a secondary's default primary region from its peer", () => {
        const c = parseRegionConfig(WEST, "us-west");
        assert.equal(c.primaryRegion, "us-east-1");
        assert.equal(c.isPrimary, false);
        assert.equal(c.primaryStack, "acme/geo-data/us-east");
    });

    it("makes a secondary primary when primaryRegion names it (switchover)", () => {
        const c = parseRegionConfig(
            {
                ...WEST,
                "geo-data:primaryRegion": "us-west-2",
                "geo-data:postgresPromotionToken": SAMPLE_PROMOTION_TOKEN,
            },
            "us-west",
        );
        assert.equal(c.isPrimary, true);
        assert.equal(c.postgres.promotionToken, SAMPLE_PROMOTION_TOKEN);
    });

    const cases: [string, Record<string, string>, string][] = [
        [
            "unknown region",
            { ...EAST, "geo-data:region": "us-east-9" },
            'geo-data:region: "us-east-9" is not allowed; expected one of: us-east-1, us-east-2, us-west-1, us-west-2, ca-central-1, eu-west-1, eu-west-2, eu-west-3, eu-central-1, eu-north-1, eu-south-1, ap-south-1, ap-southeast-1, ap-southeast-2, ap-northeast-1, ap-northeast-2, sa-east-1',
        ],
        [
            "missing region",
            { "geo-data:peerRegion": "us-west-2", "geo-data:role": "primary", "geo-data:oidcProviderArn": OIDC },
            "geo-data:region: is required; set it with `pulumi config set region <value>`",
        ],
        [
            "peer equal to region",
            { ...EAST, "geo-data:peerRegion": "us-east-1" },
            'geo-data:peerRegion: "us-east-1" is not allowed; must differ from region (us-east-1)',
        ],
        [
            "bad role",
            { ...EAST, "geo-data:role": "leader" },
            'geo-data:role: "leader" is not allowed; expected one of: primary, secondary',
        ],
        [
            "secondary without primaryStack",
            { ...WEST, "geo-data:primaryStack": "" },
            "geo-data:primaryStack: is required when role is secondary: the secondary reads the primary's outputs through a StackReference (e.g. acme/geo-data/us-east)",
        ],
        [
            "malformed primaryStack",
            { ...WEST, "geo-data:primaryStack": "us-east" },
            'geo-data:primaryStack: "us-east" is not allowed; expected a fully qualified stack name <organization>/<project>/<stack>, e.g. acme/geo-data/us-east',
        ],
        [
            "primaryRegion outside the pair",
            { ...EAST, "geo-data:primaryRegion": "eu-west-1" },
            'geo-data:primaryRegion: "eu-west-1" is not allowed; expected one of: us-east-1, us-west-2',
        ],
        [
            "invalid DNS zone",
            { ...EAST, "geo-data:dnsZone": "Data_Zone.example" },
            "geo-data:dnsZone: \"Data_Zone.example\" is not allowed; expected a DNS name: dot-separated DNS-1123 labels (a-z, 0-9, '-'), at most 253 characters",
        ],
        [
            "invalid namespace prefix",
            { ...EAST, "geo-data:namespacePrefix": "-geo" },
            "geo-data:namespacePrefix: \"-geo\" is not allowed; expected a DNS-1123 label: at most 63 characters of a-z, 0-9 and '-', starting and ending with a letter or digit",
        ],
        [
            "non-boolean",
            { ...EAST, "geo-data:protect": "yes" },
            'geo-data:protect: "yes" is not allowed; expected true or false',
        ],
        [
            "misspelt key",
            { ...EAST, "geo-data:storageClas": "gp3" },
            "geo-data:storageClas: is not a known key; did you mean geo-data:storageClass?",
        ],
    ];
    for (const [what, raw, message] of cases) {
        it(`rejects ${what} naming the key`, () => assert.equal(parseError(raw), message));
    }

    it("backup replication: RTC on and no alarm topic by default; a topic of this region is accepted", () => {
        const c = parseRegionConfig(EAST, "us-east");
        assert.equal(c.backup.replicationTimeControl, true);
        assert.equal(c.backup.alarmTopicArn, undefined);
        const set = parseRegionConfig(
            {
                ...EAST,
                "geo-data:backupReplicationTimeControl": "false",
                "geo-data:backupAlarmTopicArn": "arn:aws:sns:us-east-1:123456789012:geo-alerts",
            },
            "us-east",
        );
        assert.equal(set.backup.replicationTimeControl, false);
        assert.equal(set.backup.alarmTopicArn, "arn:aws:sns:us-east-1:123456789012:geo-alerts");
    });

    const replicationCases: [string, Record<string, string>, string][] = [
        [
            "a non-boolean backupReplicationTimeControl",
            { "geo-data:backupReplicationTimeControl": "on" },
            'geo-data:backupReplicationTimeControl: "on" is not allowed; expected true or false',
        ],
        [
            "a backupAlarmTopicArn that is not an SNS ARN",
            { "geo-data:backupAlarmTopicArn": "geo-alerts" },
            'geo-data:backupAlarmTopicArn: "geo-alerts" is not allowed; expected an ARN like arn:aws:sns:<region>:<account>:<resource>',
        ],
        [
            "a backupAlarmTopicArn in the other region",
            { "geo-data:backupAlarmTopicArn": "arn:aws:sns:us-west-2:123456789012:geo-alerts" },
            'geo-data:backupAlarmTopicArn: "arn:aws:sns:us-west-2:123456789012:geo-alerts" is not allowed; expected a topic in this stack\'s region us-east-1 (CloudWatch alarms notify only topics in their own region)',
        ],
    ];
    for (const [what, extra, message] of replicationCases) {
        it(`rejects ${what} naming the key`, () => assert.equal(parseError({ ...EAST, ...extra }), message));
    }

    it("refuses an EKS OIDC provider of another region (an IRSA role that can never be assumed)", () => {
        assert.equal(
            parseError({ ...WEST, "geo-data:oidcProviderArn": OIDC }),
            `geo-data:oidcProviderArn: ${JSON.stringify(OIDC)} is not allowed; it names the EKS OIDC provider of us-east-1, but this stack deploys to us-west-2: ` +
                "expected arn:aws:iam::<account>:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/<ID> (the provider of the us-west-2 cluster; an IRSA role trusting another cluster's issuer can never be assumed)",
        );
        assert.equal(parseRegionConfig(WEST, "us-west").backup.oidcProviderArn, WEST_OIDC);
        // A non-EKS issuer (self-managed cluster) names no region: accepted.
        const custom = "arn:aws:iam::123456789012:oidc-provider/oidc.example.com/k8s";
        assert.equal(
            parseRegionConfig({ ...WEST, "geo-data:oidcProviderArn": custom }, "us-west").backup.oidcProviderArn,
            custom,
        );
    });

    it("refuses a postgresRecoveryTargetTime in the future, comparing with the clock only to validate", () => {
        const now = new Date("2026-12-01T12:00:00Z");
        const at = (t: string) => ({ ...EAST, "geo-data:postgresRecoveryTargetTime": t });
        assert.throws(() => parseRegionConfig(at("2026-12-01T12:00:01Z"), "us-east", now), {
            message:
                'geo-data:postgresRecoveryTargetTime: "2026-12-01T12:00:01Z" is not allowed; expected a time in the past (it is now 2026-12-01T12:00:00Z): a recovery target in the future is never reached',
        });
        // An offset is compared as the instant it denotes: 13:30+01:00 is 12:30Z.
        assert.throws(() => parseRegionConfig(at("2026-12-01T13:30:00+01:00"), "us-east", now), /in the past/);
        assert.equal(
            parseRegionConfig(at("2026-12-01T12:59:59+01:00"), "us-east", now).postgres.recoveryTargetTime,
            "2026-12-01T12:59:59+01:00",
        );
        // Without `now`, the real clock: a target a century ahead is refused.
        assert.match(parseError(at("2126-01-01T00:00:00Z")), /^geo-data:postgresRecoveryTargetTime: .*in the past/);
    });

    it("ignores other namespaces (aws:region, kubernetes:…)", () => {
        assert.equal(parseRegionConfig({ ...EAST, "aws:region": "us-east-1" }, "us-east").region, "us-east-1");
    });

    it("fails before any resource is registered", async () => {
        let err: (Error & { registeredResources?: RecordedResource[] }) | undefined;
        try {
            await render("us-east", { region: "mars-1" });
        } catch (e) {
            err = e as Error;
        }
        assert.ok(err, "render must fail");
        assert.match(err.message, /^geo-data:region: "mars-1" is not allowed; expected one of: us-east-1,/);
        assert.deepEqual(err.registeredResources, []);
    });

    it("reads the stack files as the CLI would: Pulumi.yaml defaults overlaid by Pulumi.<stack>.yaml", () => {
        const { config } = loadStackConfig("us-west");
        assert.equal(config["geo-data:region"], "us-west-2");
        assert.equal(config["geo-data:role"], "secondary");
        assert.equal(config["geo-data:primaryStack"], "organization/geo-data/us-east");
        assert.equal(config["geo-data:manageOperators"], "true");
        assert.equal(config["geo-data:namespacePrefix"], "geo");
    });
});
