/**
 * The request the edge would send to the origin, as structured fields (the report carries them)
 * and as the bytes written on the socket. HTTP/1.1 with no Connection header: keep-alive is the
 * HTTP/1.1 default (RFC 9112 §9.3), as the edge and curl send it. Host is the hostname (not the
 * origin address), which is the point.
 */
import { bracketIpv6 } from "../net/ip-literal.js";
import type { DiagnoseRequest, Scheme } from "../options.js";

export type HeaderField = readonly [name: string, value: string];

export interface WireRequest {
  readonly method: string;
  readonly path: string;
  /** Every field in the order written, Host first. */
  readonly headers: readonly HeaderField[];
}

const DEFAULT_PORT: Readonly<Record<Scheme, number>> = { http: 80, https: 443 };

/** The fields diag520 sends unless the user gives their own (which then take the default's place). */
export function buildWireRequest(request: DiagnoseRequest): WireRequest {
  const user = request.headers;
  const supplied = (name: string) => user.filter(([field]) => field.toLowerCase() === name);
  const headers: HeaderField[] = [];
  for (const [name, value] of [
    ["Host", hostHeaderValue(request)],
    ["User-Agent", request.userAgent],
    ["Accept", "*/*"],
  ] as const) {
    // A header the user gives replaces the default in its place: never two Host fields.
    const theirs = supplied(name.toLowerCase());
    headers.push(...(theirs.length > 0 ? theirs : [[name, value] as const]));
  }
  const replaced = new Set(["host", "user-agent", "accept"]);
  headers.push(...user.filter(([name]) => !replaced.has(name.toLowerCase())));
  return { method: request.method, path: request.path, headers };
}

/** The Host field value: the port only when it is not the scheme's default (RFC 9110 §7.2). */
export function hostHeaderValue(request: Pick<DiagnoseRequest, "hostname" | "port" | "scheme">): string {
  const host = bracketIpv6(request.hostname);
  return request.port === DEFAULT_PORT[request.scheme] ? host : `${host}:${request.port}`;
}

/** The request head as bytes; throws on CR, LF or NUL, which the CLI must have refused already. */
export function serializeRequestHead(request: WireRequest): Buffer {
  assertWireSafe(request.method, "method");
  assertWireSafe(request.path, "path");
  const lines = [`${request.method} ${request.path} HTTP/1.1`, ...request.headers.map(fieldLine)];
  return Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1");
}

function fieldLine([name, value]: HeaderField): string {
  assertWireSafe(name, "header name");
  assertWireSafe(value, `value of header ${name}`);
  return `${name}: ${value}`;
}

function assertWireSafe(text: string, what: string): void {
  const bad = /[\r\n\0]|[^\0-\xff]/.exec(text);
  if (bad !== null) {
    const code = bad[0].codePointAt(0)?.toString(16).padStart(2, "0") ?? "?";
    throw new Error(`serializeRequestHead: ${what} contains U+${code}, which cannot be sent in a request head`);
  }
}
