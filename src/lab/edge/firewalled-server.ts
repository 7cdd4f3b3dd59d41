/**
 * An origin behind "a firewall on the CDN's ranges": connections from `blockedAddress` (the
 * fake edge's source address, e.g. 127.0.0.2) are reset or silently held, everyone else is
 * served `reply` as the lab's other origins are. It stages the classic cause of an edge 5xx
 * while the origin answers a direct test fine (cloudflare-docs error-520, error-521, error-522:
 * "firewall blocking Cloudflare's addresses").
 *
 * What a userspace server can stage, and what the edge answers:
 * - "reset": accept, then RST before reading: the edge's connect succeeded, its request meets
 *   the reset: 520 (a WAF or an application-level block does this);
 * - "drop": accept, read and discard, never answer, never close: the edge waits out its read
 *   timeout: 524.
 * A kernel firewall's REJECT (a RST answering the SYN: 521) or DROP (no SYN-ACK: 522) cannot be
 * applied per source address without privileges: `unanswered-port.ts` stages the 522 for every
 * client, a released port the 521, and the lab's netns origins the real thing.
 */
import { createServer, type Socket } from "node:net";
import { createServer as createTlsServer, type TlsOptions } from "node:tls";
import type { Reply } from "../lab-origins.js";
import { answerWith, type ListeningServer, listenOnLoopback, trackSockets } from "../lab-servers.js";

export type FirewallAction = "reset" | "drop";

export interface FirewalledServerOptions {
  /** The remote address the firewall blocks, compared exactly ("127.0.0.2"). */
  readonly blockedAddress: string;
  readonly action: FirewallAction;
  /** What every other client gets. */
  readonly reply: Reply;
  /** Serve TLS (after the firewall's decision) with these options; plain TCP when absent. */
  readonly tls?: TlsOptions;
}

/** "::ffff:127.0.0.2" (a dual-stack socket's view of an IPv4 peer) → "127.0.0.2". */
function plainAddress(address: string | undefined): string {
  return (address ?? "").replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, "");
}

function block(socket: Socket, action: FirewallAction): void {
  if (action === "reset") {
    socket.resetAndDestroy();
    return;
  }
  socket.on("data", () => {}); // read and discard, so the peer's writes never block
}

export function startFirewalledServer(options: FirewalledServerOptions): Promise<ListeningServer> {
  const tlsServer =
    options.tls === undefined ? null : createTlsServer(options.tls, (socket) => answerWith(socket, options.reply));
  tlsServer?.on("tlsClientError", () => {});
  // The decision is taken on the raw TCP connection, before any TLS, as a firewall would.
  const server = createServer((socket) => {
    if (plainAddress(socket.remoteAddress) === plainAddress(options.blockedAddress)) block(socket, options.action);
    else if (tlsServer === null) answerWith(socket, options.reply);
    else tlsServer.emit("connection", socket);
  });
  return listenOnLoopback(server, trackSockets(server));
}
