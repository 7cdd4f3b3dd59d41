/**
 * The small table of verdicts per SSL mode, for the human report: which mode would work today,
 * which would fail and with what, and how to test the modes this run did not try.
 */
import type { Report } from "../report/schema.js";
import { escapeLineForTerminal } from "../text/escape.js";
import type { Style } from "./style.js";
import { wrap } from "./wrap.js";

/**
 * `width`: the terminal's, or null for no wrapping. A line per mode; the reasons under a failing
 * mode always (what breaks it), under the others and how to test an untried mode with `verbose`.
 */
export function renderSslModes(report: Report, style: Style, width: number | null = null, verbose = true): string[] {
  if (report.sslModes.length === 0) return [];
  const label = (row: Report["sslModes"][number]) =>
    `${row.title}${row.mode === report.target.sslMode ? " (this run)" : ""}`;
  const labelWidth = Math.max(...report.sslModes.map((row) => label(row).length));
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
    const paint = (text: string) => (row.verdict === "not_tested" ? style.dim(text) : text);
    lines.push(`  ${mark} ${label(row).padEnd(labelWidth)}  ${verdict}`);
    if (!verbose && row.verdict !== "fail") continue;
    lines.push(...wrap(escapeLineForTerminal(row.reason), width, "      ").map((line) => paint(line)));
    if (row.howToTest !== null) {
      lines.push(
        ...wrap(`To test: ${escapeLineForTerminal(row.howToTest)}`, width, "      ", "        ").map((line) =>
          style.dim(line),
        ),
      );
    }
  }
  lines.push("");
  return lines;
}
