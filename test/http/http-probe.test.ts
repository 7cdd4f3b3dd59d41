import "../support/loopback-guard.js";
import assert from "node:assert/strict";
import { once } from "node:events";
import net from "node:net";
import { after, describe, it } from "node:test";
import { headerReadCap } from "../../src/http/header-limits.js";
import type { DiagnoseOptions } from "../../src/options.js";
import { httpProbe } from "../../src/probes/http.js";
import type { PipelineState } from "../../src/probes/probe.js";
import { pipelineState } from "../support/pipeline-state.js";

type Handler = (socket: net.Socket) => void;

const servers: net.Server[] = [];
after(() => {
  for (const server of servers) server.close();
});

/** A loopback server that runs `handler` on each connection; every server-side error is expected. */
async function serve(handler: Handler): Promise<{ port: number; connections: Set<net.Socket> }> {
  const connections = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    connections.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => connections.delete(socket));
    handler(socket);
  });
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  assert.ok(address !== null && typeof address === "object");
  return { port: address.port, connections };
}

async function connectedState(port: number, change: Partial<DiagnoseOptions> = {}): Promise<PipelineState> {
  const socket = net.connect({ host: "127.0.0.1", port });
  // As the tcp probe does: until the http probe listens, an error must not crash the process.
  socket.on("error", () => {});
  await once(socket, "connect");
  return pipelineState({
    request: { hostname: "example.test", origin: "127.0.0.1", scheme: "http", port },
    options: { timeoutMs: 10_000, ...change },
    socket,
  });
}

/** Answers `response` once the request head has arrived. */
function answer(response: string | Buffer, then: (socket: net.Socket) => void = () => {}): Handler {
  return (socket) => {
    let received = "";
    socket.on("data", (data: Buffer) => {
      received += data.toString("latin1");
      if (!received.includes("\r\n\r\n")) return;
      socket.write(response);
      then(socket);
    });
  };
}

async function run(handler: Handler, change: Partial<DiagnoseOptions> = {}, signal = AbortSignal.timeout(10_000)) {
  const { port } = await serve(handler);
  const state = await connectedState(port, change);
  const started = performance.now();
  const result = await httpProbe.run(state, signal);
  return { result, state, elapsedMs: performance.now() - started };
}

const codes = (result: { findings: readonly { code: string; severity: string }[] }) =>
  result.findings.map((item) => `${item.code}:${item.severity}`).sort();

