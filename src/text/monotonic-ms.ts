/**
 * Milliseconds on a monotonic clock (for differences only), as `performance.now()` gives them,
 * without loading perf_hooks: on Node 20 the first use of the global `performance` loads nine
 * internal modules, a cost every diagnosis paid at start-up.
 */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
