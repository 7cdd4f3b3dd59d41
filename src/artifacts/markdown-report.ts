/**
 * The Markdown report to paste into a support ticket: what Cloudflare's 520 page and a hosting
 * provider ask for (the steps to reproduce, the request and response as seen at the origin),
 * with the diagnosis on top. Origin bytes only ever appear inside code blocks, escaped with
 * escapeWireText, behind a fence longer than any backtick run they contain (CommonMark 0.31
 * §4.5: a fence closes only on a run at least as long), so an origin cannot break out of the
 * block, inject links, or drive a terminal that shows the raw file.
 */
import { describeInterruption } from "../cli/deadline-flags.js";
import type { Finding } from "../findings/catalogue.js";
import type { EvidenceValue } from "../findings/evidence.js";
import type { HttpFacts, LegPhaseResult, Report } from "../report/schema.js";
import { escapeForTerminal, escapeWireText, neutraliseWorkflowCommands } from "../text/escape.js";
import { http2Section } from "./markdown-h2.js";
import { seriesSection } from "./markdown-series.js";
import { sslModesSection } from "./markdown-ssl-modes.js";

export interface MarkdownEnvironment {
  readonly version: string;
  readonly node: string;
  readonly os: string;
  readonly nowUtc: string;
  /** The local address the origin saw the connection from, when known. */
  readonly sourceAddress: string | null;
  /** The exit code the run ended with (the CLI computes it). */
  readonly exitCode: number;
}

const SEVERITY_MARK = { error: "❌ error", warning: "⚠️ warning", info: "ℹ️ info" } as const;
const SEVERITY_ORDER = { error: 0, warning: 1, info: 2 } as const;

/** Text outside code blocks: no controls, no newlines, Markdown punctuation taken literally. */
export function markdownInline(text: string): string {
  return escapeForTerminal(text.replace(/\r?\n/g, " ")).replace(/[\\`*_[\]<>|~&#!]/g, "\\$&");
}

/** Ends a sentence that its author left open, so that two of them do not run together. */
function sentence(text: string): string {
  return /[.!?:)]$/.test(text.trimEnd()) || text.trim() === "" ? text : `${text.trimEnd()}.`;
}

/** Inline code, for short values that we wrote ourselves (codes, header names). */
function code(text: string): string {
  const safe = escapeForTerminal(text.replace(/\r?\n/g, " "));
  const longestRun = Math.max(0, ...(safe.match(/`+/g) ?? []).map((run) => run.length));
  const ticks = "`".repeat(longestRun + 1);
  return longestRun > 0 ? `${ticks} ${safe} ${ticks}` : `${ticks}${safe}${ticks}`;
}

