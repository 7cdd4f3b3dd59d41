/**
 * Reads the bytes of one direction of an HTTP/2 connection, in whatever pieces they arrive,
 * and turns them into frame records. The client's direction starts with the connection preface
 * (RFC 9113 §3.4), which is checked and skipped; in both directions the first frame must be
 * SETTINGS (§3.4). When the bytes are not HTTP/2 at all (an origin that selected h2 in ALPN and
 * then wrote `HTTP/1.1 200 OK`), the scanner says so as a typed fact and stops parsing.
 * Memory is bounded: payloads larger than `maxPayloadBytes` are skipped, records are a BoundedLog.
 */
import { BoundedLog } from "./bounded-log.js";
import { FRAME_TYPES } from "./frame-names.js";
import {
  CONNECTION_PREFACE,
  type Direction,
  describeFrame,
  FRAME_HEADER_BYTES,
  type FrameHeader,
  type FrameRecord,
  parseFrameHeader,
} from "./frames.js";

/** Bytes of the start of the stream kept to show what came instead of HTTP/2. */
export const FIRST_BYTES_KEPT = 64;

export interface NotHttp2 {
  /** What the bytes should have been. */
  readonly expected: "connection preface" | "SETTINGS frame";
  /** The first bytes of this direction, one character per byte (latin1). */
  readonly firstBytes: string;
  /** They start like an HTTP/1.x status line or request line. */
  readonly looksLikeHttp1: boolean;
}

export interface ScannedFrame {
  readonly header: FrameHeader;
  /** The whole payload, or null when it was larger than `maxPayloadBytes`. */
  readonly payload: Buffer | null;
  readonly record: FrameRecord;
}

export interface FrameScannerOptions {
  readonly direction: Direction;
  /** The direction begins with the client preface; by default the "sent" (client → server) one does. */
  readonly expectPreface?: boolean;
  /** Records kept (first half and last half); ignored when `log` is given. Default 256. */
  readonly maxRecords?: number;
  /** Share one log between the two directions of a connection, so the records are in arrival order. */
  readonly log?: BoundedLog<FrameRecord>;
  /** Largest payload buffered; the default allows any frame within SETTINGS_MAX_FRAME_SIZE's default (§6.5.2) and then some. */
  readonly maxPayloadBytes?: number;
  /** Milliseconds for `atMs` on each record. */
  readonly clock?: () => number;
  /** Called for each complete frame, after its record is logged. */
  readonly onFrame?: (frame: ScannedFrame) => void;
}

const DEFAULT_MAX_RECORDS = 256;
const DEFAULT_MAX_PAYLOAD_BYTES = 64 * 1024;
const HTTP1_START = /^(?:HTTP\/\d|[A-Z]+ \S+ HTTP\/\d)/;

type State =
  | { readonly kind: "preface"; matched: number }
  | { readonly kind: "header" }
  | { readonly kind: "payload"; readonly header: FrameHeader; remaining: number; readonly chunks: Buffer[] | null }
  | { readonly kind: "stopped" };

export class FrameScanner {
  readonly #options: FrameScannerOptions;
  readonly #log: BoundedLog<FrameRecord>;
  readonly #maxPayloadBytes: number;
  #state: State;
  #headerBytes = Buffer.alloc(0);
  #firstBytes = Buffer.alloc(0);
  #framesSeen = 0;
  #bytes = 0;
  #prefaceSeen = false;
  #notHttp2Expected: NotHttp2["expected"] | null = null;
  #ended = false;
  #truncated = false;

  constructor(options: FrameScannerOptions) {
    this.#options = options;
    this.#log = options.log ?? new BoundedLog(options.maxRecords ?? DEFAULT_MAX_RECORDS);
    this.#maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
    const expectPreface = options.expectPreface ?? options.direction === "sent";
    this.#state = expectPreface ? { kind: "preface", matched: 0 } : { kind: "header" };
  }

  /** Feeds the next bytes of this direction. Never throws. */
  push(chunk: Uint8Array): void {
    if (this.#ended || chunk.length === 0) return;
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.#bytes += bytes.length;
    if (this.#firstBytes.length < FIRST_BYTES_KEPT) {
      this.#firstBytes = Buffer.concat([
        this.#firstBytes,
        bytes.subarray(0, FIRST_BYTES_KEPT - this.#firstBytes.length),
      ]);
    }
    let offset = 0;
    while (offset < bytes.length && this.#state.kind !== "stopped") {
      offset = this.#step(bytes, offset);
    }
  }

