/**
 * The one-line answer: what the CDN would most likely answer, and why — claiming only what was
 * measured (DESIGN.md "Honest verdicts"). Three outcomes:
 * - fail: a finding would make the CDN fail the request; the deciding finding is the first error
 *   in the order the facts were met (resolution, then each leg's phases): what the edge meets first;
 * - incomplete: nothing failing was found, but the diagnosis did not reach a verdict (the run was
 *   cut short, the origin was never reached, or its response could not be seen) — never ok;
 * - pass: every phase ran and nothing would make the CDN fail.
 */
import type { Finding } from "../findings/catalogue.js";
import type { Interruption, LegReport, Verdict } from "./schema.js";

export interface VerdictInput {
  readonly findings: readonly Finding[];
  readonly origin: LegReport | undefined;
  readonly interruption: Interruption | null;
  /** Why the origin leg never started, when it did not (nothing to connect to, the CDN's own address). */
  readonly originNotRun: string | null;
}

export function decideVerdict(input: VerdictInput): Verdict {
  const { findings, origin, interruption, originNotRun } = input;
  const index = findings.findIndex((f) => f.severity === "error");
  const deciding = findings[index];
  if (deciding !== undefined) {
    return {
      ok: false,
      status: "fail",
      edgeStatus: deciding.edgeStatus,
      summary: errorSummary(deciding),
      decidingFinding: { index, code: deciding.code, leg: deciding.leg },
    };
  }
  const incomplete = (summary: string, why?: Finding): Verdict => {
    const at = why === undefined ? -1 : findings.indexOf(why);
    return {
      ok: false,
      status: "incomplete",
      edgeStatus: null,
      summary,
      decidingFinding: why === undefined ? null : { index: at, code: why.code, leg: why.leg },
    };
  };
  if (interruption !== null) {
    return incomplete(
      `incomplete: ${describeInterruption(interruption)} before the diagnosis finished; nothing failing was found so far`,
    );
  }
  const cdn = findings.find((f) => f.code === "origin.is_cdn_address");
  if (originNotRun !== null && cdn !== undefined) {
    return incomplete(
      "no verdict about the origin: the hostname resolves to the CDN's own edge, and no --origin was given; pass --origin <the address in the hostname's proxied DNS record>",
      cdn,
    );
  }
  if (originNotRun !== null)
    return incomplete(`no verdict about the origin: ${originNotRun.replace(/^not run: /, "")}`);
  const clientCertificate = findings.find((f) => f.code === "tls.client_certificate_required");
  if (clientCertificate !== undefined) {
    return incomplete(
      "no verdict about the response: the origin demands a client certificate (Authenticated Origin Pulls) and closed the connection before answering",
      clientCertificate,
    );
  }
  const warnings = findings.filter((f) => f.severity === "warning").length;
  const tail = warnings > 0 ? ` (${warnings} warning${warnings === 1 ? "" : "s"} below)` : "";
  return {
    ok: true,
    status: "pass",
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
  // An error that predicts no edge status: a limit the user set, not one the edge applies.
  if (f.edgeStatus === null) return `${f.title} — no 52x predicted (see ${f.code})`;
  const strictOnly =
    f.code.startsWith("tls.cert_") || f.code.startsWith("tls.chain") ? " in SSL mode Full (strict)" : "";
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
