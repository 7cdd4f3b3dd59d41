/**
 * A healthy HTTP/2 origin: node:http2's own server, which selects h2 when the client offers it
 * and still serves HTTP/1.1 clients (`allowHTTP1`), the way most real origins are set up; with
 * `allowHttp1: false`, an origin that speaks only h2 (it refuses an offer of http/1.1 alone).
 */
import { createSecureServer } from "node:http2";
import { type ListeningServer, listenOnLoopback, trackSockets } from "../lab-servers.js";

export const HEALTHY_H2_BODY = "ok\n";

export async function startHealthyH2Server(options: {
  readonly key: string;
  readonly cert: string;
  readonly allowHttp1?: boolean;
}): Promise<ListeningServer> {
  const allowHTTP1 = options.allowHttp1 !== false;
  const server = createSecureServer({ key: options.key, cert: options.cert, allowHTTP1 }, (request, response) => {
    request.on("error", () => {});
    response.on("error", () => {});
    response.writeHead(200, { "content-type": "text/plain", "content-length": HEALTHY_H2_BODY.length });
    response.end(HEALTHY_H2_BODY);
  });
  server.on("sessionError", () => {});
  server.on("tlsClientError", () => {});
  // Every raw socket (HTTP/2 sessions and HTTP/1.1 connections alike) is tracked and destroyed by close().
  return listenOnLoopback(server, trackSockets(server));
}
