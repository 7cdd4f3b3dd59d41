/**
 * Findings about the HTTP/2 leg, as the edge meets the same faults (cloudflare/pingora
 * `pingora-core/src/protocols/http/v2/client.rs`; cloudflare-docs `http2-to-origin`): a malformed response header block, a reset, a
 * GOAWAY with an error, SETTINGS that break the protocol, or no response in time end the request
 * with a 520 (524 for the timeout); an origin that asks for HTTP/1.1 or does not speak HTTP/2
 * after selecting it makes the edge fall back to HTTP/1.1, whose outcome the origin leg shows; a
 * refused stream or a graceful GOAWAY makes the edge try again on a fresh connection, which the
 * leg did too. Pure: observation in, findings out; every finding carries the frames.
 */
import { type Finding, finding, type Origin } from "../findings/catalogue.js";
import type { H2Exchange } from "../h2/exchange.js";
import type { FrameRecord } from "../h2/frames.js";
import { retryReason } from "../legs/h2-leg.js";
import type { H2LegObservation, H2Retry, H2RetryReason } from "../legs/observation.js";
import { roundMs } from "../text/round-ms.js";

/** RFC 9113 §6.5.2: "It is recommended that this value be no smaller than 100". */
export const RECOMMENDED_MIN_CONCURRENT_STREAMS = 100;

/** Frame lines kept as evidence: the first few (the prefaces) and the last ones (where it ended). */
const EVIDENCE_FRAMES_HEAD = 6;
const EVIDENCE_FRAMES_TAIL = 14;

const STOPGAP =
  "Until the origin is fixed, turning off HTTP/2 to Origin in the CDN makes the edge speak HTTP/1.1 to it.";

interface SettingRule {
  readonly allowed: string;
  readonly ok: (value: number) => boolean;
}

/** What a client must reject in a server's SETTINGS (RFC 9113 §6.5.2; RFC 8441 §3; RFC 9218 §2.1). */
const SETTING_RULES: Readonly<Record<string, SettingRule>> = {
  SETTINGS_ENABLE_PUSH: { allowed: "0 (a server must not set 1)", ok: (v) => v === 0 },
  SETTINGS_INITIAL_WINDOW_SIZE: { allowed: "at most 2147483647 (2^31-1)", ok: (v) => v <= 2 ** 31 - 1 },
  SETTINGS_MAX_FRAME_SIZE: { allowed: "16384 to 16777215", ok: (v) => v >= 16_384 && v <= 16_777_215 },
  SETTINGS_ENABLE_CONNECT_PROTOCOL: { allowed: "0 or 1", ok: (v) => v === 0 || v === 1 },
  SETTINGS_NO_RFC7540_PRIORITIES: { allowed: "0 or 1", ok: (v) => v === 0 || v === 1 },
};

export function checkHttp2(leg: H2LegObservation): Finding[] {
  const run = leg.http2;
  if (run.status !== "ran") return [];
  const at: Origin = { leg: leg.spec.name, phase: "http2" };
  const { exchange, retry, stop } = run.outcome;
  if (stop?.kind === "cancelled") return [];
  const findings: Finding[] = [...concurrencyContext(exchange, at)];
  const reason = retryReason(exchange);
  if (reason === null) return [...findings, ...exchangeFindings(exchange, run.deadlineMs, stop, at)];

  findings.push(retryFinding(reason, exchange, retry, at));
  // A retry that failed some other way is judged on its own, as the edge would meet it.
  if (retry?.kind === "exchanged" && retryReason(retry.exchange) === null) {
    if (retry.stop?.kind === "cancelled") return findings;
    findings.push(...exchangeFindings(retry.exchange, run.deadlineMs, retry.stop, at));
  }
  return findings;
}

