/**
 * What a batch keeps of each input line once it is done with it: a compact record, not the whole
 * report (which went out as it finished), so that memory stays flat however long the list is.
 * The CI renderers (JUnit, GitHub annotations, the summary table, the metrics textfile) work
 * from these alone.
 */
import type { EvidenceValue } from "../findings/evidence.js";
import type { Interruption, Report, Target, Verdict } from "../report/schema.js";
import { escapeWireText } from "../text/escape.js";
import { type MetricSample, reportMetricSamples } from "./metrics.js";
import { originLabel, targetUrl } from "./target-label.js";

export type TargetStatus = "pass" | "fail" | "incomplete";

/** A finding as the CI outputs show it: its evidence already escaped and cut to a readable length. */
export interface ShownFinding {
  readonly code: string;
  readonly severity: "error" | "warning" | "info";
  readonly title: string;
  readonly detail: string;
  readonly leg: string | null;
  readonly phase: string;
  readonly edgeStatus: number | null;
  readonly evidence: ReadonlyArray<readonly [key: string, text: string]>;
}

export interface TargetEntry {
  readonly kind: "report";
  /** The input line the target came from (1-based). */
  readonly line: number;
  readonly target: Target;
  readonly status: TargetStatus;
  /** As the report has them: the exit code is computed from these (cli/exit-code.ts). */
  readonly verdict: Verdict;
  readonly interruption: Interruption | null;
  readonly deciding: ShownFinding | null;
  readonly warnings: number;
  readonly durationMs: number;
  readonly curl: string;
  readonly metrics: readonly MetricSample[];
}

/** An input line that is not a valid target: it fails the batch as an error finding does. */
export interface InputErrorEntry {
  readonly kind: "error";
  readonly line: number;
  readonly message: string;
}

/** A valid target that never started: Ctrl-C (`cancelled`) or the batch deadline (`run_deadline`) came first. */
export interface NotStartedEntry {
  readonly kind: "not_started";
  readonly line: number;
  readonly target: Target;
  readonly interruption: Interruption;
}

export type BatchEntry = TargetEntry | InputErrorEntry | NotStartedEntry;

/** Evidence is for reading in a CI log: a 1 MiB header line is cut there (the JSON line keeps all of it). */
export const EVIDENCE_TEXT_LIMIT = 300;

export function targetStatus(report: Pick<Report, "verdict" | "interruption">): TargetStatus {
  if (!report.verdict.ok) return "fail";
  return report.interruption === null ? "pass" : "incomplete";
}

/** The compact record of one finished diagnosis; its metrics are labelled with its target and origin. */
export function targetEntry(report: Report, line: number): TargetEntry {
  const deciding = report.verdict.decidingFinding;
  const finding = deciding === null ? undefined : report.findings[deciding.index];
  return {
    kind: "report",
    line,
    target: report.target,
    status: targetStatus(report),
    verdict: report.verdict,
    interruption: report.interruption,
    deciding: finding === undefined ? null : showFinding(finding),
    warnings: report.findings.filter((f) => f.severity === "warning").length,
    durationMs: report.durationMs,
    curl: report.reproduce.curl,
    metrics: reportMetricSamples(report, { target: targetUrl(report.target), origin: originLabel(report.target) }),
  };
}

export function showFinding(finding: Report["findings"][number]): ShownFinding {
  return {
    code: finding.code,
    severity: finding.severity,
    title: finding.title,
    detail: finding.detail,
    leg: finding.leg,
    phase: finding.phase,
    edgeStatus: finding.edgeStatus,
    evidence: Object.entries(finding.evidence as Readonly<Record<string, EvidenceValue>>).map(
      ([key, value]) => [key, evidenceText(value)] as const,
    ),
  };
}

/** One evidence value as printable ASCII: every byte an origin sent is escaped (`\n`, `\x1b`, …). */
export function evidenceText(value: EvidenceValue): string {
  if (value === null) return "none";
  if (Array.isArray(value)) return value.length === 0 ? "none" : value.map((v) => evidenceText(v)).join(", ");
  if (typeof value !== "string") return String(value);
  const escaped = escapeWireText(value);
  if (escaped.length <= EVIDENCE_TEXT_LIMIT) return `"${escaped}"`;
  return `"${escaped.slice(0, EVIDENCE_TEXT_LIMIT)}"… (${escaped.length - EVIDENCE_TEXT_LIMIT} more characters in the JSON report)`;
}
