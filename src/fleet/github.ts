/**
 * A batch for GitHub Actions: workflow-command annotations on stdout (`::error title=…::message`,
 * shown on the run's page and, with `file` and `line`, beside the input file's line), and a
 * Markdown summary for `$GITHUB_STEP_SUMMARY`.
 *
 * A stdout line that starts with `::` is a command to the runner, and text an origin sent is
 * untrusted: were it to start a line, it could run `::set-env`, `::add-path` or, after
 * `::stop-commands::`, hide the commands that follow (CVE-2020-15228). So the only lines written
 * here are annotations that start with our own command, and everything inside them is escaped
 * as the runner's command parser unescapes it (actions/toolkit `command.ts`): `%` `\r` `\n` in the
 * message, and also `:` `,` in properties. No CR or LF of an origin's can reach stdout, so no
 * origin byte can start a line. Control characters are also shown as `\xNN`, as on a terminal.
 */
import { markdownInline } from "../artifacts/markdown-report.js";
import { escapeForTerminal } from "../text/escape.js";
import type { BatchEntry, TargetEntry } from "./batch-entry.js";
import { type BatchTotals, describeTotals } from "./batch-totals.js";
import { describeTarget } from "./target-label.js";

/** An annotation's message is cut here: the runner shows a few lines, the JSON report keeps everything. */
export const ANNOTATION_MESSAGE_LIMIT = 4000;
/** Rows of the step summary's table; GitHub caps a step summary at 1 MiB. */
export const STEP_SUMMARY_ROW_LIMIT = 200;

/** The message part of a workflow command. */
export function escapeCommandData(text: string): string {
  return text.replace(/[%\r\n]/g, (c) => (c === "%" ? "%25" : c === "\r" ? "%0D" : "%0A"));
}

/** A property value (title, file): also `:` and `,`, which end a property. */
export function escapeCommandProperty(text: string): string {
  return escapeCommandData(text).replace(/[:,]/g, (c) => (c === ":" ? "%3A" : "%2C"));
}

export type AnnotationLevel = "error" | "warning" | "notice";

export interface AnnotationProperties {
  readonly title: string;
  readonly file?: string;
  readonly line?: number;
}

/** One annotation line; `message` may hold newlines (shown as such by the runner). */
export function annotation(level: AnnotationLevel, properties: AnnotationProperties, message: string): string {
  const props = [`title=${escapeCommandProperty(safe(properties.title))}`];
  if (properties.file !== undefined) props.unshift(`file=${escapeCommandProperty(safe(properties.file))}`);
  if (properties.line !== undefined) props.splice(1, 0, `line=${properties.line}`);
  const shown = message.length > ANNOTATION_MESSAGE_LIMIT ? `${message.slice(0, ANNOTATION_MESSAGE_LIMIT)}…` : message;
  return `::${level} ${props.join(",")}::${escapeCommandData(safe(shown))}`;
}

/** Control characters (CR included) as `\xNN`; LF stays, for the message's own lines. */
function safe(text: string): string {
  return escapeForTerminal(text);
}

export interface GithubOptions {
  /** The input file, for annotations placed on its lines; null for stdin. */
  readonly inputFile: string | null;
}

/** The annotation for one entry, or null for a target that passed. */
export function entryAnnotation(entry: BatchEntry, options: GithubOptions): string | null {
  const where = options.inputFile === null ? {} : { file: options.inputFile, line: entry.line };
  switch (entry.kind) {
    case "error":
      return annotation("error", { title: `diag520: bad input line ${entry.line}`, ...where }, entry.message);
    case "not_started":
      return null;
    case "report":
      return reportAnnotation(entry, where);
  }
}

function reportAnnotation(entry: TargetEntry, where: Pick<AnnotationProperties, "file" | "line">): string | null {
  if (entry.status === "pass") return null;
  const target = describeTarget(entry.target);
  if (entry.status === "incomplete") {
    return annotation("warning", { title: `diag520: ${target}: incomplete`, ...where }, entry.verdict.summary);
  }
  const finding = entry.deciding;
  const edge = entry.verdict.edgeStatus === null ? "" : ` → ${entry.verdict.edgeStatus}`;
  const title = `diag520: ${target}${edge}${finding === null ? "" : ` (${finding.code})`}`;
  const lines = [entry.verdict.summary];
  if (finding !== null) {
    lines.push(finding.detail, ...finding.evidence.map(([key, text]) => `  ${key}: ${text}`));
  }
  lines.push(`reproduce: ${entry.curl}`);
  return annotation("error", { title, ...where }, lines.join("\n"));
}

/** The last stdout line: plain text, which starts with our own words, never with `::`. */
export function githubTotalsLine(totals: BatchTotals): string {
  return `diag520 batch: ${describeTotals(totals)}`;
}

/** Markdown for `$GITHUB_STEP_SUMMARY`: totals, then every target that did not pass (capped). */
export function renderStepSummary(entries: readonly BatchEntry[], totals: BatchTotals, exitCode: number): string {
  const lines = ["## diag520 batch", "", `${markdownInline(describeTotals(totals))} · exit code ${exitCode}`, ""];
  if (totals.codes.length > 0) {
    lines.push(`Deciding findings: ${totals.codes.map(([code, n]) => `\`${code}\` × ${n}`).join(", ")}`, "");
  }
  const notPassing = entries.filter((entry) => !(entry.kind === "report" && entry.status === "pass"));
  if (notPassing.length === 0) return `${lines.join("\n")}\n`;
  lines.push("| line | target | outcome | edge | finding | summary |", "|---:|---|---|---:|---|---|");
  for (const entry of notPassing.slice(0, STEP_SUMMARY_ROW_LIMIT)) lines.push(summaryRow(entry));
  if (notPassing.length > STEP_SUMMARY_ROW_LIMIT) {
    lines.push(
      "",
      `… and ${notPassing.length - STEP_SUMMARY_ROW_LIMIT} more (the JSON Lines output has every target).`,
    );
  }
  return `${lines.join("\n")}\n`;
}

function summaryRow(entry: BatchEntry): string {
  const cells = ((): string[] => {
    switch (entry.kind) {
      case "error":
        return [String(entry.line), "", "bad input line", "", "", entry.message];
      case "not_started":
        return [String(entry.line), describeTarget(entry.target), "not started", "", "", ""];
      case "report":
        return [
          String(entry.line),
          describeTarget(entry.target),
          entry.status,
          entry.verdict.edgeStatus === null ? "" : String(entry.verdict.edgeStatus),
          entry.deciding?.code ?? "",
          entry.verdict.summary,
        ];
    }
  })();
  return `| ${cells.map(markdownInline).join(" | ")} |`;
}
