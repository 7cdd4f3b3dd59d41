/**
 * `exchangeHttp1` on a socket the test connected itself, for the moments a leg cannot be made to
 * stop at: a socket already reset or closed before the request is written, a signal that has
 * already fired. It must never throw and must always destroy the socket.
 */
import "../support/loopback-guard.js";
import assert from "node:assert/strict";
import { once } from "node:events";
import net from "node:net";
import { after, describe, it } from "node:test";
import { responseFindings } from "../../src/checks/http.js";
import { DeadlineExceeded } from "../../src/deadline.js";
import type { Origin } from "../../src/findings/catalogue.js";
import { exchangeHttp1 } from "../../src/http/exchange.js";
import { ResponseReader } from "../../src/http/response-reader.js";
import { answer, type ConnectionHandler, type RawOrigin, startRawOrigin } from "../support/raw-origin.js";

const AT: Origin = { leg: "origin", phase: "http" };
const LIMITS = { maxHeaderSize: 8192, maxBodyBytes: 1024 };
const REQUEST = Buffer.from("GET / HTTP/1.1\r\nHost: example.test\r\n\r\n", "latin1");
const NEVER = new AbortController().signal;

const origins: RawOrigin[] = [];
after(async () => {
  await Promise.all(origins.map((origin) => origin.close()));
});

/** A connected client socket, and the origin's side of it once accepted. */
async function connect(handler: ConnectionHandler = () => {}): Promise<{ client: net.Socket; server: net.Socket }> {
  let accepted: (socket: net.Socket) => void = () => {};
  const serverSide = new Promise<net.Socket>((resolve) => {
    accepted = resolve;
  });
  const origin = await startRawOrigin((socket) => {
    accepted(socket);
    handler(socket);
  });
  origins.push(origin);
  const client = net.connect({ host: "127.0.0.1", port: origin.port });
  // As connectTcp does: until the exchange listens, an error must not crash the process.
  client.on("error", () => {});
  await once(client, "connect");
  return { client, server: await serverSide };
}

async function exchange(client: net.Socket, signal: AbortSignal = NEVER) {
  const reader = new ResponseReader({ method: "GET", ...LIMITS });
  const result = await exchangeHttp1(client, REQUEST, reader, signal);
  const record = reader.record();
  return { ...result, record, findings: responseFindings(record, result.end, LIMITS, AT) };
}

describe("exchangeHttp1 on a loopback socket", { timeout: 30_000 }, () => {
  it("writes the request byte for byte and destroys the socket when the response is complete", async () => {
    let received = "";
    const { client } = await connect((socket) => {
      socket.on("data", (data: Buffer) => {
        received += data.toString("latin1");
      });
      answer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")(socket);
    });
    const result = await exchange(client);
    assert.equal(result.end.kind, "complete");
    assert.equal(result.end.during, "read");
    assert.equal(result.end.stop, null);
    assert.deepEqual(result.findings, []);
    assert.equal(received, REQUEST.toString("latin1"));
    assert.equal(client.destroyed, true);
  });

  it("reports a reset that came before the request was written", async () => {
    const { client, server } = await connect();
    // Not once(): that rejects on the 'error' the reset raises first.
    const closed = new Promise((resolve) => client.once("close", resolve));
    server.resetAndDestroy();
    await closed;
    const result = await exchange(client);
    assert.equal(result.end.kind, "reset");
    assert.equal(result.end.errorCode, "ECONNRESET");
    assert.deepEqual(
      result.findings.map((f) => f.code),
      ["http.connection_reset"],
    );
    assert.equal(result.findings[0]?.evidence.bytesReceived, 0);
    assert.equal(result.findings[0]?.evidence.errorCode, "ECONNRESET");
  });

  it("does not throw on a socket that is already closed: an empty reply", async () => {
    const { client } = await connect();
    client.destroy();
    const result = await exchange(client);
    assert.equal(result.end.kind, "closed");
    assert.deepEqual(
      result.findings.map((f) => f.code),
      ["http.empty_reply"],
    );
  });

  it("returns at once when a deadline has already fired, and names it", async () => {
    const { client } = await connect();
    const result = await exchange(client, AbortSignal.abort(new DeadlineExceeded("phase", 300)));
    assert.equal(result.end.kind, "stopped");
    assert.deepEqual(result.end.stop, { kind: "deadline", deadline: "phase", ms: 300 });
    assert.equal(client.destroyed, true);
    assert.deepEqual(
      result.findings.map((f) => f.code),
      ["http.response_timeout"],
    );
    assert.equal(result.findings[0]?.evidence.timeoutMs, 300);
  });

  it("reads any other abort as a cancellation, which is no fact about the origin", async () => {
    const { client } = await connect();
    const result = await exchange(client, AbortSignal.abort());
    assert.deepEqual(result.end.stop, { kind: "cancelled" });
    assert.equal(client.destroyed, true);
    assert.deepEqual(result.findings, []);
  });
});
