/** The counts a batch ends with, for the summary table, the step summary and the textfile. */
import type { BatchEntry } from "./batch-entry.js";

export interface BatchTotals {
  /** Input lines that named a target or were bad: every line but blanks and comments. */
  readonly lines: number;
  readonly pass: number;
  readonly fail: number;
  readonly incomplete: number;
  /** Input lines that are not a valid target. */
  readonly invalid: number;
  readonly notStarted: number;
  /** Deciding finding codes of the failing targets, most frequent first. */
  readonly codes: ReadonlyArray<readonly [code: string, count: number]>;
}

export function batchTotals(entries: readonly BatchEntry[]): BatchTotals {
  const count = { pass: 0, fail: 0, incomplete: 0, invalid: 0, notStarted: 0 };
  const codes = new Map<string, number>();
  for (const entry of entries) {
    if (entry.kind === "error") count.invalid++;
    else if (entry.kind === "not_started") count.notStarted++;
    else {
      count[entry.status]++;
      if (entry.status === "fail" && entry.deciding !== null)
        codes.set(entry.deciding.code, (codes.get(entry.deciding.code) ?? 0) + 1);
    }
  }
  const sorted = [...codes].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return { lines: entries.length, ...count, codes: sorted };
}

/** "1000 targets: 990 pass, 8 fail, 1 incomplete, 1 bad input line": the parts that are not zero. */
export function describeTotals(totals: BatchTotals): string {
  const parts = [
    [totals.pass, "pass"],
    [totals.fail, "fail"],
    [totals.incomplete, "incomplete"],
    [totals.notStarted, "not started"],
    [totals.invalid, totals.invalid === 1 ? "bad input line" : "bad input lines"],
  ] as const;
  const shown = parts.filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}`);
  const targets = totals.lines - totals.invalid;
  return `${targets} target${targets === 1 ? "" : "s"}: ${shown.join(", ") || "none"}`;
}
