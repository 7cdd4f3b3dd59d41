/**
 * Findings about a leg's HTTP exchange: what the response reader recorded and how the exchange
 * ended, as the edge would take them (RFC 9112 framing, Pingora's limits). Pure: observation in,
 * findings out. Details name what other proxies do with the same fault (nginx, HAProxy, Envoy).
 */

import { EDGE_READ_TIMEOUT_MS } from "../cdn/edge-timeouts.js";
import { type Finding, finding, type Origin } from "../findings/catalogue.js";
import type { ExchangeEnd } from "../http/exchange.js";
import { noStatusLine, type ParsedHead } from "../http/head-parser.js";
import { CLOUDFLARE_CURRENT_HEADER_LIMIT, headerLimitsCrossed } from "../http/header-limits.js";
import type { ResponseRecord } from "../http/response-reader.js";
import type { LegObservation } from "../legs/observation.js";
import { formatCount } from "../text/format-count.js";
import { formatSeconds } from "../text/format-seconds.js";
import { roundMs } from "../text/round-ms.js";
import { headViolationFindings } from "./head-violations.js";

interface Limits {
  readonly maxHeaderSize: number;
  readonly maxBodyBytes: number;
}

const EXCERPT = 256;

export function checkHttp(leg: LegObservation): Finding[] {
  const http = leg.http;
  if (http.status !== "ran") return [];
  const { record, exchange } = http.outcome;
  // Ctrl-C in the middle of the exchange: what was seen so far is not a fact about the origin.
  if (exchange.end.stop?.kind === "cancelled") return [];
  return responseFindings(record, exchange.end, leg.spec, { leg: leg.spec.name, phase: "http" });
}

export function responseFindings(record: ResponseRecord, end: ExchangeEnd, limits: Limits, at: Origin): Finding[] {
  const findings: Finding[] = [];
  const head = record.head ?? record.partialHead;
  // A head cut in the middle of the interim ones (a read cap) repeats their faults: reported once.
  const repeating = record.head === null && head !== null ? [...record.interim, head] : record.interim;
  findings.push(...onceEach(repeating, at));
  if (record.head !== null) findings.push(...headViolationFindings(record.head.violations, at));
  if (record.noStatusLine) {
    // What was read of it (up to its first line): how many bytes came after does not depend on the origin alone.
    const received = record.rawHead?.toString("latin1") ?? record.firstBytes;
    findings.push(...headViolationFindings([noStatusLine(received, received.length)], at));
  }
  if (head !== null && head.headBytes > limits.maxHeaderSize) {
    findings.push(headersTooLarge(head, record.head === null, limits.maxHeaderSize, record.interimCount, at));
  } else if (record.stop === "head_cap") {
    // The cap was reached across many small heads (endless 1xx responses): never a healthy verdict.
    findings.push(interimHeadersTooLarge(record, limits.maxHeaderSize, at));
  }
  findings.push(...endFindings(record, end, at));
  if (record.stop === "body_cap") findings.push(bodyCapped(record, limits.maxBodyBytes, at));
  const status = record.head?.statusCode ?? null;
  if (status !== null && status >= 500 && status <= 599) findings.push(originError(record.head as ParsedHead, at));
  return findings;
}

/** Interim heads repeat: each kind of fault is reported once, from the first head that has it. */
function onceEach(heads: readonly ParsedHead[], at: Origin): Finding[] {
  const seen = new Set<string>();
  const findings: Finding[] = [];
  for (const item of heads.flatMap((head) => headViolationFindings(head.violations, at))) {
    const key = `${item.code}:${item.severity}`;
    if (seen.has(key)) continue;
    seen.add(key);
    findings.push(item);
  }
  return findings;
}

function endFindings(record: ResponseRecord, end: ExchangeEnd, at: Origin): Finding[] {
  const timing = { bytesReceived: record.bytesReceived, elapsedMs: roundMs(end.elapsedMs) };
  const headRead = record.head !== null || record.noStatusLine;
  if (record.chunkError !== null) return [brokenChunks(record, at)];
  // Not HTTP: that is the finding, however the connection then ended.
  if (record.noStatusLine) return [];
  switch (end.kind) {
    case "complete":
      return [];
    case "closed":
      if (record.bytesReceived === 0) return [emptyReply(timing, at)];
      if (!headRead) return [closedInHead(record, timing, at)];
      return record.bodyComplete ? [] : [truncatedBody(record, timing, at)];
    case "reset":
    case "error":
      if (record.bodyComplete) return [];
      if (end.errorCode !== null && CLIENT_CERTIFICATE_REQUIRED.test(end.errorCode))
        return [clientCertificateRequired(end, at)];
      return [connectionReset(record, end, timing, at)];
    case "stopped": {
      const stop = end.stop;
      if (stop === null || stop.kind !== "deadline") return [];
      if (!headRead) return [responseTimeout(record, timing, stop.ms, stop.deadline, at)];
      return record.bodyComplete ? [] : [bodyTimeout(record, timing, stop.ms, stop.deadline, at)];
    }
  }
}

