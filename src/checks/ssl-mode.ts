/**
 * The findings as the chosen SSL mode judges them. Checks write every finding as Full (strict)
 * sees it (the mode that checks the most); here, under Full, what only Full (strict) checks —
 * the certificate — becomes context (info): the edge accepts any certificate in Full (cloudflare-docs
 * `ssl/origin-configuration/ssl-modes/full`). Off and Flexible do not use TLS towards the origin,
 * so no certificate finding reaches them; under Off no CDN answers, so no finding predicts a CDN
 * status. Pure.
 */
import { FINDING_CATALOGUE, type Finding, type FindingCode } from "../findings/catalogue.js";
import type { SslMode } from "../options.js";

/** What Full (strict) checks and Full does not: the certificate, its chain and its dates. */
export const STRICT_ONLY_CODES: ReadonlySet<FindingCode> = new Set<FindingCode>([
  "tls.cert_expired",
  "tls.cert_not_yet_valid",
  "tls.cert_hostname_mismatch",
  "tls.cert_untrusted",
  "tls.chain_incomplete",
  "tls.cert_expiring",
  "tls.cert_origin_ca",
]);

export function isStrictOnly(code: FindingCode): boolean {
  return STRICT_ONLY_CODES.has(code);
}

export function applySslMode(findings: readonly Finding[], mode: SslMode): Finding[] {
  // Off: no CDN in the path, so no CDN status to predict; a failure is the visitors' own.
  if (mode === "off") {
    return findings.map((f) =>
      f.edgeStatus === null
        ? f
        : {
            ...f,
            edgeStatus: null,
            detail: `${f.detail} With the proxy off (--ssl-mode off) there is no CDN in the path: visitors' browsers meet this themselves.`,
          },
    );
  }
  if (mode !== "full") return [...findings];
  return findings.map((f) =>
    isStrictOnly(f.code) && f.severity !== "info"
      ? {
          ...f,
          severity: "info",
          edgeStatus: null,
          detail: `${f.detail} Judged under SSL mode Full (--ssl-mode full): the edge does not check the certificate in Full, so this is context, not a failure; it matters the day the zone moves to Full (strict)${FINDING_CATALOGUE[f.code].edgeStatus === 526 && f.severity === "error" ? " (526)" : ""}, and to browsers if the proxy is turned off.`,
        }
      : f,
  );
}
