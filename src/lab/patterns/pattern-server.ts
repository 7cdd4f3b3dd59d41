/**
 * Serves a pattern (patterns.ts) on one port of each of its loopback addresses (any 127.x
 * is loopback on Linux), and counts what it did: requests read and failures dealt, in all and
 * per address. Tests compare these counters with what a series reports, so the counting
 * happens here, on the origin's side of the socket, not from what the client saw.
 */
import { once } from "node:events";
import { createServer, type Server, type Socket } from "node:net";
import type { Pattern } from "./patterns.js";

export interface PatternCounts {
  readonly requests: number;
  readonly failures: number;
  readonly byAddress: Readonly<Record<string, { readonly requests: number; readonly failures: number }>>;
}

export interface PatternServer {
  readonly port: number;
  readonly hosts: readonly string[];
  /** A snapshot of the counters so far. */
  counts(): PatternCounts;
  close(): Promise<void>;
}

const HEAD_END = Buffer.from("\r\n\r\n");
const MAX_REQUEST_HEAD_BYTES = 64 * 1024;
/** Another process may hold the port on one of the addresses: try another port. */
const BIND_ATTEMPTS = 5;

export async function startPatternServer(pattern: Pattern): Promise<PatternServer> {
  let requests = 0;
  let failures = 0;
  const byAddress = new Map(pattern.hosts.map((host) => [host, { requests: 0, failures: 0 }]));
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const handle = (socket: Socket, host: string): void => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
    let received = Buffer.alloc(0);
    let answered = false;
    socket.on("data", (chunk: Buffer) => {
      if (answered) return;
      received = Buffer.concat([received, chunk]);
      if (!received.includes(HEAD_END)) {
        if (received.length > MAX_REQUEST_HEAD_BYTES) socket.destroy();
        return;
      }
      answered = true;
      const answer = pattern.answer(requests, host);
      requests += 1;
      if (answer.fails) failures += 1;
      const counts = byAddress.get(host);
      if (counts !== undefined) {
        counts.requests += 1;
        if (answer.fails) counts.failures += 1;
      }
      const send = () => {
        if (socket.destroyed) return;
        if (answer.reply.bytes.length > 0) socket.write(Buffer.from(answer.reply.bytes, "latin1"));
        if (answer.reply.after === "close") socket.end();
        else if (answer.reply.after === "reset") socket.resetAndDestroy();
      };
      if (answer.delayMs === 0) send();
      else {
        const timer = setTimeout(() => {
          timers.delete(timer);
          send();
        }, answer.delayMs);
        timers.add(timer);
      }
    });
  };

  const servers = await listenOnAll(pattern.hosts, handle);
  return {
    port: servers.port,
    hosts: pattern.hosts,
    counts: () => ({
      requests,
      failures,
      byAddress: Object.fromEntries([...byAddress].map(([host, c]) => [host, { ...c }])),
    }),
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      await Promise.all(servers.list.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    },
  };
}

/** The same port on every host: the first picks a free one, the others follow. */
async function listenOnAll(
  hosts: readonly string[],
  handle: (socket: Socket, host: string) => void,
): Promise<{ port: number; list: Server[] }> {
  for (let attempt = 1; ; attempt++) {
    const list: Server[] = [];
    let port = 0;
    try {
      for (const host of hosts) {
        const server = createServer((socket) => handle(socket, host));
        list.push(server);
        server.listen(port, host);
        await Promise.race([once(server, "listening"), once(server, "error").then(([error]) => Promise.reject(error))]);
        const address = server.address();
        if (address === null || typeof address === "string") throw new Error("the pattern server has no TCP address");
        port = address.port;
      }
      return { port, list };
    } catch (error) {
      await Promise.all(list.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
      if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE" || attempt >= BIND_ATTEMPTS) throw error;
    }
  }
}
