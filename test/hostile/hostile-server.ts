/**
 * Origins that try to exhaust the client: every byte is generated as it is sent, never
 * buffered, written while the socket accepts more and resumed on 'drain'; sending stops when
 * the client goes away. Each server counts the bytes it got out, so a test can tell that the
 * client stopped reading (a 1 GB body that is not read is not sent either).
 */
import { once } from "node:events";
import net from "node:net";

export interface HostileServer {
  readonly port: number;
  /** Bytes handed to the kernel so far, over every connection. */
  bytesSent(): number;
  close(): Promise<void>;
}

/** Gives the next piece to send for this connection, or null when there is nothing more. */
export type Generator = () => Buffer | null;

export interface HostileOptions {
  /** Called once the request head has arrived; returns the stream of pieces. */
  readonly stream: () => Generator;
  /** Milliseconds between two pieces (a slow origin), or 0 to send as fast as the client reads. */
  readonly intervalMs?: number;
  /** What to do once the generator is exhausted. */
  readonly after?: "close" | "keep-open";
}

export async function startHostileServer(options: HostileOptions): Promise<HostileServer> {
  let sent = 0;
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
    let request = "";
    const onData = (data: Buffer) => {
      request += data.toString("latin1");
      if (!request.includes("\r\n\r\n")) return;
      socket.off("data", onData);
      socket.resume();
      const next = options.stream();
      if ((options.intervalMs ?? 0) > 0) drip(socket, next, options.intervalMs ?? 0);
      else pump(socket, next);
    };
    socket.on("data", onData);
  });

  const finish = (socket: net.Socket) => {
    if (options.after !== "keep-open") socket.end();
  };
  const pump = (socket: net.Socket, next: Generator) => {
    while (!socket.destroyed && socket.writable) {
      const piece = next();
      if (piece === null) return finish(socket);
      sent += piece.length;
      if (!socket.write(piece)) {
        socket.once("drain", () => pump(socket, next));
        return;
      }
    }
  };
  const drip = (socket: net.Socket, next: Generator, intervalMs: number) => {
    const timer = setInterval(() => {
      if (socket.destroyed || !socket.writable) {
        clearInterval(timer);
        timers.delete(timer);
        return;
      }
      const piece = next();
      if (piece === null) {
        clearInterval(timer);
        timers.delete(timer);
        finish(socket);
        return;
      }
      sent += piece.length;
      socket.write(piece);
    }, intervalMs);
    timers.add(timer);
  };

  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address !== "object") throw new Error("no address");
  return {
    port: address.port,
    bytesSent: () => sent,
    close: async () => {
      for (const timer of timers) clearInterval(timer);
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, "close");
    },
  };
}

/** `head`, then `piece` forever (or `times` times). */
export function headThen(head: string, piece: Buffer, times = Number.POSITIVE_INFINITY): () => Generator {
  return () => {
    let count = -1;
    return () => {
      count++;
      if (count === 0) return Buffer.from(head, "latin1");
      return count <= times ? piece : null;
    };
  };
}

/** The bytes of `text`, `bytesPerPiece` at a time. */
export function slowly(text: string, bytesPerPiece: number): () => Generator {
  return () => {
    const bytes = Buffer.from(text, "latin1");
    let offset = 0;
    return () => {
      if (offset >= bytes.length) return null;
      const piece = bytes.subarray(offset, offset + bytesPerPiece);
      offset += bytesPerPiece;
      return piece;
    };
  };
}