/** The findings for one exchange that the edge would not retry on a fresh connection. */
function exchangeFindings(
  exchange: H2Exchange,
  timeoutMs: number,
  stop: { readonly kind: string; readonly deadline?: string; readonly ms?: number } | null,
  at: Origin,
): Finding[] {
  const frames = frameLines(exchange);
  const status = exchange.response?.status ?? null;
  const notHttp2 = exchange.notHttp2?.direction === "received" ? exchange.notHttp2 : null;
  if (notHttp2 !== null) {
    const what = notHttp2.looksLikeHttp1
      ? "answered in HTTP/1.1 instead"
      : `sent bytes that are not HTTP/2 (a ${notHttp2.expected} was due)`;
    return [
      finding(
        "http2.not_http2",
        "warning",
        at,
        `The origin selected h2 in ALPN, then ${what}. The edge's HTTP/2 client sees a connection-level PROTOCOL_ERROR and retries over HTTP/1.1 (Pingora), so what visitors get is the origin leg's HTTP/1.1 result; the failed attempt costs a round trip on every new connection, and other proxies (and browsers, without the CDN) fail outright. Stop advertising h2 on this port, or make the server behind it speak HTTP/2. ${STOPGAP}`,
        {
          expected: notHttp2.expected,
          firstBytes: notHttp2.firstBytes,
          looksLikeHttp1: notHttp2.looksLikeHttp1,
          frames,
        },
      ),
    ];
  }
  if (exchange.malformedHeaders.length > 0) {
    const fields = exchange.malformedHeaders.map(({ name, value }) => `${name}: ${value}`);
    const problems = exchange.malformedHeaders.map(({ why }) => why);
    const named = exchange.malformedHeaders.map(({ name, why }) => `${name || "(empty name)"} (${describeWhy(why)})`);
    return [
      finding(
        "http2.malformed_response",
        "error",
        at,
        `The origin's HTTP/2 response is malformed (RFC 9113 §8.1.1): ${unique(named).join("; ")}. A client must treat it as a stream error; ${exchange.streamResetBy === "client" ? "node:http2 reset the stream with PROTOCOL_ERROR, and " : ""}the edge answers 520 without retrying. Over HTTP/1.1 the same fields are legal, which is why the origin leg may look healthy. ${STOPGAP}`,
        { fields: unique(fields), problems: unique(problems), status, frames },
      ),
    ];
  }
  const badSettings = settingsViolation(exchange);
  if (badSettings !== null) {
    return [
      finding(
        "http2.bad_settings",
        "error",
        at,
        `${badSettings.sentence} A client must end the connection with a connection error (RFC 9113 §6.5.2)${clientGoaway(exchange)}; the edge answers 520. ${STOPGAP}`,
        { ...badSettings.evidence, frames },
      ),
    ];
  }
  switch (exchange.end) {
    case "complete":
    case "aborted":
      return [];
    case "stream_reset":
      return [streamReset(exchange, status, frames, at)];
    case "goaway": {
      const goaway = exchange.goaway;
      const debug = goaway?.debugData ? ` (debug data: "${goaway.debugData}")` : "";
      return [
        finding(
          "http2.goaway",
          "error",
          at,
          `The origin ended the HTTP/2 connection with GOAWAY ${goaway?.errorCode ?? "?"}${debug}, last stream ${goaway?.lastStreamId ?? 0}, before the response was complete. An error code means the origin found fault with the connection (or failed itself): the edge answers 520 without retrying. The origin's error log at that moment says why.`,
          {
            errorCode: goaway?.errorCode ?? "unknown",
            lastStreamId: goaway?.lastStreamId ?? 0,
            debugData: goaway?.debugData ?? "",
            frames,
          },
        ),
      ];
    }
    case "session_error":
    case "closed":
      return [connectionError(exchange, status, frames, at)];
    case "timeout": {
      const started = exchange.response !== null;
      const ms = stop?.ms ?? timeoutMs;
      return [
        finding(
          "http2.response_timeout",
          "error",
          at,
          `The origin accepted the HTTP/2 request but ${started ? `sent only part of the response (:status ${status ?? "?"})` : "sent no response header"} within ${ms} ms. The CDN waits up to its proxy read timeout (125 s today) and then answers 524. diag520 stopped waiting at its own deadline, which may be sooner than the edge's: an origin this slow but under the edge's timeout would still be served, slowly.`,
          {
            elapsedMs: exchange.timings.firstFrameMs === null ? null : roundMs(ms),
            timeoutMs: ms,
            deadline: stop?.deadline ?? null,
            responseStarted: started,
            frames,
          },
        ),
      ];
    }
  }
}

