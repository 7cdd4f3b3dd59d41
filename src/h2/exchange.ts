/**
 * One HTTP/2 request on a TLS socket that already negotiated ALPN `h2`, made the way the edge
 * makes it: the caller connected with `ALPNProtocols: ["h2", "http/1.1"]`, Pingora's order
 * (cloudflare/pingora `pingora-core/src/protocols/tls/mod.rs`, `ALPN::H2H1`; undici offers http/1.1 first and cannot
 * stand in).
 *
 * node:http2 runs the protocol; a tap on the socket records every frame both ways and decodes the
 * origin's header blocks itself, so the result says what the origin sent even where nghttp2 only
 * says PROTOCOL_ERROR, and who reset what. Facts only: it never throws for anything the origin
 * does, returns promptly when `signal` aborts, and destroys the session and the socket in every
 * outcome.
 */
import type { ClientHttp2Session, OutgoingHttpHeaders } from "node:http2";
import { createRequire } from "node:module";
import type { TLSSocket } from "node:tls";
import { monotonicMs } from "../text/monotonic-ms.js";
import { roundMs } from "../text/round-ms.js";
import { BoundedLog } from "./bounded-log.js";
import { FrameScanner, type NotHttp2 } from "./frame-scanner.js";
import type { FrameRecord } from "./frames.js";
import type { MalformedHeader } from "./malformed-headers.js";
import { h2RequestFields } from "./request-fields.js";
import {
  type GoawayFacts,
  type H2Response,
  type HeaderDecodingError,
  ResponseTracker,
  type Side,
} from "./response-tracker.js";
import { type TapObserver, tapSocket } from "./socket-tap.js";

export interface H2ExchangeOptions {
  /** Connected, handshake done, `alpnProtocol === "h2"`. The exchange owns it from here. */
  readonly socket: TLSSocket;
  /** `:authority` (the Host of HTTP/2, RFC 9113 §8.3.1): host, or host:port. */
  readonly authority: string;
  readonly method: string;
  readonly path: string;
  /** Extra request fields; connection-specific ones and Host are left out, as HTTP/2 requires (§8.2.2). */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly maxBodyBytes: number;
  /** Kept by the tap's decoder, and advertised as SETTINGS_MAX_HEADER_LIST_SIZE (node enforces it too). */
  readonly maxHeaderListBytes: number;
  readonly signal: AbortSignal;
  /** Frame records kept, first half and last half (default 256). */
  readonly maxFrameRecords?: number;
}

/**
 * complete: the response ended and node:http2 accepted it. stream_reset: an RST_STREAM on the
 * request's stream, from either side (`streamResetBy`). goaway: the origin sent GOAWAY before the
 * response completed. session_error: the connection failed otherwise (bytes that are not HTTP/2,
 * a SETTINGS or frame the client rejected). closed: the connection ended with no HTTP/2 reason.
 */
export type H2ExchangeEnd = "complete" | "stream_reset" | "goaway" | "session_error" | "closed" | "timeout" | "aborted";

export interface H2Exchange {
  /** Both directions in arrival order, preface excluded. */
  readonly frames: FrameRecord[];
  readonly framesDropped: number;
  /** A direction that was not HTTP/2 at all; in practice the origin's. */
  readonly notHttp2: (NotHttp2 & { readonly direction: "sent" | "received" }) | null;
  /** The origin's SETTINGS, merged in order; null when none arrived. */
  readonly remoteSettings: Record<string, number> | null;
  readonly response: H2Response | null;
  readonly end: H2ExchangeEnd;
  /** The error code of the RST_STREAM that closed the request's stream (RFC 9113 §7 name). */
  readonly streamError?: string;
  readonly streamResetBy?: Side;
  /** The GOAWAY the origin sent, or else the one node sent. */
  readonly goaway?: GoawayFacts;
  /** node's `err.code` for the session's error, e.g. ERR_HTTP2_SESSION_ERROR, ERR_HTTP2_ERROR. */
  readonly sessionErrorCode?: string;
  /** Its message: nghttp2's words for what it rejected ("Protocol error", "Flow control error"). */
  readonly sessionErrorMessage?: string;
  /** The socket's own error (ECONNRESET …), when it had one. */
  readonly socketErrorCode?: string;
  /** Why the response header block is malformed (RFC 9113 §8.1.1), field by field. */
  readonly malformedHeaders: MalformedHeader[];
  /** The tap could not decode a header block: the response's fields may be missing or partial. */
  readonly headerDecodingError?: HeaderDecodingError;
  /**
   * Milliseconds from the start of the exchange, read from the tap: the origin's first frame, its
   * final response header block, its END_STREAM. Null for what never happened.
   */
  readonly timings: { firstFrameMs: number | null; headersMs: number | null; completeMs: number | null };
}

