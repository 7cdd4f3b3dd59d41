/**
 * The HTTP/2 leg as the report shows it: tcp and tls as for any leg, then the http2 phase with
 * what the origin selected in ALPN, the frames both ways (bounded), who reset what, and the
 * retry on a fresh connection when there was one.
 */
import type { Finding } from "../findings/catalogue.js";
import type { H2Exchange } from "../h2/exchange.js";
import type { FrameRecord } from "../h2/frames.js";
import type { H2LegObservation, H2Outcome, H2Retry } from "../legs/observation.js";
import { connectFailed, phaseResult, roundOrNull, tcpFacts, tcpSummary, tlsFacts, tlsSummary } from "./leg-report.js";
import type { H2ExchangeFacts, H2FrameFacts, Http2Facts, Interruption, LegPhaseResult, LegReport } from "./schema.js";

export function h2LegReport(
  leg: H2LegObservation,
  findings: readonly Finding[],
  interruption: Interruption | null = null,
): LegReport {
  const { spec } = leg;
  const errorIn = (phase: string) =>
    findings.some((f) => f.leg === spec.name && f.phase === phase && f.severity === "error");
  return {
    name: spec.name,
    address: spec.address,
    port: spec.port,
    scheme: "https",
    phases: [
      phaseResult("tcp", leg.tcp, errorIn("tcp"), leg, interruption, tcpFacts, tcpSummary, connectFailed),
      phaseResult("tls", leg.tls, errorIn("tls"), leg, interruption, tlsFacts, tlsSummary, connectFailed),
      phaseResult("http2", leg.http2, errorIn("http2"), leg, interruption, http2Facts, http2Summary, h2ExchangeFailed),
    ] as LegPhaseResult[],
  };
}

/** No complete response came back over HTTP/2 (a reset, a GOAWAY, silence), whatever a check made of it. */
function h2ExchangeFailed(outcome: H2Outcome): boolean {
  return outcome.exchange.response?.complete !== true;
}

export function http2Facts(outcome: H2Outcome): Http2Facts {
  return {
    request: { authority: outcome.request.authority, fields: outcome.request.fields.map(([n, v]) => [n, v]) },
    exchange: exchangeFacts(outcome.exchange),
    retry: outcome.retry === null ? null : retryFacts(outcome.retry),
  };
}

function retryFacts(retry: H2Retry): NonNullable<Http2Facts["retry"]> {
  return retry.kind === "exchanged"
    ? { reason: retry.reason, failedAt: null, errorCode: null, exchange: exchangeFacts(retry.exchange) }
    : { reason: retry.reason, failedAt: retry.failedAt, errorCode: retry.errorCode, exchange: null };
}

export function exchangeFacts(exchange: H2Exchange): H2ExchangeFacts {
  const { response } = exchange;
  return {
    end: exchange.end,
    response:
      response === null
        ? null
        : {
            status: response.status,
            headers: response.headers.map(([n, v]) => [n, v]),
            bodyBytes: response.bodyBytes,
            complete: response.complete,
            trailers: response.trailers === null ? null : response.trailers.map(([n, v]) => [n, v]),
          },
    streamError: exchange.streamError ?? null,
    streamResetBy: exchange.streamResetBy ?? null,
    goaway: exchange.goaway ? { ...exchange.goaway } : null,
    sessionErrorCode: exchange.sessionErrorCode ?? null,
    sessionErrorMessage: exchange.sessionErrorMessage ?? null,
    socketErrorCode: exchange.socketErrorCode ?? null,
    notHttp2:
      exchange.notHttp2 === null
        ? null
        : {
            expected: exchange.notHttp2.expected,
            firstBytes: exchange.notHttp2.firstBytes,
            looksLikeHttp1: exchange.notHttp2.looksLikeHttp1,
          },
    remoteSettings: exchange.remoteSettings === null ? null : { ...exchange.remoteSettings },
    malformedHeaders: exchange.malformedHeaders.map(({ name, value, why }) => ({ name, value, why })),
    headerDecodingError: exchange.headerDecodingError ? { ...exchange.headerDecodingError } : null,
    frames: exchange.frames.map(frameFacts),
    framesDropped: exchange.framesDropped,
    timings: {
      firstFrameMs: roundOrNull(exchange.timings.firstFrameMs),
      headersMs: roundOrNull(exchange.timings.headersMs),
      completeMs: roundOrNull(exchange.timings.completeMs),
    },
  };
}

/** Every key present (null where the frame type has none), so that the JSON is regular. */
export function frameFacts(frame: FrameRecord): H2FrameFacts {
  return {
    direction: frame.direction,
    type: frame.type,
    typeCode: frame.typeCode,
    streamId: frame.streamId,
    flags: [...frame.flags],
    length: frame.length,
    atMs: frame.atMs ?? null,
    errorCode: frame.errorCode ?? null,
    settings: frame.settings ? { ...frame.settings } : null,
    lastStreamId: frame.lastStreamId ?? null,
    windowIncrement: frame.windowIncrement ?? null,
    debugData: frame.debugData ?? null,
    violation: frame.violation ?? (frame.payloadSkipped ? "payload_not_read" : null),
  };
}

/** One line: what came back over HTTP/2, and how it ended. */
export function http2Summary(outcome: H2Outcome): string {
  const first = describeExchange(outcome.exchange);
  if (outcome.retry === null) return first;
  const again =
    outcome.retry.kind === "exchanged"
      ? describeExchange(outcome.retry.exchange)
      : `could not get that far (${outcome.retry.failedAt}${outcome.retry.errorCode ? ` ${outcome.retry.errorCode}` : ""})`;
  return `${first}; retried on a fresh connection: ${again}`;
}

function describeExchange(exchange: H2Exchange): string {
  const ms = (value: number | null) => (value === null ? "" : ` · ${Math.round(value)} ms`);
  const response = exchange.response;
  const status = response?.status ?? null;
  switch (exchange.end) {
    case "complete":
      return `HTTP/2 ${status ?? "(no :status)"} · ${response?.bodyBytes ?? 0} body bytes${ms(exchange.timings.completeMs)}`;
    case "stream_reset":
      return `stream reset by the ${exchange.streamResetBy === "client" ? "client (the response was refused)" : "origin"} with ${exchange.streamError}${status !== null ? ` after :status ${status}` : ""}`;
    case "goaway":
      return `the origin sent GOAWAY ${exchange.goaway?.errorCode ?? ""} (last stream ${exchange.goaway?.lastStreamId ?? 0}) before the response was complete`;
    case "session_error":
      return exchange.notHttp2 !== null
        ? `the origin selected h2 but did not speak HTTP/2 (expected a ${exchange.notHttp2.expected})`
        : `the HTTP/2 connection failed (${exchange.goaway?.by === "client" ? `GOAWAY ${exchange.goaway.errorCode} sent` : (exchange.sessionErrorCode ?? "session error")})`;
    case "closed":
      return `the connection closed before the response was complete (${response === null ? "no response header" : `:status ${status}`})`;
    case "timeout":
      return `no complete response in time${response === null ? " (no response header)" : ` (:status ${status} arrived)`}`;
    case "aborted":
      return "interrupted";
  }
}