function streamReset(exchange: H2Exchange, status: number | null, frames: string[], at: Origin): Finding {
  const code = exchange.streamError ?? "unknown";
  if (exchange.streamResetBy === "origin" && code === "HTTP_1_1_REQUIRED") {
    return finding(
      "http2.http11_required",
      "warning",
      at,
      `The origin reset the HTTP/2 stream with HTTP_1_1_REQUIRED (RFC 9113 §7): it wants this request over HTTP/1.1. The edge then retries over HTTP/1.1, so what visitors get is the origin leg's HTTP/1.1 result, after a wasted round trip. If HTTP/2 is not meant to be served here, stop advertising h2 in ALPN. ${STOPGAP}`,
      { frames },
    );
  }
  const by =
    exchange.streamResetBy === "client"
      ? `node:http2 (like the edge's HTTP/2 client) refused what the origin sent and reset the stream with ${code}`
      : `the origin reset the request's stream with RST_STREAM ${code}`;
  return finding(
    "http2.stream_reset",
    "error",
    at,
    `Before the response was complete, ${by}${status !== null ? ` (after :status ${status})` : ""}. The edge answers 520 and does not retry a reset with an error. ${code === "INTERNAL_ERROR" ? "INTERNAL_ERROR usually means the server or the application behind it failed on this request: its error log says why." : "The origin's error log at that moment says why."}`,
    { errorCode: code, resetBy: exchange.streamResetBy ?? "origin", status, frames },
  );
}

function connectionError(exchange: H2Exchange, status: number | null, frames: string[], at: Origin): Finding {
  const sentGoaway = exchange.goaway?.by === "client" ? exchange.goaway.errorCode : null;
  const problem =
    exchange.end === "session_error"
      ? "rejected"
      : exchange.response === null
        ? "closed_before_response"
        : "closed_mid_response";
  const sentence =
    problem === "rejected"
      ? `The HTTP/2 connection failed: node:http2 (like the edge's HTTP/2 client) rejected what the origin sent${sentGoaway !== null ? ` and closed with GOAWAY ${sentGoaway}` : ""} (${exchange.sessionErrorMessage ?? exchange.sessionErrorCode ?? "no detail"}).`
      : problem === "closed_before_response"
        ? "The origin closed the HTTP/2 connection without a GOAWAY and before any response header."
        : `The origin closed the HTTP/2 connection in the middle of the response (:status ${status ?? "?"}, ${exchange.response?.bodyBytes ?? 0} body bytes, no END_STREAM).`;
  return finding(
    "http2.connection_error",
    "error",
    at,
    `${sentence} The edge answers 520. The frames below show the last thing each side sent.`,
    {
      problem,
      errorCode: sentGoaway,
      sessionErrorCode: exchange.sessionErrorCode ?? null,
      sessionErrorMessage: exchange.sessionErrorMessage ?? null,
      socketErrorCode: exchange.socketErrorCode ?? null,
      status,
      frames,
    },
  );
}

