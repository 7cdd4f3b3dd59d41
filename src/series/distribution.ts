/**
 * Latency figures over a series that may run for a day, in bounded memory. Every value is kept
 * until there are RESERVOIR_SIZE of them, so the percentiles of a series of up to 10,000 samples
 * are exact; past that, a uniform reservoir (Vitter's Algorithm R) keeps 10,000 of them, each
 * value seen having had the same chance to stay, and the percentiles are read from it (count and
 * max stay exact). A p95 read from 10,000 uniform draws is within about ±0.5 percentile points
 * (two standard errors of a binomial proportion at n = 10,000); a log-bucket sketch would bound
 * the error in milliseconds instead, but lose the exact figures of every ordinary series.
 * The random source is seeded: the same values in the same order give the same report.
 */
import type { Latency } from "../report/series-schema.js";
import { roundMs } from "../text/round-ms.js";

export const RESERVOIR_SIZE = 10_000;

export class Distribution {
  private readonly kept: number[] = [];
  private seen = 0;
  private maxValue = Number.NEGATIVE_INFINITY;
  private readonly random: () => number;

  constructor(
    private readonly capacity: number = RESERVOIR_SIZE,
    seed = 0x5eed_520,
  ) {
    this.random = mulberry32(seed);
  }

  get count(): number {
    return this.seen;
  }

  add(value: number): void {
    this.seen += 1;
    if (value > this.maxValue) this.maxValue = value;
    if (this.kept.length < this.capacity) {
      this.kept.push(value);
      return;
    }
    // The n-th value takes a random slot with probability capacity / n (Algorithm R).
    const slot = Math.floor(this.random() * this.seen);
    if (slot < this.capacity) this.kept[slot] = value;
  }

  summary(): Latency {
    if (this.seen === 0) return { count: 0, p50: null, p95: null, max: null, exact: true };
    const sorted = Float64Array.from(this.kept).sort();
    return {
      count: this.seen,
      p50: roundMs(percentile(sorted, 0.5)),
      p95: roundMs(percentile(sorted, 0.95)),
      max: roundMs(this.maxValue),
      exact: this.seen <= this.capacity,
    };
  }
}

/** Nearest-rank percentile of sorted values (no interpolation to argue about); NaN when empty. */
export function percentile(sorted: ArrayLike<number>, fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(fraction * sorted.length)));
  return sorted[rank - 1] as number;
}

/** A small, fast, seedable generator (Tommy Ettinger's mulberry32): uniform in [0, 1). */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