/**
 * node:http2, loaded only when an origin selects h2: it costs tens of milliseconds to load, a good
 * part of the start-up budget of a diagnosis that never needs it (DESIGN.md "Budgets"). Through
 * require, not import(): the bundle's V8 code cache cannot hold a dynamic import (scripts/bundle.mjs).
 */
function loadHttp2(): typeof import("node:http2") {
  return createRequire(import.meta.url)("node:http2") as typeof import("node:http2");
}

/** node:http2 numbers the client's first stream 1 (RFC 9113 §5.1.1), and we open one stream. */
const REQUEST_STREAM_ID = 1;

export async function runH2Exchange(options: H2ExchangeOptions): Promise<H2Exchange> {
  const started = monotonicMs();
  const clock = (): number => roundMs(monotonicMs() - started);
  const log = new BoundedLog<FrameRecord>(options.maxFrameRecords ?? 256);
  const tracker = new ResponseTracker({
    streamId: REQUEST_STREAM_ID,
    method: options.method,
    maxBodyBytes: options.maxBodyBytes,
    maxHeaderListBytes: options.maxHeaderListBytes,
    clock,
  });
  const sent = new FrameScanner({ direction: "sent", log, clock, onFrame: (frame) => tracker.onSentFrame(frame) });
  const received = new FrameScanner({
    direction: "received",
    log,
    clock,
    onFrame: (frame) => tracker.onReceivedFrame(frame),
  });
  const { connect } = loadHttp2();
  const outcome = await driveSession(
    connect,
    options,
    { sent: (chunk) => sent.push(chunk), received: (chunk) => received.push(chunk), receivedEnd: () => received.end() },
    // The record stops where the exchange does: what node writes while tearing down is not part of it.
    () => {
      sent.end();
      received.end();
    },
  );
  const notHttp2 = received.notHttp2 ?? sent.notHttp2;
  return {
    frames: log.entries(),
    framesDropped: log.dropped,
    notHttp2: notHttp2 === null ? null : { ...notHttp2, direction: received.notHttp2 !== null ? "received" : "sent" },
    remoteSettings: tracker.remoteSettings,
    response: tracker.response,
    end: outcome.interrupted ?? classify(tracker, outcome, notHttp2 !== null),
    ...(tracker.streamReset
      ? { streamError: tracker.streamReset.errorCode, streamResetBy: tracker.streamReset.by }
      : {}),
    ...(tracker.goaway ? { goaway: tracker.goaway } : {}),
    ...(outcome.sessionError?.code
      ? { sessionErrorCode: outcome.sessionError.code, sessionErrorMessage: outcome.sessionError.message }
      : {}),
    ...(outcome.socketError?.code ? { socketErrorCode: outcome.socketError.code } : {}),
    malformedHeaders: tracker.malformedHeaders(),
    ...(tracker.headerDecodingError ? { headerDecodingError: tracker.headerDecodingError } : {}),
    timings: { firstFrameMs: tracker.firstFrameMs, headersMs: tracker.headersMs, completeMs: tracker.completeMs },
  };
}

