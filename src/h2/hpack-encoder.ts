/**
 * The smallest HPACK encoder that is still correct (RFC 7541): every field as a "Literal Header
 * Field without Indexing — New Name" (§6.2.2), strings raw, never Huffman-coded (§5.2), so the
 * dynamic table is never touched. It writes whatever it is given, upper-case names and
 * connection-specific fields included: the lab's fault servers exist to send exactly those.
 */
import { encodeInteger } from "./hpack-integer.js";

/** One header block fragment; names and values are written one byte per character (latin1). */
export function encodeHeaderBlock(fields: ReadonlyArray<readonly [name: string, value: string]>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of fields) {
    parts.push(Buffer.from([0x00]), encodeString(name), encodeString(value));
  }
  return Buffer.concat(parts);
}

function encodeString(text: string): Buffer {
  const bytes = Buffer.from(text, "latin1");
  return Buffer.concat([encodeInteger(bytes.length, 7), bytes]);
}
