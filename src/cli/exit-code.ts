/**
 * The exit-code table (README "Exit codes"), computed in one place, at the CLI edge, over all the
 * reports of a run (one today; a batch or a series of samples later):
 * 0 nothing that would make the CDN fail · 1 at least one error finding · 2 usage or input
 * error · 3 internal error · 4 no verdict (cut short by --max-time, the origin not reached, its
 * response not seen) · 130 interrupted by Ctrl-C (128 + SIGINT, as shells expect).
 * An error found before the run was cut still decides: 1 wins over 4.
 * A report that carries a series is judged on its error rates instead, each leg apart: it fails
 * when a leg's rate exceeds the tolerance it was run with (--tolerate; a rate equal to it passes).
 */
import type { Report } from "../report/schema.js";
import type { LegSeries, Series } from "../report/series-schema.js";

export const EXIT = { ok: 0, findings: 1, usage: 2, internal: 3, incomplete: 4, interrupted: 130 } as const;

export type ReportOutcome = Pick<Report, "verdict" | "interruption"> & {
  readonly series?:
    | {
        readonly plan: Pick<Series["plan"], "tolerate">;
        readonly legs: Partial<Record<string, Pick<LegSeries, "counted" | "outcomes">>>;
      }
    | undefined;
};

export function exitCodeFor(reports: readonly ReportOutcome[]): number {
  if (reports.some((report) => report.interruption?.kind === "cancelled")) return EXIT.interrupted;
  if (reports.some(fails)) return EXIT.findings;
  if (reports.some((report) => report.verdict.status === "incomplete")) return EXIT.incomplete;
  return EXIT.ok;
}

function fails(report: ReportOutcome): boolean {
  const sampled = Object.values(report.series?.legs ?? {}).filter((leg) => leg !== undefined && leg.counted > 0);
  if (report.series === undefined || sampled.length === 0) return report.verdict.status === "fail";
  const tolerate = report.series.plan.tolerate;
  return sampled.some((leg) => leg !== undefined && leg.outcomes.error / leg.counted > tolerate);
}