interface SessionOutcome {
  readonly interrupted: "timeout" | "aborted" | null;
  /** node:http2 delivered the end of the response (it accepted it). */
  readonly nodeCompleted: boolean;
  readonly sessionError: NodeJS.ErrnoException | null;
  readonly socketError: NodeJS.ErrnoException | null;
}

/**
 * Runs node:http2 over the tapped socket until the request's stream closes, the session closes or
 * `signal` aborts; calls `onFinish`, destroys the session and the socket, and says how it went.
 */
function driveSession(
  connect: typeof import("node:http2").connect,
  options: H2ExchangeOptions,
  observer: TapObserver,
  onFinish: () => void,
): Promise<SessionOutcome> {
  const { socket, signal } = options;
  return new Promise((resolve) => {
    let session: ClientHttp2Session | null = null;
    let sessionError: NodeJS.ErrnoException | null = null;
    let socketError: NodeJS.ErrnoException | null = null;
    let nodeCompleted = false;
    let finished = false;
    const finish = (interrupted: SessionOutcome["interrupted"]): void => {
      if (finished) return;
      finished = true;
      signal.removeEventListener("abort", onAbort);
      onFinish();
      resolve({ interrupted, nodeCompleted, sessionError, socketError });
      session?.destroy();
      socket.destroy();
    };
    const onAbort = (): void => finish(isTimeout(signal.reason) ? "timeout" : "aborted");

    socket.on("error", (error: NodeJS.ErrnoException) => {
      socketError ??= error;
    });
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    if (socket.destroyed) return finish(null);

    const tap = tapSocket(socket, observer);
    try {
      const live = connect(`https://${options.authority}`, {
        createConnection: () => tap,
        settings: { enablePush: false, maxHeaderListSize: options.maxHeaderListBytes },
        // node's own default of 128 fields resets larger responses (ENHANCE_YOUR_CALM) that the edge
        // accepts; each field costs at least 32 octets of the list size (§6.5.2), so that cap suffices.
        maxHeaderListPairs: Math.ceil(options.maxHeaderListBytes / 32) + 8,
      });
      session = live;
      live.on("error", (error: NodeJS.ErrnoException) => {
        sessionError ??= error;
      });
      live.on("close", () => finish(null));
      const request = live.request(requestFields(options), { endStream: true });
      request.on("error", () => {}); // its code is on the wire (RST_STREAM) or on the session
      request.on("end", () => {
        nodeCompleted = true;
      });
      // When the session is going down too, its error comes after the stream's close: wait for it.
      request.on("close", () => {
        if (!live.destroyed && !live.closed) finish(null);
      });
      request.resume(); // the content is read from the tap, bounded there
    } catch (error) {
      sessionError ??= error as NodeJS.ErrnoException;
      finish(null);
    }
  });
}

function requestFields(options: H2ExchangeOptions): OutgoingHttpHeaders {
  const fields: OutgoingHttpHeaders = {};
  for (const [name, value] of h2RequestFields(options)) {
    const existing = fields[name];
    fields[name] =
      existing === undefined ? value : [...(Array.isArray(existing) ? existing : [String(existing)]), value];
  }
  return fields;
}

/** The wire decides; node's view only breaks the tie between "complete" and a rejection it did not put on the wire. */
function classify(tracker: ResponseTracker, outcome: SessionOutcome, notHttp2: boolean): H2ExchangeEnd {
  // After a complete response an RST_STREAM(NO_ERROR) is allowed (§8.1): complete wins.
  if (tracker.endStreamReceived && outcome.nodeCompleted) return "complete";
  if (tracker.streamReset !== null) return "stream_reset";
  if (tracker.goawayReceived !== null) return "goaway";
  if (outcome.sessionError !== null || notHttp2 || tracker.goaway !== null) return "session_error";
  return "closed";
}

/** A DeadlineExceeded (deadline.ts) or AbortSignal.timeout()'s DOMException. */
function isTimeout(reason: unknown): boolean {
  return typeof reason === "object" && reason !== null && (reason as { name?: unknown }).name === "TimeoutError";
}
