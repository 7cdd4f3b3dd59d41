/**
 * HTTP Archive 1.2 (W3C Web Performance WG draft, "HAR 1.2 Spec", as written by Jan Odvarko)
 * for the requests diag520 made: one entry per leg, built on its own.
 * Everything comes from the report's facts: the request head as written to the socket, the
 * response head as received. A request that got no valid response still gets an entry, as
 * browsers write one: status 0, the failure in `response._error` (a string, where Chrome
 * DevTools writes and reads it), the bytes that did arrive in `_rawResponse` (custom fields start
 * with "_", HAR 1.2 "Custom Fields").
 */
import type { Finding } from "../findings/catalogue.js";
import type { LegName } from "../legs/leg-name.js";
import { bracketIpv6, ipFamily } from "../net/ip-literal.js";
import { DEFAULTS } from "../options.js";
import type { Bodies } from "../report/redact-report.js";
import type {
  H2FrameFacts,
  HttpFacts,
  LegPhaseResult,
  LegReport,
  Report,
  Resolution,
  ResponseHead,
} from "../report/schema.js";
import { buildH2HarEntry } from "./har-h2.js";

export interface HarNameValue {
  name: string;
  value: string;
}

export interface HarCookie extends HarNameValue {
  path?: string;
  domain?: string;
  expires?: string;
  httpOnly?: boolean;
  secure?: boolean;
}

/** Bytes as HAR carries them: text when it is UTF-8, else base64 (HAR 1.2 "content"). */
export interface HarBytes {
  text?: string;
  encoding?: "base64";
}

export interface HarTimings {
  blocked: number;
  dns: number;
  connect: number;
  ssl: number;
  send: number;
  wait: number;
  receive: number;
}

export interface HarEntry {
  startedDateTime: string;
  time: number;
  request: {
    method: string;
    url: string;
    httpVersion: string;
    cookies: HarCookie[];
    headers: HarNameValue[];
    queryString: HarNameValue[];
    headersSize: number;
    bodySize: number;
  };
  response: {
    status: number;
    statusText: string;
    httpVersion: string;
    cookies: HarCookie[];
    headers: HarNameValue[];
    content: HarBytes & { size: number; mimeType: string; comment?: string };
    redirectURL: string;
    headersSize: number;
    bodySize: number;
    /** Why there is no valid response (Chrome DevTools' field). */
    _error?: string;
  };
  cache: Record<string, never>;
  timings: HarTimings;
  serverIPAddress?: string;
  connection?: string;
  comment?: string;
  /** The finding code behind `response._error`, for tools that match on it. */
  _errorCode?: string;
  _rawResponse?: HarBytes & { size: number; truncated: boolean };
  /** The HTTP/2 leg's frames, both directions in arrival order (har-h2.ts). */
  _http2Frames?: H2FrameFacts[];
}

export interface Har {
  log: {
    version: "1.2";
    creator: { name: "diag520"; version: string };
    pages: [];
    entries: HarEntry[];
  };
}

export interface HarOptions {
  /** The most body bytes put into `content.text` (default: the --max-body default). */
  readonly maxBodyBytes?: number;
}

/** Head-level failures: the edge would not take the status line and fields as a response. */
const HEAD_REJECTED = new Set<string>([
  "http.missing_headers",
  "http.invalid_status_line",
  "http.invalid_header",
  "http.headers_too_large",
  "http.too_many_headers",
  "http.conflicting_framing",
]);

const utf8 = new TextDecoder("utf-8", { fatal: true });

export function toHarBytes(bytes: Buffer): HarBytes {
  if (bytes.length === 0) return { text: "" };
  if (!bytes.includes(0)) {
    try {
      return { text: utf8.decode(bytes) };
    } catch {
      // not UTF-8: base64 below
    }
  }
  return { text: bytes.toString("base64"), encoding: "base64" };
}

/** HAR timings are milliseconds; keep microseconds, drop float noise. */
export function ms(value: number): number {
  return Math.max(0, Math.round(value * 1000) / 1000);
}

export function phaseOf<N extends LegPhaseResult["name"]>(
  leg: LegReport | undefined,
  name: N,
): Extract<LegPhaseResult, { name: N }> | null {
  return (leg?.phases.find((phase) => phase.name === name) as Extract<LegPhaseResult, { name: N }> | undefined) ?? null;
}

