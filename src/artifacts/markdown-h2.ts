/**
 * The HTTP/2 exchange for the support-ticket report: what the origin selected, how the exchange
 * ended, the response fields as decoded and every frame both ways, so that whoever reads the
 * ticket sees who reset what. Origin bytes only inside code blocks, escaped (markdown-report.ts).
 */
import type { H2ExchangeFacts, H2FrameFacts, Report } from "../report/schema.js";
import { escapeWireText } from "../text/escape.js";
import { codeBlock, markdownInline } from "./markdown-report.js";

export function http2Section(report: Report): string[] {
  const leg = report.legs["origin-h2"];
  if (leg === undefined) return [];
  const tls = leg.phases.find((phase) => phase.name === "tls");
  const http2 = leg.phases.find((phase) => phase.name === "http2");
  const alpn = tls?.name === "tls" ? (tls.facts?.alpn ?? null) : null;
  const lines = ["## HTTP/2 to the origin", ""];
  const facts = http2?.name === "http2" ? http2.facts : null;
  if (facts === null) {
    const why = http2?.skipReason ?? http2?.summary ?? "the leg did not run";
    return [...lines, `Offered ALPN \`h2, http/1.1\` as the edge does; ${markdownInline(why)}`];
  }
  lines.push(
    `Offered ALPN \`h2, http/1.1\` as the edge does; the origin selected \`${alpn ?? "nothing"}\`. ${markdownInline(http2?.summary ?? "")}`,
    "",
  );
  lines.push(...exchangeBlock(facts.exchange, "The exchange"));
  if (facts.retry?.exchange) lines.push("", ...exchangeBlock(facts.retry.exchange, "The retry, on a fresh connection"));
  return lines;
}

function exchangeBlock(exchange: H2ExchangeFacts, title: string): string[] {
  const response = exchange.response;
  const fields = response === null ? [] : response.headers.map(([name, value]) => `${name}: ${value}`);
  const lines = [
    `${title} ended as: ${exchange.end}. Frames, both directions in order${exchange.framesDropped > 0 ? ` (${exchange.framesDropped} left out in the middle)` : ""}:`,
    "",
    codeBlock(exchange.frames.map(describeFrame).join("\n")),
  ];
  if (fields.length > 0) {
    lines.push("", "Response header block as decoded:", "", codeBlock(fields.map(escapeWireText).join("\n"), "http"));
  }
  return lines;
}

function describeFrame(frame: H2FrameFacts): string {
  const parts = [frame.direction.padEnd(8), frame.type, `stream=${frame.streamId}`];
  if (frame.flags.length > 0) parts.push(frame.flags.join("|"));
  if (frame.errorCode !== null) parts.push(frame.errorCode);
  if (frame.lastStreamId !== null) parts.push(`last_stream=${frame.lastStreamId}`);
  if (frame.settings !== null) {
    parts.push(
      Object.entries(frame.settings)
        .map(([name, value]) => `${name.replace(/^SETTINGS_/, "")}=${value}`)
        .join(","),
    );
  }
  if (frame.windowIncrement !== null) parts.push(`+${frame.windowIncrement}`);
  if (frame.debugData) parts.push(`debug="${escapeWireText(frame.debugData)}"`);
  if (frame.violation !== null) parts.push(`(${frame.violation})`);
  return parts.join(" ");
}
