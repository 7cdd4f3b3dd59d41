/**
 * An incremental, bounded reader of one HTTP/1.1 response, fed socket chunks as they arrive.
 * It reads the response as the edge would (DESIGN.md, "A response is judged…"): interim 1xx
 * responses are skipped to the final one; HEAD, 1xx, 204 and 304 have no body; the body is
 * delimited by chunked framing, else Content-Length, else the close of the connection
 * (RFC 9112 §6.3: with Transfer-Encoding present, Content-Length is ignored).
 * It knows when the response is complete, so a keep-alive connection need not be waited on.
 * Every byte is examined once (O(n) even when bytes come one at a time), header bytes are
 * capped by `headerReadCap`, and at most `maxBodyBytes` body bytes are read.
 */
import { ChunkedDecoder, type ChunkFramingError } from "./chunked-decoder.js";
import { type ParsedHead, parseResponseHead, statusCodeOf } from "./head-parser.js";
import { headerReadCap } from "./header-limits.js";
import { recogniseProtocol } from "./recognise-protocol.js";

export interface ResponseReaderOptions {
  /** The request method: a response to HEAD has no body. */
  readonly method: string;
  readonly maxHeaderSize: number;
  readonly maxBodyBytes: number;
}

export type Framing = "chunked" | "content-length" | "close" | "none";

/** Why the reader wants no more bytes. */
export type ReaderStop =
  | "complete"
  /** the header read cap was reached before the end of the head */
  | "head_cap"
  /** `maxBodyBytes` were read and more body was coming */
  | "body_cap"
  /** Content-Length that the edge rejects: the body cannot be delimited */
  | "invalid_framing"
  /** the chunked framing broke */
  | "broken_chunks"
  /** the bytes do not start with a status line: not HTTP/1.x */
  | "not_http";

export interface ResponseRecord {
  readonly bytesReceived: number;
  /** Up to 256 first bytes of the response (latin1), for evidence. */
  readonly firstBytes: string;
  /** The first MAX_KEPT_INTERIM interim (1xx) heads; `interimCount` counts them all. */
  readonly interim: readonly ParsedHead[];
  readonly interimCount: number;
  /** Header bytes read across every head (interim ones included), at most `headerReadCap`. */
  readonly headerBytesRead: number;
  /** The final response head, once it ended with its empty line. */
  readonly head: ParsedHead | null;
  /** The head the reading stopped in (read cap, close, timeout), parsed as far as it goes. */
  readonly partialHead: ParsedHead | null;
  /** The bytes of `head` or `partialHead`, as received (at most the header read cap). */
  readonly rawHead: Buffer | null;
  /** The bytes do not start with a status line: reading stopped there (`rawHead` has what arrived). */
  readonly noStatusLine: boolean;
  readonly framing: Framing | null;
  readonly contentLength: number | null;
  /** Body bytes read (after chunked decoding); all of them are kept in `body`. */
  readonly bodyBytes: number;
  readonly body: Buffer;
  readonly bodyComplete: boolean;
  readonly chunkError: ChunkFramingError | null;
  readonly stop: ReaderStop | null;
  /** Bytes received after the reader stopped (after a complete response, or beyond a cap). */
  readonly unreadBytes: number;
  readonly headerReadCap: number;
}

const CR = 0x0d;
const LF = 0x0a;
const STATUS_PREFIX = [0x48, 0x54, 0x54, 0x50, 0x2f]; // "HTTP/"
const FIRST_BYTES = 256;
/** What is kept of a reply that is not HTTP, to tell what answered (a banner, a TLS alert, frames). */
const NOT_HTTP_EVIDENCE_BYTES = 256;
/** Protocols whose first bytes name them: nothing more is needed (they have no lines). */
const BINARY_PROTOCOLS: ReadonlySet<string> = new Set(["tls", "http2", "mysql"]);
/** An origin can send 1xx heads until the read cap (40,000 "100 Continue"): only the first few are kept. */
export const MAX_KEPT_INTERIM = 16;

