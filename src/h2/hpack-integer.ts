/**
 * HPACK's prefixed integers (RFC 7541 §5.1). Values are capped well below 2^53: no index, length
 * or table size an honest peer sends comes near 2^31, and a longer run of continuation bytes is
 * a way to make a decoder loop or overflow, so it is refused.
 */

/** Largest integer accepted; RFC 7541 §5.1 leaves the limit to the implementation. */
export const MAX_HPACK_INTEGER = 2 ** 31 - 1;

export type IntegerResult =
  | { readonly ok: true; readonly value: number; readonly next: number }
  | { readonly ok: false; readonly error: "truncated" | "integer_overflow" };

/** The integer whose `prefixBits`-bit prefix is in `bytes[offset]`. */
export function decodeInteger(bytes: Uint8Array, offset: number, prefixBits: number): IntegerResult {
  const first = bytes[offset];
  if (first === undefined) return { ok: false, error: "truncated" };
  const max = (1 << prefixBits) - 1;
  let value = first & max;
  let next = offset + 1;
  if (value < max) return { ok: true, value, next };
  for (let shift = 0; ; shift += 7) {
    const byte = bytes[next];
    if (byte === undefined) return { ok: false, error: "truncated" };
    next += 1;
    // Bytes past 2^31 are refused even when they add nothing (0x80 0x80 …): a peer could send them for ever.
    if (shift > 28) return { ok: false, error: "integer_overflow" };
    value += (byte & 0x7f) * 2 ** shift;
    if (value > MAX_HPACK_INTEGER) return { ok: false, error: "integer_overflow" };
    if ((byte & 0x80) === 0) return { ok: true, value, next };
  }
}

/** `value` with a `prefixBits`-bit prefix; `high` holds the representation's bits above the prefix. */
export function encodeInteger(value: number, prefixBits: number, high = 0): Buffer {
  const max = (1 << prefixBits) - 1;
  if (value < max) return Buffer.from([high | value]);
  const bytes = [high | max];
  let rest = value - max;
  while (rest >= 128) {
    bytes.push((rest % 128) | 0x80);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}
