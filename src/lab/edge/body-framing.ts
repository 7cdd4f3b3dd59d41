/**
 * Where an origin's response body ends (RFC 9112 §6.3), with pingora's choices where the RFC
 * leaves one (cloudflare/pingora `pingora-core/src/protocols/http/v1/common.rs`): when
 * Transfer-Encoding is present it wins and Content-Length is ignored; the body is chunked when
 * the last transfer coding is `chunked`, read to the close otherwise; Content-Length values,
 * across duplicate lines and comma lists, must all be digits and agree (`42, 42` is 42), or
 * the response is invalid.
 */
import type { ResponseHead } from "./response-head.js";

export type BodyFraming =
  | { readonly kind: "none" }
  | { readonly kind: "length"; readonly length: number }
  | { readonly kind: "chunked" }
  | { readonly kind: "close" };

export type FramingResult =
  | { readonly ok: true; readonly framing: BodyFraming }
  | { readonly ok: false; readonly reason: string };

function valuesOf(head: ResponseHead, name: string): string[] {
  return head.fields.filter(([field]) => field.toLowerCase() === name).map(([, value]) => value);
}

export function bodyFraming(head: ResponseHead, requestMethod: string): FramingResult {
  // RFC 9112 §6.3 rule 1: no content after HEAD, 1xx, 204, 304.
  if (requestMethod === "HEAD" || head.status < 200 || head.status === 204 || head.status === 304) {
    return { ok: true, framing: { kind: "none" } };
  }
  const transferEncodings = valuesOf(head, "transfer-encoding");
  if (transferEncodings.length > 0) {
    const last = (transferEncodings.at(-1) ?? "").split(",").at(-1)?.trim().toLowerCase();
    return { ok: true, framing: { kind: last === "chunked" ? "chunked" : "close" } };
  }
  const lengths = valuesOf(head, "content-length").flatMap((value) => value.split(",").map((part) => part.trim()));
  if (lengths.length === 0) return { ok: true, framing: { kind: "close" } };
  const [first] = lengths;
  if (!lengths.every((length) => /^\d{1,15}$/.test(length) && Number(length) === Number(first))) {
    return { ok: false, reason: `invalid or conflicting Content-Length: ${JSON.stringify(lengths.slice(0, 4))}` };
  }
  return { ok: true, framing: { kind: "length", length: Number(first) } };
}