describe("httpProbe on loopback", () => {
  it("is always applicable", async () => {
    const { port } = await serve(() => {});
    const state = await connectedState(port);
    assert.equal(httpProbe.notApplicable(state), null);
    state.socket?.destroy();
  });

  it("reads a healthy keep-alive response without waiting for a close", async () => {
    const { result, state, elapsedMs } = await run(answer("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"));
    assert.deepEqual(codes(result), []);
    assert.equal(result.ok, true);
    assert.equal(result.facts.response.end, "complete");
    assert.equal(result.facts.response.head?.statusCode, 200);
    assert.equal(result.facts.response.bodyComplete, true);
    assert.equal(state.responseBody?.toString(), "hello");
    assert.equal(state.socket?.destroyed, true);
    assert.ok(elapsedMs < 5_000, `took ${elapsedMs} ms`);
    assert.match(result.facts.request.raw, /^GET \/ HTTP\/1\.1\r\nHost: example\.test:\d+\r\n/);
    assert.equal(result.facts.request.bytes, Buffer.byteLength(result.facts.request.raw, "latin1"));
    const { firstByteMs, headMs, completeMs } = result.facts.response;
    assert.ok(firstByteMs !== null && headMs !== null && completeMs !== null);
    assert.ok(firstByteMs <= headMs && headMs <= completeMs);
  });

  it("decodes a chunked body with trailers", async () => {
    const { result, state } = await run(
      answer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n"),
    );
    assert.deepEqual(codes(result), []);
    assert.equal(result.facts.response.framing, "chunked");
    assert.equal(state.responseBody?.toString(), "abc");
  });

  it("reports an empty reply", async () => {
    const { result } = await run(answer("", (socket) => socket.end()));
    assert.deepEqual(codes(result), ["http.empty_reply:error"]);
    assert.equal(result.ok, false);
    assert.equal(result.facts.response.end, "closed");
    assert.equal(result.facts.response.bytesReceived, 0);
    assert.equal(result.findings[0]?.edgeStatus, 520);
  });

  it("reports a reset after accept, before the request is written", async () => {
    let accepted: (socket: net.Socket) => void = () => {};
    const acceptedSocket = new Promise<net.Socket>((resolve) => {
      accepted = resolve;
    });
    const { port } = await serve((socket) => accepted(socket));
    const state = await connectedState(port);
    const closed = new Promise((resolve) => state.socket?.once("close", resolve));
    (await acceptedSocket).resetAndDestroy();
    await closed;
    const result = await httpProbe.run(state, AbortSignal.timeout(10_000));
    assert.deepEqual(codes(result), ["http.connection_reset:error"]);
    assert.equal(result.facts.response.end, "reset");
    assert.equal(result.findings[0]?.evidence.bytesReceived, 0);
    assert.equal(result.findings[0]?.evidence.errorCode, "ECONNRESET");
  });

  it("reports a reset when the request arrives", async () => {
    const { result } = await run((socket) => socket.once("data", () => socket.resetAndDestroy()));
    assert.deepEqual(codes(result), ["http.connection_reset:error"]);
    assert.equal(result.facts.response.end, "reset");
    assert.equal(result.findings[0]?.evidence.bytesReceived, 0);
  });

  it("reports a header block over the limit, with the limits it crosses", async () => {
    const big = `HTTP/1.1 200 OK\r\nSet-Cookie: s=${"x".repeat(20 * 1024)}\r\nContent-Length: 0\r\n\r\n`;
    const { result } = await run(answer(big));
    assert.deepEqual(codes(result), ["http.headers_too_large:error"]);
    const evidence = result.findings[0]?.evidence;
    assert.equal(evidence?.headerBytes, Buffer.byteLength(big));
    assert.equal(evidence?.maxHeaderSize, 8192);
    assert.ok(((evidence?.limitsCrossed ?? []) as string[]).includes("HAProxy tune.bufsize 16 KB"));
    assert.ok(((evidence?.limitsCrossed ?? []) as string[]).includes("Cloudflare 16 KB per header"));
    assert.ok(!((evidence?.limitsCrossed ?? []) as string[]).includes("Cloudflare 32 KB total (2024–2025)"));
  });

  it("stops at the header read cap on a 10 MB header line", async () => {
    const line = Buffer.alloc(10 * 1024 * 1024, "a");
    const { result } = await run(answer(Buffer.concat([Buffer.from("HTTP/1.1 200 OK\r\nX-Huge: "), line])));
    assert.deepEqual(codes(result), ["http.headers_too_large:error"]);
    const response = result.facts.response;
    assert.equal(response.end, "read_cap");
    assert.equal(response.head?.headBytes, headerReadCap(8192));
    assert.ok(response.bytesReceived < 10 * 1024 * 1024, "the rest of the line was not read");
    assert.equal(response.rawHeadTruncated, true);
    assert.equal(response.rawHead.length, 64 * 1024);
    const evidence = result.findings[0]?.evidence;
    assert.equal(evidence?.headerBytesIsLowerBound, true);
    assert.equal(evidence?.largestField, "X-Huge");
    assert.ok(((evidence?.limitsCrossed ?? []) as string[]).includes("Pingora 1 MiB"));
  });

  it("stops reading an endless body at maxBodyBytes, and calls it healthy", async () => {
    const endless: Handler = answer("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n", (socket) => {
      const block = Buffer.alloc(16 * 1024, "z");
      const pump = () => {
        while (!socket.destroyed && socket.write(block)) {}
      };
      socket.on("drain", pump);
      pump();
    });
    const { result, state, elapsedMs } = await run(endless, { maxBodyBytes: 64 * 1024 });
    assert.deepEqual(codes(result), ["http.body_read_capped:info"]);
    assert.equal(result.ok, true);
    assert.equal(result.facts.response.end, "read_cap");
    assert.equal(result.facts.response.bodyBytes, 64 * 1024);
    assert.equal(state.responseBody?.length, 64 * 1024);
    assert.ok(elapsedMs < 5_000, `took ${elapsedMs} ms`);
  });

  it("reports a response timeout on a silent server when the deadline fires", async () => {
    const { result, elapsedMs } = await run(() => {}, {}, AbortSignal.timeout(300));
    assert.deepEqual(codes(result), ["http.response_timeout:error"]);
    assert.equal(result.findings[0]?.edgeStatus, 524);
    assert.equal(result.facts.response.end, "timeout");
    assert.ok(elapsedMs < 5_000, `took ${elapsedMs} ms`);
  });

  it("reports a body timeout when the body stalls", async () => {
    const { result } = await run(
      answer("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc"),
      {},
      AbortSignal.timeout(300),
    );
    assert.deepEqual(codes(result), ["http.body_timeout:warning"]);
    assert.equal(result.ok, true);
  });

  it("reads an HTTP/1.0 body up to the close", async () => {
    const { result, state } = await run(
      answer("HTTP/1.0 200 OK\r\nConnection: close\r\n\r\nold-style body", (socket) => socket.end()),
    );
    assert.deepEqual(codes(result), []);
    assert.equal(result.facts.response.framing, "close");
    assert.equal(result.facts.response.end, "complete");
    assert.equal(state.responseBody?.toString(), "old-style body");
  });

  it("reports a truncated body", async () => {
    const { result } = await run(answer("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", (socket) => socket.end()));
    assert.deepEqual(codes(result), ["http.truncated_body:error"]);
    assert.equal(result.facts.response.end, "closed");
  });

  it("does not throw on a socket that is already closed", async () => {
    const { port } = await serve(() => {});
    const state = await connectedState(port);
    state.socket?.destroy();
    const result = await httpProbe.run(state, AbortSignal.timeout(10_000));
    assert.equal(result.ok, false);
    assert.deepEqual(codes(result), ["http.empty_reply:error"]);
  });

  it("returns at once when the signal has already fired", async () => {
    const { port } = await serve(() => {});
    const state = await connectedState(port);
    const result = await httpProbe.run(state, AbortSignal.abort());
    assert.deepEqual(codes(result), ["http.response_timeout:error"]);
    assert.equal(state.socket?.destroyed, true);
  });
});
