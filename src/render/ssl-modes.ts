/**
 * The small table of verdicts per SSL mode, for the human report: which mode would work today,
 * which would fail and with what, and how to test the modes this run did not try.
 */
import type { Report } from "../report/schema.js";
import { escapeLineForTerminal } from "../text/escape.js";
import type { Style } from "./style.js";

export function renderSslModes(report: Report, style: Style): string[] {
  if (report.sslModes.length === 0) return [];
  const label = (row: Report["sslModes"][number]) =>
    `${row.title}${row.mode === report.target.sslMode ? " (this run)" : ""}`;
  const width = Math.max(...report.sslModes.map((row) => label(row).length));
  const lines = [style.bold("SSL modes, as far as this run's evidence reaches")];
  for (const row of report.sslModes) {
    const mark = row.verdict === "ok" ? style.ok("✓") : row.verdict === "fail" ? style.error("✗") : style.dim("-");
    const verdict =
      row.verdict === "ok"
        ? "ok"
        : row.verdict === "fail"
          ? row.edgeStatus === null
            ? "fails"
            : `${row.edgeStatus}`
          : "not tested";
    const reason = escapeLineForTerminal(row.reason);
    const shown = row.verdict === "not_tested" ? style.dim(reason) : reason;
    lines.push(`  ${mark} ${label(row).padEnd(width)}  ${verdict.padEnd(10)} ${shown}`);
    if (row.howToTest !== null) lines.push(`      ${style.dim(`To test: ${escapeLineForTerminal(row.howToTest)}`)}`);
  }
  lines.push("");
  return lines;
}
