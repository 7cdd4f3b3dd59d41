/**
 * The one-line answer: what the CDN would most likely answer, and why. The deciding finding is
 * the first error in the order the facts were met (resolution, then each leg's phases): an
 * earlier phase's failure is what the edge meets first.
 */
import type { Finding } from "../findings/catalogue.js";
import type { Interruption, LegReport, Verdict } from "./schema.js";

export function decideVerdict(
  findings: readonly Finding[],
  origin: LegReport | undefined,
  interruption: Interruption | null,
): Verdict {
  const index = findings.findIndex((f) => f.severity === "error");
  const deciding = findings[index];
  if (deciding !== undefined) {
    return {
      ok: false,
      edgeStatus: deciding.edgeStatus,
      summary: errorSummary(deciding),
      decidingFinding: { index, code: deciding.code, leg: deciding.leg },
    };
  }
  if (interruption !== null) {
    return {
      ok: true,
      edgeStatus: null,
      summary: `incomplete: ${describeInterruption(interruption)} before every phase ran; nothing failing was found so far`,
      decidingFinding: null,
    };
  }
  const warnings = findings.filter((f) => f.severity === "warning").length;
  const tail = warnings > 0 ? ` (${warnings} warning${warnings === 1 ? "" : "s"} below)` : "";
  if (findings.some((f) => f.code === "origin.is_cdn_address")) {
    // No --origin and the hostname resolves to the CDN: what answered was the edge, so a healthy
    // verdict would be about the CDN, not the origin (and an edge 52x is not "the origin's own error").
    const reached = healthyOutcome(origin).replace("the origin answered", "it answered");
    return {
      ok: true,
      edgeStatus: null,
      summary: `not a diagnosis of the origin: without --origin, diag520 reached the CDN's own edge (${reached}); pass --origin <the origin server's address>${tail}`,
      decidingFinding: null,
    };
  }
  return {
    ok: true,
    edgeStatus: null,
    summary: `no fault found that would make the CDN fail this request: ${healthyOutcome(origin)}${tail}`,
    decidingFinding: null,
  };
}

/** Words for an interruption that name no flag (the CLI knows which option set a deadline). */
export function describeInterruption(interruption: Interruption): string {
  return interruption.kind === "cancelled"
    ? "interrupted by the user"
    : `stopped by the whole-run deadline (${interruption.ms} ms)`;
}

function errorSummary(f: Finding): string {
  const what = lowerFirst(f.title);
  if (f.edgeStatus === null) return `diag520 could not diagnose the origin: ${what}`;
  const strictOnly =
    f.code.startsWith("tls.cert_") || f.code === "tls.chain_incomplete" ? " in SSL mode Full (strict)" : "";
  return `the CDN would answer ${f.edgeStatus}${strictOnly}: ${what}`;
}

function healthyOutcome(origin: LegReport | undefined): string {
  const http = origin?.phases.find((p) => p.name === "http");
  const head = http?.name === "http" ? http.facts?.response.head : null;
  if (!http || http.status === "skipped" || !head) return "every phase that ran passed";
  const status = head.statusCode === null ? "a response" : `${head.statusCode}${head.reason ? ` ${head.reason}` : ""}`;
  return `the origin answered ${status} in ${http.durationMs} ms`;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
