/**
 * The HAR entry of the HTTP/2 leg (`httpVersion: "h2"`), as browsers write one for an HTTP/2
 * request: the fields as sent and as decoded, pseudo-header fields included; header sizes are
 * the HPACK-compressed bytes of the HEADERS frames on the request's stream. The frames both ways
 * go into `_http2Frames` (custom fields start with "_", HAR 1.2 "Custom Fields"). When the leg
 * retried on a fresh connection, the entry is the retry's, and the first attempt's end is in the
 * comment.
 */
import type { Bodies } from "../report/redact-report.js";
import type { H2ExchangeFacts, H2FrameFacts, Report } from "../report/schema.js";
import {
  type HarEntry,
  type HarOptions,
  type HarTimings,
  ms,
  phaseMs,
  phaseOf,
  queryString,
  requestCookies,
  responseCookie,
  toHarBytes,
  totalTime,
  uriSafe,
} from "./har.js";

const REQUEST_STREAM_ID = 1;

/** The entry, or null when the leg made no HTTP/2 request (the origin did not select h2, or it never got that far). */
export function buildH2HarEntry(
  report: Report,
  body: Bodies["origin-h2"] | null,
  options: HarOptions = {},
): HarEntry | null {
  const leg = report.legs["origin-h2"];
  const http2 = phaseOf(leg, "http2");
  const facts = http2?.facts ?? null;
  if (http2 === null || facts === null) return null;
  const exchange = facts.retry?.exchange ?? facts.exchange;
  const { target } = report;
  const tcp = phaseOf(leg, "tcp")?.facts ?? null;

  const requestHeaders = facts.request.fields.map(([name, value]) => ({ name, value }));
  const response = exchange.response;
  const responseHeaders = (response?.headers ?? []).map(([name, value]) => ({ name, value }));
  const failure = report.findings.find((f) => f.severity === "error" && f.leg === "origin-h2") ?? null;
  const valid = failure === null && response !== null && response.status !== null;
  const bodyBytes = body ?? Buffer.alloc(0);
  const shown = bodyBytes.subarray(0, options.maxBodyBytes ?? bodyBytes.length);
  const timings = h2Timings(report, exchange, phaseMs(http2));

  const entry: HarEntry = {
    startedDateTime: leg?.phases.find((phase) => phase.startedAt !== null)?.startedAt ?? report.startedAt,
    time: 0,
    request: {
      method: report.request.method,
      url: uriSafe(`https://${facts.request.authority}${report.request.path}`),
      httpVersion: "h2",
      cookies: requestCookies(requestHeaders),
      headers: requestHeaders,
      queryString: queryString(report.request.path),
      headersSize: headerBlockBytes(exchange.frames, "sent"),
      bodySize: 0,
    },
    response: {
      status: valid ? (response?.status ?? 0) : 0,
      statusText: "",
      httpVersion: "h2",
      cookies: responseHeaders
        .filter((header) => header.name === "set-cookie")
        .flatMap((header) => responseCookie(header.value) ?? []),
      headers: responseHeaders,
      content: {
        size: response?.bodyBytes ?? 0,
        mimeType: responseHeaders.find((header) => header.name === "content-type")?.value ?? "x-unknown",
        ...(bodyBytes.length > 0 ? toHarBytes(shown) : {}),
      },
      redirectURL: valid ? (responseHeaders.find((header) => header.name === "location")?.value ?? "") : "",
      headersSize: response === null ? -1 : headerBlockBytes(exchange.frames, "received"),
      bodySize: response?.bodyBytes ?? -1,
    },
    cache: {},
    timings,
  };
  entry.time = totalTime(timings);
  if (tcp !== null) {
    entry.serverIPAddress = tcp.address;
    if (tcp.localPort !== null) entry.connection = String(tcp.localPort);
  }
  const retried =
    facts.retry === null
      ? ""
      : `; the first attempt ended with ${facts.exchange.end}, this is the retry on a fresh connection`;
  entry.comment = `origin-h2 leg: HTTP/2 to ${tcp?.address ?? "(no address)"} port ${target.port}, :authority and SNI ${target.hostname}; ended: ${exchange.end}${retried}`;
  if (failure !== null) {
    entry.response._error = `${failure.code}: ${failure.title}`;
    entry._errorCode = failure.code;
  } else if (!valid) {
    entry.response._error = `no_response: the HTTP/2 exchange ended with ${exchange.end}`;
  }
  entry._http2Frames = exchange.frames;
  return entry;
}

/** HPACK-compressed bytes of the HEADERS and CONTINUATION frames on the request's stream, one direction. */
function headerBlockBytes(frames: readonly H2FrameFacts[], direction: "sent" | "received"): number {
  return frames
    .filter(
      (frame) =>
        frame.direction === direction &&
        frame.streamId === REQUEST_STREAM_ID &&
        (frame.type === "HEADERS" || frame.type === "CONTINUATION"),
    )
    .reduce((sum, frame) => sum + frame.length, 0);
}

/** No DNS time (the origin leg's entry carries the resolution); wait and receive from the exchange's own clock. */
function h2Timings(report: Report, exchange: H2ExchangeFacts, http2Ms: number): HarTimings {
  const leg = report.legs["origin-h2"];
  const tcp = phaseMs(phaseOf(leg, "tcp"));
  const ssl = phaseMs(phaseOf(leg, "tls"));
  const { headersMs, completeMs } = exchange.timings;
  return {
    blocked: -1,
    dns: -1,
    connect: tcp < 0 ? -1 : ms(tcp + Math.max(ssl, 0)),
    ssl,
    send: 0,
    wait: headersMs !== null ? ms(headersMs) : Math.max(http2Ms, 0),
    receive: headersMs !== null && completeMs !== null ? ms(completeMs - headersMs) : 0,
  };
}
