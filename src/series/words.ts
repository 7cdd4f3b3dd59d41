/** Small pieces of wording shared by the series' checks, verdict and renderers. */

/** "12 %", "0.4 %", "100 %": a rate as people read it (whole percent, one decimal under 1 %). */
export function percent(rate: number): string {
  const value = rate * 100;
  if (value > 0 && value < 1) return `${(Math.round(value * 10) / 10).toString()} %`;
  return `${Math.round(value)} %`;
}

/** "1 sample", "3 samples". */
export function plural(count: number, word: string, many = `${word}s`): string {
  return `${count} ${count === 1 ? word : many}`;
}

/** "0.8 ms", "12 ms", "1.3 s". */
export function duration(ms: number): string {
  if (ms >= 1000) return `${(Math.round(ms / 100) / 10).toString()} s`;
  if (ms >= 10) return `${Math.round(ms)} ms`;
  return `${(Math.round(ms * 10) / 10).toString()} ms`;
}

/** "every 4th" (an ordinal, English). */
export function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? "th" : (["th", "st", "nd", "rd"][n % 10] ?? "th");
  return `${n}${suffix}`;
}