type Timing = { readonly bytesReceived: number; readonly elapsedMs: number };

function emptyReply(timing: Timing, at: Origin): Finding {
  return finding(
    "http.empty_reply",
    "error",
    at,
    `The origin accepted the connection and the request, then closed it after ${timing.elapsedMs} ms ` +
      "without sending a single byte. The CDN answers 520; nginx logs 'upstream prematurely closed " +
      "connection' (502), HAProxy answers 502, Envoy 503, curl exits with 52. Typical causes: the " +
      "application crashed on this request, or a firewall or security module drops the CDN's requests.",
    timing,
  );
}

function closedInHead(record: ResponseRecord, timing: Timing, at: Origin): Finding {
  const partial = record.partialHead;
  const received = record.rawHead?.toString("latin1", 0, EXCERPT) ?? "";
  const consequence =
    "The CDN cannot read a response from it (Pingora: ConnectionClosed while reading response headers) " +
    "and answers 520; nginx, HAProxy and Envoy answer 502. The application most likely crashed while " +
    "writing its response.";
  if (partial !== null && statusLineEnded(record)) {
    return finding(
      "http.missing_headers",
      "error",
      at,
      `The origin sent a status line and closed the connection without any header fields. ${consequence}`,
      { problem: "status_line_only", bytesReceived: record.bytesReceived, received, headBytes: partial.headBytes },
    );
  }
  return finding(
    "http.incomplete_head",
    "error",
    at,
    `The origin closed the connection in the middle of the response header block, before the empty line that ends it. ${consequence}`,
    {
      ...timing,
      received,
      headBytes: partial?.headBytes ?? 0,
      fieldCount: partial?.fieldCount ?? 0,
    },
  );
}

/**
 * The head was cut right after a complete status line: nothing but the line break followed it.
 * (A head cut inside the status line, or inside a field line, is an incomplete head.)
 */
function statusLineEnded(record: ResponseRecord): boolean {
  const raw = record.rawHead;
  if (raw === null || (record.partialHead?.statusCode ?? null) === null) return false;
  const lineEnd = raw.indexOf(0x0a);
  return lineEnd !== -1 && raw.subarray(lineEnd + 1).every((byte) => byte === 0x0d);
}

function truncatedBody(record: ResponseRecord, timing: Timing, at: Origin): Finding {
  const chunked = record.framing === "chunked";
  return finding(
    "http.truncated_body",
    "error",
    at,
    chunked
      ? "The origin closed the connection before the last chunk (the zero-size chunk that ends a " +
          "chunked body). The CDN has already forwarded part of the body and cuts the response short; " +
          "nginx, HAProxy and Envoy do the same. The application most likely crashed mid-response."
      : `The origin closed the connection after ${record.bodyBytes} of the ${record.contentLength} body bytes ` +
          "that its Content-Length announced. The CDN cuts the response short (Pingora: 'Peer prematurely " +
          "closed connection'); nginx, HAProxy and Envoy do the same. Check for a crash mid-response or a " +
          "Content-Length computed before compression or templating.",
    {
      ...timing,
      framing: record.framing,
      expectedBodyBytes: chunked ? null : record.contentLength,
      receivedBodyBytes: record.bodyBytes,
      expected: chunked ? "the last chunk (0-size)" : `${record.contentLength} bytes`,
      problem: null,
      bytes: null,
      bodyOffset: null,
    },
  );
}

function brokenChunks(record: ResponseRecord, at: Origin): Finding {
  const error = record.chunkError;
  return finding(
    "http.truncated_body",
    "error",
    at,
    `The chunked body is malformed: ${error?.reason ?? "broken framing"}. The CDN's parser (httparse ` +
      "`parse_chunk_size`, in Pingora) stops there and the response is cut short; nginx, HAProxy and " +
      "Envoy also fail it. Often a body written with a hand-made chunked encoder or a proxy that " +
      "rewrote the body without fixing the framing.",
    {
      framing: "chunked",
      bytesReceived: record.bytesReceived,
      elapsedMs: null,
      receivedBodyBytes: record.bodyBytes,
      expectedBodyBytes: null,
      expected: "well-formed chunked framing",
      problem: error?.reason ?? null,
      bytes: error?.bytes ?? "",
      bodyOffset: error?.offset ?? null,
    },
  );
}