  /** The direction is over (FIN, reset, or the exchange ended): a frame cut short is noted, not guessed at. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    const state = this.#state;
    if (state.kind === "payload" || (state.kind === "header" && this.#headerBytes.length > 0)) this.#truncated = true;
    if (state.kind === "preface" && state.matched > 0) this.#truncated = true;
    // A first frame cut short can still be told apart from HTTP/2 by what arrived of it.
    if (state.kind === "header" && this.#framesSeen === 0 && !couldStartSettings(this.#headerBytes)) {
      this.#stop("SETTINGS frame");
    }
  }

  get records(): FrameRecord[] {
    return this.#log.entries();
  }

  get dropped(): number {
    return this.#log.dropped;
  }

  /** Built when asked, so that `firstBytes` holds the first bytes that arrived after the stop too. */
  get notHttp2(): NotHttp2 | null {
    if (this.#notHttp2Expected === null) return null;
    const firstBytes = this.#firstBytes.toString("latin1");
    return { expected: this.#notHttp2Expected, firstBytes, looksLikeHttp1: HTTP1_START.test(firstBytes) };
  }

  /** The client connection preface was read in full. */
  get prefaceSeen(): boolean {
    return this.#prefaceSeen;
  }

  /** Bytes fed in so far. */
  get bytes(): number {
    return this.#bytes;
  }

  /** The direction ended inside the preface or a frame. */
  get truncated(): boolean {
    return this.#truncated;
  }

  #step(bytes: Buffer, offset: number): number {
    const state = this.#state;
    switch (state.kind) {
      case "preface": {
        const take = Math.min(CONNECTION_PREFACE.length - state.matched, bytes.length - offset);
        const expected = CONNECTION_PREFACE.subarray(state.matched, state.matched + take);
        if (!bytes.subarray(offset, offset + take).equals(expected)) {
          this.#stop("connection preface");
          return bytes.length;
        }
        state.matched += take;
        if (state.matched === CONNECTION_PREFACE.length) {
          this.#prefaceSeen = true;
          this.#state = { kind: "header" };
        }
        return offset + take;
      }
      case "header": {
        const take = Math.min(FRAME_HEADER_BYTES - this.#headerBytes.length, bytes.length - offset);
        this.#headerBytes = Buffer.concat([this.#headerBytes, bytes.subarray(offset, offset + take)]);
        if (this.#headerBytes.length < FRAME_HEADER_BYTES) return offset + take;
        const header = parseFrameHeader(this.#headerBytes);
        this.#headerBytes = Buffer.alloc(0);
        if (header === null) return offset + take;
        // §3.4: each endpoint's preface ends with (or is) a SETTINGS frame, so it comes first.
        if (this.#framesSeen === 0 && !isSettings(header)) {
          this.#stop("SETTINGS frame");
          return bytes.length;
        }
        const buffered = header.length <= this.#maxPayloadBytes;
        this.#state = { kind: "payload", header, remaining: header.length, chunks: buffered ? [] : null };
        if (header.length === 0) this.#finishFrame();
        return offset + take;
      }
      case "payload": {
        const take = Math.min(state.remaining, bytes.length - offset);
        state.chunks?.push(bytes.subarray(offset, offset + take));
        state.remaining -= take;
        if (state.remaining === 0) this.#finishFrame();
        return offset + take;
      }
      case "stopped":
        return bytes.length;
    }
  }

  #finishFrame(): void {
    const state = this.#state;
    if (state.kind !== "payload") return;
    this.#state = { kind: "header" };
    this.#framesSeen += 1;
    const payload = state.chunks === null ? null : Buffer.concat(state.chunks);
    const record = describeFrame(this.#options.direction, state.header, payload, this.#options.clock?.());
    this.#log.push(record);
    this.#options.onFrame?.({ header: state.header, payload, record });
  }

  #stop(expected: NotHttp2["expected"]): void {
    this.#state = { kind: "stopped" };
    this.#notHttp2Expected = expected;
  }
}

function isSettings(header: FrameHeader): boolean {
  return header.typeCode === FRAME_TYPES.SETTINGS && header.streamId === 0;
}

/** Whether a partial frame header can still become the first SETTINGS frame (type 0x4 on stream 0). */
function couldStartSettings(partial: Buffer): boolean {
  if (partial.length === 0) return true;
  if (partial.length > 3 && partial[3] !== FRAME_TYPES.SETTINGS) return false;
  return partial.subarray(5).every((byte) => byte === 0);
}
