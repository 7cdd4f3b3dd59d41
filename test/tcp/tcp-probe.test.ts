import assert from "node:assert/strict";
import { createServer, Socket } from "node:net";
import { describe, test } from "node:test";
import { tcpProbe } from "../../src/probes/tcp.js";
import { listen, makeState, shutdown } from "../tls/support.js";

/** A loopback port that was just free: bound, then closed, so nothing listens there. */
async function closedPort(host = "127.0.0.1"): Promise<number> {
  const server = createServer();
  const port = await listen(server, host);
  await shutdown(server);
  return port;
}

async function loopbackV6Available(): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once("error", () => resolve(false));
    server.listen(0, "::1", () => server.close(() => resolve(true)));
  });
}

describe("tcp probe", () => {
  test("connects, sets state.socket, records the local end", async () => {
    const server = createServer((socket) => socket.on("error", () => {}));
    const port = await listen(server);
    const state = makeState({ port });
    try {
      const result = await tcpProbe.run(state, AbortSignal.timeout(5_000));
      assert.equal(result.ok, true);
      assert.deepEqual(result.findings, []);
      assert.ok(state.socket instanceof Socket);
      assert.equal(state.socket?.destroyed, false);
      assert.equal(result.facts.address, "127.0.0.1");
      assert.equal(result.facts.port, port);
      assert.equal(result.facts.family, 4);
      assert.equal(result.facts.localAddress, "127.0.0.1");
      assert.equal(typeof result.facts.localPort, "number");
      assert.equal(result.facts.errorCode, null);
      assert.match(result.summary, new RegExp(`^connected to 127\\.0\\.0\\.1:${port} in [\\d.]+ ms$`));
    } finally {
      state.socket?.destroy();
      await shutdown(server);
    }
  });

  test("connects over IPv6 loopback", async (t) => {
    if (!(await loopbackV6Available())) {
      t.skip("no IPv6 loopback here");
      return;
    }
    const server = createServer((socket) => socket.on("error", () => {}));
    const port = await listen(server, "::1");
    const state = makeState({ port, address: "::1" });
    try {
      const result = await tcpProbe.run(state, AbortSignal.timeout(5_000));
      assert.equal(result.ok, true);
      assert.equal(result.facts.family, 6);
      assert.match(result.summary, new RegExp(`^connected to \\[::1\\]:${port} `));
    } finally {
      state.socket?.destroy();
      await shutdown(server);
    }
  });

  test("a closed port: tcp.refused (521) with the errno and the timing as evidence", async () => {
    const port = await closedPort();
    const state = makeState({ port, timeoutMs: 5_000 });
    const result = await tcpProbe.run(state, AbortSignal.timeout(5_000));
    assert.equal(result.ok, false);
    assert.equal(state.socket, null);
    assert.equal(result.facts.errorCode, "ECONNREFUSED");
    assert.equal(result.findings.length, 1);
    const [refused] = result.findings;
    assert.equal(refused?.code, "tcp.refused");
    assert.equal(refused?.severity, "error");
    assert.equal(refused?.edgeStatus, 521);
    assert.equal(refused?.evidence.address, "127.0.0.1");
    assert.equal(refused?.evidence.port, port);
    assert.equal(refused?.evidence.errorCode, "ECONNREFUSED");
    assert.equal(refused?.evidence.timeoutMs, 5_000);
    assert.equal(typeof refused?.evidence.elapsedMs, "number");
    assert.match(refused?.detail ?? "", /521/);
  });

  test("the deadline already passed: tcp.timeout (522), promptly, no socket left", async () => {
    const port = await closedPort();
    const state = makeState({ port, timeoutMs: 1 });
    const result = await tcpProbe.run(state, AbortSignal.abort());
    assert.equal(result.ok, false);
    assert.equal(state.socket, null);
    assert.deepEqual(
      result.findings.map((f) => [f.code, f.edgeStatus]),
      [["tcp.timeout", 522]],
    );
    assert.match(result.findings[0]?.detail ?? "", /19 s/);
  });

  test("a user interrupt is not a timeout: no finding", async () => {
    const port = await closedPort();
    const interrupt = new AbortController();
    interrupt.abort();
    const base = makeState({ port });
    const state = { ...base, options: { ...base.options, signal: interrupt.signal } };
    const result = await tcpProbe.run(state, interrupt.signal);
    assert.equal(result.ok, false);
    assert.deepEqual(result.findings, []);
    assert.match(result.summary, /interrupted/);
  });

  test("no address from the DNS phase: ok false with a clear summary", async () => {
    const base = makeState({ port: 443 });
    const state = { ...base, facts: {} };
    const result = await tcpProbe.run(state, AbortSignal.timeout(1_000));
    assert.equal(result.ok, false);
    assert.deepEqual(result.findings, []);
    assert.match(result.summary, /no address to connect to/);
  });

  test("always applicable", () => {
    assert.equal(tcpProbe.notApplicable(makeState({ port: 80 })), null);
  });
});