/** A refused stream or a graceful GOAWAY: the edge retries on a fresh connection; fine if that works. */
function retryFinding(reason: H2RetryReason, first: H2Exchange, retry: H2Retry | null, at: Origin): Finding {
  const retryOk =
    retry?.kind === "exchanged" && retry.exchange.end === "complete" && retry.exchange.malformedHeaders.length === 0;
  // Refused or sent away again: the edge does not try a third time.
  const again = retry !== null && retry.kind === "exchanged" && retryReason(retry.exchange) !== null;
  // Only the same refusal again is this finding's error; any other failure of the retry is its own finding.
  const severity = retryOk || (retry?.kind === "exchanged" && !again) ? "warning" : "error";
  const retryEnd =
    retry === null ? null : retry.kind === "exchanged" ? retry.exchange.end : `no_exchange_${retry.failedAt}`;
  const retryErrorCode =
    retry === null
      ? null
      : retry.kind === "exchanged"
        ? (retry.exchange.streamError ?? retry.exchange.goaway?.errorCode ?? null)
        : retry.errorCode;
  const outcome = retryOk
    ? "diag520 retried on a fresh connection, as the edge does, and the retry was answered: visitors are served, one round trip late."
    : again
      ? "diag520 retried on a fresh connection, as the edge does, and was refused again: the edge answers 520."
      : retry?.kind === "no_exchange"
        ? `diag520 tried again on a fresh connection, as the edge does, and did not get as far as HTTP/2 (${retry.failedAt}${retry.errorCode ? ` ${retry.errorCode}` : ""}): the edge answers 520.`
        : "diag520 retried on a fresh connection, as the edge does; the retry failed another way (below).";
  const evidence = { retried: retry !== null, retryEnd, retryErrorCode, frames: frameLines(first, retry) };
  if (reason === "refused_stream") {
    return finding(
      "http2.refused_stream",
      severity,
      at,
      `The origin refused the request's stream with RST_STREAM REFUSED_STREAM: it did not process it (RFC 9113 §8.7), usually because it is at its limit of concurrent streams or shutting down. ${outcome} Frequent refusals mean an origin too small for its traffic or a low SETTINGS_MAX_CONCURRENT_STREAMS.`,
      evidence,
    );
  }
  const goaway = first.goaway;
  return finding(
    "http2.goaway_before_response",
    severity,
    at,
    `The origin sent GOAWAY NO_ERROR with last stream ${goaway?.lastStreamId ?? 0} before answering: a graceful shutdown (a reload, a connection limit such as nginx's keepalive_requests) that leaves the request unprocessed. ${outcome}`,
    { lastStreamId: goaway?.lastStreamId ?? 0, debugData: goaway?.debugData ?? "", ...evidence },
  );
}

/** Context, not a fault: the edge honours a low limit, and bursts beyond it show as refused streams. */
function concurrencyContext(exchange: H2Exchange, at: Origin): Finding[] {
  const limit = exchange.remoteSettings?.SETTINGS_MAX_CONCURRENT_STREAMS;
  if (limit === undefined || limit >= RECOMMENDED_MIN_CONCURRENT_STREAMS) return [];
  return [
    finding(
      "http2.few_concurrent_streams",
      "info",
      at,
      `The origin allows ${limit} concurrent HTTP/2 stream${limit === 1 ? "" : "s"} per connection (SETTINGS_MAX_CONCURRENT_STREAMS; RFC 9113 recommends at least ${RECOMMENDED_MIN_CONCURRENT_STREAMS}). The edge honours it and opens more connections or queues; under a burst, an origin this small may refuse or reset streams.`,
      { maxConcurrentStreams: limit, recommendedMinimum: RECOMMENDED_MIN_CONCURRENT_STREAMS },
    ),
  ];
}

interface SettingsViolation {
  readonly sentence: string;
  readonly evidence: { setting: string | null; value: number | null; allowed: string; problem: string };
}

/** The first SETTINGS from the origin that a client must reject. */
function settingsViolation(exchange: H2Exchange): SettingsViolation | null {
  for (const frame of exchange.frames) {
    if (frame.direction !== "received" || frame.type !== "SETTINGS") continue;
    if (frame.violation !== undefined) {
      return {
        sentence: `The origin sent a SETTINGS frame that is itself invalid (${frame.violation.replaceAll("_", " ")}).`,
        evidence: {
          setting: null,
          value: null,
          allowed: "a SETTINGS frame as RFC 9113 §6.5 shapes it",
          problem: frame.violation,
        },
      };
    }
    for (const [setting, value] of Object.entries(frame.settings ?? {})) {
      const rule = SETTING_RULES[setting];
      if (rule !== undefined && !rule.ok(value)) {
        return {
          sentence: `The origin's SETTINGS set ${setting} to ${value}; allowed: ${rule.allowed}.`,
          evidence: { setting, value, allowed: rule.allowed, problem: "value_out_of_range" },
        };
      }
    }
  }
  return null;
}

