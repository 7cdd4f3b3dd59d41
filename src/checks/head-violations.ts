/**
 * The words for what the head parser found wrong (http/head-parser.ts returns typed violations).
 * Details name what other proxies do with the same fault (nginx, HAProxy, Envoy), from their
 * documentation and behaviour; severity follows Cloudflare, whose parser is Pingora with httparse.
 */
import { type Finding, finding, type Origin } from "../findings/catalogue.js";
import type { FieldLineProblem, HeadViolation, LineRef, StatusLineProblem } from "../http/head-parser.js";
import { PROTOCOL_NAMES, type RecognisedProtocol } from "../http/recognise-protocol.js";

const STATUS_LINE_PROBLEMS: Readonly<Record<StatusLineProblem, string>> = {
  version_not_http_1x: "the version is not HTTP/1.0 or HTTP/1.1",
  status_code_not_three_digits: "the status code is not exactly three digits after one space",
  control_byte_in_reason: "the reason phrase contains a control byte",
  status_code_below_100: "the status code is below 100",
  malformed: "the status line does not match HTTP-version SP 3DIGIT [SP reason-phrase]",
};

function fieldLineExplanation(problem: FieldLineProblem, line: LineRef): string {
  switch (problem) {
    case "no_colon":
      return "the field line has no colon between name and value";
    case "empty_name":
      return "the field name is empty";
    case "invalid_name":
      return `the field name contains ${describeByte(line.byte ?? "")}, which is not a token character (RFC 9110 §5.6.2)`;
    case "nul":
      return "the line contains a NUL byte";
    case "bare_cr":
      return "the line contains a CR that is not followed by LF";
    case "control_byte":
      return `the line contains the control byte 0x${hex(line.byte ?? "")}`;
    case "leading_whitespace":
      return "a line starts with whitespace but there is no field for it to continue";
    case "obs_fold":
      return "A header field is continued on a line that starts with whitespace (obs-fold, deprecated by RFC 9112 §5.2)";
    case "whitespace_before_colon":
      return "A header field has whitespace between its name and the colon (forbidden by RFC 9112 §5.1)";
  }
}

/** The finding for each violation, in the order the parser met them. */
export function headViolationFindings(violations: readonly HeadViolation[], at: Origin): Finding[] {
  return violations.map((violation) => violationFinding(violation, at));
}

