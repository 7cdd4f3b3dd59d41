/**
 * The origin leg (plain HTTP/1.1) against raw loopback origins that write exact bytes: what the
 * leg observed (facts only) and what `checkLeg` makes of it. Deadlines are the leg's own; the
 * only timings asserted are wide upper bounds that tell "stopped at once" from "waited for a
 * deadline".
 */
import "../support/loopback-guard.js";
import assert from "node:assert/strict";
import { once } from "node:events";
import net from "node:net";
import { after, describe, it } from "node:test";
import { checkLeg } from "../../src/checks/check-leg.js";
import { exitCodeFor } from "../../src/cli/exit-code.js";
import { startDeadline } from "../../src/deadline.js";
import type { Finding } from "../../src/findings/catalogue.js";
import { headerReadCap } from "../../src/http/header-limits.js";
import type { HttpOutcome, LegObservation } from "../../src/legs/observation.js";
import { runLeg } from "../../src/legs/run-leg.js";
import { legReport } from "../../src/report/leg-report.js";
import { findingSchema, type HttpFacts, legSchema } from "../../src/report/schema.js";
import { decideVerdict } from "../../src/report/verdict.js";
import { type LegSpecParts, legSpec } from "../support/leg-spec.js";
import { answer, type ConnectionHandler, type RawOrigin, startRawOrigin } from "../support/raw-origin.js";

const origins: RawOrigin[] = [];
after(async () => {
  await Promise.all(origins.map((origin) => origin.close()));
});

async function serve(handler: ConnectionHandler): Promise<RawOrigin> {
  const origin = await startRawOrigin(handler);
  origins.push(origin);
  return origin;
}

const NEVER = new AbortController().signal;

interface Run {
  readonly leg: LegObservation;
  readonly findings: Finding[];
  readonly origin: RawOrigin;
  readonly elapsedMs: number;
}

/** Runs the origin leg against a fresh origin, checks it, and validates the findings and the leg's report. */
async function run(
  handler: ConnectionHandler,
  parts: Partial<LegSpecParts> = {},
  signal: AbortSignal = NEVER,
): Promise<Run> {
  const origin = await serve(handler);
  const started = performance.now();
  const leg = await runLeg(legSpec({ hostname: "example.test", ...parts, port: origin.port }), signal);
  const elapsedMs = performance.now() - started;
  const findings = checkLeg(leg);
  for (const item of findings) findingSchema.parse(item);
  legSchema.parse(legReport(leg, findings));
  return { leg, findings, origin, elapsedMs };
}

function httpOf(leg: LegObservation): HttpOutcome {
  assert.equal(leg.http.status, "ran", "the http phase ran");
  assert.ok(leg.http.status === "ran");
  return leg.http.outcome;
}

/** The http phase as the report shows it (end, raw head cap…). */
function httpFacts(leg: LegObservation, findings: readonly Finding[]): HttpFacts {
  const phase = legReport(leg, findings).phases.find((p) => p.name === "http");
  assert.ok(phase?.name === "http" && phase.facts !== null, "the http phase has facts");
  return phase.facts;
}

/** The exit code the CLI would compute for this leg alone (one pure function over the verdict). */
function exitCode(leg: LegObservation, findings: readonly Finding[]): number {
  return exitCodeFor([
    {
      verdict: decideVerdict({ findings, origin: legReport(leg, findings), interruption: null, originNotRun: null }),
      interruption: null,
    },
  ]);
}

/** Resolves when every server-side connection is closed: proof that the leg closed its socket. */
async function allClosed(origin: RawOrigin): Promise<void> {
  await Promise.all([...origin.connections].map((socket) => (socket.destroyed ? null : once(socket, "close"))));
}

const codes = (findings: readonly Finding[]) => findings.map((item) => `${item.code}:${item.severity}`).sort();