/** Milliseconds the phase took, or -1 when it did not happen (HAR 1.2 "timings"). */
export function phaseMs(phase: LegPhaseResult | Resolution | null): number {
  return phase === null || phase.status === "skipped" || phase.durationMs === null ? -1 : ms(phase.durationMs);
}

function buildTimings(resolution: Resolution | null, leg: LegReport | undefined): HarTimings {
  const http = phaseOf(leg, "http");
  const tcp = phaseMs(phaseOf(leg, "tcp"));
  const ssl = phaseMs(phaseOf(leg, "tls"));
  const response = http?.facts?.response ?? null;
  const httpMs = phaseMs(http);
  // firstByteMs and completeMs count from the start of the http phase, when the request is written.
  const firstByte = response?.firstByteMs ?? null;
  const end = response?.completeMs ?? (httpMs >= 0 ? httpMs : null);
  return {
    blocked: -1,
    dns: phaseMs(resolution),
    // "connect ... includes ssl" (HAR 1.2, for HAR 1.1 compatibility)
    connect: tcp < 0 ? -1 : ms(tcp + Math.max(ssl, 0)),
    ssl,
    // The request head is one small write; its time is not measured apart from the wait.
    send: 0,
    wait: firstByte !== null ? ms(firstByte) : Math.max(httpMs, 0),
    receive: firstByte !== null && end !== null ? ms(end - firstByte) : 0,
  };
}

/** `time` is the sum of the timings that apply; ssl is already inside connect. */
export function totalTime(timings: HarTimings): number {
  const parts = [timings.blocked, timings.dns, timings.connect, timings.send, timings.wait, timings.receive];
  return ms(parts.filter((part) => part >= 0).reduce((sum, part) => sum + part, 0));
}

