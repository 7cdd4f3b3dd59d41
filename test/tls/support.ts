/** Shared by the TLS and TCP probe tests: a hand-built PipelineState and loopback servers. */
import { once } from "node:events";
import type { AddressInfo, Server, Socket } from "node:net";
import type { Scheme } from "../../src/options.js";
import type { PipelineState } from "../../src/probes/probe.js";
import { tcpProbe } from "../../src/probes/tcp.js";
import { pipelineState } from "../support/pipeline-state.js";

export interface StateOptions {
  readonly port: number;
  readonly hostname?: string;
  readonly address?: string;
  readonly scheme?: Scheme;
  readonly extraCaPem?: readonly string[];
  readonly timeoutMs?: number;
}

export function makeState(options: StateOptions): PipelineState {
  const hostname = options.hostname ?? "origin.test";
  const address = options.address ?? "127.0.0.1";
  return pipelineState({
    request: {
      hostname,
      origin: address,
      scheme: options.scheme ?? "https",
      port: options.port,
      userAgent: "diag520-test",
    },
    options: { timeoutMs: options.timeoutMs ?? 5_000, extraCaPem: options.extraCaPem ?? [] },
    facts: {
      dns: {
        hostname,
        resolvers: [],
        hostnameAddresses: [],
        hostnameCnames: [],
        hostnameProxied: null,
        origin: address,
        originAddresses: [address],
        address,
      },
    },
  });
}

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

/** Runs the TCP probe so that `state.socket` is connected, as the pipeline would. */
export async function connectTcp(state: PipelineState): Promise<void> {
  const result = await tcpProbe.run(state, AbortSignal.timeout(5_000));
  if (!result.ok) throw new Error(`tcp probe failed: ${result.summary}`);
}
