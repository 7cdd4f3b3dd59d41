/**
 * Plain loopback servers for the leg tests: listen on port 0, keep every connection so that
 * `shutdown()` also ends the ones a client left open, and never crash on a client's reset.
 */
import { once } from "node:events";
import { type AddressInfo, createServer, type Server, type Socket } from "node:net";

const connections = new WeakMap<Server, Set<Socket>>();

/** Listens on loopback port 0 and resolves with the port once 'listening' fired. */
export async function listen(server: Server, host = "127.0.0.1"): Promise<number> {
  const sockets = new Set<Socket>();
  connections.set(server, sockets);
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
  });
  server.listen(0, host);
  await once(server, "listening");
  return (server.address() as AddressInfo).port;
}

/** Closes the server and every connection it still holds. */
export async function shutdown(server: Server): Promise<void> {
  const closed = once(server, "close");
  server.close();
  for (const socket of connections.get(server) ?? []) socket.destroy();
  await closed;
}

/** Some CI containers have no ::1: the IPv6 tests skip there rather than fail. */
export function loopbackV6Available(): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once("error", () => resolve(false));
    server.listen(0, "::1", () => server.close(() => resolve(true)));
  });
}

/** A complete, healthy response: the leg's HTTP phase ends at once and raises nothing. */
export const HEALTHY_RESPONSE = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

/** Answers the first bytes of the request with `response`, then closes (or keeps the connection, if asked). */
export function answerOnce(socket: Socket, response = HEALTHY_RESPONSE, keepOpen = false): void {
  socket.on("error", () => {});
  socket.once("data", () => (keepOpen ? socket.write(response) : socket.end(response)));
}
