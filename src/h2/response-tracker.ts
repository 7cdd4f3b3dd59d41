/**
 * What the origin said about one request stream, rebuilt from the frames of the tap alone,
 * independently of what node:http2 made of them: the response header block decoded from the
 * wire, the content, END_STREAM, and which side reset the stream or the connection and why.
 * Every header block of the connection is decoded in order, since HPACK's dynamic table spans
 * streams (RFC 9113 §4.3).
 */
import { FLAGS } from "./frame-names.js";
import type { ScannedFrame } from "./frame-scanner.js";
import { dataContent, headerBlockFragment } from "./frames.js";
import { type HeaderField, HpackDecoder, type HpackErrorCode } from "./hpack-decoder.js";
import { type MalformedHeader, malformedResponseHeaders } from "./malformed-headers.js";

export type Side = "origin" | "client";

export interface H2Response {
  /** `:status` as a number; null when it is missing or not three digits. */
  readonly status: number | null;
  /** The final (non-1xx) response header block, pseudo-header fields included, exactly as decoded. */
  readonly headers: HeaderField[];
  /** Content octets in DATA frames on the stream (padding excluded), all of them. */
  readonly bodyBytes: number;
  /** The first `maxBodyBytes` of the content. */
  readonly body: Buffer;
  /** The origin ended the stream (END_STREAM): it meant the response to be complete. */
  readonly complete: boolean;
  /** A header block after the response (§8.1), when one came. */
  readonly trailers: HeaderField[] | null;
}

export interface StreamReset {
  readonly by: Side;
  readonly errorCode: string;
}

export interface GoawayFacts {
  readonly by: Side;
  readonly errorCode: string;
  readonly lastStreamId: number;
  readonly debugData: string;
}

export interface HeaderDecodingError {
  /**
   * An HPACK error, or a block the tap could not read: a frame over its payload cap, padding or
   * priority fields that do not fit the frame (§6.2), or over MAX_HEADER_BLOCK_BYTES of CONTINUATIONs.
   */
  readonly code: HpackErrorCode | "block_unreadable";
  readonly streamId: number;
  readonly offset: number;
}

export interface ResponseTrackerOptions {
  readonly streamId: number;
  readonly method: string;
  readonly maxBodyBytes: number;
  readonly maxHeaderListBytes: number;
  /** The SETTINGS_HEADER_TABLE_SIZE the client advertised (node's default is 4096). */
  readonly headerTableSize?: number;
  readonly clock: () => number;
}

interface PendingBlock {
  readonly streamId: number;
  readonly isPush: boolean;
  readonly endStream: boolean;
  readonly fragments: Buffer[];
  size: number;
  unbuffered: boolean;
}

/** A header block's CONTINUATIONs are buffered up to this much (the HPACK table may depend on all of it). */
const MAX_HEADER_BLOCK_BYTES = 1024 * 1024;

export class ResponseTracker {
  readonly #options: ResponseTrackerOptions;
  readonly #decoder: HpackDecoder;
  #pending: PendingBlock | null = null;
  #headers: HeaderField[] | null = null;
  #trailers: HeaderField[] | null = null;
  #bodyBytes = 0;
  readonly #body: Buffer[] = [];
  #bodyKept = 0;
  #endStream = false;
  #contentAtEndStream: number | null = null;
  remoteSettings: Record<string, number> | null = null;
  streamReset: StreamReset | null = null;
  #goawayReceived: GoawayFacts | null = null;
  #goawaySent: GoawayFacts | null = null;
  headerDecodingError: HeaderDecodingError | null = null;
  firstFrameMs: number | null = null;
  headersMs: number | null = null;
  completeMs: number | null = null;

