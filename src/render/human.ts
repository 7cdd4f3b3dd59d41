/**
 * The report for a person at a terminal: phases with timings, findings with evidence, ranked
 * causes with fixes, what was not checked, the reproduction command and a one-line verdict.
 * Every string that can carry an origin's bytes is escaped: an origin must not be able to drive
 * the reader's terminal (DESIGN.md "The report").
 */
import { describeInterruption } from "../cli/deadline-flags.js";
import type { Severity } from "../findings/catalogue.js";
import type { EvidenceValue } from "../findings/evidence.js";
import type { LegPhaseResult, Report, Resolution } from "../report/schema.js";
import { escapeForTerminal, escapeLineForTerminal, escapeWireText } from "../text/escape.js";
import { renderSslModes } from "./ssl-modes.js";
import type { Style } from "./style.js";

/** Long evidence (a 1 MiB header line) is cut in the terminal; --json keeps all of it. */
const EVIDENCE_DISPLAY_LIMIT = 400;

export function renderHuman(report: Report, style: Style): string {
  const lines: string[] = [];
  lines.push(style.bold(headline(report)), "");

  lines.push(style.bold("Phases"));
  lines.push(phaseLine(report.resolution, style));
  for (const leg of Object.values(report.legs)) {
    if (leg?.name === "origin-h2") lines.push(style.dim("  origin-h2: ALPN h2, http/1.1 as the edge offers it"));
    for (const phase of leg?.phases ?? []) lines.push(phaseLine(phase, style));
  }
  lines.push("");

  if (report.findings.length > 0) {
    lines.push(style.bold("Findings"));
    for (const f of report.findings) {
      const edge = f.edgeStatus === null ? "" : style.dim(`  → CDN answers ${f.edgeStatus}`);
      lines.push(`  ${severityTag(f.severity, style)} ${style.bold(f.code)}${edge}`);
      lines.push(`      ${escapeLineForTerminal(f.title)}`);
      for (const line of escapeForTerminal(f.detail).split("\n")) lines.push(`      ${style.dim(line)}`);
      // Info is context: its evidence stays in --json and the Markdown report, out of the way here.
      if (f.severity === "info") continue;
      for (const [key, value] of Object.entries(f.evidence)) {
        lines.push(`        ${key}: ${formatEvidence(value)}`);
      }
    }
    lines.push("");
  }

  if (report.causes.length > 0) {
    lines.push(style.bold("Likely causes, best first"));
    for (const cause of report.causes) {
      lines.push(
        `  ${cause.rank}. ${cause.title} ${style.dim(`[${cause.likelihood}; ${cause.supportedBy.join(", ")}]`)}`,
      );
      for (const fix of cause.fixes) lines.push(`     - ${style.dim(`(${fix.effort})`)} ${fix.action}`);
    }
    lines.push("");
  }

  lines.push(...renderSslModes(report, style));
  lines.push(style.bold("Not checked from here"));
  for (const item of report.notChecked) {
    lines.push(`  - ${item.what}: ${item.why}.`);
    lines.push(`    ${style.dim(`To tell: ${item.howToTell}.`)}`);
  }
  lines.push("");

  lines.push(style.bold("Reproduce"), `  ${escapeLineForTerminal(report.reproduce.curl)}`, "");
  if (report.redacted.length > 0) {
    lines.push(
      style.dim(`Values of ${report.redacted.join(", ")} are shown as [REDACTED] (--no-redact shows them).`),
      "",
    );
  }

  const paint = report.verdict.ok ? style.ok : style.error;
  const incomplete =
    report.interruption === null ? "" : style.warning(` [incomplete: ${describeInterruption(report.interruption)}]`);
  lines.push(`${style.bold("Verdict:")} ${paint(escapeLineForTerminal(report.verdict.summary))}${incomplete}`);
  return `${lines.join("\n")}\n`;
}

function headline(report: Report): string {
  const t = report.target;
  const address = report.resolution.facts?.address ?? null;
  const via = address ? ` via ${address.includes(":") ? `[${address}]` : address}:${t.port}` : `:${t.port}`;
  const name = t.displayHostname === t.hostname ? t.hostname : `${t.displayHostname} (${t.hostname})`;
  return escapeLineForTerminal(`diag520 ${report.tool.version} · ${t.scheme}://${name}${via} · ${t.method} ${t.path}`);
}

function phaseLine(phase: LegPhaseResult | Resolution, style: Style): string {
  const mark =
    phase.status === "passed" ? style.ok("✓") : phase.status === "failed" ? style.error("✗") : style.dim("-");
  const time = phase.durationMs === null ? "      " : `${phase.durationMs.toFixed(1).padStart(6)} ms`;
  const summary = escapeLineForTerminal(phase.summary);
  return `  ${mark} ${phase.name.padEnd(4)} ${phase.durationMs === null ? style.dim(time.padEnd(9)) : time}  ${phase.status === "skipped" ? style.dim(summary) : summary}`;
}

function severityTag(severity: Severity, style: Style): string {
  if (severity === "error") return style.error("ERROR  ");
  if (severity === "warning") return style.warning("WARNING");
  return style.info("INFO   ");
}

function formatEvidence(value: EvidenceValue): string {
  if (value === null) return "none";
  if (Array.isArray(value)) return value.length === 0 ? "none" : value.map((v) => formatEvidence(v)).join(", ");
  if (typeof value !== "string") return String(value);
  const escaped = escapeWireText(value);
  if (escaped.length <= EVIDENCE_DISPLAY_LIMIT) return `"${escaped}"`;
  return `"${escaped.slice(0, EVIDENCE_DISPLAY_LIMIT)}"… (${escaped.length - EVIDENCE_DISPLAY_LIMIT} more characters; --json has all)`;
}
