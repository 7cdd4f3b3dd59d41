/**
 * The header rewriting of a proxy that behaves like Cloudflare's edge.
 *
 * Towards the origin (cloudflare-docs `fundamentals/reference/http-headers`): the visitor's
 * fields minus hop-by-hop ones (RFC 9110 §7.6.1: Connection and the fields it names,
 * Keep-Alive, Proxy-Connection, TE, Trailer, Transfer-Encoding, Upgrade), Host without its port,
 * then `Accept-Encoding: br, gzip` (always overwritten), `Connection: Keep-Alive`,
 * `CF-Connecting-IP`, `X-Forwarded-For` (appended to), `X-Forwarded-Proto`, `CF-Ray`,
 * `CF-Visitor` and `CDN-Loop` (appended to, RFC 8586). The edge's own fields replace any the
 * visitor sent, so a visitor cannot forge them.
 *
 * Towards the visitor: the origin's fields minus hop-by-hop ones and those the edge sets itself.
 */
import type { BodyFraming } from "./body-framing.js";
import type { HeaderList } from "./edge-answer.js";
import type { RayId } from "./ray-id.js";

const HOP_BY_HOP = ["connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"];

/** Fields the edge sets towards the origin: whatever the visitor sent under these names is dropped. */
const SET_BY_EDGE_TO_ORIGIN = [
  "host",
  "content-length",
  "expect", // the body is already buffered: nothing to wait for
  "accept-encoding",
  "cf-connecting-ip",
  "x-forwarded-for",
  "x-forwarded-proto",
  "cf-ray",
  "cf-visitor",
  "cdn-loop",
];

const SET_BY_EDGE_TO_VISITOR = ["server", "cf-ray", "cf-cache-status"];

export interface VisitorRequest {
  readonly method: string;
  /** The request target as sent, query included. */
  readonly target: string;
  /** Name, value, name, value…: node's `rawHeaders`. */
  readonly rawHeaders: readonly string[];
  /** Host without its port. */
  readonly host: string;
  readonly visitorAddress: string;
  readonly scheme: "http" | "https";
}

function pairs(rawHeaders: readonly string[]): Array<[string, string]> {
  const result: Array<[string, string]> = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) result.push([rawHeaders[i] ?? "", rawHeaders[i + 1] ?? ""]);
  return result;
}

/** Hop-by-hop names, plus those the Connection fields list. */
function hopByHop(fields: ReadonlyArray<readonly [string, string]>): Set<string> {
  const names = new Set(HOP_BY_HOP);
  for (const [name, value] of fields) {
    if (name.toLowerCase() !== "connection") continue;
    for (const token of value.split(",")) names.add(token.trim().toLowerCase());
  }
  return names;
}

function valuesOf(fields: ReadonlyArray<readonly [string, string]>, name: string): string[] {
  return fields.filter(([field]) => field.toLowerCase() === name).map(([, value]) => value);
}

/** The request head the edge sends the origin, as bytes (latin1: one byte per character). */
export function originRequestHead(visitor: VisitorRequest, ray: RayId, bodyLength: number): Buffer {
  const fields = pairs(visitor.rawHeaders);
  const dropped = new Set([...hopByHop(fields), ...SET_BY_EDGE_TO_ORIGIN]);
  const forwardedFor = [...valuesOf(fields, "x-forwarded-for"), visitor.visitorAddress].join(", ");
  const cdnLoop = [...valuesOf(fields, "cdn-loop"), "cloudflare"].join(", ");
  const sent: Array<readonly [string, string]> = [
    ["Host", visitor.host],
    ...fields.filter(([name]) => !dropped.has(name.toLowerCase())),
    // RFC 9112 §6.3: a body needs a length; so does a POST/PUT with an empty one.
    ...(bodyLength > 0 || !["GET", "HEAD", "DELETE", "OPTIONS", "TRACE"].includes(visitor.method)
      ? ([["Content-Length", String(bodyLength)]] as const)
      : []),
    ["Accept-Encoding", "br, gzip"],
    ["Connection", "Keep-Alive"],
    ["CF-Connecting-IP", visitor.visitorAddress],
    ["X-Forwarded-For", forwardedFor],
    ["X-Forwarded-Proto", visitor.scheme],
    ["CF-Ray", ray.header],
    ["CF-Visitor", JSON.stringify({ scheme: visitor.scheme })],
    ["CDN-Loop", cdnLoop],
  ];
  const lines = sent.map(([name, value]) => `${name}: ${value}\r\n`).join("");
  return Buffer.from(`${visitor.method} ${visitor.target} HTTP/1.1\r\n${lines}\r\n`, "latin1");
}

/**
 * The origin's fields as the visitor gets them. Content-Length goes when the edge re-frames the
 * body (chunked or close-delimited from the origin): node's server frames it anew.
 */
export function visitorResponseFields(
  fields: ReadonlyArray<readonly [string, string]>,
  framing: BodyFraming,
): HeaderList {
  const dropped = new Set([...hopByHop(fields), ...SET_BY_EDGE_TO_VISITOR]);
  if (framing.kind === "chunked" || framing.kind === "close") dropped.add("content-length");
  return fields.filter(([name]) => !dropped.has(name.toLowerCase()));
}