export class ResponseReader {
  private readonly headCap: number;
  private bytesReceived = 0;
  private firstBytes = "";
  private unreadBytes = 0;
  /** "not_http": the reply is not HTTP; a little more of it is kept, to tell what it is. */
  private phase: "head" | "body" | "not_http" = "head";
  private stop: ReaderStop | null = null;

  private readonly headBuffer: ByteAccumulator;
  private headBytesRead = 0;
  private skippingEmptyLines = true;
  private prefixMatched = 0;
  private lineLength = 0;
  private previousByte = 0;

  private readonly interim: ParsedHead[] = [];
  private interimCount = 0;
  private head: ParsedHead | null = null;
  private rawHead: Buffer | null = null;
  private noStatusLine = false;

  private framing: Framing | null = null;
  private contentLength: number | null = null;
  private readonly body: ByteAccumulator;
  private bodyComplete = false;
  private chunked: ChunkedDecoder | null = null;

  constructor(private readonly options: ResponseReaderOptions) {
    this.headCap = headerReadCap(options.maxHeaderSize);
    this.headBuffer = new ByteAccumulator(this.headCap);
    this.body = new ByteAccumulator(Math.max(0, options.maxBodyBytes));
  }

  /** true once the reader wants no more bytes (see `ReaderStop`). */
  get finished(): boolean {
    return this.stop !== null;
  }

  /** true once the body (or its absence) is complete as framed. */
  get responseComplete(): boolean {
    return this.bodyComplete;
  }

  /** true once the final response head has been read. */
  get headComplete(): boolean {
    return this.head !== null;
  }

  push(chunk: Buffer): void {
    this.bytesReceived += chunk.length;
    if (this.firstBytes.length < FIRST_BYTES) {
      this.firstBytes += chunk.toString("latin1", 0, Math.min(chunk.length, FIRST_BYTES - this.firstBytes.length));
    }
    let index = 0;
    while (index < chunk.length && this.stop === null) {
      index =
        this.phase === "head"
          ? this.readHead(chunk, index)
          : this.phase === "body"
            ? this.readBody(chunk, index)
            : this.readNotHttp(chunk, index);
    }
    this.unreadBytes += chunk.length - index;
  }

  /** The peer closed the connection cleanly: a close-delimited body ends here. */
  endOfStream(): void {
    if (this.stop === null && this.phase === "body" && this.framing === "close") {
      this.bodyComplete = true;
      this.stop = "complete";
    }
    if (this.stop === null && this.phase === "not_http") this.endNotHttp();
  }

  record(): ResponseRecord {
    const cutHead = this.head === null && !this.noStatusLine && this.headBuffer.length > 0;
    const rawCut = cutHead ? Buffer.from(this.headBuffer.view()) : null;
    return {
      bytesReceived: this.bytesReceived,
      firstBytes: this.firstBytes,
      interim: this.interim,
      interimCount: this.interimCount,
      headerBytesRead: this.headBytesRead,
      head: this.head,
      partialHead: rawCut === null ? null : parseResponseHead(rawCut, { complete: false }),
      rawHead: this.rawHead ?? rawCut,
      noStatusLine: this.noStatusLine,
      framing: this.framing,
      contentLength: this.contentLength,
      bodyBytes: this.body.length,
      body: Buffer.from(this.body.view()),
      bodyComplete: this.bodyComplete,
      chunkError: this.chunked?.error ?? null,
      stop: this.stop,
      unreadBytes: this.unreadBytes,
      headerReadCap: this.headCap,
    };
  }