function violationFinding(violation: HeadViolation, at: Origin): Finding {
  switch (violation.kind) {
    case "no_status_line":
      if (violation.protocol !== null) return notHttp(violation.protocol, violation, at);
      return finding(
        "http.missing_headers",
        "error",
        at,
        "The origin answered without a status line or header fields (an HTTP/0.9-style reply): the " +
          "bytes do not start with 'HTTP/'. The CDN rejects this as an unknown response and answers 520; " +
          "HAProxy and Envoy answer 502, while nginx accepts it as HTTP/0.9 with status 200. Check what " +
          "is listening on the origin port: often a non-HTTP service or a misconfigured proxy.",
        { problem: "no_status_line", bytesReceived: violation.bytes, received: violation.firstBytes, headBytes: null },
      );
    case "status_out_of_range":
      return finding(
        "http.status_out_of_range",
        "warning",
        at,
        `The origin answered with status ${violation.statusCode}, outside the range HTTP defines (100–599). The CDN's ` +
          "parser passes codes up to 999 on, but RFC 9110 §15 gives such a code no class: browsers and most clients " +
          "treat it as a server error (5xx), and some proxies reject it. Answer with a standard status code.",
        { statusCode: violation.statusCode, statusLine: violation.statusLine },
      );
    case "invalid_status_line": {
      const problem = STATUS_LINE_PROBLEMS[violation.problem];
      const byte = violation.line.byte === null ? "" : ` (0x${hex(violation.line.byte)})`;
      return finding(
        "http.invalid_status_line",
        "error",
        at,
        `The status line does not parse: ${problem}${byte}. The CDN's parser (httparse, in Pingora) accepts only ` +
          "'HTTP/1.0' or 'HTTP/1.1', one space, a three-digit code and an optional reason, so it answers 520; " +
          "nginx, HAProxy and Envoy answer 502.",
        {
          statusLine: violation.line.excerpt,
          problem: violation.problem,
          lineNumber: violation.line.number,
          offset: violation.line.offset,
        },
      );
    }
    case "no_fields":
      return finding(
        "http.missing_headers",
        "error",
        at,
        "The status line is followed directly by the empty line: the response has no header fields at all " +
          "(no Content-Type, no Content-Length, no Date). Cloudflare lists missing response headers among the " +
          "causes of 520. The usual cause is a hand-written response in the application or a broken proxy in front of it.",
        {
          problem: "no_fields",
          bytesReceived: violation.headBytes,
          received: violation.rawHead,
          headBytes: violation.headBytes,
        },
      );
    case "too_many_fields":
      return finding(
        "http.too_many_headers",
        "error",
        at,
        `The response has ${violation.count} header fields; the CDN's proxy (Pingora) parses at most ${violation.limit} ` +
          "and rejects the response beyond that, so the CDN answers 520. Usually a loop that appends a header " +
          "(Set-Cookie, Link) on every pass.",
        { fieldCount: violation.count, limit: violation.limit, source: "Pingora MAX_HEADERS" },
      );
    case "field_line":
      return fieldLineFinding(violation, at);
    case "content_length":
      return contentLengthFinding(violation, at);
  }
}

/** What the edge makes of a reply in another protocol, and what it usually means. */
const NOT_HTTP_MEANING: Readonly<Record<RecognisedProtocol, string>> = {
  tls: "The port speaks TLS, but the request was plain HTTP: the CDN talks plain HTTP to the origin only in SSL mode Flexible (port 80), so either the mode should be Full or Full (strict), or the port is the wrong one.",
  http2:
    'The server on this port speaks only HTTP/2 without TLS (h2c, "prior knowledge"): the CDN talks HTTP/1.1 to a cleartext origin, so put an HTTP/1.1 listener in front or use TLS, where HTTP/2 is negotiated.',
  smtp: "A mail server answers on the web port: the CDN's DNS record or port points at the wrong service.",
  ftp: "An FTP server answers on the web port: the CDN's DNS record or port points at the wrong service.",
  ssh: "An SSH server answers on the web port: the CDN's DNS record or port points at the wrong service.",
  pop3: "A mail server answers on the web port: the CDN's DNS record or port points at the wrong service.",
  imap: "A mail server answers on the web port: the CDN's DNS record or port points at the wrong service.",
  redis:
    "A Redis server answers on the web port: the port points at the wrong service (and Redis should not face the internet).",
  memcached:
    "A memcached server answers on the web port: the port points at the wrong service (and memcached should not face the internet).",
  mysql: "A MySQL server answers on the web port: the port points at the wrong service.",
};

function notHttp(
  protocol: RecognisedProtocol,
  violation: Extract<HeadViolation, { kind: "no_status_line" }>,
  at: Origin,
): Finding {
  return finding(
    "http.not_http",
    "error",
    at,
    `The reply is ${PROTOCOL_NAMES[protocol]}, not an HTTP response: its first bytes are not 'HTTP/'. The CDN's ` +
      `parser fails at the first byte and answers 520 (curl exits with 1 or 8). ${NOT_HTTP_MEANING[protocol]}`,
    { protocol, bytesReceived: violation.bytes, received: violation.firstBytes },
  );
}

