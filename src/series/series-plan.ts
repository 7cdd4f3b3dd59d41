/**
 * What a series is asked to do (--repeat, --for, --interval, --concurrency, --tolerate), once the
 * CLI has validated it (input/series-arguments.ts). At least one of `repeat` and `forMs` bounds it.
 */
export interface SeriesPlan {
  /** Samples to take (per leg), or null when only the duration bounds the series. */
  readonly repeat: number | null;
  /** No sample starts after this long, or null when only the count bounds the series. */
  readonly forMs: number | null;
  /** From the start of one sample to the start of the next; 0: back to back. */
  readonly intervalMs: number;
  /** Samples in flight at once: 1 (sequential) unless load is added on purpose. */
  readonly concurrency: number;
  /** The error rate a leg may reach and still pass (a rate equal to it passes); 0: any error fails. */
  readonly tolerate: number;
}

export const SERIES_LIMITS = {
  maxRepeat: 100_000,
  /** One day, as every other duration the CLI takes. */
  maxForMs: 86_400_000,
  maxIntervalMs: 3_600_000,
  /** Enough to load an origin on purpose, not enough to knock one over from a laptop. */
  maxConcurrency: 16,
} as const;

/** --interval when a series is asked for without one: one sample a second, as ping does. */
export const DEFAULT_INTERVAL_MS = 1_000;
