/**
 * A streaming decoder for the chunked transfer coding (RFC 9112 §7.1), bounded: a chunk-size
 * line or the trailer section larger than the caps below fails instead of growing a buffer
 * without end. Chunk extensions are skipped and trailer fields dropped (the edge does not
 * forward them). Bare LF line ends are accepted, as httparse's chunk-size parser does.
 */

const MAX_SIZE_LINE = 4096;
const MAX_TRAILER_BYTES = 64 * 1024;
const CHUNK_SIZE = /^([0-9A-Fa-f]{1,15})[ \t]*(?:;.*)?$/;

export type ChunkedProgress =
  | { readonly kind: "data"; readonly chunks: readonly Buffer[]; readonly done: boolean; readonly rest: Buffer }
  | { readonly kind: "invalid"; readonly reason: string };

type State =
  | { readonly name: "size"; readonly line: string }
  | { readonly name: "data"; readonly remaining: number }
  | { readonly name: "data-end"; readonly seenCr: boolean }
  | { readonly name: "trailers"; readonly line: string; readonly total: number }
  | { readonly name: "done" };

export class ChunkedDecoder {
  private state: State = { name: "size", line: "" };

  /** Decodes what `input` holds; `rest` is what followed the last chunk (ignored by the edge). */
  push(input: Buffer): ChunkedProgress {
    const chunks: Buffer[] = [];
    let at = 0;
    while (at < input.length && this.state.name !== "done") {
      const state = this.state;
      if (state.name === "data") {
        const take = Math.min(state.remaining, input.length - at);
        chunks.push(input.subarray(at, at + take));
        at += take;
        const remaining = state.remaining - take;
        this.state = remaining === 0 ? { name: "data-end", seenCr: false } : { name: "data", remaining };
        continue;
      }
      const byte = input[at] ?? 0;
      at += 1;
      if (state.name === "data-end") {
        if (byte === 0x0d && !state.seenCr) this.state = { name: "data-end", seenCr: true };
        else if (byte === 0x0a) this.state = { name: "size", line: "" };
        else return { kind: "invalid", reason: "chunk data not followed by CRLF" };
        continue;
      }
      if (byte !== 0x0a) {
        const line = state.line + String.fromCharCode(byte);
        if (state.name === "size") {
          if (line.length > MAX_SIZE_LINE) return { kind: "invalid", reason: "chunk-size line too long" };
          this.state = { name: "size", line };
        } else {
          if (state.total + 1 > MAX_TRAILER_BYTES) return { kind: "invalid", reason: "trailer section too large" };
          this.state = { name: "trailers", line, total: state.total + 1 };
        }
        continue;
      }
      const line = state.line.endsWith("\r") ? state.line.slice(0, -1) : state.line;
      if (state.name === "trailers") {
        this.state = line === "" ? { name: "done" } : { name: "trailers", line: "", total: state.total + 1 };
        continue;
      }
      const match = CHUNK_SIZE.exec(line);
      if (!match) return { kind: "invalid", reason: `invalid chunk-size line: ${JSON.stringify(line.slice(0, 40))}` };
      const size = Number.parseInt(match[1] ?? "", 16);
      this.state = size === 0 ? { name: "trailers", line: "", total: 0 } : { name: "data", remaining: size };
    }
    return { kind: "data", chunks, done: this.state.name === "done", rest: input.subarray(at) };
  }
}
