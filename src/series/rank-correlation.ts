/**
 * Spearman's rank correlation of a sequence with its own order: +1 when every value is larger
 * than the one before, -1 when every value is smaller, near 0 without a trend. Ranks of equal
 * values are averaged. Robust to a single outlier, which a least-squares slope is not.
 * null for fewer than two values or when every value is the same.
 */
export function trendCorrelation(values: readonly number[]): number | null {
  const n = values.length;
  if (n < 2) return null;
  const order = values.map((_, i) => i);
  const ranks = averageRanks(values);
  const meanRank = (n + 1) / 2;
  let covariance = 0;
  let varianceOrder = 0;
  let varianceValues = 0;
  for (const i of order) {
    const a = i + 1 - meanRank;
    const b = (ranks[i] as number) - meanRank;
    covariance += a * b;
    varianceOrder += a * a;
    varianceValues += b * b;
  }
  if (varianceValues === 0) return null;
  return covariance / Math.sqrt(varianceOrder * varianceValues);
}

function averageRanks(values: readonly number[]): number[] {
  const sorted = values.map((value, index) => ({ value, index })).sort((a, b) => a.value - b.value);
  const ranks = new Array<number>(values.length);
  let i = 0;
  while (i < sorted.length) {
    let j = i;
    while (
      j + 1 < sorted.length &&
      (sorted[j + 1] as { value: number }).value === (sorted[i] as { value: number }).value
    )
      j += 1;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[(sorted[k] as { index: number }).index] = rank;
    i = j + 1;
  }
  return ranks;
}
