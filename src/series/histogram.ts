/**
 * A latency histogram in fixed 1-2-5 buckets (0.1 ms … 200 s, then an open bucket), counted by
 * outcome: exact, streaming and bounded whatever the length of the series. The report carries
 * the buckets from the first non-empty one to the last, so that renderers only draw.
 */
import type { HistogramBucket, SampleOutcome } from "../report/series-schema.js";

/** Upper bounds (inclusive), in ms. */
export const BUCKET_BOUNDS_MS: readonly number[] = [
  0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000,
];

type Counted = Exclude<SampleOutcome, "interrupted">;

export class Histogram {
  private readonly counts = Array.from({ length: BUCKET_BOUNDS_MS.length + 1 }, () => ({
    ok: 0,
    warning: 0,
    error: 0,
  }));

  add(valueMs: number, outcome: Counted): void {
    const index = BUCKET_BOUNDS_MS.findIndex((bound) => valueMs <= bound);
    const bucket = this.counts[index === -1 ? BUCKET_BOUNDS_MS.length : index];
    if (bucket !== undefined) bucket[outcome] += 1;
  }

  buckets(): HistogramBucket[] {
    const used = (i: number) => {
      const c = this.counts[i];
      return c !== undefined && c.ok + c.warning + c.error > 0;
    };
    const indices = this.counts.map((_, i) => i);
    const first = indices.find(used);
    const last = indices.findLast(used);
    if (first === undefined || last === undefined) return [];
    return indices.slice(first, last + 1).map((i) => ({
      fromMs: i === 0 ? 0 : (BUCKET_BOUNDS_MS[i - 1] as number),
      toMs: BUCKET_BOUNDS_MS[i] ?? null,
      ...(this.counts[i] as { ok: number; warning: number; error: number }),
    }));
  }
}