/** Percent-encodes what may not appear in a URI (RFC 3986 §2), keeping the path otherwise as sent. */
export function uriSafe(text: string): string {
  return text.replace(/%(?![0-9A-Fa-f]{2})|[^A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]/gu, (char) =>
    [...Buffer.from(char, "utf8")].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, "0")}`).join(""),
  );
}

function decodeQueryPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

export function queryString(path: string): HarNameValue[] {
  const query = path.split("#")[0]?.split("?").slice(1).join("?") ?? "";
  if (query === "") return [];
  return query.split("&").map((pair) => {
    const equals = pair.indexOf("=");
    return equals === -1
      ? { name: decodeQueryPart(pair), value: "" }
      : { name: decodeQueryPart(pair.slice(0, equals)), value: decodeQueryPart(pair.slice(equals + 1)) };
  });
}

function isRedacted(value: string): boolean {
  return value.includes("[REDACTED]");
}

/** `Cookie: a=1; b=2` (RFC 6265 §5.4). */
export function requestCookies(headers: readonly HarNameValue[]): HarCookie[] {
  return headers
    .filter((header) => header.name.trim().toLowerCase() === "cookie" && !isRedacted(header.value))
    .flatMap((header) => header.value.split(";"))
    .map((pair) => pair.trim())
    .filter((pair) => pair.includes("="))
    .map((pair) => ({ name: pair.slice(0, pair.indexOf("=")), value: pair.slice(pair.indexOf("=") + 1) }));
}

/** `Set-Cookie: name=value; Path=/; Expires=…; HttpOnly` (RFC 6265 §5.2). */
export function responseCookie(value: string): HarCookie | null {
  const [pair = "", ...attributes] = value.split(";");
  const equals = pair.indexOf("=");
  if (equals <= 0 || isRedacted(value)) return null;
  const cookie: HarCookie = { name: pair.slice(0, equals).trim(), value: pair.slice(equals + 1).trim() };
  for (const attribute of attributes) {
    const [key = "", ...rest] = attribute.split("=");
    const attributeValue = rest.join("=").trim();
    switch (key.trim().toLowerCase()) {
      case "path":
        cookie.path = attributeValue;
        break;
      case "domain":
        cookie.domain = attributeValue;
        break;
      case "expires": {
        const expires = new Date(attributeValue);
        if (!Number.isNaN(expires.getTime())) cookie.expires = expires.toISOString();
        break;
      }
      case "httponly":
        cookie.httpOnly = true;
        break;
      case "secure":
        cookie.secure = true;
        break;
    }
  }
  return cookie;
}

function headerValue(head: ResponseHead | null, name: string): string | null {
  return head?.headers.find(([field]) => field.trim().toLowerCase() === name)?.[1] ?? null;
}

/** The error that failed this leg: the verdict's deciding finding when it is about this leg (or came before it), else the leg's first error. */
function legError(report: Report, leg: LegName): Finding | null {
  const deciding = report.verdict.decidingFinding;
  const decided = deciding === null ? undefined : report.findings[deciding.index];
  if (decided !== undefined && (decided.leg === leg || decided.leg === null)) return decided;
  return report.findings.find((item) => item.severity === "error" && item.leg === leg) ?? null;
}

/** "HTTP/1.1" as HAR writes versions; an origin's own spelling ("http/1.1") is normalised, not prefixed again. */
function httpVersionOf(head: ResponseHead): string {
  const version = head.httpVersion ?? "";
  if (version === "") return "";
  return /^http\//i.test(version) ? `HTTP/${version.slice(5)}` : `HTTP/${version}`;
}

function buildResponse(
  http: HttpFacts | null,
  body: Buffer | null,
  error: { readonly code: string; readonly title: string } | null,
  valid: boolean,
  maxBodyBytes: number,
): HarEntry["response"] {
  const head = http?.response.head ?? null;
  const headers = (head?.headers ?? []).map(([name, value]) => ({ name, value }));
  const cookies = headers
    .filter((header) => header.name.trim().toLowerCase() === "set-cookie")
    .map((header) => responseCookie(header.value))
    .filter((cookie): cookie is HarCookie => cookie !== null);
  const bodyBytes = body ?? Buffer.alloc(0);
  const shown = bodyBytes.subarray(0, maxBodyBytes);
  const content: HarEntry["response"]["content"] = {
    size: http?.response.bodyBytes ?? bodyBytes.length,
    mimeType: headerValue(head, "content-type") ?? "x-unknown",
    ...(bodyBytes.length > 0 ? toHarBytes(shown) : {}),
  };
  if (http !== null && !http.response.bodyComplete && http.response.bodyBytes > 0) {
    content.comment = `body incomplete (${http.response.end}): ${http.response.bodyBytes} bytes read`;
  } else if (shown.length < bodyBytes.length) {
    content.comment = `first ${shown.length} of ${bodyBytes.length} bytes`;
  }
  // Measured whether or not the head was valid: a 20 KB header block is the evidence itself.
  const headBytes =
    http === null
      ? -1
      : (head?.headBytes ?? (http.response.rawHead === "" ? -1 : http.response.rawHead.length)) +
        http.response.interim.reduce((sum, interim) => sum + interim.headBytes, 0);
  // Bytes of the body on the wire (chunked framing included), as HAR's bodySize means.
  const bodySize = http === null ? -1 : Math.max(0, http.response.bytesReceived - Math.max(headBytes, 0));
  const response: HarEntry["response"] = {
    status: valid && head !== null ? (head.statusCode ?? 0) : 0,
    statusText: valid && head !== null ? (head.reason ?? "") : "",
    httpVersion: head === null ? "" : httpVersionOf(head),
    cookies,
    headers,
    content,
    redirectURL: valid ? (headerValue(head, "location") ?? "") : "",
    headersSize: headBytes,
    bodySize,
  };
  if (error !== null) response._error = `${error.code}: ${error.title}`;
  return response;
}

/** One HAR entry for a leg of a diagnosis (its body as read, already redacted). */
export function buildHarEntry(
  report: Report,
  legName: LegName,
  body: Buffer | null,
  options: HarOptions = {},
): HarEntry {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULTS.maxBodyBytes;
  const leg = report.legs[legName];
  const { target } = report;
  const http = phaseOf(leg, "http")?.facts ?? null;
  const tcp = phaseOf(leg, "tcp")?.facts ?? null;
  const sent = http !== null && http.request.raw !== "";

  const failure = legError(report, legName);
  const head = http?.response.head ?? null;
  // A head cut short (a timeout, a close) is evidence, not a response.
  const valid =
    head !== null && http?.response.headComplete === true && (failure === null || !HEAD_REJECTED.has(failure.code));
  const timings = buildTimings(legName === "origin" ? report.resolution : null, leg);
  const address = tcp?.address ?? leg?.address ?? null;
  const error = failure ?? (valid ? null : noResponse(report));
  const edgeLeg = legName === "edge" ? (report.legs.edge ?? null) : null;
  // The edge leg sent the visitor's request (its own head, as written): not the edge-to-origin one.
  const requestHeaders =
    edgeLeg !== null && http !== null && http.request.raw !== ""
      ? headersOfRawRequest(http.request.raw)
      : report.request.headers.map(([name, value]) => ({ name, value }));
  const path = edgeLeg?.path ?? report.request.path;
  const scheme = edgeLeg?.scheme ?? target.scheme;
  const port = edgeLeg?.port ?? target.port;

  const entry: HarEntry = {
    startedDateTime: leg?.phases.find((phase) => phase.startedAt !== null)?.startedAt ?? report.startedAt,
    time: totalTime(timings),
    request: {
      method: report.request.method,
      url: uriSafe(`${scheme}://${bracketIpv6(target.hostname)}:${port}${path}`),
      httpVersion: report.request.httpVersion,
      cookies: requestCookies(requestHeaders),
      headers: requestHeaders,
      queryString: queryString(path),
      headersSize: sent ? http.request.bytes : -1,
      bodySize: 0,
    },
    response: buildResponse(http, body, error, valid, maxBodyBytes),
    cache: {},
    timings,
  };
  if (address !== null && ipFamily(address) !== null) entry.serverIPAddress = address;
  if (tcp?.localPort !== null && tcp?.localPort !== undefined) entry.connection = String(tcp.localPort);
  const ray = edgeLeg?.answer?.rayId ?? null;
  entry.comment =
    edgeLeg !== null
      ? `edge leg: through the edge at ${address ?? "(no address)"} port ${port}, Host and SNI ${target.hostname}${ray === null ? "" : `; Ray ID ${ray}${edgeLeg.answer?.colo ? ` (colo ${edgeLeg.answer.colo})` : ""}: search the origin's logs for it`}`
      : `${legName} leg: direct to the origin, ${target.scheme} to ${address ?? "(no address)"} port ${target.port}, Host and SNI ${target.hostname}`;
  if (error !== null) {
    entry._errorCode = error.code;
    // Without a head (nothing parsed, or HTTP/0.9-style bytes), what arrived was read as body.
    const rawHead = Buffer.from(http?.response.rawHead ?? "", "latin1");
    const raw = head === null && body !== null ? Buffer.concat([rawHead, body]) : rawHead;
    entry._rawResponse = {
      size: http?.response.bytesReceived ?? 0,
      truncated: http?.response.rawHeadTruncated ?? false,
      ...toHarBytes(raw),
    };
  }
  return entry;
}

