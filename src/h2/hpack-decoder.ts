/**
 * An HPACK decoder (RFC 7541) for the header blocks an origin sent, read from a tap of the
 * connection. node:http2 rejects a malformed response with a bare PROTOCOL_ERROR; decoding the
 * same bytes ourselves names the field that made it do so, exactly as it was on the wire.
 *
 * One decoder per direction of a connection, fed every header block in order: the dynamic table
 * is shared by all streams (RFC 9113 §4.3). It never throws: a decoding error is a typed result,
 * and since the table can no longer be trusted after one (RFC 9113 §4.3 makes it a connection
 * error), every later block reports `decoder_failed_earlier`. Memory is bounded by the
 * dynamic table size and by `maxHeaderListBytes`: fields beyond it are counted, not kept.
 */

import { decodeInteger } from "./hpack-integer.js";
import { STATIC_TABLE } from "./hpack-static-table.js";
import { decodeHuffman, type HuffmanError } from "./huffman.js";

/** [name, value], each one character per byte (latin1): the exact octets, case included. */
export type HeaderField = [name: string, value: string];

export type HpackErrorCode =
  | "truncated"
  | "integer_overflow"
  | "index_zero"
  | "index_out_of_range"
  | "table_size_above_limit"
  | "table_size_update_after_field"
  | `huffman_${HuffmanError}`
  | "decoder_failed_earlier";

export interface HpackError {
  readonly code: HpackErrorCode;
  /** Byte offset in the header block where the failing representation starts. */
  readonly offset: number;
}

export interface HpackDecodeResult {
  /** The fields decoded, in order (those before an error, when there is one). */
  readonly fields: HeaderField[];
  /** RFC 9113 §6.5.2's size of the whole list: Σ (name + value + 32), dropped fields included. */
  readonly listSize: number;
  /** Fields decoded but not kept because `maxHeaderListBytes` was reached. */
  readonly fieldsDropped: number;
  /** String literals that were Huffman-coded. */
  readonly huffmanStrings: number;
  readonly error: HpackError | null;
}

export interface HpackDecoderOptions {
  /** The SETTINGS_HEADER_TABLE_SIZE this endpoint advertised (RFC 9113 §6.5.2): the encoder's ceiling. Default 4096. */
  readonly maxTableSize?: number;
  /** Fields are kept while Σ (name + value + 32) stays within this. */
  readonly maxHeaderListBytes: number;
}

/** RFC 7541 §4.1: each entry costs its name and value plus 32 octets. */
const ENTRY_OVERHEAD = 32;
const DEFAULT_TABLE_SIZE = 4096;

class DecodeFailure {
  constructor(readonly code: HpackErrorCode) {}
}

export class HpackDecoder {
  /** Newest first: dynamic index 1 is `#table[0]` (RFC 7541 §2.3.3). */
  #table: HeaderField[] = [];
  #tableSize = 0;
  #maxSize: number;
  readonly #limit: number;
  readonly #maxHeaderListBytes: number;
  #failed = false;

  constructor(options: HpackDecoderOptions) {
    this.#limit = options.maxTableSize ?? DEFAULT_TABLE_SIZE;
    this.#maxSize = this.#limit;
    this.#maxHeaderListBytes = options.maxHeaderListBytes;
  }

