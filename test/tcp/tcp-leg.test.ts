/**
 * The origin leg's TCP phase against real loopback servers: what the leg observed (facts), then
 * what the checks make of it (findings), and how the report shows the phase.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type Socket } from "node:net";
import { describe, test } from "node:test";
import { checkLeg } from "../../src/checks/check-leg.js";
import { checkTcp } from "../../src/checks/tcp.js";
import { DeadlineExceeded } from "../../src/deadline.js";
import type { Finding } from "../../src/findings/catalogue.js";
import { releasedPort } from "../../src/lab/lab-servers.js";
import type { LegObservation, TcpOutcome } from "../../src/legs/observation.js";
import { runLeg } from "../../src/legs/run-leg.js";
import { connectTcp } from "../../src/net/connect-tcp.js";
import { legReport } from "../../src/report/leg-report.js";
import type { TcpFacts } from "../../src/report/schema.js";
import { observation, ran } from "../support/hand-built-leg.js";
import { type LegSpecParts, legSpec } from "../support/leg-spec.js";
import { answerOnce, listen, loopbackV6Available, shutdown } from "../support/loopback-server.js";

interface TcpLeg {
  readonly observation: LegObservation;
  readonly findings: Finding[];
  /** The tcp phase as the report shows it. */
  readonly phase: { readonly status: string; readonly summary: string; readonly facts: TcpFacts | null };
}

async function runTcpLeg(parts: LegSpecParts, signal = AbortSignal.timeout(10_000)): Promise<TcpLeg> {
  const leg = await runLeg(legSpec(parts), signal);
  const findings = checkLeg(leg);
  const tcp = legReport(leg, findings).phases.find((phase) => phase.name === "tcp");
  assert.ok(tcp);
  return { observation: leg, findings, phase: { ...tcp, facts: tcp.facts as TcpFacts | null } };
}

/** The tcp phase's outcome, asserting it ran and ended as `kind`. */
function tcpOutcome<K extends TcpOutcome["kind"]>(leg: TcpLeg, kind: K): Extract<TcpOutcome, { kind: K }> {
  const { tcp } = leg.observation;
  assert.equal(tcp.status, "ran");
  assert.equal(tcp.status === "ran" && tcp.outcome.kind, kind);
  return (tcp as { outcome: unknown }).outcome as Extract<TcpOutcome, { kind: K }>;
}

