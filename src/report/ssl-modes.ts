/**
 * The verdict under each SSL mode, as far as this run's evidence reaches, so that the person
 * learns which mode would work today. Full and Full (strict) are judged from the same handshake
 * (Full ignores the certificate); Flexible and Off from the same plain-HTTP exchange on port 80
 * (Off: the proxy is off, visitors connect to the origin directly). A mode whose scheme and port
 * this run did not try says "not tested", and how to test it. Pure: the findings as Full (strict)
 * judges them in, rows out.
 */
import { shellJoin } from "../artifacts/shell-quote.js";
import { isStrictOnly } from "../checks/ssl-mode.js";
import type { Finding } from "../findings/catalogue.js";
import type { DiagnoseRequest, SslMode } from "../options.js";
import { SCHEME_OF_MODE, SSL_MODE_TITLES, SSL_MODES } from "../ssl-mode.js";
import type { Interruption, SslModeRow, Verdict } from "./schema.js";

export interface SslModeEvidence {
  readonly request: DiagnoseRequest;
  /** The address diagnosed, for the command that tests another mode. */
  readonly address: string | null;
  /** Every finding, with the severities Full (strict) gives them (before applySslMode). */
  readonly strictFindings: readonly Finding[];
  readonly interruption: Interruption | null;
}

export function sslModeTable(evidence: SslModeEvidence): SslModeRow[] {
  return SSL_MODES.map((mode) => row(mode, evidence));
}

function row(mode: SslMode, evidence: SslModeEvidence): SslModeRow {
  const { request, strictFindings } = evidence;
  const base = { mode, title: SSL_MODE_TITLES[mode] };
  if (SCHEME_OF_MODE[mode] !== request.scheme) return { ...base, ...notTested(mode, evidence) };
  // Full ignores the certificate; every other mode that uses this exchange meets every error.
  const errors = strictFindings.filter((f) => f.severity === "error" && !(mode === "full" && isStrictOnly(f.code)));
  const deciding = errors[0];
  if (deciding === undefined && evidence.interruption !== null) {
    return {
      ...base,
      verdict: "not_tested",
      edgeStatus: null,
      reason: "the run did not finish, and nothing failing was found before it stopped",
      howToTest: testCommand(mode, evidence),
    };
  }
  if (mode === "off") return { ...base, ...proxyOff(deciding) };
  if (deciding !== undefined) {
    return {
      ...base,
      verdict: "fail",
      edgeStatus: deciding.edgeStatus,
      reason: `${lowerFirst(deciding.title)} (${deciding.code})`,
      howToTest: null,
    };
  }
  const certificateErrors = strictFindings.filter((f) => f.severity === "error" && isStrictOnly(f.code));
  const ignored = certificateErrors[0];
  return {
    ...base,
    verdict: "ok",
    edgeStatus: null,
    reason:
      mode === "full" && ignored !== undefined
        ? `works: Full does not check the certificate, which Full (strict) rejects (${ignored.code})`
        : mode === "flexible"
          ? "works: nothing found that would make the edge fail the request over plain HTTP; visitors' HTTPS ends at the edge, and the edge-to-origin leg is unencrypted"
          : "works: nothing found that would make the edge fail the request",
    howToTest: null,
  };
}

/** Off (grey cloud): no CDN in the path; visitors' browsers meet the origin's faults themselves. */
function proxyOff(deciding: Finding | undefined): Omit<SslModeRow, "mode" | "title"> {
  const direct =
    "with the proxy off, visitors connect to the origin directly: its address is public, and the CDN's cache, protection and HTTPS certificate are not in front of it";
  return deciding === undefined
    ? { verdict: "ok", edgeStatus: null, reason: `works: ${direct}`, howToTest: null }
    : {
        verdict: "fail",
        edgeStatus: null,
        reason: `${direct}; they would meet this themselves, as a browser error rather than a CDN error page: ${lowerFirst(deciding.title)} (${deciding.code})`,
        howToTest: null,
      };
}

function notTested(mode: SslMode, evidence: SslModeEvidence): Omit<SslModeRow, "mode" | "title"> {
  const { request } = evidence;
  const wants = SCHEME_OF_MODE[mode] === "https" ? "TLS to port 443" : "plain HTTP to port 80";
  const talked = request.scheme === "https" ? "TLS" : "plain HTTP";
  const originCa = evidence.strictFindings.some((f) => f.code === "tls.cert_origin_ca");
  const browserNote =
    mode === "off" && originCa
      ? "; note that browsers do not trust the Cloudflare Origin CA certificate this origin serves, so with the proxy off HTTPS visitors would be refused"
      : "";
  return {
    verdict: "not_tested",
    edgeStatus: null,
    reason: `talks ${wants}; this run talked ${talked} to port ${request.port}${browserNote}`,
    howToTest: testCommand(mode, evidence),
  };
}

function testCommand(mode: SslMode, evidence: SslModeEvidence): string {
  const { request, address } = evidence;
  const origin = address ?? request.origin;
  return shellJoin([
    "diag520",
    request.hostname,
    ...(origin === null ? [] : ["--origin", origin]),
    "--ssl-mode",
    mode,
    ...(request.path === "/" ? [] : ["--path", request.path]),
  ]);
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/**
 * The verdict under Off says what visitors meet, not what the CDN answers: with the proxy off
 * there is no CDN in the path to answer anything.
 */
export function verdictUnderMode(verdict: Verdict, findings: readonly Finding[], mode: SslMode): Verdict {
  if (mode !== "off" || verdict.decidingFinding === null) return verdict;
  const deciding = findings[verdict.decidingFinding.index];
  if (deciding === undefined) return verdict;
  return {
    ...verdict,
    edgeStatus: null,
    summary: `with the proxy off (SSL mode Off), visitors connect to the origin directly and would meet this themselves: ${lowerFirst(deciding.title)}`,
  };
}
