/**
 * The report for a person at a terminal. The first screen answers "what is wrong and what do I
 * do" (DESIGN.md "The report"): the verdict, the finding that decides it with its evidence, the
 * likely causes with their fixes; then each leg's phases; then the rest, briefly (--verbose
 * shows every finding's evidence and what could not be checked from here). Text wraps at the
 * terminal's width between words. Every string that can carry an origin's bytes is escaped: an
 * origin must not be able to drive the reader's terminal, nor start a line a CI runner obeys.
 */
import { describeInterruption } from "../cli/deadline-flags.js";
import type { Finding, Severity } from "../findings/catalogue.js";
import type { EvidenceValue } from "../findings/evidence.js";
import { formatEndpoint } from "../net/endpoint.js";
import type { LegPhaseResult, LegReport, Report, Resolution } from "../report/schema.js";
import { escapeLineForTerminal, escapeWireText, neutraliseWorkflowCommands } from "../text/escape.js";
import { renderSeriesPicture } from "./series-picture.js";
import { renderSslModes } from "./ssl-modes.js";
import type { Style } from "./style.js";
import { wrap } from "./wrap.js";

/** Long evidence (a 1 MiB header line) is cut in the terminal; --json keeps all of it. */
const EVIDENCE_DISPLAY_LIMIT = 400;
/** Causes shown in full on the first screen (the others by title). */
const CAUSES_IN_FULL = 2;

export interface HumanOptions {
  /** The terminal's width, or null for no wrapping (not a terminal). */
  readonly width: number | null;
  /** Every finding's evidence, and what could not be checked from here. */
  readonly verbose: boolean;
}

export function renderHuman(
  report: Report,
  style: Style,
  options: HumanOptions = { width: null, verbose: false },
): string {
  const { width, verbose } = options;
  const out: string[] = [];
  const para = (text: string, first: string, rest = first) =>
    out.push(...wrap(escapeLineForTerminal(text), width, first, rest));

  // The verdict and what was diagnosed.
  const { verdict } = report;
  const mark =
    verdict.status === "pass" ? style.ok("✓") : verdict.status === "fail" ? style.error("✗") : style.warning("?");
  const paint = verdict.status === "pass" ? style.ok : verdict.status === "fail" ? style.error : style.warning;
  const summary = escapeLineForTerminal(upperFirst(verdict.summary));
  // The mark takes the first two columns of the first line, as the indent does of the others.
  for (const [i, line] of wrap(summary, width, "  ", "  ").entries()) {
    out.push(i === 0 ? `${mark} ${style.bold(paint(line.slice(2)))}` : style.bold(paint(line)));
  }
  para(target(report), "  ");
  if (report.interruption !== null)
    out.push(style.warning(`  [incomplete: ${describeInterruption(report.interruption)}]`));
  out.push("");

  // The finding the verdict rests on, in full.
  const deciding = verdict.decidingFinding === null ? undefined : report.findings[verdict.decidingFinding.index];
  if (deciding !== undefined) {
    out.push(`${style.bold("Why:")} ${style.bold(deciding.code)}  ${style.dim(where(deciding))}`);
    para(deciding.detail, "  ");
    const evidence = evidenceLine(deciding);
    if (evidence !== "") para(`Evidence: ${evidence}`, "  ", "    ");
    out.push("");
  }

  // What to do, most likely first.
  if (report.causes.length > 0) {
    out.push(style.bold("What to do, most likely cause first"));
    report.causes.forEach((cause, index) => {
      const head = `${cause.rank}. ${cause.title}`;
      const lines = wrap(`${head} [${cause.likelihood}]`, width, "  ", "     ");
      const last = lines.length - 1;
      lines[last] = (lines[last] ?? "").replace(/ \[(high|medium|low)\]$/, ` ${style.dim(`[${cause.likelihood}]`)}`);
      out.push(...lines);
      if (index >= CAUSES_IN_FULL && !verbose) return;
      for (const fix of cause.fixes) para(`• ${fix.action} (${fix.effort})`, "     ", "       ");
    });
    out.push("");
  }

  // A series: every sample's mark, then the figures the verdict's rates come from.
  if (report.series !== undefined) out.push(...renderSeriesPicture(report.series, style, width ?? 80), "");

  // Each leg's phases, after the resolution step.
  out.push(style.bold("Phases"));
  out.push(phaseLine(report.resolution, style, width));
  for (const leg of Object.values(report.legs) as LegReport[]) {
    // A leg that never started (turned off, nothing to connect to) is one line, not one per phase.
    const reasons = new Set(leg.phases.map((phase) => (phase.status === "skipped" ? phase.skipReason : null)));
    const [only] = reasons;
    if (reasons.size === 1 && only != null && leg.phases.every((phase) => phase.startedAt === null)) {
      para(`${leg.name} leg: ${only}`, "  ");
      continue;
    }
    if (Object.keys(report.legs).length > 1) {
      const how = leg.name === "origin-h2" ? ": ALPN h2, http/1.1 as the edge offers it" : "";
      out.push(style.dim(`  ${leg.name} leg${how}`));
    }
    for (const phase of leg.phases) out.push(phaseLine(phase, style, width));
  }
  out.push("");

  // The rest of the findings: one line each, or in full with --verbose.
  const others = report.findings.filter((f) => f !== deciding);
  if (others.length > 0) {
    out.push(style.bold(deciding === undefined ? "Findings" : "Also found"));
    for (const f of bySeverity(others)) {
      const edge = f.edgeStatus === null ? "" : style.dim(` → CDN answers ${f.edgeStatus}`);
      if (f.severity === "info" && !verbose) {
        // Context: one line.
        const line = wrap(escapeLineForTerminal(`${f.code}: ${f.title}`), width, "          ", "            ");
        out.push(`  ${severityTag(f.severity, style)}${line.join("\n").slice(9)}`);
        continue;
      }
      out.push(`  ${severityTag(f.severity, style)} ${style.bold(f.code)}${edge}`);
      para(f.title, "      ");
      para(f.detail, "      ");
      if (verbose) {
        const evidence = evidenceLine(f);
        if (evidence !== "") para(`Evidence: ${evidence}`, "      ", "        ");
      }
    }
    out.push("");
  }

  if (verbose) {
    out.push(style.bold("Not checked from here"));
    for (const item of report.notChecked) {
      para(`- ${item.what}: ${item.why}.`, "  ", "    ");
      para(`To tell: ${item.howToTell}.`, "    ");
    }
    out.push("");
  }

  // Which SSL modes this evidence says would work.
  out.push(...renderSslModes(report, style, width, verbose));

  // Copy-paste stays whole: the command is never wrapped.
  out.push(style.bold("Reproduce"), `  ${escapeLineForTerminal(report.reproduce.curl)}`);
  const edgeAnswer = report.legs.edge?.answer ?? null;
  if (edgeAnswer?.rayId) {
    para(
      `The edge answered ${edgeAnswer.status ?? "?"} with Ray ID ${edgeAnswer.rayId}${edgeAnswer.colo ? ` (colo ${edgeAnswer.colo})` : ""}: search the origin's logs for it.`,
      "  ",
    );
  }
  const edgeSkipped = report.legs.edge?.skipReason ?? null;
  if (edgeSkipped !== null) para(`Edge leg: ${edgeSkipped}.`, "  ");
  const ray = report.request.headers.find(([name]) => name.toLowerCase() === "cf-ray")?.[1];
  if (ray !== undefined)
    para(`The request carried CF-Ray: ${ray}, as the edge's would: search the origin's logs for it.`, "  ");
  if (report.redacted.length > 0) {
    para(`Values of ${report.redacted.join(", ")} are shown as [REDACTED] (--no-redact shows them).`, "  ");
  }
  if (!verbose) {
    const hint =
      "(--verbose: every finding's evidence, why each SSL mode works or fails, and what could not be checked from here)";
    out.push(...wrap(hint, width, "  ").map((line) => style.dim(line)));
  }
  return `${neutraliseWorkflowCommands(out.join("\n"))}\n`;
}