/** A server that answers one healthy response and keeps the connection open; hands over its side. */
async function keepAliveServer(host = "127.0.0.1") {
  let accepted: (socket: Socket) => void = () => {};
  const connection = new Promise<Socket>((resolve) => {
    accepted = resolve;
  });
  const server = createServer((socket) => {
    answerOnce(socket, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", true);
    accepted(socket);
  });
  const port = await listen(server, host);
  return { port, connection, close: () => shutdown(server) };
}

describe("the TCP phase of a leg", () => {
  // The timeout (and t.signal) turn a leg that leaves its connection open into a failure, not a hang.
  test("connects, records the local end, and the leg closes its own connection when it ends", {
    timeout: 10_000,
  }, async (t) => {
    const server = await keepAliveServer();
    try {
      const leg = await runTcpLeg({ port: server.port });
      assert.deepEqual(leg.findings, []);
      const outcome = tcpOutcome(leg, "connected");
      assert.equal(outcome.localAddress, "127.0.0.1");
      assert.equal(typeof outcome.localPort, "number");
      assert.equal(leg.observation.tcp.status === "ran" && leg.observation.tcp.deadlineMs, 10_000);
      assert.deepEqual(leg.observation.tls, { status: "not_run", because: "not_applicable" });
      assert.equal(leg.phase.status, "passed");
      assert.deepEqual(leg.phase.facts, {
        address: "127.0.0.1",
        port: server.port,
        family: 4,
        localAddress: "127.0.0.1",
        localPort: outcome.localPort,
        errorCode: null,
      });
      assert.match(leg.phase.summary, new RegExp(`^connected to 127\\.0\\.0\\.1:${server.port} in [\\d.]+ ms$`));
      // The server kept the connection open after its response: only the leg can have closed it.
      await once(await server.connection, "close", { signal: t.signal });
    } finally {
      await server.close();
    }
  });

  test("connects over IPv6 loopback", async (t) => {
    if (!(await loopbackV6Available())) {
      t.skip("no IPv6 loopback here");
      return;
    }
    const server = await keepAliveServer("::1");
    try {
      const leg = await runTcpLeg({ port: server.port, address: "::1" });
      assert.deepEqual(leg.findings, []);
      assert.equal(tcpOutcome(leg, "connected").localAddress, "::1");
      assert.equal(leg.phase.facts?.family, 6);
      assert.match(leg.phase.summary, new RegExp(`^connected to \\[::1\\]:${server.port} `));
    } finally {
      await server.close();
    }
  });

  test("a closed port: tcp.refused (521) with the errno and the timing as evidence; nothing after it runs", async () => {
    const port = await releasedPort();
    const leg = await runTcpLeg({ port, tls: true, deadlineMs: 5_000 });
    assert.deepEqual(tcpOutcome(leg, "failed").failure, { kind: "refused", errorCode: "ECONNREFUSED" });
    assert.deepEqual(leg.observation.tls, { status: "not_run", because: "earlier_phase_failed" });
    assert.deepEqual(leg.observation.http, { status: "not_run", because: "earlier_phase_failed" });
    assert.equal(leg.findings.length, 1);
    const [refused] = leg.findings;
    assert.equal(refused?.code, "tcp.refused");
    assert.equal(refused?.severity, "error");
    assert.equal(refused?.edgeStatus, 521);
    assert.equal(refused?.leg, "origin");
    assert.equal(refused?.phase, "tcp");
    assert.equal(refused?.evidence.address, "127.0.0.1");
    assert.equal(refused?.evidence.port, port);
    assert.equal(refused?.evidence.errorCode, "ECONNREFUSED");
    assert.equal(refused?.evidence.timeoutMs, 5_000);
    assert.equal(refused?.evidence.deadline, null);
    assert.equal(typeof refused?.evidence.elapsedMs, "number");
    assert.match(refused?.detail ?? "", /521/);
    assert.equal(leg.phase.status, "failed");
    assert.equal(leg.phase.facts?.errorCode, "ECONNREFUSED");
    assert.match(leg.phase.summary, new RegExp(`^127\\.0\\.0\\.1:${port} refused the connection \\(ECONNREFUSED\\)`));
  });

  test("accepted, then reset at once: http.connection_reset (520), observed in the tcp phase", async () => {
    // On loopback the server's accept runs before the client's connect completes (the listening
    // socket is ready first), so the reset lands inside connect(): ECONNRESET, as behind HAProxy's
    // `tcp-request connection reject`. The edge would meet it on its request: 520, not 521.
    const server = createServer((socket) => socket.resetAndDestroy());
    const port = await listen(server);
    try {
      const leg = await runTcpLeg({ port });
      assert.deepEqual(tcpOutcome(leg, "failed").failure, { kind: "reset", errorCode: "ECONNRESET" });
      assert.deepEqual(
        leg.findings.map((f) => [f.code, f.severity, f.edgeStatus, f.leg, f.phase]),
        [["http.connection_reset", "error", 520, "origin", "tcp"]],
      );
      assert.equal(leg.findings[0]?.evidence.during, "connect");
      assert.equal(leg.findings[0]?.evidence.bytesReceived, 0);
      assert.equal(leg.findings[0]?.evidence.errorCode, "ECONNRESET");
      assert.deepEqual(leg.observation.http, { status: "not_run", because: "earlier_phase_failed" });
    } finally {
      await shutdown(server);
    }
  });
});

describe("a TCP phase cut short", () => {
  test("the run deadline already passed: no phase runs, no connection, and no finding claims a timeout", async () => {
    const port = await releasedPort();
    const run = new AbortController();
    run.abort(new DeadlineExceeded("run", 1));
    const leg = await runTcpLeg({ port, tls: true }, run.signal);
    for (const phase of [leg.observation.tcp, leg.observation.tls, leg.observation.http]) {
      assert.deepEqual(phase, { status: "not_run", because: "stopped" });
    }
    assert.deepEqual(leg.findings, []);
    assert.equal(leg.phase.status, "skipped");
    assert.equal(leg.phase.facts, null);
  });

  test("stopped between phases: the phases after do not run, and the connection is still closed", {
    timeout: 10_000,
  }, async (t) => {
    const server = await keepAliveServer();
    const interrupt = new AbortController();
    const started: string[] = [];
    try {
      const leg = await runLeg(
        legSpec({ port: server.port, tls: true, deadlineMs: 5_000 }),
        interrupt.signal,
        (name, phase, deadlineMs) => {
          started.push(`${name}/${phase}/${deadlineMs}`);
          if (phase === "tls") interrupt.abort();
        },
      );
      assert.deepEqual(started, ["origin/tcp/5000", "origin/tls/5000"]);
      assert.equal(leg.tcp.status === "ran" && leg.tcp.outcome.kind, "connected");
      assert.deepEqual(leg.tls, { status: "not_run", because: "stopped" });
      assert.deepEqual(leg.http, { status: "not_run", because: "stopped" });
      assert.deepEqual(checkLeg(leg), []);
      // No phase after the connect touched the socket: the leg itself closed it as it ended.
      await once(await server.connection, "close", { signal: t.signal });
    } finally {
      await server.close();
    }
  });

  test("a user interrupt before the leg: not run, no finding", async () => {
    const port = await releasedPort();
    const leg = await runTcpLeg({ port }, AbortSignal.abort());
    assert.deepEqual(leg.observation.tcp, { status: "not_run", because: "stopped" });
    assert.deepEqual(leg.findings, []);
  });

  test("connectTcp under a deadline that already passed: stopped at once, and checkTcp says tcp.timeout", async () => {
    const port = await releasedPort();
    const phase = new AbortController();
    phase.abort(new DeadlineExceeded("phase", 1));
    const connected = await connectTcp("127.0.0.1", port, phase.signal);
    assert.ok(connected.kind === "stopped", "no connect was even attempted");
    assert.deepEqual([connected.stop, connected.elapsedMs], [{ kind: "deadline", deadline: "phase", ms: 1 }, 0]);
    const findings = checkTcp(observation({ spec: legSpec({ port }), tcp: ran<TcpOutcome>(connected, 1) }));
    assert.deepEqual(
      findings.map((f) => [f.code, f.edgeStatus, f.evidence.deadline, f.evidence.timeoutMs]),
      // 1 ms is far under the edge's 19 s: no 522 claimed.
      [["tcp.timeout", null, "phase", 1]],
    );
    assert.match(findings[0]?.detail ?? "", /19 s/);
  });

  test("connectTcp interrupted by the user: stopped, cancelled, and checkTcp says nothing", async () => {
    const port = await releasedPort();
    const connected = await connectTcp("127.0.0.1", port, AbortSignal.abort());
    assert.ok(connected.kind === "stopped");
    assert.deepEqual(connected.stop, { kind: "cancelled" });
    assert.deepEqual(checkTcp(observation({ spec: legSpec({ port }), tcp: ran<TcpOutcome>(connected) })), []);
  });
});