  /** Scans for the empty line that ends a head; returns where it stopped in `chunk`. */
  private readHead(chunk: Buffer, start: number): number {
    const room = this.headCap - this.headBytesRead;
    const end = Math.min(chunk.length, start + room);
    for (let index = start; index < end; index++) {
      const byte = chunk[index] ?? 0;
      if (this.skippingEmptyLines) {
        // httparse skips empty lines before the status line (`skip_empty_lines`).
        if (byte === CR || byte === LF) continue;
        this.skippingEmptyLines = false;
      }
      if (this.prefixMatched < STATUS_PREFIX.length) {
        const wanted = STATUS_PREFIX[this.prefixMatched];
        const matches = this.prefixMatched < 4 ? (byte & 0xdf) === wanted : byte === wanted;
        if (!matches) return this.stopNotHttp(chunk, start, index);
        this.prefixMatched++;
      }
      if (byte === LF) {
        // An empty line (CRLF or bare LF, RFC 9112 §2.2) ends the head.
        if (this.lineLength === 0 || (this.lineLength === 1 && this.previousByte === CR)) {
          this.appendHead(chunk, start, index + 1);
          this.endHead();
          return index + 1;
        }
        this.lineLength = 0;
      } else {
        this.lineLength++;
      }
      this.previousByte = byte;
    }
    this.appendHead(chunk, start, end);
    if (end < chunk.length || this.headBytesRead >= this.headCap) this.stop = "head_cap";
    return end;
  }

  private appendHead(chunk: Buffer, start: number, end: number): void {
    this.headBuffer.append(chunk.subarray(start, end));
    this.headBytesRead += end - start;
  }

  /**
   * No status line: the edge's parser fails at the first byte that is not "HTTP/". Reading goes on
   * only until the first line (or NOT_HTTP_EVIDENCE_BYTES) has arrived, enough to name what
   * answered: a mail server's banner would otherwise keep the connection open until the deadline.
   */
  private stopNotHttp(chunk: Buffer, start: number, index: number): number {
    this.noStatusLine = true;
    this.phase = "not_http";
    // What came before the offending byte (empty lines, a partial "HTTP/") is kept as it was read.
    this.appendHead(
      chunk,
      start,
      Math.min(index, start + Math.max(0, NOT_HTTP_EVIDENCE_BYTES - this.headBuffer.length)),
    );
    return this.readNotHttp(chunk, index);
  }

  /**
   * Up to the first line end (or the evidence cap), wherever the chunks happen to split; a binary
   * protocol (a TLS record, HTTP/2 frames) is told by its first bytes and has no lines to wait for.
   */
  private readNotHttp(chunk: Buffer, start: number): number {
    const room = Math.max(0, NOT_HTTP_EVIDENCE_BYTES - this.headBuffer.length);
    const lf = chunk.indexOf(LF, start);
    const end = Math.min(chunk.length, start + room, lf === -1 ? chunk.length : lf + 1);
    this.appendHead(chunk, start, end);
    const told = BINARY_PROTOCOLS.has(recogniseProtocol(this.headBuffer.view().toString("latin1")) ?? "");
    if ((lf !== -1 && lf < end) || told || this.headBuffer.length >= NOT_HTTP_EVIDENCE_BYTES) this.endNotHttp();
    return end;
  }

  /** true while a reply that is not HTTP is read on, for evidence only: the caller may stop it early. */
  get readingEvidenceOnly(): boolean {
    return this.phase === "not_http" && this.stop === null;
  }

  /** Stops reading a reply that is not HTTP with what has arrived (the caller's grace ran out). */
  stopReadingEvidence(): void {
    if (this.readingEvidenceOnly) this.endNotHttp();
  }

  private endNotHttp(): void {
    this.rawHead = Buffer.from(this.headBuffer.view());
    this.headBuffer.clear();
    this.stop = "not_http";
  }