function clientGoaway(exchange: H2Exchange): string {
  return exchange.goaway?.by === "client" ? `, and node:http2 closed with GOAWAY ${exchange.goaway.errorCode}` : "";
}

const WHY_WORDS: Readonly<Record<string, string>> = {
  connection_specific_field: "a connection-specific field, forbidden in HTTP/2",
  te_not_trailers: "TE other than trailers",
  upper_case_name: "upper-case letters in the name",
  invalid_name: "not a valid field name",
  invalid_value: "NUL, CR or LF in the value",
  value_surrounding_whitespace: "whitespace around the value",
  missing_status: "no :status",
  invalid_status: "a :status that is not three digits",
  duplicate_status: "a second :status",
  unknown_pseudo_header: "a pseudo-header field a response may not have",
  pseudo_header_after_regular: "a pseudo-header field after a regular one",
  content_length_mismatch: "content-length differs from the DATA sent before END_STREAM",
};

function describeWhy(why: string): string {
  return WHY_WORDS[why] ?? why.replaceAll("_", " ");
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

/** The frames of an exchange (and of its retry) as evidence lines: the first few and the last ones. */
export function frameLines(exchange: H2Exchange, retry: H2Retry | null = null): string[] {
  const lines = bounded(exchange.frames.map(frameLine), exchange.framesDropped);
  if (retry?.kind !== "exchanged") return lines;
  return [
    ...lines,
    "-- retry on a fresh connection --",
    ...bounded(retry.exchange.frames.map(frameLine), retry.exchange.framesDropped),
  ];
}

function bounded(lines: string[], alreadyDropped: number): string[] {
  if (lines.length <= EVIDENCE_FRAMES_HEAD + EVIDENCE_FRAMES_TAIL && alreadyDropped === 0) return lines;
  const left = Math.max(0, lines.length - EVIDENCE_FRAMES_HEAD - EVIDENCE_FRAMES_TAIL) + alreadyDropped;
  if (lines.length <= EVIDENCE_FRAMES_HEAD + EVIDENCE_FRAMES_TAIL) {
    return [
      ...lines.slice(0, EVIDENCE_FRAMES_HEAD),
      `… ${left} frames left out …`,
      ...lines.slice(EVIDENCE_FRAMES_HEAD),
    ];
  }
  return [
    ...lines.slice(0, EVIDENCE_FRAMES_HEAD),
    `… ${left} frames left out …`,
    ...lines.slice(lines.length - EVIDENCE_FRAMES_TAIL),
  ];
}

/** "received RST_STREAM stream=1 INTERNAL_ERROR": what a person needs to see who reset what. */
export function frameLine(frame: FrameRecord): string {
  const parts = [
    frame.direction,
    frame.type === "UNKNOWN" ? `UNKNOWN(0x${frame.typeCode.toString(16)})` : frame.type,
    `stream=${frame.streamId}`,
  ];
  if (frame.flags.length > 0) parts.push(frame.flags.join("|"));
  if (frame.errorCode !== undefined) parts.push(frame.errorCode);
  if (frame.lastStreamId !== undefined) parts.push(`last_stream=${frame.lastStreamId}`);
  if (frame.settings !== undefined) {
    const entries = Object.entries(frame.settings).map(([name, value]) => `${name.replace(/^SETTINGS_/, "")}=${value}`);
    if (entries.length > 0) parts.push(entries.join(","));
  }
  if (frame.windowIncrement !== undefined) parts.push(`+${frame.windowIncrement}`);
  if (frame.type === "DATA" || frame.type === "HEADERS") parts.push(`${frame.length} bytes`);
  if (frame.debugData) parts.push(`debug=${JSON.stringify(frame.debugData)}`);
  if (frame.violation !== undefined) parts.push(`(${frame.violation})`);
  return parts.join(" ");
}
