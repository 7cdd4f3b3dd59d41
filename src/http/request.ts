/**
 * The request the edge would send to the origin, as structured fields (the report carries them)
 * and as the bytes written on the socket. Host is the visitor's hostname (not the origin's
 * address, nor its port), which is the point.
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

/**
 * The visitor's request, as a browser would make it to the public hostname: Host (the
 * hostname, or `--host-header`), User-Agent, Accept and the user's own fields. A field the user
 * gives replaces the default in its place: never two Host fields.
 */
export function buildVisitorRequest(request: DiagnoseRequest): WireRequest {
  const user = request.headers;
  const supplied = (name: string) => user.filter(([field]) => field.toLowerCase() === name);
  const headers: HeaderField[] = [];
  for (const [name, value] of [
    ["Host", request.hostHeader ?? bracketIpv6(request.hostname)],
    ["User-Agent", request.userAgent],
    ["Accept", "*/*"],
  ] as const) {
    const theirs = supplied(name.toLowerCase());
    headers.push(...(theirs.length > 0 ? theirs : [[name, value] as const]));
  }
  const replaced = new Set(["host", "user-agent", "accept"]);
  headers.push(...user.filter(([name]) => !replaced.has(name.toLowerCase())));
  return { method: request.method, path: request.path, headers };
}

/**
 * What the edge sends the origin for that visitor request (cloudflare-docs
 * `fundamentals/reference/http-headers`): the visitor's fields, with Accept-Encoding overwritten
 * and the edge's own added — so that faults only the edge's request triggers show up (a redirect
 * loop on X-Forwarded-Proto, a head too large for the origin, a WAF rule on these fields). The
 * visitor's address is unknown here: a documentation address (RFC 5737) stands in for it. A
 * field the user gives wins; `edgeHeaders: false` sends the visitor's request as it is.
 */
export function buildEdgeToOriginRequest(request: DiagnoseRequest, visitor: WireRequest, rayId: string): WireRequest {
  if (request.edgeHeaders === false) return visitor;
  const given = new Set(request.headers.map(([name]) => name.toLowerCase()));
  const added: HeaderField[] = [
    ["Accept-Encoding", "br, gzip"],
    ["Connection", "Keep-Alive"],
    ["CF-Connecting-IP", STAND_IN_VISITOR_ADDRESS],
    ["X-Forwarded-For", STAND_IN_VISITOR_ADDRESS],
    ["X-Forwarded-Proto", "https"],
    ["CF-Ray", rayId],
    ["CF-Visitor", '{"scheme":"https"}'],
    ["CDN-Loop", "cloudflare"],
  ];
  return { ...visitor, headers: [...visitor.headers, ...added.filter(([name]) => !given.has(name.toLowerCase()))] };
}

/** TEST-NET-1 (RFC 5737): no visitor has it, and it routes nowhere. */
export const STAND_IN_VISITOR_ADDRESS = "192.0.2.1";

/** A Ray ID as the edge writes it (16 hex digits, then the colo); "DIAG" marks it as diag520's own. */
export function newRayId(random: Uint8Array): string {
  return `${Buffer.from(random.subarray(0, 8)).toString("hex")}-DIAG`;
}

/**
 * The Host field value of a URL to the origin's port: the port only when it is not the scheme's
 * default (RFC 9110 §7.2). (The edge's own request carries the visitor's Host, without the
 * origin's port; this is what curl sends when asked for the origin's URL.)
 */
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
