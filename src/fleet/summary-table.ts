/**
 * The table a batch ends with on a terminal: every target that did not pass, one line each (the
 * passing ones are counted, not listed: a fleet is mostly healthy), the deciding findings by
 * frequency, and the totals. Every cell is escaped for the terminal, and every line starts with
 * a space or our own words: no line can start with `::`.
 */
import type { Style } from "../render/style.js";
import { escapeLineForTerminal } from "../text/escape.js";
import type { BatchEntry } from "./batch-entry.js";
import { type BatchTotals, describeTotals } from "./batch-totals.js";
import { describeTarget } from "./target-label.js";

export interface SummaryOptions {
  readonly style: Style;
  /** Terminal width; long summaries are cut to fit. */
  readonly columns: number;
  readonly durationMs: number;
  readonly exitCode: number;
  /** Why the batch ended early, if it did ("interrupted (Ctrl-C)"). */
  readonly stoppedBecause: string | null;
}

/** Below this, a row's summary goes on a line of its own. */
const MIN_SUMMARY_WIDTH = 30;

/** Rows listed at most; the rest are counted (the JSON Lines output has every one). */
export const SUMMARY_ROW_LIMIT = 100;

export function renderBatchSummary(
  entries: readonly BatchEntry[],
  totals: BatchTotals,
  options: SummaryOptions,
): string {
  const { style } = options;
  const notPassing = entries
    .filter((entry) => !(entry.kind === "report" && entry.status === "pass"))
    .sort((a, b) => a.line - b.line);
  const rows = notPassing.slice(0, SUMMARY_ROW_LIMIT).map((entry) => rowOf(entry));
  const lines: string[] = [];
  if (rows.length > 0) {
    const header = ["line", "target", "outcome", "edge", "finding", "summary"];
    const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row.cells[i]?.length ?? 0)));
    // The summary takes what is left of the line; with too little left, it goes on a line of its own.
    const used = widths.slice(0, 5).reduce((sum, width) => sum + width + 2, 2);
    const inline = options.columns - used >= MIN_SUMMARY_WIDTH;
    const format = (cells: readonly string[]): string[] => {
      const columns = cells.slice(0, 5).map((cell, i) => cell.padEnd(widths[i] ?? 0));
      const summary = cells[5] ?? "";
      if (inline) return [`  ${[...columns, cut(summary, options.columns - used)].join("  ").trimEnd()}`];
      const first = `  ${columns.join("  ").trimEnd()}`;
      return summary === "" ? [first] : [first, `        ${cut(summary, options.columns - 8)}`];
    };
    lines.push(...format(inline ? header : header.slice(0, 5)).map((line) => style.bold(line)));
    for (const row of rows) {
      const paint = row.paint === "error" ? style.error : row.paint === "warning" ? style.warning : (t: string) => t;
      lines.push(...format(row.cells).map((line) => paint(line)));
    }
    if (notPassing.length > rows.length) {
      lines.push(style.dim(`  … and ${notPassing.length - rows.length} more (the JSON Lines output has every target)`));
    }
    lines.push("");
  }
  if (totals.codes.length > 0) {
    lines.push(`Deciding findings: ${totals.codes.map(([code, n]) => `${code} ×${n}`).join(", ")}`);
  }
  const seconds = (options.durationMs / 1000).toFixed(1);
  const stopped = options.stoppedBecause === null ? "" : ` · stopped early: ${options.stoppedBecause}`;
  const paint = options.exitCode === 0 ? style.ok : style.error;
  lines.push(paint(`${describeTotals(totals)} · ${seconds} s · exit code ${options.exitCode}${stopped}`));
  return `${lines.join("\n")}\n`;
}

interface Row {
  readonly cells: readonly string[];
  readonly paint: "error" | "warning" | "none";
}

function rowOf(entry: BatchEntry): Row {
  switch (entry.kind) {
    case "error":
      return { cells: [String(entry.line), "(bad input line)", "error", "", "", safe(entry.message)], paint: "error" };
    case "not_started":
      return {
        cells: [String(entry.line), safe(describeTarget(entry.target)), "not started", "", "", ""],
        paint: "none",
      };
    case "report":
      return {
        cells: [
          String(entry.line),
          safe(describeTarget(entry.target)),
          entry.status,
          entry.verdict.edgeStatus === null ? "" : String(entry.verdict.edgeStatus),
          entry.deciding?.code ?? "",
          safe(entry.verdict.summary),
        ],
        paint: entry.status === "fail" ? "error" : "warning",
      };
  }
}

function safe(text: string): string {
  return escapeLineForTerminal(text);
}

function cut(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}
