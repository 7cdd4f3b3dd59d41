/**
 * HTTP Archive 1.2 (W3C Web Performance WG draft, "HAR 1.2 Spec", as written by Jan Odvarko)
 * for the requests diag520 made: today one entry, the origin leg. Each entry is built on its
 * own so that the edge leg can be added as a second entry later.
 * Everything comes from the report's facts: the request head as written to the socket, the
 * response head as received. A request that got no valid response still gets an entry, as
 * browsers write one: status 0, the failure in `_error`, the bytes that did arrive in
 * `_rawResponse` (custom fields start with "_", HAR 1.2 "Custom Fields").
 */
import { isIP } from "node:net";
import type { Finding } from "../findings/catalogue.js";
import { DEFAULTS } from "../options.js";
import type { HttpFacts, PhaseResult, Report, ResponseHead } from "../report/schema.js";
import type { DiagnosisEvidence } from "./redact.js";

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
  };
  cache: Record<string, never>;
  timings: HarTimings;
  serverIPAddress?: string;
  connection?: string;
  comment?: string;
  _error?: { code: string; message: string };
  _rawResponse?: HarBytes & { size: number; truncated: boolean };
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

function toHarBytes(bytes: Buffer): HarBytes {
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
function ms(value: number): number {
  return Math.max(0, Math.round(value * 1000) / 1000);
}

function phaseOf<N extends PhaseResult["name"]>(report: Report, name: N): Extract<PhaseResult, { name: N }> | null {
  return (report.phases.find((phase) => phase.name === name) as Extract<PhaseResult, { name: N }> | undefined) ?? null;
}

/** Milliseconds the phase took, or -1 when it did not happen (HAR 1.2 "timings"). */
function phaseMs(phase: PhaseResult | null): number {
  return phase === null || phase.status === "skipped" || phase.durationMs === null ? -1 : ms(phase.durationMs);
}

function buildTimings(report: Report): HarTimings {
  const http = phaseOf(report, "http");
  const tcp = phaseMs(phaseOf(report, "tcp"));
  const ssl = phaseMs(phaseOf(report, "tls"));
  const response = http?.facts?.response ?? null;
  const httpMs = phaseMs(http);
  // firstByteMs and completeMs count from the start of the http phase, when the request is written.
  const firstByte = response?.firstByteMs ?? null;
  const end = response?.completeMs ?? (httpMs >= 0 ? httpMs : null);
  return {
    blocked: -1,
    dns: phaseMs(phaseOf(report, "dns")),
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
function totalTime(timings: HarTimings): number {
  const parts = [timings.blocked, timings.dns, timings.connect, timings.send, timings.wait, timings.receive];
  return ms(parts.filter((part) => part >= 0).reduce((sum, part) => sum + part, 0));
}

/** Percent-encodes what may not appear in a URI (RFC 3986 §2), keeping the path otherwise as sent. */
function uriSafe(text: string): string {
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

function queryString(path: string): HarNameValue[] {
  const query = path.split("#")[0]?.split("?").slice(1).join("?") ?? "";
  if (query === "") return [];
  return query.split("&").map((pair) => {
    const equals = pair.indexOf("=");
    return equals === -1
      ? { name: decodeQueryPart(pair), value: "" }
      : { name: decodeQueryPart(pair.slice(0, equals)), value: decodeQueryPart(pair.slice(equals + 1)) };
  });
}

/** The request head as written: request line, then fields up to the blank line (RFC 9112 §2.1). */
function parseRequestHead(raw: string): { httpVersion: string; headers: HarNameValue[] } {
  const lines = raw.split("\r\n");
  const httpVersion = lines[0]?.split(" ")[2] ?? "HTTP/1.1";
  const headers: HarNameValue[] = [];
  for (const line of lines.slice(1)) {
    if (line === "") break;
    const colon = line.indexOf(":");
    if (colon > 0) headers.push({ name: line.slice(0, colon), value: line.slice(colon + 1).trim() });
  }
  return { httpVersion, headers };
}

function isRedacted(value: string): boolean {
  return value.includes("[REDACTED]");
}

/** `Cookie: a=1; b=2` (RFC 6265 §5.4). */
function requestCookies(headers: readonly HarNameValue[]): HarCookie[] {
  return headers
    .filter((header) => header.name.trim().toLowerCase() === "cookie" && !isRedacted(header.value))
    .flatMap((header) => header.value.split(";"))
    .map((pair) => pair.trim())
    .filter((pair) => pair.includes("="))
    .map((pair) => ({ name: pair.slice(0, pair.indexOf("=")), value: pair.slice(pair.indexOf("=") + 1) }));
}

/** `Set-Cookie: name=value; Path=/; Expires=…; HttpOnly` (RFC 6265 §5.2). */
function responseCookie(value: string): HarCookie | null {
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

/** The finding that decided the verdict: the error that predicts the edge status, else the first error. */
function decidingError(report: Report): Finding | null {
  const errors = report.findings.filter((item) => item.severity === "error") as Finding[];
  return errors.find((item) => item.edgeStatus === report.verdict.edgeStatus) ?? errors[0] ?? null;
}

function httpVersionOf(head: ResponseHead): string {
  const version = head.httpVersion ?? "";
  return version === "" || version.startsWith("HTTP/") ? version : `HTTP/${version}`;
}

function buildResponse(
  http: HttpFacts | null,
  body: Buffer | null,
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
  if (!valid || head === null || http === null) {
    return {
      status: 0,
      statusText: "",
      httpVersion: head === null ? "" : httpVersionOf(head),
      cookies,
      headers,
      content,
      redirectURL: "",
      headersSize: -1,
      bodySize: 0,
    };
  }
  const headBytes = head.headBytes + http.response.interim.reduce((sum, interim) => sum + interim.headBytes, 0);
  return {
    status: head.statusCode ?? 0,
    statusText: head.reason ?? "",
    httpVersion: httpVersionOf(head),
    cookies,
    headers,
    content,
    redirectURL: headerValue(head, "location") ?? "",
    headersSize: head.headBytes,
    // Bytes of the body on the wire (chunked framing included), as HAR's bodySize means.
    bodySize: Math.max(0, http.response.bytesReceived - headBytes),
  };
}

/** One HAR entry for the origin leg of a diagnosis. */
export function buildHarEntry(diagnosis: DiagnosisEvidence, options: HarOptions = {}): HarEntry {
  const { report } = diagnosis;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULTS.maxBodyBytes;
  const { target } = report;
  const http = phaseOf(report, "http")?.facts ?? null;
  const tcp = phaseOf(report, "tcp")?.facts ?? null;
  const dns = phaseOf(report, "dns")?.facts ?? null;
  const sent = http !== null && http.request.raw !== "";
  const requestHead = sent ? parseRequestHead(http.request.raw) : { httpVersion: "HTTP/1.1", headers: [] };

  const failure = decidingError(report);
  const head = http?.response.head ?? null;
  const valid = head !== null && (failure === null || !HEAD_REJECTED.has(failure.code));
  const timings = buildTimings(report);
  const hostForUrl = isIP(target.hostname) === 6 ? `[${target.hostname}]` : target.hostname;
  const address = tcp?.address ?? dns?.address ?? null;

  const entry: HarEntry = {
    startedDateTime: report.phases.find((phase) => phase.startedAt !== null)?.startedAt ?? report.startedAt,
    time: totalTime(timings),
    request: {
      method: target.method,
      url: uriSafe(`${target.scheme}://${hostForUrl}:${target.port}${target.path}`),
      httpVersion: requestHead.httpVersion,
      cookies: requestCookies(requestHead.headers),
      headers: requestHead.headers,
      queryString: queryString(target.path),
      headersSize: sent ? http.request.bytes : -1,
      bodySize: 0,
    },
    response: buildResponse(http, diagnosis.responseBody, valid, maxBodyBytes),
    cache: {},
    timings,
  };
  if (address !== null && isIP(address) !== 0) entry.serverIPAddress = address;
  if (tcp?.localPort !== null && tcp?.localPort !== undefined) entry.connection = String(tcp.localPort);
  entry.comment = `origin leg: ${target.scheme} to ${address ?? "(no address)"} port ${target.port}, Host and SNI ${target.hostname}`;
  // No deciding finding but no response either: the run was interrupted or hit --max-time.
  const error =
    failure !== null
      ? { code: failure.code, message: failure.detail || failure.title }
      : valid
        ? null
        : {
            code: report.complete ? "no_response" : "interrupted",
            message: report.interruption ?? "no response was received",
          };
  if (error !== null) {
    entry._error = error;
    // Without a head (nothing parsed, or HTTP/0.9-style bytes), what arrived was read as body.
    const rawHead = Buffer.from(http?.response.rawHead ?? "", "latin1");
    const raw =
      head === null && diagnosis.responseBody !== null ? Buffer.concat([rawHead, diagnosis.responseBody]) : rawHead;
    entry._rawResponse = {
      size: http?.response.bytesReceived ?? 0,
      truncated: http?.response.rawHeadTruncated ?? false,
      ...toHarBytes(raw),
    };
  }
  return entry;
}

/** A HAR document around entries built by buildHarEntry. */
export function buildHarLog(entries: readonly HarEntry[], toolVersion: string): Har {
  return {
    log: { version: "1.2", creator: { name: "diag520", version: toolVersion }, pages: [], entries: [...entries] },
  };
}

/** The HAR document of a diagnosis: today one entry, the origin leg. */
export function buildHar(diagnosis: DiagnosisEvidence, options: HarOptions = {}): Har {
  return buildHarLog([buildHarEntry(diagnosis, options)], diagnosis.report.tool.version);
}