  constructor(options: ResponseTrackerOptions) {
    this.#options = options;
    this.#decoder = new HpackDecoder({
      maxTableSize: options.headerTableSize ?? 4096,
      maxHeaderListBytes: options.maxHeaderListBytes,
    });
  }

  onSentFrame(frame: ScannedFrame): void {
    this.#noteTermination(frame, "client");
  }

  onReceivedFrame(frame: ScannedFrame): void {
    const { header, payload, record } = frame;
    this.firstFrameMs ??= this.#options.clock();
    this.#noteTermination(frame, "origin");
    switch (header.type) {
      case "SETTINGS":
        if (record.settings) this.remoteSettings = { ...this.remoteSettings, ...record.settings };
        return;
      case "HEADERS":
      case "PUSH_PROMISE":
        this.#pending = {
          streamId: header.streamId,
          isPush: header.type === "PUSH_PROMISE",
          endStream: (header.flags & FLAGS.END_STREAM) !== 0,
          fragments: [],
          size: 0,
          unbuffered: false,
        };
        this.#addFragment(frame);
        return;
      case "CONTINUATION":
        if (this.#pending?.streamId === header.streamId) this.#addFragment(frame);
        return;
      case "DATA": {
        if (header.streamId !== this.#options.streamId) return;
        const content = payload === null ? null : dataContent(header, payload);
        this.#bodyBytes += content?.length ?? header.length;
        if (content !== null && this.#bodyKept < this.#options.maxBodyBytes) {
          const kept = content.subarray(0, this.#options.maxBodyBytes - this.#bodyKept);
          this.#body.push(Buffer.from(kept));
          this.#bodyKept += kept.length;
        }
        if ((header.flags & FLAGS.END_STREAM) !== 0) this.#noteEndStream();
        return;
      }
      default:
        return;
    }
  }

  /** The response as the origin sent it, or null when no final response header block arrived. */
  get response(): H2Response | null {
    if (this.#headers === null) return null;
    const status = this.#headers.find(([name]) => name === ":status")?.[1];
    return {
      status: status !== undefined && /^\d{3}$/.test(status) ? Number(status) : null,
      headers: this.#headers,
      bodyBytes: this.#bodyBytes,
      body: Buffer.concat(this.#body),
      complete: this.#endStream,
      trailers: this.#trailers,
    };
  }

  /** The GOAWAY the origin sent, or else the one the client sent. */
  get goaway(): GoawayFacts | null {
    return this.#goawayReceived ?? this.#goawaySent;
  }

  get goawayReceived(): GoawayFacts | null {
    return this.#goawayReceived;
  }

  get endStreamReceived(): boolean {
    return this.#endStream;
  }

  malformedHeaders(): MalformedHeader[] {
    if (this.#headers === null) return [];
    return malformedResponseHeaders(this.#headers, {
      method: this.#options.method,
      contentBytesAtEndStream: this.#contentAtEndStream,
    });
  }

  #noteTermination({ header, record }: ScannedFrame, by: Side): void {
    if (header.type === "RST_STREAM" && header.streamId === this.#options.streamId && record.errorCode) {
      this.streamReset ??= { by, errorCode: record.errorCode };
    }
    if (header.type === "GOAWAY" && record.errorCode !== undefined) {
      const facts = {
        by,
        errorCode: record.errorCode,
        lastStreamId: record.lastStreamId ?? 0,
        debugData: record.debugData ?? "",
      };
      if (by === "origin") this.#goawayReceived ??= facts;
      else this.#goawaySent ??= facts;
    }
  }

  #addFragment({ header, payload }: ScannedFrame): void {
    const pending = this.#pending;
    if (pending === null) return;
    const fragment = payload === null ? null : headerBlockFragment(header, payload);
    if (fragment === null || pending.size + fragment.length > MAX_HEADER_BLOCK_BYTES) pending.unbuffered = true;
    else {
      pending.fragments.push(Buffer.from(fragment));
      pending.size += fragment.length;
    }
    if ((header.flags & FLAGS.END_HEADERS) !== 0) {
      this.#pending = null;
      this.#completeBlock(pending);
    }
  }

  #completeBlock(block: PendingBlock): void {
    if (block.unbuffered) {
      this.headerDecodingError ??= { code: "block_unreadable", streamId: block.streamId, offset: 0 };
      return;
    }
    const decoded = this.#decoder.decode(Buffer.concat(block.fragments));
    if (decoded.error !== null) {
      this.headerDecodingError ??= { code: decoded.error.code, streamId: block.streamId, offset: decoded.error.offset };
    }
    if (block.isPush || block.streamId !== this.#options.streamId) return;
    if (this.#headers === null) {
      // §8.1: informational (1xx) responses may precede the final one.
      const status = decoded.fields.find(([name]) => name === ":status")?.[1];
      if (status?.startsWith("1") && status.length === 3 && !block.endStream) return;
      this.#headers = decoded.fields;
      this.headersMs = this.#options.clock();
    } else {
      this.#trailers = decoded.fields;
    }
    if (block.endStream) this.#noteEndStream();
  }

  #noteEndStream(): void {
    if (this.#endStream) return;
    this.#endStream = true;
    this.#contentAtEndStream = this.#bodyBytes;
    this.completeMs = this.#options.clock();
  }
}
