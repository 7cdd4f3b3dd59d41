/**
 * The finding catalogue: the public contract that CI scripts match on.
 * A code, once released, is never renamed (DESIGN.md, "Findings — the public contract").
 * `edgeStatus` is what the CDN would most likely answer when the finding is an error;
 * warnings and info never predict an edge status.
 */
export type PhaseName = "dns" | "tcp" | "tls" | "http";
export type Severity = "error" | "warning" | "info";
export type EdgeStatus = 520 | 521 | 522 | 523 | 524 | 525 | 526 | 530;

interface CatalogueEntry {
  readonly phase: PhaseName;
  readonly title: string;
  readonly edgeStatus: EdgeStatus | null;
}

export const FINDING_CATALOGUE = {
  "dns.unresolvable": { phase: "dns", title: "The hostname does not resolve", edgeStatus: null },
  "dns.not_proxied": { phase: "dns", title: "The hostname does not point at the CDN", edgeStatus: null },
  "dns.proxied": { phase: "dns", title: "The hostname points at the CDN", edgeStatus: null },
  "origin.unresolvable": { phase: "dns", title: "The origin name does not resolve", edgeStatus: 530 },
  "origin.is_cdn_address": { phase: "dns", title: "The origin address belongs to the CDN itself", edgeStatus: 520 },
  "origin.from_hostname": {
    phase: "dns",
    title: "No --origin given: diagnosing the hostname's own address",
    edgeStatus: null,
  },
  "tcp.refused": { phase: "tcp", title: "The origin refused the connection", edgeStatus: 521 },
  "tcp.timeout": { phase: "tcp", title: "The connection to the origin timed out", edgeStatus: 522 },
  "tcp.unreachable": { phase: "tcp", title: "The origin is unreachable", edgeStatus: 523 },
  "tls.handshake_failed": { phase: "tls", title: "The TLS handshake failed", edgeStatus: 525 },
  "tls.not_tls": { phase: "tls", title: "The port answered in plain text, not TLS", edgeStatus: 525 },
  "tls.legacy_protocol": { phase: "tls", title: "The origin negotiated an outdated TLS version", edgeStatus: null },
  "tls.client_certificate_required": {
    phase: "tls",
    title: "The origin demands a client certificate",
    edgeStatus: 520,
  },
  "tls.cert_expired": { phase: "tls", title: "The origin certificate has expired", edgeStatus: 526 },
  "tls.cert_not_yet_valid": { phase: "tls", title: "The origin certificate is not valid yet", edgeStatus: 526 },
  "tls.cert_hostname_mismatch": {
    phase: "tls",
    title: "The origin certificate does not name the hostname",
    edgeStatus: 526,
  },
  "tls.cert_untrusted": { phase: "tls", title: "The origin certificate is not from a trusted CA", edgeStatus: 526 },
  "http.empty_reply": {
    phase: "http",
    title: "The origin closed the connection without sending a response",
    edgeStatus: 520,
  },
  "http.connection_reset": {
    phase: "http",
    title: "The origin reset the connection before a complete response",
    edgeStatus: 520,
  },
  "http.headers_too_large": { phase: "http", title: "The response header block is too large", edgeStatus: 520 },
  "http.too_many_headers": { phase: "http", title: "The response has too many header fields", edgeStatus: 520 },
  "http.missing_headers": { phase: "http", title: "The response has no header fields", edgeStatus: 520 },
  "http.incomplete_head": {
    phase: "http",
    title: "The origin closed the connection in the middle of the response header",
    edgeStatus: 520,
  },
  "http.invalid_status_line": { phase: "http", title: "The status line does not parse", edgeStatus: 520 },
  "http.invalid_header": { phase: "http", title: "A header field line is malformed", edgeStatus: 520 },
  "http.conflicting_framing": { phase: "http", title: "The response framing is ambiguous", edgeStatus: 520 },
  "http.truncated_body": { phase: "http", title: "The body ended before its declared length", edgeStatus: 520 },
  "http.response_timeout": {
    phase: "http",
    title: "No complete response header within the read timeout",
    edgeStatus: 524,
  },
  "http.body_timeout": { phase: "http", title: "The body did not finish within the read timeout", edgeStatus: null },
  "http.body_read_capped": { phase: "http", title: "The body is larger than diag520 reads", edgeStatus: null },
  "http.origin_error": { phase: "http", title: "The origin itself answered with a 5xx status", edgeStatus: null },
} as const satisfies Record<string, CatalogueEntry>;

export type FindingCode = keyof typeof FINDING_CATALOGUE;

export const FINDING_CODES = Object.keys(FINDING_CATALOGUE) as FindingCode[];

/** Evidence values are plain JSON so that the report is one self-contained document. */
export type EvidenceValue = string | number | boolean | null | string[] | number[];
export type Evidence = Readonly<Record<string, EvidenceValue>>;

export interface Finding {
  readonly code: FindingCode;
  readonly severity: Severity;
  readonly phase: PhaseName;
  readonly title: string;
  readonly detail: string;
  readonly evidence: Evidence;
  readonly edgeStatus: EdgeStatus | null;
}

/** Builds a finding from its catalogue row, so phase, title and edge status never drift. */
export function finding(code: FindingCode, severity: Severity, detail: string, evidence: Evidence = {}): Finding {
  const entry: CatalogueEntry = FINDING_CATALOGUE[code];
  return {
    code,
    severity,
    phase: entry.phase,
    title: entry.title,
    detail,
    evidence,
    edgeStatus: severity === "error" ? entry.edgeStatus : null,
  };
}