function target(report: Report): string {
  const t = report.target;
  const name = t.displayHostname === t.hostname ? t.hostname : `${t.displayHostname} (${t.hostname})`;
  const via = t.address === null ? "not reached" : formatEndpoint(t.address, t.port);
  return `${t.method} ${t.scheme}://${name}${t.path} → origin ${via} · diag520 ${report.tool.version}`;
}

function where(f: Finding): string {
  return f.leg === null ? `(${f.phase})` : `(${f.leg} leg, ${f.phase})`;
}

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

function bySeverity(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
}

function phaseLine(phase: LegPhaseResult | Resolution, style: Style, width: number | null): string {
  const mark =
    phase.status === "passed" ? style.ok("✓") : phase.status === "failed" ? style.error("✗") : style.dim("-");
  const time = phase.durationMs === null ? "".padEnd(9) : `${phase.durationMs.toFixed(1).padStart(6)} ms`;
  // Five columns: http2 is the longest phase name.
  const prefix = `  ${mark} ${phase.name.padEnd(5)} ${time}  `;
  // The summary's column starts after the 21-column prefix, and so do its continuation lines.
  const indent = " ".repeat(21);
  const text = wrap(escapeLineForTerminal(phase.summary), width, indent, indent).join("\n").slice(indent.length);
  return `${prefix}${phase.status === "skipped" ? style.dim(text) : text}`;
}

function severityTag(severity: Severity, style: Style): string {
  if (severity === "error") return style.error("ERROR  ");
  if (severity === "warning") return style.warning("WARNING");
  return style.info("INFO   ");
}

function evidenceLine(f: Finding): string {
  return Object.entries(f.evidence)
    .filter(([, value]) => value !== null && !(Array.isArray(value) && value.length === 0))
    .map(([key, value]) => `${key} ${formatEvidence(value)}`)
    .join(" · ");
}

function formatEvidence(value: EvidenceValue): string {
  if (value === null) return "none";
  if (Array.isArray(value)) return value.map((v) => formatEvidence(v)).join(", ");
  if (typeof value !== "string") return String(value);
  const escaped = escapeWireText(value);
  if (escaped.length <= EVIDENCE_DISPLAY_LIMIT) return `"${escaped}"`;
  return `"${escaped.slice(0, EVIDENCE_DISPLAY_LIMIT)}"… (${escaped.length - EVIDENCE_DISPLAY_LIMIT} more characters; --json has all)`;
}

function upperFirst(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
