/**
 * A raw TCP origin on loopback (port 0) that writes exact bytes: the faults a leg must diagnose
 * are bytes no HTTP server library would send. Every server-side socket error is expected (the
 * leg resets, or stops reading), so each one is swallowed.
 */
import { once } from "node:events";
import net from "node:net";

export type ConnectionHandler = (socket: net.Socket) => void;

export interface RawOrigin {
  readonly port: number;
  /** Server-side sockets still open. */
  readonly connections: ReadonlySet<net.Socket>;
  close(): Promise<void>;
}

export async function startRawOrigin(handler: ConnectionHandler): Promise<RawOrigin> {
  const connections = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    connections.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => connections.delete(socket));
    handler(socket);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address !== "object") throw new Error("the origin has no address");
  return {
    port: address.port,
    connections,
    close: async () => {
      for (const socket of connections) socket.destroy();
      server.close();
      await once(server, "close");
    },
  };
}

/**
 * Waits for the whole request head (the empty line), then writes `response` and hands the
 * socket to `then` (end it, reset it, keep writing…): an origin answers a request, not a connect.
 */
export function answer(response: string | Buffer, then: ConnectionHandler = () => {}): ConnectionHandler {
  return (socket) => {
    let received = "";
    const onData = (data: Buffer) => {
      received += data.toString("latin1");
      if (!received.includes("\r\n\r\n")) return;
      socket.off("data", onData);
      socket.resume();
      socket.write(typeof response === "string" ? Buffer.from(response, "latin1") : response);
      then(socket);
    };
    socket.on("data", onData);
  };
}
