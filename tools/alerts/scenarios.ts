/** Every alert's promtool scenario, by alert name (tools/alerts/scenarios/*.ts). */
import { AlertScenario } from "./scenarios/types";
import { KAFKA_SCENARIOS } from "./scenarios/kafka";
import { MINIO_SCENARIOS } from "./scenarios/minio";
import { POOLER_SCENARIOS, POSTGRES_SCENARIOS } from "./scenarios/postgres";
import { REDIS_SCENARIOS } from "./scenarios/redis";
import { MONITORING_SCENARIOS } from "./scenarios/monitoring";

export const SCENARIOS: Readonly<Record<string, AlertScenario>> = {
    ...POSTGRES_SCENARIOS,
    ...POOLER_SCENARIOS,
    ...REDIS_SCENARIOS,
    ...KAFKA_SCENARIOS,
    ...MINIO_SCENARIOS,
    ...MONITORING_SCENARIOS,
};