/** A fenced block whose fence no content line can close. */
export function codeBlock(content: string, language = ""): string {
  const longestRun = Math.max(0, ...(content.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(Math.max(3, longestRun + 1));
  return `${fence}${language}\n${content}\n${fence}`;
}

/** Wire bytes, one escaped line per line received; CR and other controls shown as escapes. */
export function escapeWireLines(raw: string): string {
  const lines = raw.split("\n");
  const last = lines.pop() ?? "";
  // Every line but the last ended with LF; the last is shown only when bytes followed the final LF.
  const shown = lines.map((line) => `${escapeWireText(line)}\\n`);
  if (last !== "") shown.push(escapeWireText(last));
  return shown.join("\n");
}

/** Evidence may hold origin bytes (latin1) or our own Unicode text: both are escaped. */
function escapeEvidenceText(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: latin1 range check
  return /^[\u0000-\u00ff]*$/.test(text) ? escapeWireText(text) : escapeForTerminal(text).replace(/\n/g, "\\n");
}

function evidenceValue(value: EvidenceValue): string {
  if (typeof value === "string") return escapeEvidenceText(value);
  if (Array.isArray(value))
    return `[${value.map((item) => (typeof item === "string" ? escapeEvidenceText(item) : String(item))).join(", ")}]`;
  return String(value);
}

function originPhase<N extends LegPhaseResult["name"]>(
  report: Report,
  name: N,
): Extract<LegPhaseResult, { name: N }> | null {
  return (
    (report.legs.origin?.phases.find((phase) => phase.name === name) as
      | Extract<LegPhaseResult, { name: N }>
      | undefined) ?? null
  );
}

function httpFacts(report: Report): HttpFacts | null {
  return originPhase(report, "http")?.facts ?? null;
}

function verdictSection(report: Report, exitCode: number): string[] {
  const { target, verdict } = report;
  const address = target.address ?? report.resolution.facts?.address ?? null;
  const edge =
    verdict.edgeStatus === null
      ? "none: the CDN would pass the origin's response on"
      : `**${verdict.edgeStatus}**, the status the CDN would answer with instead of the origin's response`;
  const lines = [
    `# diag520 report: ${markdownInline(target.displayHostname)}`,
    "",
    `**Verdict:** ${markdownInline(verdict.summary)}`,
    "",
    `- Predicted edge status: ${edge}`,
    `- Request: ${code(`${target.method} ${target.scheme}://${target.hostname}:${target.port}${target.path}`)}`,
    `- Origin diagnosed: ${address === null ? "no address found" : code(address)}${target.origin !== null && target.origin !== address ? ` (${code(`--origin ${target.origin}`)})` : ""}`,
    `- Run: ${markdownInline(report.startedAt)}, ${Math.round(report.durationMs)} ms, exit code ${exitCode}`,
  ];
  if (report.interruption !== null) {
    lines.push(`- **Incomplete run:** ${markdownInline(describeInterruption(report.interruption))}`);
  }
  if (report.redacted.length > 0) {
    lines.push(`- Redacted: the values of ${report.redacted.map(code).join(", ")} are replaced by \`[REDACTED]\``);
  }
  return lines;
}

function findingsSection(report: Report): string[] {
  const lines = ["## Findings", ""];
  if (report.findings.length === 0) return [...lines, "No findings."];
  // What breaks the request first; the sort is stable, so the probes' order holds within a severity.
  const bySeverity = [...report.findings].sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
  for (const item of bySeverity) {
    lines.push(`### ${SEVERITY_MARK[item.severity]} ${code(item.code)}: ${markdownInline(item.title)}`, "");
    lines.push(
      `${where(item)}${item.edgeStatus === null ? "" : `, edge status ${item.edgeStatus}`}: ${markdownInline(item.detail)}`,
    );
    const evidence = Object.entries(item.evidence);
    if (evidence.length > 0) {
      lines.push(
        "",
        codeBlock(evidence.map(([key, value]) => `${escapeForTerminal(key)}: ${evidenceValue(value)}`).join("\n")),
      );
    }
    lines.push("");
  }
  return lines;
}

function where(item: Finding): string {
  return item.leg === null ? `Phase ${item.phase}` : `Leg ${item.leg}, phase ${item.phase}`;
}

function causesSection(report: Report): string[] {
  const lines = ["## Likely causes and fixes", ""];
  if (report.causes.length === 0) return [...lines, "No cause is supported by the evidence."];
  for (const cause of [...report.causes].sort((a, b) => a.rank - b.rank)) {
    const supportedBy = cause.supportedBy.map(code).join(", ");
    lines.push(
      `${cause.rank}. **${markdownInline(cause.title)}** (likelihood ${cause.likelihood}; supported by ${supportedBy})`,
    );
    for (const fix of cause.fixes) lines.push(`   - ${markdownInline(fix.action)} (effort: ${fix.effort})`);
  }
  return lines;
}

function notCheckedSection(report: Report): string[] {
  if (report.notChecked.length === 0) return [];
  return [
    "## What could not be checked from here",
    "",
    ...report.notChecked.map(
      (item) =>
        `- **${markdownInline(item.what)}**: ${sentence(markdownInline(item.why))} How to tell: ${sentence(markdownInline(item.howToTell))}`,
    ),
  ];
}

function exchangeSection(report: Report): string[] {
  const http = httpFacts(report);
  const httpPhase = originPhase(report, "http");
  const lines = ["## The exact request sent", ""];
  if (http === null || http.request.raw === "") {
    const why = httpPhase?.skipReason ?? httpPhase?.summary ?? "the http phase did not run";
    return [...lines, `Not sent: ${markdownInline(why)}`];
  }
  lines.push(
    `${http.request.bytes} bytes; \`\\r\` and \`\\n\` are the line ends as written.`,
    "",
    codeBlock(escapeWireLines(http.request.raw), "http"),
  );
  lines.push("", "## The response head as received", "");
  const { response } = http;
  const summary = `${response.bytesReceived} bytes received; the connection ended as: ${response.end}.`;
  if (response.rawHead === "") return [...lines, `${summary} Nothing to show: no response bytes arrived.`];
  const truncated = response.rawHeadTruncated ? " Shown truncated." : "";
  const interim =
    response.interim.length > 0 ? ` ${response.interim.length} interim (1xx) response(s) came first.` : "";
  lines.push(`${summary}${interim}${truncated} Bytes outside printable ASCII are shown as \`\\xNN\`.`, "");
  lines.push(codeBlock(escapeWireLines(response.rawHead), "http"));
  return lines;
}

function formatMs(value: number | null): string {
  return value === null ? "" : `${Math.round(value * 10) / 10} ms`;
}

function timingSection(report: Report): string[] {
  const lines = ["## Timings", "", "| phase | status | duration | summary |", "|---|---|---|---|"];
  for (const phase of [report.resolution, ...(report.legs.origin?.phases ?? [])]) {
    const summary = phase.status === "skipped" && phase.skipReason !== null ? phase.skipReason : phase.summary;
    lines.push(`| ${phase.name} | ${phase.status} | ${formatMs(phase.durationMs)} | ${markdownInline(summary)} |`);
  }
  for (const phase of report.legs["origin-h2"]?.phases ?? []) {
    const summary = phase.status === "skipped" && phase.skipReason !== null ? phase.skipReason : phase.summary;
    lines.push(
      `| origin-h2 ${phase.name} | ${phase.status} | ${formatMs(phase.durationMs)} | ${markdownInline(summary)} |`,
    );
  }
  const response = httpFacts(report)?.response;
  if (response !== undefined) {
    lines.push(
      "",
      `HTTP, counted from the request being written: first byte ${formatMs(response.firstByteMs) || "never"}, ` +
        `head complete ${formatMs(response.headMs) || "never"}, response complete ${formatMs(response.completeMs) || "never"}.`,
    );
  }
  return lines;
}

/** The origin leg and the edge leg side by side, phase by phase, with the edge's Ray ID and colo. */
function legsSection(report: Report): string[] {
  const edge = report.legs.edge;
  if (edge === undefined) return [];
  const origin = report.legs.origin;
  const cell = (phase: LegPhaseResult | undefined) => {
    if (phase === undefined) return "";
    const summary = phase.status === "skipped" && phase.skipReason !== null ? phase.skipReason : phase.summary;
    return markdownInline(
      `${phase.status}${phase.durationMs === null ? "" : ` (${formatMs(phase.durationMs)})`}: ${summary}`,
    );
  };
  const lines = [
    "## The two legs side by side",
    "",
    "| phase | direct to the origin | through the edge |",
    "|---|---|---|",
  ];
  for (const name of ["tcp", "tls", "http"] as const) {
    const o = origin?.phases.find((phase) => phase.name === name);
    const e = edge.phases.find((phase) => phase.name === name);
    lines.push(`| ${name} | ${cell(o)} | ${cell(e)} |`);
  }
  const answer = edge.answer;
  const status = (leg: typeof origin) => {
    const http = leg?.phases.find((phase) => phase.name === "http");
    const head = http?.name === "http" ? http.facts?.response.head : null;
    return head?.statusCode == null ? "none" : String(head.statusCode);
  };
  lines.push(`| status | ${status(origin)} | ${answer?.status ?? "none"} |`);
  lines.push(
    `| address | ${markdownInline(origin?.address ?? "none")} | ${markdownInline(edge.address ?? "none")}${edge.pinned ? " (pinned)" : ""} |`,
  );
  if (answer !== null) {
    lines.push(
      `| Ray ID | | ${answer.rayId === null ? "none (not Cloudflare)" : code(answer.rayId)} |`,
      `| colo | | ${markdownInline(answer.colo ?? "unknown")} |`,
      `| cf-cache-status | | ${markdownInline(answer.cacheStatus ?? "none")} |`,
      `| made by | | ${markdownInline(answer.generatedBy)}${answer.errorCode === null ? "" : ` (error ${answer.errorCode}${answer.errorName === null ? "" : `, ${markdownInline(answer.errorName)}`})`} |`,
    );
  }
  if (edge.skipReason !== null)
    lines.push("", `The edge leg did not run: ${markdownInline(edge.skipReason.replace(/^not run: /, ""))}.`);
  if (answer?.rayId) {
    lines.push(
      "",
      `The edge's Ray ID is ${code(answer.rayId)}${answer.colo ? ` (colo ${markdownInline(answer.colo)})` : ""}: search the origin's logs for it (the edge sends it as \`CF-Ray\`).`,
    );
  }
  if (edge.structuredForm !== null) {
    lines.push(
      "",
      "The edge answered an error page; a second request with `Accept: application/json` fetched Cloudflare's structured form of it:",
      "",
      codeBlock(edge.structuredForm.body.slice(0, 4000), "json"),
    );
  }
  return lines;
}

function environmentSection(report: Report, env: MarkdownEnvironment): string[] {
  const source = env.sourceAddress ?? originPhase(report, "tcp")?.facts?.localAddress ?? null;
  return [
    "## Environment",
    "",
    "| | |",
    "|---|---|",
    `| diag520 | ${markdownInline(env.version)} |`,
    `| Node.js | ${markdownInline(env.node)} |`,
    `| OS | ${markdownInline(env.os)} |`,
    `| time (UTC) | ${markdownInline(env.nowUtc)} |`,
    `| diagnosed from | ${source === null ? "unknown" : markdownInline(source)} |`,
  ];
}

function reproduceSection(report: Report): string[] {
  const redactedNote =
    report.redacted.length > 0 ? " Put the real values back where it says `[REDACTED]` before running it." : "";
  return [
    "## Reproduce",
    "",
    `The same request, made the same way (same address, same Host and SNI).${redactedNote}`,
    "",
    codeBlock(report.reproduce.curl, "sh"),
  ];
}

/** Renders the ticket report. The diagnosis should already be redacted (redactDiagnosis). */
export function renderMarkdownReport(report: Report, env: MarkdownEnvironment): string {
  const sections = [
    verdictSection(report, env.exitCode),
    seriesSection(report.series),
    findingsSection(report),
    causesSection(report),
    sslModesSection(report),
    notCheckedSection(report),
    legsSection(report),
    exchangeSection(report),
    http2Section(report),
    timingSection(report),
    environmentSection(report, env),
    reproduceSection(report),
  ].filter((section) => section.length > 0);
  return `${neutraliseWorkflowCommands(sections.map((section) => section.join("\n").trimEnd()).join("\n\n"))}\n`;
}
