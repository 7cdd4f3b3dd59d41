/**
 * The request head that the edge would send to the origin, as the bytes written on the socket.
 * HTTP/1.1 with no Connection header: keep-alive is the HTTP/1.1 default (RFC 9112 §9.3), as
 * the edge and curl send it. Host is the hostname (not the origin address), which is the point.
 */
import type { DiagnoseRequest, Scheme } from "../options.js";

const DEFAULT_PORT: Readonly<Record<Scheme, number>> = { http: 80, https: 443 };

/** Builds the request head; throws on CR, LF or NUL, which the CLI must have refused already. */
export function buildRawRequest(request: DiagnoseRequest): Buffer {
  assertWireSafe(request.method, "method");
  assertWireSafe(request.path, "path");
  assertWireSafe(request.hostname, "hostname");
  const user = request.headers;
  const supplied = (name: string) => user.filter(([field]) => field.toLowerCase() === name);
  const defaults: Array<readonly [string, string]> = [];
  for (const [name, value] of [
    ["Host", hostHeaderValue(request)],
    ["User-Agent", request.userAgent],
    ["Accept", "*/*"],
  ] as const) {
    // A header the user gives replaces the default in its place: never two Host fields.
    const theirs = supplied(name.toLowerCase());
    defaults.push(...(theirs.length > 0 ? theirs : [[name, value] as const]));
  }
  const replaced = new Set(["host", "user-agent", "accept"]);
  const rest = user.filter(([name]) => !replaced.has(name.toLowerCase()));
  const lines = [`${request.method} ${request.path} HTTP/1.1`, ...[...defaults, ...rest].map(fieldLine)];
  const head = `${lines.join("\r\n")}\r\n\r\n`;
  return Buffer.from(head, "latin1");
}

/** The Host field value: the port only when it is not the scheme's default (RFC 9110 §7.2). */
export function hostHeaderValue(request: DiagnoseRequest): string {
  // An IPv6 literal is bracketed in an authority (RFC 3986 §3.2.2).
  const host = request.hostname.includes(":") ? `[${request.hostname}]` : request.hostname;
  return request.port === DEFAULT_PORT[request.scheme] ? host : `${host}:${request.port}`;
}

function fieldLine([name, value]: readonly [string, string]): string {
  assertWireSafe(name, "header name");
  assertWireSafe(value, `value of header ${name}`);
  return `${name}: ${value}`;
}

function assertWireSafe(text: string, what: string): void {
  const bad = /[\r\n\0]|[^\0-\xff]/.exec(text);
  if (bad !== null) {
    const code = bad[0].codePointAt(0)?.toString(16).padStart(2, "0") ?? "?";
    throw new Error(`buildRawRequest: ${what} contains U+${code}, which cannot be sent in a request head`);
  }
}
