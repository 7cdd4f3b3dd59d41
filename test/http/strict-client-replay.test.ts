/**
 * The strict client replay on real loopback sockets: a head replayed from a one-shot server to
 * undici, what undici did with it, and that the replay ends at once on abort and leaves no socket
 * or listener behind. `replayInputOf` is fed by a real origin leg: the bytes replayed are exactly
 * the head the leg read, never its body. The only timing asserted is a wide upper bound.
 */
import "../support/loopback-guard.js";
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import type { StrictClientReplay } from "../../src/legs/observation.js";
import { runLeg } from "../../src/legs/run-leg.js";
import {
  type ReplayInput,
  replayInputOf,
  replayToStrictClient,
  STRICT_CLIENT_DEADLINE_CAP_MS,
} from "../../src/legs/strict-client-replay.js";
import { monotonicMs } from "../../src/text/monotonic-ms.js";
import { legSpec } from "../support/leg-spec.js";
import { answer, type RawOrigin, startRawOrigin } from "../support/raw-origin.js";

const NEVER = new AbortController().signal;
const input = (head: string, method = "GET"): ReplayInput => ({
  head: Buffer.from(head, "latin1"),
  method,
  deadlineMs: STRICT_CLIENT_DEADLINE_CAP_MS,
});

/** Loopback sockets and listeners open in this process, by kind. */
function openHandles(): { sockets: number; servers: number } {
  const resources = process.getActiveResourcesInfo();
  return {
    sockets: resources.filter((r) => r === "TCPSocketWrap").length,
    servers: resources.filter((r) => r === "TCPServerWrap").length,
  };
}

interface Row {
  readonly name: string;
  readonly head: string;
  readonly method?: string;
  readonly expect: (replay: StrictClientReplay) => void;
}

const ROWS: readonly Row[] = [
  {
    name: "whitespace before the colon: rejected by undici's parser (invalid header token)",
    head: "HTTP/1.1 200 OK\r\nServer : lab\r\nContent-Length: 2\r\n\r\n",
    expect: (replay) => {
      assert.equal(replay.kind, "rejected");
      if (replay.kind !== "rejected") return;
      assert.match(replay.errorCode ?? "", /^(HTTPParserError|HPE_INVALID_HEADER_TOKEN)$/);
      assert.match(replay.errorMessage, /Invalid header token/);
    },
  },
  {
    name: "obs-fold: rejected by undici's parser",
    head: "HTTP/1.1 200 OK\r\nX-Lab: one\r\n two\r\nContent-Length: 2\r\n\r\n",
    expect: (replay) => {
      assert.equal(replay.kind, "rejected");
      if (replay.kind !== "rejected") return;
      assert.match(replay.errorCode ?? "", /^(HTTPParserError|HPE_\w+)$/);
      assert.match(replay.errorMessage, /whitespace after header value/i);
    },
  },
  {
    name: "a clean head: accepted, with the status the origin sent (the body is not waited for)",
    head: "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\n",
    expect: (replay) => assert.deepEqual(replay.kind === "accepted" ? replay.statusCode : replay, 404),
  },
  {
    name: "a response to HEAD: accepted, no body expected",
    head: "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n",
    method: "HEAD",
    expect: (replay) => assert.deepEqual(replay.kind === "accepted" ? replay.statusCode : replay, 200),
  },
];

describe("replayToStrictClient", () => {
  for (const row of ROWS) {
    it(row.name, async () => {
      const before = openHandles();
      const replay = await replayToStrictClient(input(row.head, row.method), NEVER);
      assert.match(replay.client, /^undici \d+\.\d+\.\d+$/);
      assert.equal(replay.replayedBytes, Buffer.byteLength(row.head, "latin1"));
      row.expect(replay);
      assert.deepEqual(openHandles(), before, "no socket or listener left open");
    });
  }

  it("aborted while undici waits for the answer: stopped at once, nothing left open", async () => {
    const before = openHandles();
    const controller = new AbortController();
    const started = monotonicMs();
    let requested = false;
    const replay = await replayToStrictClient(input("HTTP/1.1 200 OK\r\nServer : lab\r\n\r\n"), controller.signal, {
      onRequest: () => {
        requested = true;
        controller.abort();
      },
    });
    assert.ok(requested, "the request reached the loopback server");
    assert.equal(replay.kind, "stopped");
    assert.deepEqual(replay.kind === "stopped" ? replay.stop : null, { kind: "cancelled" });
    assert.ok(monotonicMs() - started < 1_500, "well before the 2 s deadline");
    assert.deepEqual(openHandles(), before, "no socket or listener left open");
  });

  it("aborted before it starts: stopped, no listener opened", async () => {
    const controller = new AbortController();
    controller.abort();
    const replay = await replayToStrictClient(input("HTTP/1.1 200 OK\r\n\r\n"), controller.signal, {
      onRequest: () => assert.fail("no request is made"),
    });
    assert.deepEqual(replay.kind === "stopped" ? replay.stop : replay, { kind: "cancelled" });
  });
});

describe("replayInputOf, from a real origin leg", () => {
  const origins: RawOrigin[] = [];
  after(async () => {
    await Promise.all(origins.map((origin) => origin.close()));
  });

  it("the head exactly as the leg read it, without the body; the deadline capped at 2 s", async () => {
    const head = "HTTP/1.1 200 OK\r\nX-Lab: one\r\n two\r\nContent-Length: 5\r\n\r\n";
    const origin = await startRawOrigin(answer(`${head}hello`, (socket) => socket.end()));
    origins.push(origin);
    const leg = await runLeg(legSpec({ port: origin.port, deadlineMs: 10_000 }), NEVER);
    const replay = replayInputOf(leg);
    assert.ok(replay);
    assert.equal(replay.head.toString("latin1"), head);
    assert.equal(replay.method, "GET");
    assert.equal(replay.deadlineMs, STRICT_CLIENT_DEADLINE_CAP_MS);
  });

  it("nothing to replay when the origin sent no complete head", async () => {
    const origin = await startRawOrigin(answer("HTTP/1.1 200 OK\r\nServer : lab\r\n", (socket) => socket.end()));
    origins.push(origin);
    const leg = await runLeg(legSpec({ port: origin.port, deadlineMs: 500 }), NEVER);
    assert.equal(replayInputOf(leg), null);
  });
});
