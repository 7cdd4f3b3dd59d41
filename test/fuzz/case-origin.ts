/**
 * One loopback server for many fuzz cases at once: each connection is matched to its case by the
 * request's path (`casePath(id)`, which the test puts in the leg's spec: the leg owns its socket,
 * so the request is the one thing the test controls), waits for the request head, then writes the
 * case's bytes piece by piece and ends as the case says. It also tells when the server's side of
 * a connection closed, so a test can tell that a leg closed its socket.
 */
import { once } from "node:events";
import net from "node:net";
import type { ResponseCase } from "./response-corpus.js";

export interface CaseOrigin {
  readonly port: number;
  /** Serve `item` to the request for `casePath(id)`. */
  expect(id: string, item: ResponseCase): void;
  /** Resolves when the server's side of the connection from `clientPort` has closed (at once if unknown). */
  closed(clientPort: number): Promise<void>;
  close(): Promise<void>;
}

/** The request path that selects the case `id`. */
export function casePath(id: string): string {
  return `/case/${encodeURIComponent(id)}`;
}

/** `caseFor` picks the case for a connection; by default the one registered for the request's path. */
export async function startCaseOrigin(
  caseFor?: (socket: net.Socket, path: string) => ResponseCase | undefined,
): Promise<CaseOrigin> {
  const cases = new Map<string, ResponseCase>();
  const sockets = new Set<net.Socket>();
  const closedByPort = new Map<number, Promise<void>>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on("error", () => {});
    closedByPort.set(
      socket.remotePort ?? -1,
      new Promise((resolve) =>
        socket.on("close", () => {
          sockets.delete(socket);
          resolve();
        }),
      ),
    );
    let received = "";
    const onData = (data: Buffer) => {
      received += data.toString("latin1");
      if (!received.includes("\r\n\r\n")) return;
      socket.off("data", onData);
      const path = /^[A-Z]+ (\S+) /.exec(received)?.[1] ?? "";
      const id = path.startsWith("/case/") ? decodeURIComponent(path.slice("/case/".length)) : "";
      const item = caseFor ? caseFor(socket, path) : cases.get(id);
      cases.delete(id);
      if (item === undefined) socket.destroy();
      else void deliver(socket, item);
    };
    socket.on("data", onData);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address !== "object") throw new Error("no address");
  return {
    port: address.port,
    expect: (id, item) => cases.set(id, item),
    closed: (clientPort) => {
      const closed = closedByPort.get(clientPort) ?? Promise.resolve();
      closedByPort.delete(clientPort);
      return closed;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, "close");
    },
  };
}

/** Writes the pieces with a turn of the event loop between them, so they arrive as separate reads. */
async function deliver(socket: net.Socket, item: ResponseCase): Promise<void> {
  let offset = 0;
  for (const size of item.pieces) {
    if (offset >= item.bytes.length || socket.destroyed) break;
    socket.write(item.bytes.subarray(offset, offset + size));
    offset += size;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  if (socket.destroyed) return;
  if (offset < item.bytes.length) socket.write(item.bytes.subarray(offset));
  if (item.ending === "close") socket.end();
  else if (item.ending === "reset") socket.resetAndDestroy();
  // keep-open: the leg's deadline (or a complete response) ends it; close() cleans up.
}
