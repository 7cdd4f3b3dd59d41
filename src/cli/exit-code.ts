/**
 * The exit-code table (README "Exit codes"), computed in one place, at the CLI edge, over all the
 * reports of a run (one today; a batch or a series of samples later):
 * 0 nothing that would make the CDN fail · 1 at least one error finding · 2 usage or input
 * error · 3 internal error · 130 interrupted by Ctrl-C (128 + SIGINT, as shells expect).
 */
import type { Report } from "../report/schema.js";

export const EXIT = { ok: 0, findings: 1, usage: 2, internal: 3, interrupted: 130 } as const;

export type ReportOutcome = Pick<Report, "verdict" | "interruption">;

export function exitCodeFor(reports: readonly ReportOutcome[]): number {
  if (reports.some((report) => report.interruption?.kind === "cancelled")) return EXIT.interrupted;
  return reports.some((report) => !report.verdict.ok) ? EXIT.findings : EXIT.ok;
}
