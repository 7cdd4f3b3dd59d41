/**
 * What makes an HTTP/2 response "malformed" (RFC 9113 §8.1.1), field by field, as decoded from
 * the wire. A client must treat a malformed response as a stream error of type PROTOCOL_ERROR
 * (§8.1.1): node:http2 (nghttp2) does, and so does the edge, which answers 520 without retry
 * (cloudflare-docs `http2-to-origin`). nghttp2 only says PROTOCOL_ERROR; this names the field.
 */
import type { HeaderField } from "./hpack-decoder.js";

export type MalformedWhy =
  /** §8.2.2: connection-specific fields are forbidden in HTTP/2. */
  | "connection_specific_field"
  /** §8.2.2: TE is allowed with the value "trailers" only. */
  | "te_not_trailers"
  /** §8.2.1: field names must be lower-case in HTTP/2. */
  | "upper_case_name"
  /** §8.2.1: a name outside `token` (RFC 9110 §5.6.2), or empty. */
  | "invalid_name"
  /** §8.2.1: NUL, CR or LF in a value. */
  | "invalid_value"
  /** §8.2.1: a value that starts or ends with space or tab. */
  | "value_surrounding_whitespace"
  /** §8.3.2: a response has exactly one :status, three digits. */
  | "missing_status"
  | "invalid_status"
  | "duplicate_status"
  /** §8.3: request pseudo-headers, or ones no RFC defines, in a response. */
  | "unknown_pseudo_header"
  /** §8.3: pseudo-header fields come before every regular field. */
  | "pseudo_header_after_regular"
  /** §8.1.1: content-length that does not match the DATA received before END_STREAM. */
  | "content_length_mismatch";

export interface MalformedHeader {
  readonly name: string;
  readonly value: string;
  readonly why: MalformedWhy;
}

export interface ResponseContext {
  /** HEAD, whose response carries no content whatever content-length says (RFC 9110 §9.3.2). */
  readonly method: string;
  /** DATA octets received on the stream (padding excluded) when END_STREAM arrived; null if it never did. */
  readonly contentBytesAtEndStream: number | null;
}

/** §8.2.2's list, plus `keep-alive` and `proxy-connection`, which it names as examples. */
const CONNECTION_SPECIFIC = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"]);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const UPPER = /[A-Z]/;

/** Every reason each field of a response header block makes it malformed, in wire order. */
export function malformedResponseHeaders(fields: readonly HeaderField[], context: ResponseContext): MalformedHeader[] {
  const found: MalformedHeader[] = [];
  const flag = (name: string, value: string, why: MalformedWhy): void => {
    found.push({ name, value, why });
  };
  let regularSeen = false;
  let statusSeen = false;
  let status: number | null = null;
  for (const [name, value] of fields) {
    if (name.startsWith(":")) {
      if (regularSeen) flag(name, value, "pseudo_header_after_regular");
      if (name !== ":status") flag(name, value, "unknown_pseudo_header");
      else if (statusSeen) flag(name, value, "duplicate_status");
      else {
        statusSeen = true;
        if (/^\d{3}$/.test(value)) status = Number(value);
        else flag(name, value, "invalid_status");
      }
    } else {
      regularSeen = true;
      checkRegularField(name, value, flag);
    }
    if (/[\0\r\n]/.test(value)) flag(name, value, "invalid_value");
    else if (/^[ \t]|[ \t]$/.test(value)) flag(name, value, "value_surrounding_whitespace");
  }
  if (!statusSeen) flag(":status", "", "missing_status");
  const mismatch = contentLengthMismatch(fields, status, context);
  if (mismatch !== null) flag("content-length", mismatch, "content_length_mismatch");
  return found;
}

function checkRegularField(
  name: string,
  value: string,
  flag: (name: string, value: string, why: MalformedWhy) => void,
) {
  const lower = name.toLowerCase();
  if (!TOKEN.test(name)) flag(name, value, "invalid_name");
  else if (UPPER.test(name)) flag(name, value, "upper_case_name");
  if (CONNECTION_SPECIFIC.has(lower)) flag(name, value, "connection_specific_field");
  if (lower === "te" && value.trim().toLowerCase() !== "trailers") flag(name, value, "te_not_trailers");
}

/**
 * §8.1.1: a content-length that differs from the DATA received is malformed, except where the
 * response has no content by definition (HEAD, 1xx, 204, 304: RFC 9110 §6.4.1). Only judged
 * once END_STREAM arrived: before that, the rest of the content may simply not be here yet.
 */
function contentLengthMismatch(
  fields: readonly HeaderField[],
  status: number | null,
  context: ResponseContext,
): string | null {
  if (context.contentBytesAtEndStream === null || context.method.toUpperCase() === "HEAD") return null;
  if (status !== null && (status < 200 || status === 204 || status === 304)) return null;
  const value = fields.find(([name]) => name.toLowerCase() === "content-length")?.[1];
  if (value === undefined || !/^\d+$/.test(value.trim())) return null;
  return Number(value.trim()) === context.contentBytesAtEndStream ? null : value;
}
