/**
 * Ctrl-C during a probe (issue 4, point 5): the run stops at once rather than at its 30 s
 * deadline, the socket to the origin is closed, the partial report says it is incomplete, and
 * the exit code is 130 (128 + SIGINT, report/exit-code.ts). The server's 'connection' event
 * says when the probe is waiting on the origin: no sleep stands in for it.
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { createSocket } from "node:dgram";
import { once } from "node:events";
import { type AddressInfo, createServer, type Server, Socket } from "node:net";
import { after, before, describe, test } from "node:test";
import { type DnsServer, startDnsServer } from "../../src/lab/dns-server.js";
import { outputDocumentSchema } from "../../src/report/schema.js";
import { phaseOf, phasesOf } from "../support/report-phases.js";
import { runCli } from "../support/run-cli.js";

const HOSTNAME = "silent.lab.diag520.test";
/** Far above what an interrupted run may take, far below the probe's own deadline (30 s). */
const PROMPT_MS = 10_000;

interface SilentOrigin {
  readonly port: number;
  /** Resolves with the next connection the origin accepts. */
  nextConnection(): Promise<Socket>;
  close(): Promise<void>;
}

/** Accepts connections and never answers a byte: the probe waits until its deadline or Ctrl-C. */
async function startSilentOrigin(): Promise<SilentOrigin> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    socket.on("error", () => {});
    socket.resume(); // reads (and drops) the request, so that the client's FIN is seen
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    port: (server.address() as AddressInfo).port,
    nextConnection: async () => (await once(server, "connection"))[0] as Socket,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface Interrupted {
  readonly result: Awaited<ReturnType<typeof runCli>>;
  /** From SIGINT to the process's exit. */
  readonly stopMs: number;
}

/** Runs the CLI, sends SIGINT once the origin has a connection, and checks that connection closes. */
async function interruptDuringProbe(origin: SilentOrigin, args: readonly string[]): Promise<Interrupted> {
  let child: ChildProcess | undefined;
  let signalledAt = 0;
  const connected = origin.nextConnection();
  const running = runCli(args, {
    limitMs: 25_000,
    onSpawn: (spawned) => {
      child = spawned;
    },
  });
  const socket = await Promise.race([connected, running]);
  if (!(socket instanceof Socket)) assert.fail(`the run ended before it connected: ${JSON.stringify(socket)}`);
  const closedByClient = once(socket, "close");
  signalledAt = performance.now();
  assert.ok(child?.kill("SIGINT"), "SIGINT delivered");
  const result = await running;
  const stopMs = performance.now() - signalledAt;
  await closedByClient;
  return { result, stopMs };
}

/** A DNS server that reads queries and never answers; resolves with the first query's arrival. */
async function startSilentDnsServer(): Promise<{ address: string; firstQuery: Promise<void>; close(): void }> {
  const socket = createSocket("udp4");
  socket.bind(0, "127.0.0.1");
  await once(socket, "listening");
  return {
    address: `127.0.0.1:${socket.address().port}`,
    firstQuery: once(socket, "message").then(() => undefined),
    close: () => socket.close(),
  };
}

describe("Ctrl-C during a probe", () => {
  let dns: DnsServer;
  let origin: SilentOrigin;
  const common = (): string[] => ["--port", String(origin.port), "--dns-server", dns.address, "--timeout", "30"];

  before(async () => {
    dns = await startDnsServer({ [HOSTNAME]: { A: ["127.0.0.1"] } });
    origin = await startSilentOrigin();
  });
  after(async () => {
    await origin.close();
    await dns.close();
  });

  test("human report: stops at once, marked incomplete, exit 130", async () => {
    const { result, stopMs } = await interruptDuringProbe(origin, [HOSTNAME, "--scheme", "http", ...common()]);
    assert.equal(result.killedAfterLimit, false);
    assert.equal(result.code, 130, result.stderr);
    assert.ok(stopMs < PROMPT_MS, `stopped ${Math.round(stopMs)} ms after SIGINT`);
    assert.match(result.stdout, /\[incomplete: interrupted by the user \(Ctrl-C\)\]/);
    assert.match(result.stdout, /http .*interrupted before the phase finished/);
    assert.doesNotMatch(result.stderr, /\n\s+at /, "no stack trace");
  });

  test("--json, interrupted in the HTTP phase: complete false, the phase says why", async () => {
    const { result, stopMs } = await interruptDuringProbe(origin, [
      HOSTNAME,
      "--scheme",
      "http",
      "--json",
      ...common(),
    ]);
    assert.equal(result.code, 130, result.stderr);
    assert.ok(stopMs < PROMPT_MS, `stopped ${Math.round(stopMs)} ms after SIGINT`);
    const doc = outputDocumentSchema.parse(JSON.parse(result.stdout));
    assert.ok(doc.kind === "report");
    assert.equal(doc.complete, false);
    assert.deepEqual(doc.interruption, { kind: "cancelled", ms: null });
    assert.equal(doc.exitCode, 130);
    const http = phaseOf(doc, "http");
    assert.equal(http?.status, "skipped");
    assert.match(http?.skipReason ?? "", /interrupted/);
    assert.ok(
      !doc.findings.some((f) => f.code === "http.response_timeout"),
      "a Ctrl-C is not a finding about the origin",
    );
    assert.equal(result.stderr, "");
  });

  test("--json, interrupted in the TLS handshake: the same, one phase earlier", async () => {
    const { result } = await interruptDuringProbe(origin, [HOSTNAME, "--json", ...common()]);
    assert.equal(result.code, 130, result.stderr);
    const doc = outputDocumentSchema.parse(JSON.parse(result.stdout));
    assert.ok(doc.kind === "report");
    assert.equal(doc.complete, false);
    const statuses = Object.fromEntries(phasesOf(doc).map((phase) => [phase.name, phase.status]));
    assert.deepEqual(statuses, { dns: "passed", tcp: "passed", tls: "skipped", http: "skipped" });
    assert.match(phaseOf(doc, "http")?.skipReason ?? "", /interrupted by the user/);
  });

  test("--json, interrupted while the resolver is silent: exit 130 at once, nothing after DNS ran", async () => {
    const silentDns = await startSilentDnsServer();
    try {
      let signalledAt = 0;
      const result = await runCli([HOSTNAME, "--dns-server", silentDns.address, "--timeout", "30", "--json"], {
        limitMs: 25_000,
        onSpawn: (child) => {
          void silentDns.firstQuery.then(() => {
            signalledAt = performance.now();
            child.kill("SIGINT");
          });
        },
      });
      assert.ok(signalledAt > 0, "the resolver was asked");
      assert.equal(result.code, 130, result.stderr);
      assert.ok(performance.now() - signalledAt < PROMPT_MS, "stopped at once, not at the resolver's timeout");
      const doc = outputDocumentSchema.parse(JSON.parse(result.stdout));
      assert.ok(doc.kind === "report");
      assert.equal(doc.complete, false);
      const statuses = Object.fromEntries(phasesOf(doc).map((phase) => [phase.name, phase.status]));
      assert.deepEqual(statuses, { dns: "skipped", tcp: "skipped", tls: "skipped", http: "skipped" });
    } finally {
      silentDns.close();
    }
  });
});
