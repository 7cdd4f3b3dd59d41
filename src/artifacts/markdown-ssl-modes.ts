/** The per-mode verdicts as a Markdown table, for the support-ticket report. */
import type { Report } from "../report/schema.js";
import { markdownInline } from "./markdown-report.js";

const VERDICT = { ok: "✅ works", fail: "❌ fails", not_tested: "not tested" } as const;

export function sslModesSection(report: Report): string[] {
  if (report.sslModes.length === 0) return [];
  const lines = [
    "## SSL modes",
    "",
    `This run was judged under ${markdownInline(report.sslModes.find((row) => row.mode === report.target.sslMode)?.title ?? report.target.sslMode)}. What this run's evidence says about each mode:`,
    "",
    "| mode | verdict | edge status | why | how to test |",
    "|---|---|---|---|---|",
  ];
  for (const row of report.sslModes) {
    const test = row.howToTest === null ? "" : `\`${row.howToTest.replaceAll("`", "'")}\``;
    lines.push(
      `| ${markdownInline(row.title)} | ${VERDICT[row.verdict]} | ${row.edgeStatus ?? ""} | ${markdownInline(row.reason)} | ${test} |`,
    );
  }
  return lines;
}