  /** Entries and RFC 7541 §4.1 size of the dynamic table now. */
  get dynamicTable(): { readonly entries: number; readonly size: number; readonly maxSize: number } {
    return { entries: this.#table.length, size: this.#tableSize, maxSize: this.#maxSize };
  }

  /** Decodes one complete header block (the HEADERS fragment and its CONTINUATIONs, joined). */
  decode(block: Uint8Array): HpackDecodeResult {
    const fields: HeaderField[] = [];
    let listSize = 0;
    let fieldsDropped = 0;
    let huffmanStrings = 0;
    const result = (error: HpackError | null): HpackDecodeResult => ({
      fields,
      listSize,
      fieldsDropped,
      huffmanStrings,
      error,
    });
    if (this.#failed) return result({ code: "decoder_failed_earlier", offset: 0 });

    let offset = 0;
    let fieldSeen = false;
    const readString = (): string => {
      const first = block[offset];
      if (first === undefined) throw new DecodeFailure("truncated");
      const length = integer(7);
      if (offset + length > block.length) throw new DecodeFailure("truncated");
      const raw = block.subarray(offset, offset + length);
      offset += length;
      if ((first & 0x80) === 0) return Buffer.from(raw).toString("latin1");
      huffmanStrings += 1;
      // Huffman output is at most 8/5 of its input (the shortest code is 5 bits).
      const decoded = decodeHuffman(raw, Math.ceil((length * 8) / 5));
      if (!decoded.ok) throw new DecodeFailure(`huffman_${decoded.error}`);
      return decoded.bytes.toString("latin1");
    };
    const integer = (prefixBits: number): number => {
      const decoded = decodeInteger(block, offset, prefixBits);
      if (!decoded.ok) throw new DecodeFailure(decoded.error);
      offset = decoded.next;
      return decoded.value;
    };
    const emit = (field: HeaderField): void => {
      fieldSeen = true;
      const size = field[0].length + field[1].length + ENTRY_OVERHEAD;
      listSize += size;
      if (listSize <= this.#maxHeaderListBytes) fields.push(field);
      else fieldsDropped += 1;
    };

    while (offset < block.length) {
      const start = offset;
      const first = block[offset] ?? 0;
      try {
        if ((first & 0x80) !== 0) {
          // §6.1 Indexed Header Field.
          emit(this.#lookup(integer(7)));
        } else if ((first & 0x40) !== 0) {
          // §6.2.1 Literal with Incremental Indexing.
          const index = integer(6);
          const name = index === 0 ? readString() : this.#lookup(index)[0];
          const field: HeaderField = [name, readString()];
          this.#insert(field);
          emit(field);
        } else if ((first & 0x20) !== 0) {
          // §6.3 Dynamic Table Size Update: only before the first field of a block (§4.2), never above our setting.
          if (fieldSeen) throw new DecodeFailure("table_size_update_after_field");
          const size = integer(5);
          if (size > this.#limit) throw new DecodeFailure("table_size_above_limit");
          this.#maxSize = size;
          this.#evict(0);
        } else {
          // §6.2.2 Literal without Indexing (0000) and §6.2.3 Never Indexed (0001).
          const index = integer(4);
          const name = index === 0 ? readString() : this.#lookup(index)[0];
          emit([name, readString()]);
        }
      } catch (failure) {
        if (!(failure instanceof DecodeFailure)) throw failure;
        this.#failed = true;
        return result({ code: failure.code, offset: start });
      }
    }
    return result(null);
  }

  #lookup(index: number): HeaderField {
    if (index === 0) throw new DecodeFailure("index_zero");
    const fromStatic = STATIC_TABLE[index - 1];
    if (fromStatic !== undefined) return [fromStatic[0], fromStatic[1]];
    const fromDynamic = this.#table[index - STATIC_TABLE.length - 1];
    if (fromDynamic === undefined) throw new DecodeFailure("index_out_of_range");
    return [fromDynamic[0], fromDynamic[1]];
  }

  /** §4.4: evict until the new entry fits; an entry larger than the table empties it and is not added. */
  #insert(field: HeaderField): void {
    const size = field[0].length + field[1].length + ENTRY_OVERHEAD;
    this.#evict(size);
    if (size > this.#maxSize) return;
    this.#table.unshift(field);
    this.#tableSize += size;
  }

  /** §4.3: drop the oldest entries until `room` more octets fit within the maximum size. */
  #evict(room: number): void {
    while (this.#table.length > 0 && this.#tableSize + room > this.#maxSize) {
      const oldest = this.#table.pop();
      if (oldest !== undefined) this.#tableSize -= oldest[0].length + oldest[1].length + ENTRY_OVERHEAD;
    }
  }
}
