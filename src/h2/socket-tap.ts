/**
 * A pass-through Duplex around a connected socket that shows every chunk to an observer on its
 * way, in both directions. node:http2 accepts any Duplex from `createConnection` (it wraps one
 * that has no native handle in a JSStreamSocket, lib/internal/http2/core.js), so the session
 * runs unchanged while the tap sees the plaintext frames inside TLS.
 */
import { Duplex } from "node:stream";

export interface TapObserver {
  /** Bytes the session wrote, before they reach the socket. */
  sent(chunk: Buffer): void;
  /** Bytes the socket read, before the session sees them. */
  received(chunk: Buffer): void;
  /** The socket will deliver no more bytes (FIN, reset or close). */
  receivedEnd(): void;
}

export function tapSocket(socket: Duplex, observer: TapObserver): Duplex {
  let readableEnded = false;
  const endReadable = (): void => {
    if (readableEnded) return;
    readableEnded = true;
    observer.receivedEnd();
    tap.push(null);
  };
  const tap = new Duplex({
    write(chunk: Buffer, _encoding, callback) {
      observer.sent(chunk);
      // Once the socket is gone the bytes go nowhere; the session learns of the end from the read side.
      if (socket.destroyed) callback();
      else socket.write(chunk, (error) => callback(error ?? null));
    },
    final(callback) {
      socket.end();
      callback();
    },
    read() {
      socket.resume();
    },
    destroy(error, callback) {
      socket.destroy();
      callback(error);
    },
  });
  socket.on("data", (chunk: Buffer) => {
    observer.received(chunk);
    if (!tap.push(chunk)) socket.pause();
  });
  socket.on("end", endReadable);
  // A reset ends the bytes too; the session learns of it as an end of stream, the error is the socket's.
  socket.on("error", () => endReadable());
  socket.on("close", endReadable);
  return tap;
}