/**
 * A TLS 1.3 server that requires a client certificate finishes the handshake, then sends the
 * certificate_required alert (RFC 8446 §4.4.2.4) on the first read: it surfaces here, not in the
 * TLS phase. OpenSSL 3.0 and 3.5 name it differently.
 */
const CLIENT_CERTIFICATE_REQUIRED = /^ERR_SSL_(TLSV13|SSL\/TLS)_ALERT_CERTIFICATE_REQUIRED$/;

function clientCertificateRequired(end: ExchangeEnd, at: Origin): Finding {
  return finding(
    "tls.client_certificate_required",
    "warning",
    at,
    "The origin demands a client certificate (mutual TLS) and closed the connection with a certificate_required " +
      "alert when diag520, which has none to present, sent its request: the response could not be seen. This is " +
      "how an origin set up for Authenticated Origin Pulls behaves. If Authenticated Origin Pulls is on at the CDN, " +
      "the edge presents its certificate and this is expected; if it is off, the edge meets this alert and answers 520.",
    { errorCode: end.errorCode, during: end.during },
  );
}

function connectionReset(record: ResponseRecord, end: ExchangeEnd, timing: Timing, at: Origin): Finding {
  const when =
    end.during === "write"
      ? "while the request was being written"
      : record.bytesReceived === 0
        ? "before sending any response"
        : `after ${record.bytesReceived} bytes, before the response was complete`;
  return finding(
    "http.connection_reset",
    "error",
    at,
    `The connection failed ${when} (${end.errorCode ?? "socket error"}). The CDN answers 520; nginx ` +
      "answers 502, Envoy 503, curl exits with 56. A reset right after the handshake usually means a " +
      "firewall, rate limiter or security module refusing the CDN's requests, or a crashing worker.",
    {
      ...timing,
      errorCode: end.errorCode,
      during: end.during,
      headComplete: record.head !== null,
      receivedBodyBytes: record.bodyBytes,
      expectedBodyBytes: record.contentLength,
    },
  );
}

function responseTimeout(
  record: ResponseRecord,
  timing: Timing,
  timeoutMs: number,
  deadline: "phase" | "run",
  at: Origin,
): Finding {
  const shorter = timeoutMs < EDGE_READ_TIMEOUT_MS;
  const seconds = formatSeconds(timeoutMs);
  return finding(
    "http.response_timeout",
    "error",
    at,
    `The origin accepted the request but sent no complete response header within ${seconds}` +
      (record.bytesReceived === 0 ? " (not a single byte)" : ` (${record.bytesReceived} bytes of it arrived)`) +
      ". The edge waits up to its proxy read timeout (125 s today; 100 s until 2025) between two reads and then " +
      "answers 524; nginx answers 504 after 60 s, HAProxy and Envoy 504. " +
      (shorter
        ? `diag520's deadline (${seconds}) is shorter than the edge's, so this proves only that no answer came within ${seconds}, not a 524: an origin this slow but under the edge's timeout is still served, slowly. To tell, let diag520 wait as long as the edge does (its default deadlines). `
        : "") +
      "Look for a slow backend, a locked database or an exhausted worker pool.",
    {
      ...timing,
      timeoutMs,
      deadline,
      received: record.rawHead?.toString("latin1", 0, EXCERPT) ?? "",
    },
    shorter
      ? { title: `No complete response header within ${seconds} (the edge waits 125 s)`, noEdgeStatus: true }
      : {},
  );
}

function bodyTimeout(
  record: ResponseRecord,
  timing: Timing,
  timeoutMs: number,
  deadline: "phase" | "run",
  at: Origin,
): Finding {
  return finding(
    "http.body_timeout",
    "warning",
    at,
    `The response header arrived, but the body did not finish within ${timeoutMs} ms ` +
      `(${record.bodyBytes} body bytes read, framing: ${record.framing ?? "unknown"}). The CDN streams what it ` +
      "has and fails the request only if a single gap between two reads exceeds its read timeout (524)." +
      (record.framing === "close"
        ? " The body has no Content-Length and no chunked framing, so only the close of the connection ends it."
        : ""),
    {
      ...timing,
      timeoutMs,
      deadline,
      framing: record.framing,
      receivedBodyBytes: record.bodyBytes,
      expectedBodyBytes: record.contentLength,
    },
  );
}