// Each test is bounded, so that a leg that hangs fails its test instead of the suite.
describe("the origin leg (HTTP/1.1) on loopback", { timeout: 60_000 }, () => {
  it("connects, skips TLS for plain HTTP, and announces each phase it starts", async () => {
    const origin = await serve(answer("HTTP/1.1 204 No Content\r\nDate: x\r\n\r\n"));
    const started: string[] = [];
    const leg = await runLeg(legSpec({ port: origin.port, deadlineMs: 7_000 }), NEVER, (name, phase, deadlineMs) =>
      started.push(`${name} ${phase} ${deadlineMs}`),
    );
    assert.deepEqual(started, ["origin tcp 7000", "origin http 7000"]);
    assert.equal(leg.tcp.status, "ran");
    assert.ok(leg.tcp.status === "ran" && leg.tcp.outcome.kind === "connected");
    assert.equal(leg.tcp.outcome.localAddress, "127.0.0.1");
    assert.equal(typeof leg.tcp.outcome.localPort, "number");
    assert.equal(leg.tcp.deadlineMs, 7_000);
    assert.deepEqual(leg.tls, { status: "not_run", because: "not_applicable" });
    assert.equal(httpOf(leg).record.head?.statusCode, 204);
    assert.deepEqual(checkLeg(leg), []);
  });

  it("reads a healthy keep-alive response without waiting for a close, and closes its socket", async () => {
    // The origin never closes: only a leg that knows the response is complete returns before its deadline.
    const { leg, findings, origin, elapsedMs } = await run(
      answer("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"),
      {
        deadlineMs: 30_000,
      },
    );
    assert.deepEqual(codes(findings), []);
    const { record, exchange, requestHead } = httpOf(leg);
    assert.equal(exchange.end.kind, "complete");
    assert.equal(record.head?.statusCode, 200);
    assert.equal(record.bodyComplete, true);
    assert.equal(record.body.toString(), "hello");
    assert.ok(elapsedMs < 15_000, `took ${elapsedMs} ms`);
    assert.match(requestHead.toString("latin1"), /^GET \/ HTTP\/1\.1\r\nHost: example\.test\r\n/);
    const { firstByteMs, headMs, completeMs } = exchange;
    assert.ok(firstByteMs !== null && headMs !== null && completeMs !== null);
    assert.ok(firstByteMs <= headMs && headMs <= completeMs);
    const facts = httpFacts(leg, findings);
    assert.equal(facts.response.end, "complete");
    assert.equal(facts.request.bytes, requestHead.length);
    assert.equal(exitCode(leg, findings), 0);
    await allClosed(origin);
  });

  it("decodes a chunked body with trailers", async () => {
    const { leg, findings } = await run(
      answer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n"),
    );
    assert.deepEqual(codes(findings), []);
    const { record } = httpOf(leg);
    assert.equal(record.framing, "chunked");
    assert.equal(record.body.toString(), "abc");
  });

  it("reports an empty reply", async () => {
    const { leg, findings } = await run(answer("", (socket) => socket.end()));
    assert.deepEqual(codes(findings), ["http.empty_reply:error"]);
    const { record, exchange } = httpOf(leg);
    assert.equal(exchange.end.kind, "closed");
    assert.equal(record.bytesReceived, 0);
    assert.equal(findings[0]?.edgeStatus, 520);
    assert.equal(findings[0]?.leg, "origin");
    assert.equal(findings[0]?.phase, "http");
    assert.equal(exitCode(leg, findings), 1);
    assert.equal(legReport(leg, findings).phases.find((p) => p.name === "http")?.status, "failed");
  });

  it("reports a reset when the request arrives", async () => {
    const { leg, findings } = await run((socket) => socket.once("data", () => socket.resetAndDestroy()));
    assert.deepEqual(codes(findings), ["http.connection_reset:error"]);
    assert.equal(httpOf(leg).exchange.end.kind, "reset");
    assert.equal(findings[0]?.evidence.bytesReceived, 0);
    assert.equal(findings[0]?.evidence.errorCode, "ECONNRESET");
  });

  it("reports a reset right after accept as a reset, wherever the leg meets it", async () => {
    // The reset races the request: the leg meets it on the write (EPIPE) or the read (ECONNRESET).
    const { findings } = await run((socket) => socket.resetAndDestroy());
    assert.deepEqual(codes(findings), ["http.connection_reset:error"]);
    assert.equal(findings[0]?.evidence.bytesReceived, 0);
    const errorCode = String(findings[0]?.evidence.errorCode);
    assert.ok(["ECONNRESET", "EPIPE"].includes(errorCode), errorCode);
  });

  it("reports a header block over the limit, with the limits it crosses", async () => {
    const big = `HTTP/1.1 200 OK\r\nSet-Cookie: s=${"x".repeat(20 * 1024)}\r\nContent-Length: 0\r\n\r\n`;
    const { findings } = await run(answer(big));
    assert.deepEqual(codes(findings), ["http.headers_too_large:error"]);
    const evidence = findings[0]?.evidence;
    assert.equal(evidence?.headerBytes, Buffer.byteLength(big));
    assert.equal(evidence?.maxHeaderSize, 8192);
    const crossed = (evidence?.limitsCrossed ?? []) as string[];
    assert.ok(crossed.includes("HAProxy tune.bufsize 16 KB"));
    assert.ok(crossed.includes("Cloudflare 16 KB per header"));
    assert.ok(!crossed.includes("Cloudflare 32 KB total (2024–2025)"));
  });

  it("judges the header block against --max-header-size", async () => {
    const head = `HTTP/1.1 200 OK\r\nSet-Cookie: s=${"x".repeat(3000)}\r\nContent-Length: 0\r\n\r\n`;
    assert.deepEqual(codes((await run(answer(head))).findings), []);
    const { findings } = await run(answer(head), { maxHeaderSize: 2048 });
    assert.deepEqual(codes(findings), ["http.headers_too_large:error"]);
    assert.equal(findings[0]?.evidence.maxHeaderSize, 2048);
  });

  it("stops at the header read cap on a 10 MB header line", async () => {
    const line = Buffer.alloc(10 * 1024 * 1024, "a");
    const { leg, findings } = await run(answer(Buffer.concat([Buffer.from("HTTP/1.1 200 OK\r\nX-Huge: "), line])));
    assert.deepEqual(codes(findings), ["http.headers_too_large:error"]);
    const { record, exchange } = httpOf(leg);
    assert.equal(exchange.end.kind, "complete", "the reader stopped; the leg did not wait for the rest");
    assert.equal(record.stop, "head_cap");
    assert.equal(record.partialHead?.headBytes, headerReadCap(8192));
    assert.equal(record.rawHead?.length, headerReadCap(8192));
    assert.ok(record.bytesReceived < 10 * 1024 * 1024, "the rest of the line was not read");
    const facts = httpFacts(leg, findings);
    assert.equal(facts.response.end, "read_cap");
    assert.equal(facts.response.rawHeadTruncated, true);
    assert.equal(facts.response.rawHead.length, 64 * 1024);
    const evidence = findings[0]?.evidence;
    assert.equal(evidence?.headerBytesIsLowerBound, true);
    assert.equal(evidence?.largestField, "X-Huge");
    assert.ok(((evidence?.limitsCrossed ?? []) as string[]).includes("Pingora 1 MiB"));
  });

  it("stops reading an endless body at maxBodyBytes, and calls it healthy", async () => {
    const endless = answer("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n", (socket) => {
      const block = Buffer.alloc(16 * 1024, "z");
      const pump = () => {
        while (!socket.destroyed && socket.write(block)) {}
      };
      socket.on("drain", pump);
      pump();
    });
    const { leg, findings, elapsedMs } = await run(endless, { maxBodyBytes: 64 * 1024, deadlineMs: 30_000 });
    assert.deepEqual(codes(findings), ["http.body_read_capped:info"]);
    assert.equal(exitCode(leg, findings), 0);
    const { record, exchange } = httpOf(leg);
    assert.equal(exchange.end.kind, "complete");
    assert.equal(record.stop, "body_cap");
    assert.equal(record.bodyBytes, 64 * 1024);
    assert.equal(record.body.length, 64 * 1024);
    assert.equal(httpFacts(leg, findings).response.end, "read_cap");
    assert.ok(elapsedMs < 15_000, `took ${elapsedMs} ms`);
  });

  it("reports a response timeout on a silent origin when the phase deadline fires", async () => {
    const { leg, findings, elapsedMs } = await run(() => {}, { deadlineMs: 300 });
    assert.deepEqual(codes(findings), ["http.response_timeout:error"]);
    // 0.3 s is far under the edge's 125 s: an error for the deadline set, no 524 claimed.
    assert.equal(findings[0]?.edgeStatus, null);
    assert.equal(findings[0]?.evidence.timeoutMs, 300);
    assert.equal(findings[0]?.evidence.deadline, "phase");
    const { exchange } = httpOf(leg);
    assert.equal(exchange.end.kind, "stopped");
    assert.deepEqual(exchange.end.stop, { kind: "deadline", deadline: "phase", ms: 300 });
    assert.ok(leg.http.status === "ran" && leg.http.deadlineMs === 300);
    assert.equal(httpFacts(leg, findings).response.end, "timeout");
    assert.ok(elapsedMs < 5_000, `took ${elapsedMs} ms`);
  });

  it("names the whole-run deadline when that is the one that fired", async () => {
    const runDeadline = startDeadline(300, [], "run");
    try {
      const { leg, findings } = await run(() => {}, { deadlineMs: 30_000 }, runDeadline.signal);
      assert.deepEqual(codes(findings), ["http.response_timeout:error"]);
      assert.equal(findings[0]?.evidence.deadline, "run");
      assert.equal(findings[0]?.evidence.timeoutMs, 300);
      assert.deepEqual(httpOf(leg).exchange.end.stop, { kind: "deadline", deadline: "run", ms: 300 });
    } finally {
      runDeadline.clear();
    }
  });

  it("says nothing about the origin when the run is cancelled mid-exchange (Ctrl-C)", async () => {
    const controller = new AbortController();
    // Cancelled once the request has arrived: the http phase is running.
    const { leg, findings } = await run(
      (socket) => socket.once("data", () => controller.abort()),
      {},
      controller.signal,
    );
    assert.deepEqual(findings, []);
    assert.deepEqual(httpOf(leg).exchange.end.stop, { kind: "cancelled" });
    const http = legReport(leg, findings).phases.find((p) => p.name === "http");
    assert.equal(http?.status, "skipped");
    assert.equal(http?.skipReason, "interrupted before the phase finished");
  });

  it("runs no phase when the run has already stopped", async () => {
    const controller = new AbortController();
    controller.abort();
    const { leg, findings } = await run(() => {}, {}, controller.signal);
    assert.deepEqual(leg.tcp, { status: "not_run", because: "stopped" });
    assert.deepEqual(leg.tls, { status: "not_run", because: "not_applicable" });
    assert.deepEqual(leg.http, { status: "not_run", because: "stopped" });
    assert.deepEqual(findings, []);
  });

  it("reports a body timeout when the body stalls, and still calls the response healthy", async () => {
    const { leg, findings } = await run(answer("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc"), {
      deadlineMs: 300,
    });
    assert.deepEqual(codes(findings), ["http.body_timeout:warning"]);
    assert.equal(exitCode(leg, findings), 0);
    assert.equal(httpOf(leg).record.bodyBytes, 3);
  });

  it("reads an HTTP/1.0 body up to the close", async () => {
    const { leg, findings } = await run(
      answer("HTTP/1.0 200 OK\r\nConnection: close\r\n\r\nold-style body", (socket) => socket.end()),
    );
    assert.deepEqual(codes(findings), []);
    const { record, exchange } = httpOf(leg);
    assert.equal(record.framing, "close");
    assert.equal(exchange.end.kind, "complete");
    assert.equal(record.body.toString(), "old-style body");
  });

  it("reports a truncated body", async () => {
    const { leg, findings } = await run(
      answer("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", (socket) => socket.end()),
    );
    assert.deepEqual(codes(findings), ["http.truncated_body:error"]);
    assert.equal(httpOf(leg).exchange.end.kind, "closed");
  });

  it("reads no body for HEAD, whatever Content-Length says", async () => {
    const { leg, findings } = await run(answer("HTTP/1.1 200 OK\r\nContent-Length: 12345\r\n\r\n"), {
      request: { method: "HEAD" },
    });
    assert.deepEqual(codes(findings), []);
    const { record, requestHead } = httpOf(leg);
    assert.match(requestHead.toString("latin1"), /^HEAD \/ HTTP\/1\.1\r\n/);
    assert.equal(record.framing, "none");
    assert.equal(record.bodyComplete, true);
  });

  it("does not run the http phase when the connection is refused", async () => {
    const closed = net.createServer();
    closed.listen(0, "127.0.0.1");
    await once(closed, "listening");
    const address = closed.address();
    assert.ok(address !== null && typeof address === "object");
    closed.close();
    await once(closed, "close");
    const leg = await runLeg(legSpec({ port: address.port }), NEVER);
    assert.deepEqual(leg.http, { status: "not_run", because: "earlier_phase_failed" });
    assert.deepEqual(
      checkLeg(leg).map((f) => `${f.code}:${f.phase}`),
      ["tcp.refused:tcp"],
    );
  });
});
