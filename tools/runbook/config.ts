/** The switchover's view of the stacks' config: the keys it changes and how it reads them offline. */
import { RawConfig, RegionConfig, parseRegionConfig } from "../../config";
import { encodePromotionToken } from "../../components/shared/validate";
import { UNDECRYPTABLE, loadStackConfig, stackNames } from "../stack-config";
import { overridesFor } from "../plan";

export const TOKEN_KEY = "geo-data:postgresPromotionToken";
export const DISASTER_KEY = "geo-data:disasterFailover";
export const PRIMARY_KEY = "geo-data:primaryRegion";

/**
 * A promotion token in CloudNativePG's format (base64 of the JSON pkg/utils/parser.go reads) with
 * obviously fake values: what offline renders put where the real demotion token will go. Never deploy it.
 */
export const REHEARSAL_PROMOTION_TOKEN = encodePromotionToken({
    latestCheckpointTimelineID: "1",
    redoWalFile: "000000010000000000000000",
    databaseSystemIdentifier: "0000000000000000000",
    latestCheckpointREDOLocation: "0/0",
    timeOfLatestCheckpoint: "Thu 01 Jan 1970 00:00:00 UTC",
    operatorVersion: "rehearsal",
});

/** Each stack's raw config (Pulumi.yaml defaults + Pulumi.<stack>.yaml + overrides), by stack name. */
export function loadPairConfigs(overrides: Record<string, string> = {}): Record<string, RawConfig> {
    return Object.fromEntries(stackNames().map((s) => [s, loadStackConfig(s, overridesFor(s, overrides)).config]));
}

/**
 * parseRegionConfig for the switchover's own use. An encrypted (`secure:`) promotion token cannot be read
 * offline; its format was checked when it was deployed, so it is parsed as the rehearsal token (which
 * still fails, as it should, on a stack that is not primary).
 */
export function parseStack(raw: RawConfig, stack: string): RegionConfig {
    const readable = raw[TOKEN_KEY] === UNDECRYPTABLE ? { ...raw, [TOKEN_KEY]: REHEARSAL_PROMOTION_TOKEN } : raw;
    return parseRegionConfig(readable, stack);
}

/** {@link parseStack} for every stack of the pair, by stack name. */
export function parsePair(raw: Record<string, RawConfig>): Record<string, RegionConfig> {
    return Object.fromEntries(Object.entries(raw).map(([s, r]) => [s, parseStack(r, s)]));
}
