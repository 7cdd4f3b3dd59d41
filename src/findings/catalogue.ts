/**
 * The finding catalogue: the public contract that CI scripts match on.
 * A code, once released, is never renamed (DESIGN.md, "Findings — the public contract").
 * `edgeStatus` is what the CDN would most likely answer when the finding is an error;
 * warnings and info never predict an edge status. Each code declares its evidence keys
 * (findings/evidence.ts): the checks must fill exactly those in, and the JSON Schema types them.
 */
import type { LegName } from "../legs/leg-name.js";
import type { Evidence, EvidenceOf, EvidenceShape } from "./evidence.js";

/** Where a fact was observed: the resolution step, a phase of a leg, or a comparison of legs. */
export type PhaseName = "dns" | "tcp" | "tls" | "http" | "http2";
export type Severity = "error" | "warning" | "info";
export type EdgeStatus = 520 | 521 | 522 | 523 | 524 | 525 | 526 | 530;

interface CatalogueEntry {
  readonly title: string;
  readonly edgeStatus: EdgeStatus | null;
  readonly evidence: EvidenceShape;
}

const DNS_FAILURE = { name: "string", outcome: "string", errorCode: "string", systemLookupTried: "boolean" } as const;
const CONNECT_FAILURE = {
  address: "string",
  port: "number",
  errorCode: "string?",
  elapsedMs: "number",
  timeoutMs: "number",
  /** Which deadline fired: "phase" (per-phase) or "run" (whole run); null when none did. */
  deadline: "string?",
} as const;
const CERTIFICATE_DATES = { certificates: "string[]", now: "string" } as const;
/** The HTTP/2 frames both ways, one line each ("received RST_STREAM stream=1 INTERNAL_ERROR"): they say who reset what. */
const H2_FRAMES = { frames: "wire[]" } as const;
/** What the second attempt on a fresh connection, as the edge makes it, came to. */
const H2_RETRY = { retried: "boolean", retryEnd: "string?", retryErrorCode: "string?" } as const;
const HEAD_CUT = {
  bytesReceived: "number",
  elapsedMs: "number",
  received: "wire",
  headBytes: "number",
  fieldCount: "number",
} as const;

/** What the edge answered (http/edge-answer.ts), as every edge.* finding carries it: the Ray ID first. */
const EDGE_ANSWER = {
  status: "number?",
  rayId: "string?",
  colo: "string?",
  cfRay: "string?",
  cacheStatus: "string?",
  retryAfter: "string?",
  originTimingMs: "number?",
  /** "cloudflare", "origin" or "unknown" */
  generatedBy: "string",
  errorFormat: "string?",
  errorCode: "number?",
  errorName: "string?",
  edgeAddress: "string",
  cacheBusted: "boolean",
} as const;

