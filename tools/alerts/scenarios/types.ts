/** The shape of a promtool scenario: series of a failure and of health for one alert. */
import { Scope } from "../scope";

/** One input series: metric name, labels and its value at every sample. */
export interface Series {
    readonly metric: string;
    readonly labels: Readonly<Record<string, string>>;
    /**
     * A constant, `"now"` (the sample's own timestamp: a series that tracks time()), `{ age }` (a timestamp
     * that stays `age` seconds old), or a literal promtool values string.
     */
    readonly value: number | "now" | { readonly age: number } | string;
}

/** An alert expected to fire: its labels from the expression (without alertname/severity) and its value. */
export interface Firing {
    readonly labels: Readonly<Record<string, string>>;
    readonly value: number;
}

/** How to make one alert fire, and how to keep it silent. */
export interface AlertScenario {
    /** Series of the failure; the alert fires once its `for` has passed. */
    failing(s: Scope): Series[];
    /** The alerts the failure raises. */
    fires(s: Scope): Firing[];
    /** Series of a healthy workload: no alert. */
    healthy(s: Scope): Series[];
    /** The same failure on a cluster of the other role (replica vs primary), where the alert must stay silent. */
    otherRole?(s: Scope): Series[];
}

/** A series of pod `pod` in scope `s`, with extra labels. */
export function on(
    s: Scope,
    pod: string,
    metric: string,
    value: Series["value"],
    extra: Record<string, string> = {},
): Series {
    return { metric, labels: { ...s.target(pod), ...extra }, value };
}

/** Picks keys of a label set. */
export function pick(labels: Record<string, string>, ...keys: string[]): Record<string, string> {
    return Object.fromEntries(keys.filter((k) => labels[k] !== undefined).map((k) => [k, labels[k]]));
}
