/**
 * A one-off origin on loopback whose answer a test writes, byte for byte, from the request it
 * received (an echo of the request's secrets, a hostile head, a lower-case status line): for
 * what the lab's fixed catalogue does not serve. It is diagnosed with the real `diagnose()`,
 * with the request and options the CLI would build for
 * `diag520 localhost --origin 127.0.0.1 --port <port> --scheme http`.
 */
import { once } from "node:events";
import { createServer, type Socket } from "node:net";
import { type Diagnosis, diagnose } from "../../src/diagnose.js";
import { DEFAULTS, type DiagnoseOptions, type DiagnoseRequest } from "../../src/options.js";
import type { LabDiagnosisOverrides } from "./lab-diagnosis.js";

export interface ScriptedAnswer {
  /** Exact bytes; a string is sent as latin1, one byte per character. */
  readonly bytes: string | Buffer;
  /** Close after writing (the default), or keep the connection open without another byte. */
  readonly after?: "close" | "keep-open";
}

export interface ScriptedOrigin {
  readonly port: number;
  /** Every request head received, as latin1 text, in order. */
  readonly requests: readonly string[];
  close(): Promise<void>;
}

const HEAD_END = "\r\n\r\n";

/** Listens on 127.0.0.1, port 0; answers each request head with `answer(head)`. */
export async function startScriptedOrigin(answer: (requestHead: string) => ScriptedAnswer): Promise<ScriptedOrigin> {
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    // A client that hangs up early must never crash the test process.
    socket.on("error", () => {});
    let received = "";
    socket.on("data", (chunk: Buffer) => {
      if (received.includes(HEAD_END)) return;
      received += chunk.toString("latin1");
      const end = received.indexOf(HEAD_END);
      if (end === -1) return;
      const head = received.slice(0, end + HEAD_END.length);
      requests.push(head);
      const reply = answer(head);
      socket.write(typeof reply.bytes === "string" ? Buffer.from(reply.bytes, "latin1") : reply.bytes);
      if ((reply.after ?? "close") === "close") socket.end();
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the scripted origin has no TCP address");
  return {
    port: address.port,
    requests,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Kept-open connections would hold close() forever.
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/** The request and options for diagnosing a scripted origin; `localhost` is never asked of DNS. */
export function scriptedRequest(port: number, overrides: LabDiagnosisOverrides = {}) {
  const request: DiagnoseRequest = {
    hostname: "localhost",
    displayHostname: "localhost",
    origin: "127.0.0.1",
    scheme: "http",
    port,
    path: "/",
    method: "GET",
    headers: [],
    userAgent: DEFAULTS.userAgent,
    ...overrides.request,
  };
  const options: DiagnoseOptions = {
    timeoutMs: DEFAULTS.timeoutMs,
    maxTimeMs: null,
    maxHeaderSize: DEFAULTS.maxHeaderSize,
    maxBodyBytes: DEFAULTS.maxBodyBytes,
    extraCaPem: [],
    dnsServers: [],
    redact: [],
    ...overrides.options,
  };
  return { request, options };
}

/** Diagnoses the scripted origin in-process. */
export function diagnoseScripted(origin: ScriptedOrigin, overrides: LabDiagnosisOverrides = {}): Promise<Diagnosis> {
  const { request, options } = scriptedRequest(origin.port, overrides);
  return diagnose(request, options);
}
