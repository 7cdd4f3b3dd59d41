/**
 * How long one probe may take. Prometheus sends its scrape timeout in
 * `X-Prometheus-Scrape-Timeout-Seconds`; an answer after it is thrown away, so the probe stops
 * an offset before it to leave time for the answer to travel (blackbox_exporter's rule, 0.5 s),
 * and never runs longer than its module allows.
 */

export const SCRAPE_TIMEOUT_HEADER = "x-prometheus-scrape-timeout-seconds";
export const SCRAPE_TIMEOUT_OFFSET_MS = 500;

export type ProbeDeadline =
  | { readonly ok: true; readonly ms: number; readonly source: "scrape" | "module" }
  | { readonly ok: false; readonly reason: string };

/**
 * `header` as received (undefined when absent; Node joins repeated values with ", ").
 * The scrape timeout minus the offset, but at least half the scrape timeout (a 0.5 s scrape
 * timeout would otherwise leave nothing), capped by the module's timeout.
 */
export function probeDeadline(header: string | undefined, moduleTimeoutMs: number): ProbeDeadline {
  if (header === undefined || header.trim() === "") return { ok: true, ms: moduleTimeoutMs, source: "module" };
  const text = header.trim();
  const seconds = /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isFinite(seconds))
    return {
      ok: false,
      reason: `invalid X-Prometheus-Scrape-Timeout-Seconds '${text.slice(0, 40)}': give a number of seconds, such as 10 or 2.5`,
    };
  // 0 is "no timeout" to blackbox_exporter: the module's own applies.
  if (seconds === 0) return { ok: true, ms: moduleTimeoutMs, source: "module" };
  const scrapeMs = seconds * 1000;
  const budget = Math.max(scrapeMs - SCRAPE_TIMEOUT_OFFSET_MS, scrapeMs / 2);
  if (budget >= moduleTimeoutMs) return { ok: true, ms: moduleTimeoutMs, source: "module" };
  return { ok: true, ms: Math.max(1, Math.floor(budget)), source: "scrape" };
}