export const FINDING_CATALOGUE = {
  "dns.unresolvable": { title: "The hostname does not resolve", edgeStatus: null, evidence: DNS_FAILURE },
  "dns.not_proxied": {
    title: "The hostname does not point at the CDN",
    edgeStatus: null,
    evidence: {
      addresses: "string[]",
      cnames: "string[]",
      cdnAddresses: "string[]",
      source: "string",
      rangesPublished: "string",
    },
  },
  "dns.proxied": {
    title: "The hostname points at the CDN",
    edgeStatus: null,
    evidence: {
      addresses: "string[]",
      cnames: "string[]",
      cdnRanges: "string[]",
      source: "string",
      rangesPublished: "string",
    },
  },
  "origin.unresolvable": { title: "The origin name does not resolve", edgeStatus: 530, evidence: DNS_FAILURE },
  "origin.is_cdn_address": {
    title: "The origin address belongs to the CDN itself",
    edgeStatus: 520,
    evidence: { name: "string", cdnAddresses: "string[]", cdnRanges: "string[]", rangesPublished: "string" },
  },
  "origin.from_hostname": {
    title: "No --origin given: diagnosing the hostname's own address",
    edgeStatus: null,
    evidence: { address: "string", addresses: "string[]", source: "string" },
  },
  "tcp.refused": { title: "The origin refused the connection", edgeStatus: 521, evidence: CONNECT_FAILURE },
  "tcp.timeout": { title: "The connection to the origin timed out", edgeStatus: 522, evidence: CONNECT_FAILURE },
  "tcp.unreachable": { title: "The origin is unreachable", edgeStatus: 523, evidence: CONNECT_FAILURE },
  "tls.handshake_failed": {
    title: "The TLS handshake failed",
    edgeStatus: 525,
    evidence: {
      servername: "string?",
      errorCode: "string?",
      reason: "string?",
      alert: "string?",
      timedOut: "boolean",
      elapsedMs: "number",
      timeoutMs: "number?",
      deadline: "string?",
      bytesWritten: "number",
      bytesRead: "number",
    },
  },
  "tls.not_tls": {
    title: "The port answered in plain text, not TLS",
    edgeStatus: 525,
    evidence: {
      servername: "string?",
      errorCode: "string?",
      reason: "string?",
      elapsedMs: "number",
      bytesWritten: "number",
      bytesRead: "number",
    },
  },
  "tls.legacy_protocol": {
    title: "The origin negotiated an outdated TLS version",
    edgeStatus: null,
    evidence: { protocol: "string", cipher: "string" },
  },
  "tls.client_certificate_required": {
    title: "The origin demands a client certificate",
    edgeStatus: 520,
    evidence: { errorCode: "string?", during: "string" },
  },
  "tls.cert_expired": {
    title: "The origin certificate has expired",
    edgeStatus: 526,
    evidence: { ...CERTIFICATE_DATES, validTo: "string[]" },
  },
  "tls.cert_not_yet_valid": {
    title: "The origin certificate is not valid yet",
    edgeStatus: 526,
    evidence: { ...CERTIFICATE_DATES, validFrom: "string[]" },
  },
  "tls.cert_hostname_mismatch": {
    title: "The origin certificate does not name the hostname",
    edgeStatus: 526,
    evidence: {
      hostname: "string",
      commonName: "string?",
      subjectAltNames: "string[]",
      /** ip_san_only, wildcard_not_covering, other_names, no_names */
      mismatch: "string",
      /** Its wildcards for the hostname's zone, which do not cover the hostname. */
      wildcards: "string[]",
      /** A handshake without SNI got the same certificate (the origin's default); null when not tried or it failed. */
      sameWithoutSni: "boolean?",
    },
  },
  "tls.cert_untrusted": {
    title: "The origin certificate is not from a trusted CA",
    edgeStatus: 526,
    evidence: {
      /** self_signed, untrusted_root, unknown_issuer, issuer_not_ca, origin_ca_not_verified, verify_error, no_certificate, unparsable */
      reason: "string",
      subject: "string?",
      issuer: "string?",
      verifyError: "string?",
      error: "string?",
    },
  },
  "tls.chain_incomplete": {
    title: "The origin does not send its intermediate certificate",
    edgeStatus: 526,
    evidence: {
      /** Where the chain stops: the certificate whose issuer is missing. */
      subject: "string",
      missingIssuer: "string",
      caIssuersUrl: "string",
      certificatesSent: "number",
    },
  },
  "tls.cert_expiring": {
    title: "The origin certificate expires soon",
    edgeStatus: null,
    evidence: {
      certificates: "string[]",
      validTo: "string[]",
      daysLeft: "number[]",
      warnDays: "number",
      now: "string",
    },
  },
  "tls.cert_origin_ca": {
    title: "The origin certificate is from Cloudflare Origin CA: trusted by the edge, not by browsers",
    edgeStatus: null,
    evidence: { issuer: "string", keyIdentifier: "string", verified: "boolean" },
  },
  "http.empty_reply": {
    title: "The origin closed the connection without sending a response",
    edgeStatus: 520,
    evidence: { bytesReceived: "number", elapsedMs: "number" },
  },
  "http.connection_reset": {
    title: "The origin reset the connection before a complete response",
    edgeStatus: 520,
    evidence: {
      errorCode: "string?",
      /** "connect" (reset as the TCP handshake completed), "write" or "read". */
      during: "string",
      elapsedMs: "number",
      bytesReceived: "number",
      headComplete: "boolean",
      receivedBodyBytes: "number",
      expectedBodyBytes: "number?",
    },
  },
  "http.headers_too_large": {
    title: "The response header block is over the size limit checked",
    edgeStatus: 520,
    evidence: {
      headerBytes: "number",
      headerBytesIsLowerBound: "boolean",
      measured: "string",
      maxHeaderSize: "number",
      limitsCrossed: "string[]",
      largestField: "wire?",
      largestFieldBytes: "number?",
      fieldCount: "number",
      interimResponses: "number",
    },
  },
  "http.too_many_headers": {
    title: "The response has too many header fields",
    edgeStatus: 520,
    evidence: { fieldCount: "number", limit: "number", source: "string" },
  },
  "http.missing_headers": {
    title: "The response has no header fields",
    edgeStatus: 520,
    evidence: {
      /** "no_status_line", "status_line_only" (then the close), or "no_fields" (an empty header block). */
      problem: "string",
      bytesReceived: "number",
      received: "wire",
      headBytes: "number?",
    },
  },
  "http.not_http": {
    title: "Something other than HTTP answered on the origin's port",
    edgeStatus: 520,
    evidence: {
      /** tls, http2, smtp, ftp, ssh, pop3, imap, redis, memcached, mysql */
      protocol: "string",
      bytesReceived: "number",
      received: "wire",
    },
  },
  "http.incomplete_head": {
    title: "The origin closed the connection in the middle of the response header",
    edgeStatus: 520,
    evidence: HEAD_CUT,
  },
  "http.invalid_status_line": {
    title: "The status line does not parse",
    edgeStatus: 520,
    evidence: { statusLine: "wire", problem: "string", lineNumber: "number", offset: "number" },
  },
  "http.status_out_of_range": {
    title: "The status code is outside 100–599",
    edgeStatus: null,
    evidence: { statusCode: "number", statusLine: "wire" },
  },
  "http.invalid_header": {
    title: "A header field line is malformed",
    edgeStatus: 520,
    evidence: {
      problem: "string",
      line: "wire?",
      lineBytes: "number?",
      lineNumber: "number?",
      offset: "number?",
      column: "number?",
      byte: "wire?",
      /** Lines with this problem (for errors: with any error); the first is the one shown. */
      lines: "number",
      lineNumbers: "number[]",
      contentLength: "wire[]",
      invalidValues: "wire[]",
    },
  },
  "http.conflicting_framing": {
    title: "The response framing is ambiguous",
    edgeStatus: 520,
    evidence: {
      /** "transfer_encoding_and_content_length", "different_content_lengths", "repeated_content_length" */
      problem: "string",
      contentLength: "wire[]",
      fields: "number",
      transferEncoding: "wire[]",
      distinctValues: "string[]",
    },
  },
  "http.truncated_body": {
    title: "The body ended before its declared length",
    edgeStatus: 520,
    evidence: {
      framing: "string?",
      bytesReceived: "number",
      elapsedMs: "number?",
      receivedBodyBytes: "number",
      expectedBodyBytes: "number?",
      expected: "string",
      /** For malformed chunked framing: what is wrong, the bytes, and where in the body. */
      problem: "string?",
      bytes: "wire?",
      bodyOffset: "number?",
    },
  },
  "http.response_timeout": {
    title: "No complete response header within the deadline",
    edgeStatus: 524,
    evidence: {
      bytesReceived: "number",
      elapsedMs: "number",
      timeoutMs: "number",
      deadline: "string?",
      received: "wire",
    },
  },
  "http.body_timeout": {
    title: "The body did not finish within the read timeout",
    edgeStatus: null,
    evidence: {
      bytesReceived: "number",
      elapsedMs: "number",
      timeoutMs: "number",
      deadline: "string?",
      framing: "string?",
      receivedBodyBytes: "number",
      expectedBodyBytes: "number?",
    },
  },
  "http.body_read_capped": {
    title: "The body is larger than diag520 reads",
    edgeStatus: null,
    evidence: {
      maxBodyBytes: "number",
      receivedBodyBytes: "number",
      framing: "string?",
      contentLength: "number?",
    },
  },
  "http.origin_error": {
    title: "The origin itself answered with a 5xx status",
    edgeStatus: null,
    evidence: { statusCode: "number", statusLine: "wire" },
  },
  // Across legs (checks/compare-edge.ts): the visitor's request through the edge, and how it compares.
  "edge.answered": { title: "The edge answered", edgeStatus: null, evidence: EDGE_ANSWER },
  "edge.error": {
    title: "The edge answered with an error of its own",
    edgeStatus: 520,
    evidence: { ...EDGE_ANSWER, structuredForm: "boolean" },
  },
  "edge.origin_error_passed": {
    title: "The edge passed the origin's own 5xx through",
    edgeStatus: null,
    evidence: EDGE_ANSWER,
  },
  "edge.error_1xxx": {
    title: "The edge answered a 1xxx error",
    edgeStatus: 530,
    evidence: { ...EDGE_ANSWER, structuredForm: "boolean" },
  },
  "edge.challenged": {
    title: "The edge challenged the request instead of forwarding it",
    edgeStatus: null,
    evidence: { ...EDGE_ANSWER, mitigated: "string" },
  },
  "edge.not_cloudflare": {
    title: "The answer through the hostname did not come from Cloudflare",
    edgeStatus: null,
    evidence: { ...EDGE_ANSWER, server: "string?" },
  },
  "edge.cached": {
    title: "The edge answered from its cache: the origin was not exercised",
    edgeStatus: null,
    evidence: EDGE_ANSWER,
  },
  "edge.unreachable": {
    title: "The edge could not be asked",
    edgeStatus: null,
    evidence: { address: "string", port: "number", phase: "string", errorCode: "string?", reason: "string" },
  },
  "edge.confirmed": {
    title: "The edge meets the same fault as the origin leg",
    edgeStatus: null,
    evidence: { ...EDGE_ANSWER, originCode: "string", originEdgeStatus: "number?" },
  },
  "edge.only_at_edge": {
    title: "The edge fails while the origin answers diag520",
    edgeStatus: 520,
    evidence: { ...EDGE_ANSWER, originStatus: "number?", originAddress: "string?", toCheck: "string[]" },
  },
  "edge.tolerated": {
    title: "Today's edge tolerates what the origin leg flagged",
    edgeStatus: null,
    evidence: { ...EDGE_ANSWER, originCodes: "string[]", headerBytes: "number?", edgeLimit: "number?" },
  },
  "edge.other_origin": {
    title: "The edge answers while the origin leg fails",
    edgeStatus: null,
    evidence: { ...EDGE_ANSWER, originCodes: "string[]", originAddress: "string?" },
  },
  "edge.alone": {
    title: "Only the edge was asked: no origin leg to compare with",
    edgeStatus: null,
    evidence: { reason: "string" },
  },
  "http.strict_client": {
    title: "What a strict HTTP client does with the origin's response",
    edgeStatus: null,
    evidence: {
      client: "string",
      /** "rejected" or "accepted" */
      outcome: "string",
      errorCode: "string?",
      errorMessage: "string?",
      statusCode: "number?",
      replayedBytes: "number",
      originCodes: "string[]",
    },
  },
  // Across the samples of a series (checks/series.ts): patterns, never a status of their own.
  "series.intermittent": {
    title: "The origin fails some requests and answers others",
    edgeStatus: null,
    evidence: {
      samples: "number",
      errors: "number",
      rate: "number",
      errorStreaks: "number",
      longestStreak: "number",
      firstErrorSample: "number",
      lastErrorSample: "number",
      codes: "string[]",
      edgeStatuses: "number[]",
      /** "periodic", "bursty" or "scattered" */
      pattern: "string",
    },
  },
  "series.bursty": {
    title: "The failures come in bursts",
    edgeStatus: null,
    evidence: {
      samples: "number",
      errors: "number",
      errorStreaks: "number",
      longestStreak: "number",
      expectedStreaks: "number",
    },
  },
  "series.periodic": {
    title: "One request in every few fails, at a regular spacing",
    edgeStatus: null,
    evidence: { samples: "number", errors: "number", every: "number", firstErrorSample: "number", addresses: "number" },
  },
  "series.degrading": {
    title: "The origin gets worse over the series",
    edgeStatus: null,
    evidence: {
      /** "latency" (answered samples slow down) or "error_rate" (failures grow) */
      measure: "string",
      samples: "number",
      earlyMs: "number?",
      lateMs: "number?",
      rankCorrelation: "number?",
      earlyErrorRate: "number",
      lateErrorRate: "number",
    },
  },
  "series.slow_before_failing": {
    title: "The origin slows down before it fails",
    edgeStatus: null,
    evidence: {
      errorStreaks: "number",
      beforeFailureSamples: "number",
      beforeFailureP50Ms: "number",
      answeredP50Ms: "number",
      ratio: "number",
    },
  },
  "series.address_fails": {
    title: "One of the origin's addresses fails while the others answer",
    edgeStatus: null,
    evidence: {
      addresses: "string[]",
      samples: "number",
      errors: "number",
      otherAddresses: "string[]",
      otherSamples: "number",
      otherErrors: "number",
      codes: "string[]",
    },
  },
  "http2.malformed_response": {
    title: "The HTTP/2 response header block is malformed",
    edgeStatus: 520,
    evidence: {
      /** "name: value" of each offending field, as decoded from HPACK. */
      fields: "wire[]",
      /** Why each is malformed (RFC 9113 §8.1.1): connection_specific_field, te_not_trailers, upper_case_name … */
      problems: "string[]",
      status: "number?",
      ...H2_FRAMES,
    },
  },
  "http2.stream_reset": {
    title: "The HTTP/2 stream was reset before a complete response",
    edgeStatus: 520,
    evidence: { errorCode: "string", resetBy: "string", status: "number?", ...H2_FRAMES },
  },
  "http2.goaway": {
    title: "The origin closed the HTTP/2 connection with an error (GOAWAY)",
    edgeStatus: 520,
    evidence: { errorCode: "string", lastStreamId: "number", debugData: "wire", ...H2_FRAMES },
  },
  "http2.connection_error": {
    title: "The HTTP/2 connection failed before a complete response",
    edgeStatus: 520,
    evidence: {
      /** "rejected" (the client's HTTP/2 stack ended the connection), "closed_before_response", "closed_mid_response". */
      problem: "string",
      errorCode: "string?",
      sessionErrorCode: "string?",
      sessionErrorMessage: "string?",
      socketErrorCode: "string?",
      status: "number?",
      ...H2_FRAMES,
    },
  },
  "http2.bad_settings": {
    title: "The origin's HTTP/2 SETTINGS break the protocol",
    edgeStatus: 520,
    evidence: { setting: "string?", value: "number?", allowed: "string", problem: "string", ...H2_FRAMES },
  },
  "http2.not_http2": {
    title: "The origin selected h2 in ALPN but does not speak HTTP/2",
    edgeStatus: 520,
    evidence: { expected: "string", firstBytes: "wire", looksLikeHttp1: "boolean", ...H2_FRAMES },
  },
  "http2.http11_required": {
    title: "The origin asks for HTTP/1.1 (RST_STREAM HTTP_1_1_REQUIRED)",
    edgeStatus: 520,
    evidence: { ...H2_FRAMES },
  },
  "http2.refused_stream": {
    title: "The origin refused the HTTP/2 stream (REFUSED_STREAM)",
    edgeStatus: 520,
    evidence: { ...H2_RETRY, ...H2_FRAMES },
  },
  "http2.goaway_before_response": {
    title: "The origin closed the HTTP/2 connection before answering (GOAWAY NO_ERROR)",
    edgeStatus: 520,
    evidence: { lastStreamId: "number", debugData: "wire", ...H2_RETRY, ...H2_FRAMES },
  },
  "http2.response_timeout": {
    title: "No complete HTTP/2 response within the read timeout",
    edgeStatus: 524,
    evidence: {
      elapsedMs: "number?",
      timeoutMs: "number",
      deadline: "string?",
      responseStarted: "boolean",
      ...H2_FRAMES,
    },
  },
  "http2.few_concurrent_streams": {
    title: "The origin allows few concurrent HTTP/2 streams",
    edgeStatus: null,
    evidence: { maxConcurrentStreams: "number", recommendedMinimum: "number" },
  },
} as const satisfies Record<string, CatalogueEntry>;

