/**
 * One loopback server for many fuzz cases at once: each connection is matched to its case by
 * the client's port (the test registers the case before the probe writes its request), waits
 * for the request head, then writes the case's bytes piece by piece and ends as the case says.
 */
import { once } from "node:events";
import net from "node:net";
import type { ResponseCase } from "./response-corpus.js";

export interface CaseOrigin {
  readonly port: number;
  /** Serve `item` to the connection whose client port is `clientPort`. */
  expect(clientPort: number, item: ResponseCase): void;
  close(): Promise<void>;
}

/** `caseFor` picks the case for a connection; by default the one registered for its client port. */
export async function startCaseOrigin(caseFor?: (socket: net.Socket) => ResponseCase | undefined): Promise<CaseOrigin> {
  const cases = new Map<number, ResponseCase>();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
    let received = "";
    const onData = (data: Buffer) => {
      received += data.toString("latin1");
      if (!received.includes("\r\n\r\n")) return;
      socket.off("data", onData);
      const port = socket.remotePort ?? -1;
      const item = caseFor ? caseFor(socket) : cases.get(port);
      cases.delete(port);
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
    expect: (clientPort, item) => cases.set(clientPort, item),
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
  // keep-open: the probe's deadline (or a complete response) ends it; close() cleans up.
}