/**
 * The user's limit decides the finding (the default 8,192 bytes is the figure the user asked for);
 * the edge status is predicted only over the limit Cloudflare publishes today (128 KB since Oct
 * 2025, cloudflare-docs PR #25872), so that the headline never claims a 520 today's edge would
 * not give, and the detail names every published figure the block crosses.
 */
function headersTooLarge(
  head: ParsedHead,
  lowerBound: boolean,
  maxHeaderSize: number,
  interimResponses: number,
  at: Origin,
): Finding {
  const largest = head.largestField;
  const crossed = headerLimitsCrossed(head.headBytes, largest?.bytes ?? 0);
  const measured = `${lowerBound ? "at least " : ""}${formatCount(head.headBytes)} bytes`;
  const overToday = head.headBytes > CLOUDFLARE_CURRENT_HEADER_LIMIT;
  const today = overToday
    ? "It is over Cloudflare's current limit too (128 KB since Oct 2025): the CDN answers 520."
    : lowerBound
      ? "diag520 stopped reading before the end of it, so whether it passes Cloudflare's current limit (128 KB since Oct 2025) is not known."
      : "It is under Cloudflare's current limit (128 KB since Oct 2025), so today's Cloudflare edge accepts it; the older Cloudflare limits, and the proxies named, do not.";
  return finding(
    "http.headers_too_large",
    "error",
    at,
    `The response header block is ${measured}, over the ${formatCount(maxHeaderSize)}-byte limit checked` +
      (largest !== null ? `; the largest field is ${largest.name} (${formatCount(largest.bytes)} bytes)` : "") +
      `. It crosses: ${crossed.length > 0 ? crossed.join("; ") : "no published limit"}. ${today} Over their limits ` +
      "nginx logs 'upstream sent too big header' (502), HAProxy answers 502, Envoy 503. Usually too many or " +
      "too large cookies, or a header that grows on every redirect.",
    {
      headerBytes: head.headBytes,
      headerBytesIsLowerBound: lowerBound,
      measured,
      maxHeaderSize,
      limitsCrossed: crossed,
      largestField: largest?.name ?? null,
      largestFieldBytes: largest?.bytes ?? null,
      fieldCount: head.fieldCount,
      interimResponses,
    },
    {
      title: `The response header block is ${measured}, over the ${formatCount(maxHeaderSize)}-byte limit checked${overToday ? " and over Cloudflare's 128 KB" : ""}`,
      noEdgeStatus: !overToday,
    },
  );
}

function interimHeadersTooLarge(record: ResponseRecord, maxHeaderSize: number, at: Origin): Finding {
  const bytes = record.headerBytesRead;
  return finding(
    "http.headers_too_large",
    "error",
    at,
    `The origin sent at least ${bytes} bytes of response headers without a final response: ` +
      `${record.interimCount} interim (1xx) responses, then more. diag520 stopped reading at its cap; ` +
      `it crosses: ${headerLimitsCrossed(bytes, 0).join("; ") || "no published limit"}. The CDN cannot ` +
      "forward a response that never arrives and answers 520 or, after its read timeout, 524. Look for a " +
      "loop that writes '100 Continue' or '103 Early Hints' without ever writing the response.",
    {
      headerBytes: bytes,
      headerBytesIsLowerBound: true,
      measured: `at least ${bytes} bytes`,
      maxHeaderSize,
      limitsCrossed: headerLimitsCrossed(bytes, 0),
      largestField: null,
      largestFieldBytes: null,
      fieldCount: record.partialHead?.fieldCount ?? 0,
      interimResponses: record.interimCount,
    },
  );
}

function bodyCapped(record: ResponseRecord, maxBodyBytes: number, at: Origin): Finding {
  return finding(
    "http.body_read_capped",
    "info",
    at,
    `diag520 read the first ${record.bodyBytes} body bytes (the limit is ${maxBodyBytes}) and did not read ` +
      "the rest, so nothing after that point was checked.",
    { maxBodyBytes, receivedBodyBytes: record.bodyBytes, framing: record.framing, contentLength: record.contentLength },
  );
}

function originError(head: ParsedHead, at: Origin): Finding {
  return finding(
    "http.origin_error",
    "warning",
    at,
    `The origin itself answered ${head.statusCode}. The CDN passes this status through to visitors: it is ` +
      "the application's own error, not a 520. Look in the application's logs for this request.",
    { statusCode: head.statusCode ?? 0, statusLine: head.statusLine },
  );
}