export type FindingCode = keyof typeof FINDING_CATALOGUE;

export const FINDING_CODES = Object.keys(FINDING_CATALOGUE) as FindingCode[];

export type EvidenceFor<C extends FindingCode> = EvidenceOf<(typeof FINDING_CATALOGUE)[C]["evidence"]>;

/** Where a finding's fact was observed: a leg and one of its phases, or (leg null) the resolution step. */
export interface Origin {
  readonly leg: LegName | null;
  readonly phase: PhaseName;
}

export interface Finding {
  readonly code: FindingCode;
  readonly severity: Severity;
  readonly leg: LegName | null;
  readonly phase: PhaseName;
  readonly title: string;
  readonly detail: string;
  readonly evidence: Evidence;
  readonly edgeStatus: EdgeStatus | null;
}

/** What a check may say beyond its catalogue row, never more than the row claims. */
export interface FindingOverrides {
  /** A headline with the measured figures in it (it must say what the row's title says). */
  readonly title?: string;
  /**
   * The error predicts no edge status: what was measured falls short of what the edge would
   * act on (a deadline shorter than the edge's, a limit under the edge's current one).
   */
  readonly noEdgeStatus?: boolean;
  /** The status the edge would answer in this very case, when it differs from the row's. */
  readonly edgeStatus?: EdgeStatus;
}

/** Builds a finding from its catalogue row, so that title and edge status never drift. */
export function finding<C extends FindingCode>(
  code: C,
  severity: Severity,
  where: Origin,
  detail: string,
  evidence: EvidenceFor<C>,
  overrides: FindingOverrides = {},
): Finding {
  const entry: CatalogueEntry = FINDING_CATALOGUE[code];
  return {
    code,
    severity,
    leg: where.leg,
    phase: where.phase,
    title: overrides.title ?? entry.title,
    detail,
    evidence: evidence as Evidence,
    edgeStatus:
      severity === "error" && overrides.noEdgeStatus !== true ? (overrides.edgeStatus ?? entry.edgeStatus) : null,
  };
}
