/** Milliseconds to one decimal: the precision every timing in the report is given to. */
export function roundMs(ms: number): number {
  return Math.round(ms * 10) / 10;
}
