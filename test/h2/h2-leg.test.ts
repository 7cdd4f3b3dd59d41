/**
 * The HTTP/2 leg against the lab's HTTP/2 origins on loopback: ALPN offered as the edge offers it,
 * what was selected on record, the exchange when h2 was selected, nothing when it was not, and
 * the one retry on a fresh connection after REFUSED_STREAM or GOAWAY(NO_ERROR).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { buildVisitorRequest } from "../../src/http/request.js";
import { startH2FaultServer } from "../../src/lab/h2/h2-fault-server.js";
import { startHealthyH2Server } from "../../src/lab/h2/h2-healthy-server.js";
import type { H2ScenarioName } from "../../src/lab/h2/h2-scenarios.js";
import { type ListeningServer, startTlsServer } from "../../src/lab/lab-servers.js";
import type { H2LegSpec } from "../../src/legs/leg-spec.js";
import type { H2LegObservation } from "../../src/legs/observation.js";
import { originH2LegSpec } from "../../src/legs/origin-leg.js";
import { runLeg } from "../../src/legs/run-leg.js";
import { DEFAULTS, type DiagnoseRequest } from "../../src/options.js";
import { legSpec } from "../support/leg-spec.js";
import { certificates, ORIGIN_NAME, SERVER_TLS } from "./support.js";

function h2Spec(port: number, deadlineMs = 5_000): H2LegSpec {
  const request: DiagnoseRequest = {
    hostname: ORIGIN_NAME,
    displayHostname: ORIGIN_NAME,
    origin: "127.0.0.1",
    scheme: "https",
    port,
    path: "/",
    method: "GET",
    headers: [["Authorization", "Bearer secret-token"]],
    userAgent: DEFAULTS.userAgent,
  };
  return originH2LegSpec(
    request,
    {
      timeoutMs: deadlineMs,
      maxTimeMs: null,
      maxHeaderSize: DEFAULTS.maxHeaderSize,
      maxBodyBytes: DEFAULTS.maxBodyBytes,
      extraCaPem: [certificates.caPem],
      dnsServers: [],
      redact: [],
    },
    "127.0.0.1",
    buildVisitorRequest(request),
  );
}

function established(leg: H2LegObservation) {
  assert.equal(leg.tls.status, "ran");
  assert.ok(leg.tls.status === "ran" && leg.tls.outcome.kind === "established");
  return leg.tls.outcome;
}

function outcome(leg: H2LegObservation) {
  assert.equal(leg.http2.status, "ran");
  assert.ok(leg.http2.status === "ran");
  return leg.http2.outcome;
}

async function withScenario<T>(name: H2ScenarioName, run: (port: number) => Promise<T>): Promise<T> {
  const server = await startH2FaultServer(name, SERVER_TLS);
  try {
    return await run(server.port);
  } finally {
    await server.close();
  }
}

describe("the origin-h2 leg", () => {
  let healthy: ListeningServer;
  let http1Only: ListeningServer;
  before(async () => {
    healthy = await startHealthyH2Server(SERVER_TLS);
    http1Only = await startTlsServer(
      { ...SERVER_TLS, ALPNProtocols: ["http/1.1"] },
      { bytes: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", after: "close" },
    );
  });
  after(async () => {
    await Promise.all([healthy.close(), http1Only.close()]);
  });

  it("offers h2 then http/1.1, as the edge does; a healthy origin selects h2 and answers over HTTP/2", async () => {
    const leg = await runLeg(h2Spec(healthy.port), new AbortController().signal);
    assert.deepEqual(leg.spec.tls.alpn, ["h2", "http/1.1"]);
    assert.equal(established(leg).alpn, "h2");
    const { exchange, request, retry } = outcome(leg);
    assert.equal(exchange.end, "complete");
    assert.equal(exchange.response?.status, 200);
    assert.equal(retry, null);
    // The request as HTTP/2 carries it: pseudo-header fields first, Host as :authority, names in lower case.
    assert.deepEqual(
      request.fields.map(([name]) => name),
      [":method", ":scheme", ":authority", ":path", "user-agent", "accept", "authorization"],
    );
    // The visitor's Host, as the edge forwards it: the visitor came to the default port.
    assert.equal(request.authority, ORIGIN_NAME);
    assert.ok(exchange.frames.some((f) => f.direction === "received" && f.type === "SETTINGS"));
  });

  it("stops after the handshake when the origin selects http/1.1: the edge would speak HTTP/1.1", async () => {
    const leg = await runLeg(h2Spec(http1Only.port), new AbortController().signal);
    assert.equal(established(leg).alpn, "http/1.1");
    assert.deepEqual(leg.http2, { status: "not_run", because: "h2_not_selected" });
  });

  it("refused-stream-once: retries on a fresh connection, which succeeds", async () => {
    await withScenario("refused-stream-once", async (port) => {
      const { exchange, retry } = outcome(await runLeg(h2Spec(port), new AbortController().signal));
      assert.equal(exchange.streamError, "REFUSED_STREAM");
      assert.ok(retry?.kind === "exchanged");
      assert.equal(retry.reason, "refused_stream");
      assert.equal(retry.exchange.end, "complete");
      assert.equal(retry.exchange.response?.status, 200);
    });
  });

  it("goaway-no-error-once: retries on a fresh connection, which succeeds", async () => {
    await withScenario("goaway-no-error-once", async (port) => {
      const { exchange, retry } = outcome(await runLeg(h2Spec(port), new AbortController().signal));
      assert.equal(exchange.end, "goaway");
      assert.ok(retry?.kind === "exchanged");
      assert.equal(retry.reason, "goaway_no_error");
      assert.equal(retry.exchange.end, "complete");
    });
  });

  it("refused-stream-always: the retry is refused too", async () => {
    await withScenario("refused-stream-always", async (port) => {
      const { retry } = outcome(await runLeg(h2Spec(port), new AbortController().signal));
      assert.ok(retry?.kind === "exchanged");
      assert.equal(retry.exchange.streamError, "REFUSED_STREAM");
    });
  });

  it("does not retry what the edge does not retry (RST_STREAM INTERNAL_ERROR)", async () => {
    await withScenario("rst-stream-internal-error", async (port) => {
      const { exchange, retry } = outcome(await runLeg(h2Spec(port), new AbortController().signal));
      assert.equal(exchange.streamError, "INTERNAL_ERROR");
      assert.equal(retry, null);
    });
  });

  it("no-response: the phase deadline ends the exchange as a timeout, with the stop on record", async () => {
    await withScenario("no-response", async (port) => {
      const leg = await runLeg(h2Spec(port, 300), new AbortController().signal);
      const { exchange, stop } = outcome(leg);
      assert.equal(exchange.end, "timeout");
      assert.deepEqual(stop, { kind: "deadline", deadline: "phase", ms: 300 });
    });
  });

  it("a fault server serves HTTP/1.1 to a client that offers only http/1.1", async () => {
    await withScenario("speaks-http1", async (port) => {
      const leg = await runLeg(
        legSpec({ port, tls: true, hostname: ORIGIN_NAME, extraCaPem: [certificates.caPem] }),
        new AbortController().signal,
      );
      assert.ok(leg.http.status === "ran");
      assert.equal(leg.http.outcome.record.head?.statusCode, 200);
    });
  });
});
