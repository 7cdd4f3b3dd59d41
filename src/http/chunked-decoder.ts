/**
 * An incremental decoder for the chunked transfer coding (RFC 9112 §7.1), fed socket chunks as
 * they come. Chunk-size lines follow httparse's `parse_chunk_size`, which Pingora uses: at most
 * 16 hex digits, optional SP/HTAB after them, an extension after ';' (any bytes), then CRLF.
 * Trailer fields are read up to the empty line and are healthy. A framing error is recorded,
 * never thrown; after it the decoder consumes nothing more.
 */
export interface ChunkFramingError {
  readonly reason: string;
  /** Offset of the offending line in the body as received (after the head). */
  readonly offset: number;
  /** The offending bytes as latin1 (capped). */
  readonly bytes: string;
}

// Pingora buffers at most 8 KiB of an incomplete chunk-size line (body.rs PARTIAL_CHUNK_HEAD_LIMIT).
const MAX_SIZE_LINE = 8 * 1024;
const CHUNK_SIZE_LINE = /^([0-9A-Fa-f]+)[ \t]*(?:;[\s\S]*)?$/;
const CR = 0x0d;
const LF = 0x0a;

type State = "size" | "data" | "data_cr" | "data_lf" | "trailer" | "done" | "error";

export class ChunkedDecoder {
  private state: State = "size";
  private line = "";
  private lineOffset = 0;
  private remaining = 0;
  private trailerBytes = 0;
  /** Body bytes consumed on the wire (framing included). */
  wireBytes = 0;
  error: ChunkFramingError | null = null;
  /** true when the decoder stopped because it had payload to hand over but no budget left. */
  waitingForBudget = false;

  constructor(private readonly trailerLimit: number) {}

  get done(): boolean {
    return this.state === "done";
  }

  /**
   * Consumes `chunk` from `start`; hands at most `budget` payload bytes to `onData`.
   * Returns the index where it stopped: the end of the message, an error, the budget, or the end of `chunk`.
   */
  push(chunk: Buffer, start: number, budget: number, onData: (data: Buffer) => void): number {
    let index = start;
    let left = budget;
    this.waitingForBudget = false;
    while (index < chunk.length) {
      switch (this.state) {
        case "size":
        case "trailer": {
          const lf = chunk.indexOf(LF, index);
          const end = lf === -1 ? chunk.length : lf;
          const consumed = end - index + (lf === -1 ? 0 : 1);
          if (this.line === "") this.lineOffset = this.wireBytes;
          this.line += chunk.toString("latin1", index, Math.min(end, index + MAX_SIZE_LINE + 2));
          this.wireBytes += consumed;
          index += consumed;
          if (this.state === "size" && this.line.length > MAX_SIZE_LINE) {
            this.fail("the chunk-size line is longer than 8 KiB");
            return index;
          }
          if (this.state === "trailer") {
            this.trailerBytes += consumed;
            if (this.trailerBytes > this.trailerLimit) {
              this.fail("the trailer section is too large");
              return index;
            }
          }
          if (lf === -1) return index;
          if (this.state === "size") this.endSizeLine();
          else this.endTrailerLine();
          if (this.error !== null) return index;
          break;
        }
        case "data": {
          if (left === 0) {
            this.waitingForBudget = true;
            return index;
          }
          const take = Math.min(this.remaining, chunk.length - index, left);
          onData(chunk.subarray(index, index + take));
          left -= take;
          this.remaining -= take;
          this.wireBytes += take;
          index += take;
          if (this.remaining === 0) this.state = "data_cr";
          break;
        }
        case "data_cr":
        case "data_lf": {
          const expected = this.state === "data_cr" ? CR : LF;
          if (chunk[index] !== expected) {
            this.lineOffset = this.wireBytes;
            this.line = chunk.toString("latin1", index, Math.min(chunk.length, index + 64));
            this.fail("the chunk data is not followed by CRLF (the chunk is longer than its size says)");
            return index;
          }
          index++;
          this.wireBytes++;
          this.state = this.state === "data_cr" ? "data_lf" : "size";
          break;
        }
        case "done":
        case "error":
          return index;
      }
    }
    return index;
  }

  private endSizeLine(): void {
    this.line += "\n"; // kept so that the evidence shows the line ending as received
    if (!this.line.endsWith("\r\n")) {
      this.fail("the chunk-size line ends with a bare LF instead of CRLF");
      return;
    }
    const match = CHUNK_SIZE_LINE.exec(this.line.slice(0, -2));
    const digits = match?.[1];
    if (digits === undefined) {
      this.fail("the chunk size is not a hexadecimal number");
      return;
    }
    if (digits.length > 16) {
      this.fail("the chunk size has more than 16 hex digits");
      return;
    }
    this.line = "";
    this.remaining = Number.parseInt(digits, 16);
    this.state = this.remaining === 0 ? "trailer" : "data";
  }

  private endTrailerLine(): void {
    const content = this.line.endsWith("\r") ? this.line.slice(0, -1) : this.line;
    this.line = "";
    if (content === "") this.state = "done";
  }

  private fail(reason: string): void {
    this.error = { reason, offset: this.lineOffset, bytes: this.line.slice(0, 256) };
    this.state = "error";
  }
}
