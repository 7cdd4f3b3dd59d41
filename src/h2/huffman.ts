/**
 * The static Huffman code of HPACK (RFC 7541 §5.2, Appendix B).
 *
 * Appendix B's code is canonical (its introduction says so, citing [CANONICAL]): codes are
 * assigned in order of length, then of symbol. So the code lengths alone define it, and the table
 * below is Appendix B's "len in bits" column, sixteen symbols a row; the codes ("code as hex")
 * are derived. The derivation is checked against Appendix B's hex column in the tests, and every
 * symbol is round-tripped through node:http2's own encoder (nghttp2).
 */

// biome-ignore format: one row per sixteen symbols, to read against Appendix B
const CODE_LENGTHS: readonly number[] = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, //   0–15
  28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28, //  16–31
   6, 10, 10, 12, 13,  6,  8, 11, 10, 10,  8, 11,  8,  6,  6,  6, //  32–47  ' ' … '/'
   5,  5,  5,  6,  6,  6,  6,  6,  6,  6,  7,  8, 15,  6, 12, 10, //  48–63  '0' … '?'
  13,  6,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7, //  64–79  '@' … 'O'
   7,  7,  7,  7,  7,  7,  7,  7,  8,  7,  8, 13, 19, 13, 14,  6, //  80–95  'P' … '_'
  15,  5,  6,  5,  6,  5,  6,  6,  6,  5,  7,  7,  6,  6,  6,  5, //  96–111 '`' … 'o'
   6,  7,  6,  5,  5,  6,  7,  7,  7,  7,  7, 15, 11, 14, 13, 28, // 112–127 'p' … DEL
  20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, // 128–143
  24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24, // 144–159
  22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, // 160–175
  21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23, // 176–191
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, // 192–207
  19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27, // 208–223
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, // 224–239
  26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26, // 240–255
  30,                                                             // 256: EOS
];

export const EOS_SYMBOL = 256;

export interface HuffmanCode {
  /** The code, right-aligned ("aligned to LSB"). */
  readonly code: number;
  readonly bits: number;
}

/** Canonical assignment: shortest codes first, symbols in order within a length. */
function canonicalCodes(lengths: readonly number[]): HuffmanCode[] {
  const symbols = lengths
    .map((bits, symbol) => ({ symbol, bits }))
    .sort((a, b) => a.bits - b.bits || a.symbol - b.symbol);
  const codes: HuffmanCode[] = new Array(lengths.length);
  let code = 0;
  let previousBits = symbols[0]?.bits ?? 0;
  for (const { symbol, bits } of symbols) {
    code *= 2 ** (bits - previousBits);
    previousBits = bits;
    codes[symbol] = { code, bits };
    code += 1;
  }
  return codes;
}

/** Index = symbol (0–255, then EOS). */
export const HUFFMAN_CODES: readonly HuffmanCode[] = canonicalCodes(CODE_LENGTHS);

/**
 * The decoding tree as two arrays of children: a value ≥ 0 is the next node, a negative value
 * is a leaf for symbol `-value - 1`.
 */
const zero: number[] = [0];
const one: number[] = [0];
for (const [symbol, { code, bits }] of HUFFMAN_CODES.entries()) {
  let node = 0;
  for (let bit = bits - 1; bit >= 0; bit -= 1) {
    const branch = Math.floor(code / 2 ** bit) % 2 === 0 ? zero : one;
    if (bit === 0) {
      branch[node] = -symbol - 1;
    } else {
      if (!branch[node]) {
        branch[node] = zero.length;
        zero.push(0);
        one.push(0);
      }
      node = branch[node] ?? 0;
    }
  }
}

/** §5.2's three decoding errors, and an output larger than the caller allows. */
export type HuffmanError = "eos_in_string" | "padding_too_long" | "padding_not_eos" | "too_long";

export type HuffmanResult =
  | { readonly ok: true; readonly bytes: Buffer }
  | { readonly ok: false; readonly error: HuffmanError };

export function decodeHuffman(input: Uint8Array, maxOutputBytes: number): HuffmanResult {
  const output: number[] = [];
  let node = 0;
  let depth = 0;
  let onlyOnes = true;
  for (const byte of input) {
    for (let bit = 7; bit >= 0; bit -= 1) {
      const set = (byte >> bit) & 1;
      const next = (set ? one[node] : zero[node]) ?? 0;
      depth += 1;
      onlyOnes &&= set === 1;
      if (next >= 0) {
        node = next;
        continue;
      }
      const symbol = -next - 1;
      if (symbol === EOS_SYMBOL) return { ok: false, error: "eos_in_string" };
      if (output.length >= maxOutputBytes) return { ok: false, error: "too_long" };
      output.push(symbol);
      node = 0;
      depth = 0;
      onlyOnes = true;
    }
  }
  // §5.2: what is left is padding: at most 7 bits, and the most significant bits of EOS (all ones).
  if (depth > 7) return { ok: false, error: "padding_too_long" };
  if (!onlyOnes) return { ok: false, error: "padding_not_eos" };
  return { ok: true, bytes: Buffer.from(output) };
}

/** Appendix B encoding, padded with the most significant bits of EOS (§5.2). */
export function encodeHuffman(input: Uint8Array): Buffer {
  const output: number[] = [];
  let pending = 0;
  let pendingBits = 0;
  for (const byte of input) {
    const { code, bits } = HUFFMAN_CODES[byte] ?? { code: 0, bits: 0 };
    for (let bit = bits - 1; bit >= 0; bit -= 1) {
      pending = (pending << 1) | (Math.floor(code / 2 ** bit) % 2);
      pendingBits += 1;
      if (pendingBits === 8) {
        output.push(pending);
        pending = 0;
        pendingBits = 0;
      }
    }
  }
  if (pendingBits > 0) output.push((pending << (8 - pendingBits)) | (0xff >> pendingBits));
  return Buffer.from(output);
}

/** Length in bytes of `input` Huffman-encoded. */
export function huffmanLength(input: Uint8Array): number {
  let bits = 0;
  for (const byte of input) bits += HUFFMAN_CODES[byte]?.bits ?? 0;
  return Math.ceil(bits / 8);
}
