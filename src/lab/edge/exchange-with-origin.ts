/**
 * One request/response exchange on a connected origin socket: write the request, read the head
 * (response-head.ts), then hand the body over as a stream, decoded from its framing
 * (body-framing.ts). Failures before the head is complete come back classified; after it, the
 * body stream errors and the caller cuts the visitor's connection, as a proxy must once the
 * status has gone out.
 *
 * Read timeout: the longest gap between two reads, as Cloudflare's Proxy Read Timeout
 * (cloudflare-docs `fundamentals/reference/connection-limits`; pingora resets its read timeout
 * on every read, `client.rs`). Before the head it is a 524.
 */
import type { Socket } from "node:net";
import { Readable } from "node:stream";
import { type BodyFraming, bodyFraming } from "./body-framing.js";
import { ChunkedDecoder } from "./chunked-decoder.js";
import type { OriginFailure } from "./origin-outcomes.js";
import { type ResponseHead, ResponseHeadReader } from "./response-head.js";

export interface OriginExchangeSpec {
  readonly socket: Socket;
  readonly request: Buffer;
  readonly method: string;
  readonly readTimeoutMs: number;
}

export type OriginExchangeResult =
  | { readonly kind: "response"; readonly head: ResponseHead; readonly framing: BodyFraming; readonly body: Readable }
  | {
      readonly kind: "failed";
      readonly failure: OriginFailure;
      readonly originStatus: number | null;
      readonly detail: string;
    };

/** Turns socket bytes into body bytes; `true` once the body is complete. */
type BodyDecoder = (chunk: Buffer, push: (data: Buffer) => void) => true | false | Error;

function decoderFor(framing: BodyFraming): BodyDecoder {
  switch (framing.kind) {
    case "none":
      return () => true;
    case "close":
      return (chunk, push) => {
        push(chunk);
        return false;
      };
    case "length": {
      let remaining = framing.length;
      return (chunk, push) => {
        const take = chunk.subarray(0, remaining);
        remaining -= take.length;
        if (take.length > 0) push(take);
        return remaining === 0;
      };
    }
    case "chunked": {
      const decoder = new ChunkedDecoder();
      return (chunk, push) => {
        const progress = decoder.push(chunk);
        if (progress.kind === "invalid") return new Error(progress.reason);
        for (const data of progress.chunks) push(data);
        return progress.done;
      };
    }
  }
}

export function exchangeWithOrigin(spec: OriginExchangeSpec): Promise<OriginExchangeResult> {
  const { socket } = spec;
  return new Promise((resolve) => {
    const reader = new ResponseHeadReader();
    let phase: "head" | "body" | "done" = "head";
    let received = 0;
    let body: Readable | null = null;
    let decode: BodyDecoder = () => true;
    let closeDelimited = false;

    // While the visitor is slow the edge does not read, and a read that is not waited for
    // cannot time out (pingora times each read it awaits): the timer stops with the reading.
    const pause = (): void => {
      socket.pause();
      socket.setTimeout(0);
    };
    const resume = (): void => {
      socket.setTimeout(spec.readTimeoutMs);
      socket.resume();
    };
    const failHead = (failure: OriginFailure, detail: string, originStatus: number | null = null): void => {
      if (phase !== "head") return;
      phase = "done";
      socket.destroy();
      resolve({ kind: "failed", failure, originStatus, detail });
    };
    const endBody = (error: Error | null): void => {
      if (phase !== "body" || body === null) return;
      phase = "done";
      if (error === null) body.push(null);
      else body.destroy(error);
      socket.destroy();
    };
    const feedBody = (chunk: Buffer): void => {
      const outcome = decode(chunk, (data) => {
        if (body?.push(data) === false) pause();
      });
      if (outcome instanceof Error) endBody(outcome);
      else if (outcome) endBody(null);
    };
    const startBody = (head: ResponseHead, rest: Buffer): void => {
      if (head.status === 101) {
        failHead("invalid_response", "101 Switching Protocols, never asked for", 101);
        return;
      }
      const framing = bodyFraming(head, spec.method);
      if (!framing.ok) {
        failHead("invalid_response", framing.reason, head.status);
        return;
      }
      decode = decoderFor(framing.framing);
      // Body bytes that came in the same read as the head are decoded before anything is
      // committed to the visitor: a body already broken there is a 520, not a cut connection.
      const early: Buffer[] = [];
      const earlyOutcome = rest.length > 0 ? decode(rest, (data) => early.push(data)) : false;
      if (earlyOutcome instanceof Error) {
        failHead("invalid_response", earlyOutcome.message, head.status);
        return;
      }
      phase = "body";
      closeDelimited = framing.framing.kind === "close";
      body = new Readable({
        read: () => {
          resume();
        },
        destroy: (error, callback) => {
          socket.destroy();
          callback(error);
        },
      });
      // The body can fail before the caller pipes it: that must reach the caller's pipeline,
      // never crash the process.
      body.on("error", () => {});
      for (const data of early) if (!body.push(data)) pause();
      resolve({ kind: "response", head, framing: framing.framing, body });
      const empty =
        framing.framing.kind === "none" || (framing.framing.kind === "length" && framing.framing.length === 0);
      if (empty || earlyOutcome === true) endBody(null);
    };

    socket.on("data", (chunk: Buffer) => {
      if (phase === "body") feedBody(chunk);
      if (phase !== "head") return;
      received += chunk.length;
      const progress = reader.push(chunk);
      if (progress.kind === "invalid") {
        failHead(progress.tooLarge ? "headers_too_large" : "invalid_response", progress.reason);
      } else if (progress.kind === "complete") {
        startBody(progress.head, progress.rest);
      }
    });
    socket.on("end", () => {
      // pingora: a 0-byte read while waiting for the head is ConnectionClosed, 520 either way.
      failHead(received === 0 ? "empty" : "invalid_response", `closed after ${received} bytes of head`);
      endBody(closeDelimited ? null : new Error("origin closed the connection before the body ended"));
    });
    socket.on("error", (error: NodeJS.ErrnoException) => {
      failHead("reset", error.code ?? error.message);
      endBody(error);
    });
    socket.on("close", () => {
      failHead("reset", "connection closed");
      endBody(new Error("origin connection closed before the body ended"));
    });
    socket.on("timeout", () => {
      failHead("read_timeout", `no byte from the origin for ${spec.readTimeoutMs} ms`);
      endBody(new Error(`origin read timeout (${spec.readTimeoutMs} ms) in the body`));
    });
    socket.setTimeout(spec.readTimeoutMs);
    socket.write(spec.request);
  });
}
