/**
 * One HTTP/1.1 exchange on a connected socket (plain TCP or TLS): writes the raw request and
 * feeds the raw response to a bounded reader (DESIGN.md: a high-level client would normalise or
 * reject exactly the bytes the user needs to see). It stops as soon as the response is complete,
 * so a keep-alive origin is not waited on, returns promptly when `signal` aborts, and destroys
 * the socket however it ends.
 */
import type { Socket } from "node:net";
import { type Stop, stopOf } from "../deadline.js";
import { monotonicMs } from "../text/monotonic-ms.js";
import type { ResponseReader } from "./response-reader.js";

/** How long a reply that is not HTTP may go on arriving, for evidence, before the exchange ends. */
const NOT_HTTP_GRACE_MS = 250;

export interface ExchangeEnd {
  /**
   * "complete": the reader wanted no more bytes (see `ResponseRecord.stop`);
   * "closed": the peer closed cleanly first; "reset": ECONNRESET, or EPIPE on the write;
   * "stopped": a deadline fired or the run was cancelled (see `stop`); "error": any other socket error.
   */
  readonly kind: "complete" | "closed" | "reset" | "stopped" | "error";
  readonly errorCode: string | null;
  readonly during: "write" | "read";
  /** From the start of the exchange until it ended. */
  readonly elapsedMs: number;
  readonly stop: Stop | null;
}

export interface Exchange {
  readonly end: ExchangeEnd;
  /** From the start of the exchange, or null when it never happened. */
  readonly firstByteMs: number | null;
  readonly headMs: number | null;
  readonly completeMs: number | null;
}

/** Writes the request and feeds the reader until it is satisfied, or the socket ends, fails or `signal` aborts. */
export function exchangeHttp1(
  socket: Socket,
  request: Buffer,
  reader: ResponseReader,
  signal: AbortSignal,
): Promise<Exchange> {
  const started = monotonicMs();
  return new Promise((resolve) => {
    const since = () => monotonicMs() - started;
    let firstByteMs: number | null = null;
    let headMs: number | null = null;
    let written = false;
    let settled = false;

    const finish = (kind: ExchangeEnd["kind"], errorCode: string | null = null) => {
      if (settled) return;
      settled = true;
      clearTimeout(evidenceGrace);
      const elapsedMs = since();
      socket.off("data", onData);
      socket.off("end", onEnd);
      socket.off("close", onEnd);
      socket.off("error", onError);
      signal.removeEventListener("abort", onAbort);
      socket.destroy();
      const completeMs = reader.responseComplete ? elapsedMs : null;
      const during = written || kind === "stopped" ? "read" : "write";
      const stop = kind === "stopped" ? (stopOf(signal) ?? { kind: "cancelled" }) : null;
      resolve({ end: { kind, errorCode, during, elapsedMs, stop }, firstByteMs, headMs, completeMs });
    };
    const onData = (chunk: Buffer) => {
      firstByteMs ??= since();
      reader.push(chunk);
      if (headMs === null && reader.headComplete) headMs = since();
      if (reader.finished) finish("complete");
      else if (reader.readingEvidenceOnly) evidenceGrace ??= setTimeout(giveUpEvidence, NOT_HTTP_GRACE_MS);
    };
    // A reply that is not HTTP has already failed; what more arrives soon is only evidence.
    let evidenceGrace: NodeJS.Timeout | undefined;
    const giveUpEvidence = () => {
      reader.stopReadingEvidence();
      finish("complete");
    };
    // 'close' without 'end' (destroyed under us) is read like a clean close: no error was reported.
    const onEnd = () => {
      reader.endOfStream();
      finish(reader.finished ? "complete" : "closed");
    };
    const onError = (error: Error) => finish(...classifyReadError(error));
    const onAbort = () => finish("stopped");

    // Whatever happens after we stop listening (a late reset) must not crash the process.
    socket.on("error", ignoreLateError);
    if (signal.aborted) return finish("stopped");
    if (socket.destroyed) {
      // Closed before the exchange started: by a reset (kept on `errored`) or cleanly.
      const earlier = socket.errored;
      return earlier ? finish(...classifyReadError(earlier)) : finish("closed");
    }
    socket.on("data", onData);
    socket.on("end", onEnd);
    socket.on("close", onEnd);
    socket.on("error", onError);
    signal.addEventListener("abort", onAbort, { once: true });
    socket.write(request, (error) => {
      if (error) onError(error);
      else written = true;
    });
    socket.resume();
  });
}

function ignoreLateError(): void {}

/** ECONNRESET, or EPIPE on a write, is a reset (RFC 9293 RST); anything else is a socket error. */
function classifyReadError(error: Error): ["reset" | "error", string | null] {
  const code = (error as NodeJS.ErrnoException).code ?? null;
  return [code === "ECONNRESET" || code === "EPIPE" ? "reset" : "error", code];
}