  private endHead(): void {
    this.skippingEmptyLines = true;
    this.prefixMatched = 0;
    this.lineLength = 0;
    this.previousByte = 0;
    // Beyond the kept interim heads, a 1xx head is only counted: parsing 40,000 of them costs memory.
    if (this.interim.length >= MAX_KEPT_INTERIM && isInterimStatus(statusCodeOf(this.headBuffer.view()))) {
      this.headBuffer.clear();
      this.interimCount++;
      return;
    }
    const raw = Buffer.from(this.headBuffer.view());
    this.headBuffer.clear();
    const parsed = parseResponseHead(raw, { complete: true });
    if (isInterimStatus(parsed.statusCode)) {
      this.interimCount++;
      this.interim.push(parsed);
      return;
    }
    this.head = parsed;
    this.rawHead = raw;
    this.phase = "body";
    this.chooseFraming(parsed);
  }

  private chooseFraming(head: ParsedHead): void {
    const code = head.statusCode;
    if (this.options.method === "HEAD" || code === 204 || code === 304 || (code !== null && code < 200)) {
      this.framing = "none";
    } else if (head.transferEncoding.present) {
      // RFC 9112 §6.3: chunked last → chunked; any other coding in a response → read until close.
      this.framing = head.transferEncoding.chunked ? "chunked" : "close";
    } else if (!head.contentLengthUsable) {
      this.stop = "invalid_framing";
      return;
    } else if (head.contentLength !== null) {
      this.framing = "content-length";
      this.contentLength = head.contentLength;
    } else {
      this.framing = "close";
    }
    if (this.framing === "chunked") this.chunked = new ChunkedDecoder(this.headCap);
    if (this.framing === "none" || this.contentLength === 0) {
      this.bodyComplete = true;
      this.stop = "complete";
    }
  }

  private readBody(chunk: Buffer, start: number): number {
    switch (this.framing) {
      case "content-length":
        return this.readContentLength(chunk, start);
      case "chunked":
        return this.readChunked(chunk, start);
      default:
        return this.readCloseDelimited(chunk, start);
    }
  }

  private budget(): number {
    return Math.max(0, this.options.maxBodyBytes - this.body.length);
  }

  private readContentLength(chunk: Buffer, start: number): number {
    const expected = this.contentLength ?? 0;
    const take = Math.min(chunk.length - start, expected - this.body.length, this.budget());
    this.body.append(chunk.subarray(start, start + take));
    if (this.body.length >= expected) {
      this.bodyComplete = true;
      this.stop = "complete";
    } else if (this.budget() === 0) {
      this.stop = "body_cap";
    }
    return start + take;
  }

  private readCloseDelimited(chunk: Buffer, start: number): number {
    const take = Math.min(chunk.length - start, this.budget());
    this.body.append(chunk.subarray(start, start + take));
    // Only a byte beyond the budget proves the body is longer than what is read.
    if (start + take < chunk.length) this.stop = "body_cap";
    return start + take;
  }

  private readChunked(chunk: Buffer, start: number): number {
    const decoder = this.chunked;
    if (decoder === null) return chunk.length;
    const next = decoder.push(chunk, start, this.budget(), (data) => this.body.append(data));
    if (decoder.error !== null) this.stop = "broken_chunks";
    else if (decoder.done) {
      this.bodyComplete = true;
      this.stop = "complete";
    } else if (decoder.waitingForBudget) this.stop = "body_cap";
    return next;
  }
}

/** 1xx responses other than 101 are interim (RFC 9110 §15.2): the final response follows. */
function isInterimStatus(code: number | null): boolean {
  return code !== null && code >= 100 && code < 200 && code !== 101;
}

/** A byte buffer that grows by doubling up to a fixed limit, so many tiny chunks cost O(n) in all. */
class ByteAccumulator {
  private buffer = Buffer.alloc(0);
  length = 0;

  constructor(private readonly limit: number) {}

  append(data: Buffer): void {
    if (data.length === 0) return;
    const needed = this.length + data.length;
    if (needed > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, Math.min(this.limit, Math.max(this.buffer.length * 2, 1024))));
      this.buffer.copy(grown, 0, 0, this.length);
      this.buffer = grown;
    }
    data.copy(this.buffer, this.length);
    this.length = needed;
  }

  view(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  clear(): void {
    this.length = 0;
  }
}
