/**
 * A fake Cloudflare edge on loopback, for the lab, the demo and the tests: visitors reach it
 * over HTTPS or plain HTTP, it routes by Host to a configured origin and proxies under
 * Cloudflare's documented rules (SSL modes, the headers it adds, the 52x it answers and in
 * which formats, `cf-ray` on everything), or answers a 1xxx or a challenge itself
 * (edge-handler.ts has the flow of one request).
 *
 * Every socket, visitor's or origin's, has an 'error' listener and is tracked, so that nothing
 * a peer does crashes the process and close() ends keep-alive connections too. Memory is
 * bounded: visitor bodies are buffered up to `maxRequestBodyBytes`, origin bodies stream with
 * backpressure, the cache keeps bodies up to 1 MiB.
 */
import { once } from "node:events";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { edgeOriginContext } from "./connect-origin.js";
import { EdgeCache } from "./edge-cache.js";
import { handleVisitor } from "./edge-handler.js";
import type { EdgeLogEntry, EdgeRoute, FakeEdge, FakeEdgeOptions } from "./edge-types.js";

const DEFAULT_CONNECT_TIMEOUT_MS = 19_000;
const DEFAULT_READ_TIMEOUT_MS = 125_000;
const DEFAULT_MAX_REQUEST_BODY_BYTES = 1024 * 1024;
/** Cloudflare's limit applies to request heads too (cloudflare-docs PR #25872): 128 KB. */
const MAX_VISITOR_HEAD_BYTES = 128 * 1024;

function routesByHost(routes: readonly EdgeRoute[]): Map<string, EdgeRoute> {
  const byHost = new Map<string, EdgeRoute>();
  for (const route of routes) {
    const host = route.hostname.toLowerCase();
    if (byHost.has(host)) throw new TypeError(`fake edge: two routes for ${host}`);
    if (route.kind === undefined || route.kind === "proxy") {
      const expected = route.sslMode === "flexible" ? "http" : "https";
      if (route.origin.scheme !== expected) {
        throw new TypeError(`fake edge: ${host}: SSL mode ${route.sslMode} talks ${expected} to the origin`);
      }
    }
    byHost.set(host, route);
  }
  return byHost;
}

export async function startFakeEdge(options: FakeEdgeOptions): Promise<FakeEdge> {
  const log: EdgeLogEntry[] = [];
  const sockets = new Set<Socket>();
  const track = (socket: Socket): void => {
    socket.on("error", () => {});
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  };
  const config = {
    routes: routesByHost(options.routes),
    colo: options.colo ?? "LAB",
    contexts: { full: edgeOriginContext(null), strict: edgeOriginContext(options.originCaPem ?? []) },
    sourceAddress: options.sourceAddress,
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    readTimeoutMs: options.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS,
    maxRequestBodyBytes: options.maxRequestBodyBytes ?? DEFAULT_MAX_REQUEST_BODY_BYTES,
    cache: new EdgeCache(),
    log,
    track,
  };

  const listener = (scheme: "http" | "https") => (req: IncomingMessage, res: ServerResponse) => {
    req.on("error", () => {});
    res.on("error", () => {});
    handleVisitor(config, req, res, scheme).catch(() => {
      // A bug, or a visitor gone mid-way: never let it take the lab down.
      if (res.headersSent) res.destroy();
      else
        res.writeHead(500, { "content-type": "text/plain", server: "cloudflare" }).end("fake edge: internal error\n");
    });
  };
  const serverOptions = { maxHeaderSize: MAX_VISITOR_HEAD_BYTES };
  const httpServer = createHttpServer(serverOptions, listener("http"));
  const httpsServer = createHttpsServer(
    { ...serverOptions, cert: options.tls.certPem, key: options.tls.keyPem, ALPNProtocols: ["http/1.1"] },
    listener("https"),
  );
  httpsServer.on("tlsClientError", () => {});
  for (const server of [httpServer, httpsServer]) server.on("connection", track);

  const listen = async (server: Server): Promise<number> => {
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    return (server.address() as AddressInfo).port;
  };
  const close = async (): Promise<void> => {
    const closed = [httpServer, httpsServer].map(
      (server) => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve())),
    );
    for (const socket of sockets) socket.destroy();
    await Promise.all(closed);
  };
  try {
    const [httpsPort, httpPort] = await Promise.all([listen(httpsServer), listen(httpServer)]);
    return { httpsPort, httpPort, address: "127.0.0.1", log, close };
  } catch (error) {
    await close();
    throw error;
  }
}
