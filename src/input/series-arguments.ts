/**
 * Validators for the options of a series (--repeat, --for, --interval, --concurrency,
 * --tolerate), as input/arguments.ts does for the rest: each failure is a UsageError with one
 * line that names the option and says what would be valid.
 */
import { UsageError } from "../errors.js";
import { DEFAULT_INTERVAL_MS, SERIES_LIMITS, type SeriesPlan } from "../series/series-plan.js";

export interface RawSeriesOptions {
  readonly repeat?: string | undefined;
  readonly for?: string | undefined;
  readonly interval?: string | undefined;
  readonly concurrency?: string | undefined;
  readonly tolerate?: string | undefined;
}

const DECIMAL = /^(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)$/;
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** The series asked for, or null when neither --repeat nor --for was given (a single run). */
export function parseSeriesPlan(raw: RawSeriesOptions): SeriesPlan | null {
  const repeat = raw.repeat === undefined ? null : parseRepeat(raw.repeat);
  const forMs = raw.for === undefined ? null : parseDuration(raw.for);
  if (repeat === null && forMs === null) {
    const stray = (["interval", "concurrency", "tolerate"] as const).find((key) => raw[key] !== undefined);
    if (stray !== undefined) {
      throw new UsageError(`--${stray} applies to a series of samples: add --repeat <n> or --for <duration>`);
    }
    return null;
  }
  return {
    repeat,
    forMs,
    intervalMs: raw.interval === undefined ? DEFAULT_INTERVAL_MS : parseInterval(raw.interval),
    concurrency: raw.concurrency === undefined ? 1 : parseConcurrency(raw.concurrency),
    tolerate: raw.tolerate === undefined ? 0 : parseTolerate(raw.tolerate),
  };
}

export function parseRepeat(input: string): number {
  const max = SERIES_LIMITS.maxRepeat;
  if (!/^[0-9]+$/.test(input) || Number(input) < 1 || Number(input) > max) {
    throw new UsageError(`invalid --repeat '${input}': give a whole number of samples from 1 to ${max}`);
  }
  return Number(input);
}

/** "90" (seconds), "90s", "1.5m", "2h", "500ms"; more than 0, at most a day. */
export function parseDuration(input: string): number {
  const match = /^(.*?)(ms|s|m|h)?$/.exec(input);
  const [number, unit] = [match?.[1] ?? "", match?.[2] ?? "s"];
  const ms = DECIMAL.test(number) ? Math.round(Number(number) * (UNIT_MS[unit] ?? 1_000)) : Number.NaN;
  if (!Number.isFinite(ms) || ms < 1 || ms > SERIES_LIMITS.maxForMs) {
    throw new UsageError(`invalid --for '${input}': give a duration such as 90, 30s, 5m or 1h (at most 24h)`);
  }
  return ms;
}

/** Seconds from the start of one sample to the start of the next; 0 allowed (back to back). */
export function parseInterval(input: string): number {
  const maxSeconds = SERIES_LIMITS.maxIntervalMs / 1000;
  const seconds = DECIMAL.test(input) ? Number(input) : Number.NaN;
  if (!Number.isFinite(seconds) || seconds > maxSeconds) {
    throw new UsageError(
      `invalid --interval '${input}': give a number of seconds from 0 to ${maxSeconds}, such as 1 or 0.2`,
    );
  }
  return Math.round(seconds * 1000);
}

export function parseConcurrency(input: string): number {
  const max = SERIES_LIMITS.maxConcurrency;
  if (!/^[0-9]+$/.test(input) || Number(input) < 1 || Number(input) > max) {
    throw new UsageError(`invalid --concurrency '${input}': give a whole number of samples in flight from 1 to ${max}`);
  }
  return Number(input);
}

/** A fraction from 0 to 1 (0.05 tolerates 5 % of samples failing). */
export function parseTolerate(input: string): number {
  const percent = /^([0-9]+(?:\.[0-9]+)?)\s*%$/.exec(input);
  if (percent) {
    throw new UsageError(
      `invalid --tolerate '${input}': give a fraction from 0 to 1: ${percent[1]} % is ${Number(percent[1]) / 100}`,
    );
  }
  const rate = DECIMAL.test(input) ? Number(input) : Number.NaN;
  if (!Number.isFinite(rate) || rate > 1) {
    throw new UsageError(
      `invalid --tolerate '${input}': give the error rate to tolerate as a fraction from 0 to 1, such as 0.05 for 5 %`,
    );
  }
  return rate;
}
