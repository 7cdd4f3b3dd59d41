/**
 * The exit-code table (README "Exit codes"), computed in one place, at the CLI edge, over all the
 * reports of a run (one today; a batch or a series of samples later):
 * 0 nothing that would make the CDN fail · 1 at least one error finding · 2 usage or input
 * error · 3 internal error · 4 no verdict (cut short by --max-time, the origin not reached, its
 * response not seen) · 130 interrupted by Ctrl-C (128 + SIGINT, as shells expect).
 * An error found before the run was cut still decides: 1 wins over 4.
 */
import type { Report } from "../report/schema.js";

export const EXIT = { ok: 0, findings: 1, usage: 2, internal: 3, incomplete: 4, interrupted: 130 } as const;

export type ReportOutcome = Pick<Report, "verdict" | "interruption">;

export function exitCodeFor(reports: readonly ReportOutcome[]): number {
  if (reports.some((report) => report.interruption?.kind === "cancelled")) return EXIT.interrupted;
  if (reports.some((report) => report.verdict.status === "fail")) return EXIT.findings;
  if (reports.some((report) => report.verdict.status === "incomplete")) return EXIT.incomplete;
  return EXIT.ok;
}
