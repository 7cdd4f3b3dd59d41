/**
 * Loopback origins for sampling tests that the lab's patterns do not cover: one that answers the
 * first `answered` requests and holds every later one open without a byte (to interrupt a series
 * in the middle of a sample), and one that answers after a delay and records how many requests
 * it held at once (to see --concurrency from the origin's side).
 */
import { EventEmitter, once } from "node:events";
import { createServer, type Socket } from "node:net";

const HEALTHY = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
const HEAD_END = "\r\n\r\n";

export interface SeriesOrigin {
  readonly port: number;
  /** Requests read so far. */
  readonly requests: () => number;
  /** The most requests it held at once (read, not yet answered). */
  readonly maxInFlight: () => number;
  /** Resolves when the request numbered `n` (from 1) has been read. */
  requestArrived(n: number): Promise<void>;
  /** Resolves when every connection it accepted has closed. */
  allClosed(): Promise<void>;
  close(): Promise<void>;
}

export interface SeriesOriginOptions {
  /** Requests answered; later ones are held open, never answered. Infinity by default. */
  readonly answered?: number;
  /** Delay before each answer, in ms. */
  readonly delayMs?: number;
}

export async function startSeriesOrigin(options: SeriesOriginOptions = {}): Promise<SeriesOrigin> {
  const answered = options.answered ?? Number.POSITIVE_INFINITY;
  const events = new EventEmitter();
  const sockets = new Set<Socket>();
  let requests = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => {
      sockets.delete(socket);
      if (sockets.size === 0) events.emit("idle");
    });
    let received = "";
    socket.on("data", (chunk: Buffer) => {
      if (received.includes(HEAD_END)) return;
      received += chunk.toString("latin1");
      if (!received.includes(HEAD_END)) return;
      requests += 1;
      const n = requests;
      events.emit("request", n);
      if (n > answered) return;
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      setTimeout(() => {
        inFlight -= 1;
        socket.end(HEALTHY);
      }, options.delayMs ?? 0);
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  return {
    port: address.port,
    requests: () => requests,
    maxInFlight: () => maxInFlight,
    requestArrived: (n) =>
      requests >= n
        ? Promise.resolve()
        : new Promise((resolve) => {
            const listener = (count: number) => {
              if (count < n) return;
              events.off("request", listener);
              resolve();
            };
            events.on("request", listener);
          }),
    allClosed: () => (sockets.size === 0 ? Promise.resolve() : once(events, "idle").then(() => undefined)),
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
