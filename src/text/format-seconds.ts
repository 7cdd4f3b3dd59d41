/** "10 s", "2.5 s", "0.75 s", "125 s": a deadline as a person would say it. */
export function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : Number(seconds.toFixed(seconds < 1 ? 3 : 1))} s`;
}
