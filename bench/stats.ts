/** Order statistics of a list of timings (nearest-rank percentiles: no interpolation to argue about). */

export interface Summary {
  readonly runs: number;
  readonly median: number;
  readonly p90: number;
  readonly max: number;
}

export function percentile(values: readonly number[], fraction: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(fraction * sorted.length));
  return sorted[rank - 1] as number;
}

export function summarise(values: readonly number[]): Summary {
  return {
    runs: values.length,
    median: percentile(values, 0.5),
    p90: percentile(values, 0.9),
    max: percentile(values, 1),
  };
}