function fieldLineFinding(violation: Extract<HeadViolation, { kind: "field_line" }>, at: Origin): Finding {
  const { first } = violation;
  const evidence = {
    problem: violation.problem,
    line: first.excerpt,
    lineBytes: first.bytes,
    lineNumber: first.number,
    offset: first.offset,
    column: first.column,
    byte: first.byte,
    lines: violation.lines,
    lineNumbers: violation.lineNumbers,
    contentLength: [],
    invalidValues: [],
  };
  const explanation = fieldLineExplanation(violation.problem, first);
  if (!violation.tolerated) {
    return finding(
      "http.invalid_header",
      "error",
      at,
      `A header field line does not parse: ${explanation}. The CDN's parser (httparse, in Pingora) rejects the ` +
        "whole response, so the CDN answers 520; nginx ('upstream sent invalid header'), HAProxy and Envoy answer 502.",
      evidence,
    );
  }
  const others =
    violation.problem === "obs_fold"
      ? "nginx rejects the response with 502 ('upstream sent invalid header'; HAProxy unfolds it and passes it on)"
      : "nginx and HAProxy reject the response with 502";
  return finding(
    "http.invalid_header",
    "warning",
    at,
    `${explanation}. The CDN's parser tolerates this in responses (Pingora enables it in httparse), but ${others}.`,
    evidence,
  );
}

function contentLengthFinding(violation: Extract<HeadViolation, { kind: "content_length" }>, at: Origin): Finding {
  const framing = {
    contentLength: violation.values,
    fields: violation.fields,
    transferEncoding: violation.transferEncoding,
    distinctValues: violation.distinctValues,
  };
  switch (violation.problem) {
    case "with_transfer_encoding":
      return finding(
        "http.conflicting_framing",
        "warning",
        at,
        "The response has both Content-Length and Transfer-Encoding. The CDN lets Transfer-Encoding win and " +
          "ignores Content-Length (RFC 9112 §6.3; Pingora drops it), so this request works, but it is the shape " +
          "of response splitting: a proxy that frames by Content-Length reads a different body. Send one or the other.",
        { problem: "transfer_encoding_and_content_length", ...framing },
      );
    case "invalid":
      return finding(
        "http.invalid_header",
        "error",
        at,
        "Content-Length is not a non-negative decimal number. The CDN cannot tell where the body ends and " +
          "rejects the response (Pingora: InvalidHTTPHeader), so it answers 520; nginx answers 502.",
        {
          problem: "invalid_content_length",
          line: null,
          lineBytes: null,
          lineNumber: null,
          offset: null,
          column: null,
          byte: null,
          lines: violation.fields,
          lineNumbers: [],
          contentLength: violation.values,
          invalidValues: violation.invalidValues,
        },
      );
    case "different_values":
      return finding(
        "http.conflicting_framing",
        "error",
        at,
        `The response declares different Content-Length values (${listSome(violation.distinctValues)}). ` +
          "RFC 9110 §8.6 makes this an unrecoverable framing error: the CDN rejects it and answers 520, " +
          "as do nginx, HAProxy and Envoy (502).",
        { problem: "different_content_lengths", ...framing },
      );
    case "repeated":
      return finding(
        "http.conflicting_framing",
        "warning",
        at,
        `Content-Length is repeated with the same value (${listSome(violation.values)}). RFC 9110 §8.6 lets a recipient ` +
          "accept identical values as one, and current Pingora collapses them (common.rs " +
          "`content_length_parse_all`, after hyper), but stricter proxies reject any duplicate: send it once.",
        { problem: "repeated_content_length", ...framing },
      );
  }
}

/** A list for a sentence: a few values, then how many more (a head can repeat a field 60,000 times). */
function listSome(values: readonly string[]): string {
  const shown = values.slice(0, 8).join(", ");
  return values.length > 8 ? `${shown}, … ${values.length - 8} more` : shown;
}

function hex(char: string): string {
  return char.charCodeAt(0).toString(16).padStart(2, "0");
}

function describeByte(char: string): string {
  const code = char.charCodeAt(0);
  return code >= 0x21 && code < 0x7f ? `'${char}'` : `the byte 0x${hex(char)}`;
}