/** "GET / HTTP/1.1\r\nhost: x\r\n…" → its header fields, in order. */
function headersOfRawRequest(raw: string): HarNameValue[] {
  return raw
    .split("\r\n")
    .slice(1)
    .filter((line) => line.includes(":"))
    .map((line) => ({ name: line.slice(0, line.indexOf(":")), value: line.slice(line.indexOf(":") + 1).trim() }));
}

/** No deciding finding but no response either: the run was interrupted or hit its deadline. */
function noResponse(report: Report): { code: string; title: string } {
  return report.complete
    ? { code: "no_response", title: "no response was received" }
    : { code: "interrupted", title: report.verdict.summary };
}

/** A HAR document around entries built by buildHarEntry. */
export function buildHarLog(entries: readonly HarEntry[], toolVersion: string): Har {
  return {
    log: { version: "1.2", creator: { name: "diag520", version: toolVersion }, pages: [], entries: [...entries] },
  };
}

/** The HAR document of a diagnosis: an entry per leg. */
export function buildHar(
  diagnosis: { readonly report: Report; readonly bodies: Bodies },
  options: HarOptions = {},
): Har {
  const { report, bodies } = diagnosis;
  // A leg that never started made no request: the edge leg appears only when it ran.
  const legs = (Object.keys(report.legs) as LegName[]).filter(
    (name) => name !== "edge" || report.legs.edge?.phases.some((phase) => phase.status !== "skipped"),
  );
  // The HTTP/2 leg has an entry when it made a request (the origin selected h2).
  const entries = legs.flatMap((leg) =>
    leg === "origin-h2"
      ? (buildH2HarEntry(report, bodies[leg] ?? null, options) ?? [])
      : [buildHarEntry(report, leg, bodies[leg] ?? null, options)],
  );
  return buildHarLog(entries, report.tool.version);
}
