/**
 * The small table of verdicts per SSL mode, for the human report: which mode would work today,
 * which would fail and with what, and how to test the modes this run did not try.
 */
import type { Report } from "../report/schema.js";
import { escapeLineForTerminal } from "../text/escape.js";
import type { Style } from "./style.js";

export function renderSslModes(report: Report, style: Style): string[] {
  if (report.sslModes.length === 0) return [];
  const width = Math.max(...report.sslModes.map((row) => row.title.length));
  const lines = [style.bold("SSL modes, as far as this run's evidence reaches")];
  for (const row of report.sslModes) {
    const mark = row.verdict === "ok" ? style.ok("✓") : row.verdict === "fail" ? style.error("✗") : style.dim("-");
    const chosen = row.mode === report.target.sslMode ? " (this run)" : "";
    const verdict =
      row.verdict === "ok"
        ? "ok"
        : row.verdict === "fail"
          ? row.edgeStatus === null
            ? "fails"
            : `${row.edgeStatus}`
          : "not tested";
    const reason = escapeLineForTerminal(row.reason);
    lines.push(
      `  ${mark} ${`${row.title}${chosen}`.padEnd(width + 11)} ${verdict.padEnd(10)} ${row.verdict === "not_tested" ? style.dim(reason) : reason}`,
    );
    if (row.howToTest !== null) lines.push(`      ${style.dim(`To test: ${escapeLineForTerminal(row.howToTest)}`)}`);
  }
  lines.push("");
  return lines;
}
