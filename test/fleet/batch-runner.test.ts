/**
 * The batch runner in-process (fleet/batch-runner.ts), against the lab and loopback origins:
 * exactly `concurrency` diagnoses at once, every line diagnosed (duplicates too) with the legs it
 * would have alone, results handed over as they finish, and the two deadlines and Ctrl-C ending
 * the batch with a report for every target under way and the rest returned as not started.
 * No sleeps: the origins say when they hold a request.
 */
import "../support/loopback-guard.js";
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type Server, type Socket } from "node:net";
import { after, before, describe, test } from "node:test";
import { type BatchTarget, type FinishedTarget, runBatch } from "../../src/fleet/batch-runner.js";
import { type Lab, startLab } from "../../src/lab/lab.js";
import { labRequest } from "../support/lab-diagnosis.js";
import { scriptedRequest } from "../support/scripted-origin.js";

const OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";

/** An origin that holds every request until `release()` or until `holdUntil` are held at once; it records the most held at once. */
async function startGateOrigin(holdUntil: () => number) {
  const held: Socket[] = [];
  let mostHeld = 0;
  let requests = 0;
  const sockets = new Set<Socket>();
  const heldChanged: Array<() => void> = [];
  const answerAll = (): void => {
    for (const socket of held.splice(0)) socket.end(OK);
  };
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    let head = "";
    socket.on("data", (chunk: Buffer) => {
      if (head.includes("\r\n\r\n")) return;
      head += chunk.toString("latin1");
      if (!head.includes("\r\n\r\n")) return;
      requests++;
      held.push(socket);
      mostHeld = Math.max(mostHeld, held.length);
      for (const notify of heldChanged.splice(0)) notify();
      if (held.length >= holdUntil()) answerAll();
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  assert.ok(address !== null && typeof address !== "string");
  return {
    port: address.port,
    /** Answers the held requests if as many are held as `holdUntil` now says. */
    recheck: (): void => {
      if (held.length > 0 && held.length >= holdUntil()) answerAll();
    },
    mostHeld: () => mostHeld,
    requests: () => requests,
    /** Resolves once `n` requests are held. */
    holding: async (n: number): Promise<void> => {
      while (held.length < n) await new Promise<void>((resolve) => heldChanged.push(resolve));
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

type Gate = Awaited<ReturnType<typeof startGateOrigin>>;

function targetsAt(port: number, lines: number): BatchTarget[] {
  return Array.from({ length: lines }, (_, i) => ({ line: i + 1, request: scriptedRequest(port).request }));
}

const SETTINGS = scriptedRequest(1).options;

describe("the batch runner", () => {
  let lab: Lab;
  before(async () => {
    lab = await startLab({ only: ["healthy-https", "connection-refused", "empty-reply"] });
  });
  after(async () => {
    await lab.close();
  });

  test("exactly --concurrency diagnoses at once, every line diagnosed, duplicates included", async () => {
    const total = 10;
    const concurrency = 3;
    let answered = 0;
    // Hold until `concurrency` requests wait at once (fewer at the end): a runner that ran fewer
    // at once would never be answered, one that ran more would show it in mostHeld.
    const gate: Gate = await startGateOrigin(() => Math.min(concurrency, total - answered));
    try {
      const done: FinishedTarget[] = [];
      const run = await runBatch(targetsAt(gate.port, total), {
        concurrency,
        settings: SETTINGS,
        batchDeadlineMs: null,
        onDone: (finished) => {
          answered++;
          done.push(finished);
          gate.recheck();
        },
      });
      assert.equal(gate.mostHeld(), concurrency);
      assert.equal(gate.requests(), total, "the same target ten times: ten requests");
      assert.deepEqual(
        done.map((d) => d.target.line).sort((a, b) => a - b),
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      );
      assert.ok(done.every((d) => d.diagnosis.report.verdict.ok));
      assert.deepEqual(run, { notStarted: [], stoppedBy: null });
    } finally {
      await gate.close();
    }
  });

  test("lab targets: each diagnosis has every leg and phase it would have alone; dead origins fail", async () => {
    const target = (name: string, line: number): BatchTarget => {
      const running = lab.origins.find((o) => o.origin.name === name);
      assert.ok(running);
      return { line, request: labRequest(lab, running).request };
    };
    const https = lab.origins.find((o) => o.origin.name === "healthy-https");
    assert.ok(https);
    const done = new Map<number, FinishedTarget>();
    await runBatch([target("healthy-https", 1), target("connection-refused", 2), target("empty-reply", 3)], {
      concurrency: 8,
      settings: labRequest(lab, https).options,
      batchDeadlineMs: null,
      onDone: (finished) => {
        done.set(finished.target.line, finished);
      },
    });
    const phases = (line: number) =>
      done.get(line)?.diagnosis.report.legs.origin?.phases.map((p) => `${p.name}:${p.status}`);
    assert.deepEqual(phases(1), ["tcp:passed", "tls:passed", "http:passed"]);
    assert.equal(done.get(1)?.diagnosis.report.resolution.status, "passed");
    assert.equal(done.get(2)?.diagnosis.report.verdict.decidingFinding?.code, "tcp.refused");
    assert.equal(done.get(3)?.diagnosis.report.verdict.decidingFinding?.code, "http.empty_reply");
  });

  test("the batch deadline: targets under way end incomplete at it, the rest never start", async () => {
    const gate = await startGateOrigin(() => Number.POSITIVE_INFINITY);
    try {
      const done: FinishedTarget[] = [];
      const started = performance.now();
      const run = await runBatch(targetsAt(gate.port, 6), {
        concurrency: 2,
        settings: SETTINGS,
        batchDeadlineMs: 300,
        onDone: (finished) => {
          done.push(finished);
        },
      });
      const elapsed = performance.now() - started;
      assert.equal(run.stoppedBy, "batch_deadline");
      assert.deepEqual(
        run.notStarted.map((t) => t.line),
        [3, 4, 5, 6],
      );
      assert.deepEqual(done.map((d) => d.target.line).sort(), [1, 2]);
      for (const { diagnosis } of done) {
        assert.equal(diagnosis.report.complete, false);
        assert.equal(diagnosis.report.interruption?.kind, "run_deadline");
      }
      assert.ok(elapsed < 5_000, `the batch ended ${elapsed} ms after it started, for a deadline of 300 ms`);
    } finally {
      await gate.close();
    }
  });

  test("each target's own --max-time cuts it short, and the batch goes on with the next", async () => {
    const gate = await startGateOrigin(() => Number.POSITIVE_INFINITY);
    try {
      const done: FinishedTarget[] = [];
      const run = await runBatch(targetsAt(gate.port, 3), {
        concurrency: 2,
        settings: { ...SETTINGS, maxTimeMs: 200 },
        batchDeadlineMs: null,
        onDone: (finished) => {
          done.push(finished);
        },
      });
      assert.deepEqual(run, { notStarted: [], stoppedBy: null });
      assert.deepEqual(
        done.map((d) => d.diagnosis.report.interruption),
        [1, 2, 3].map(() => ({ kind: "run_deadline", ms: 200 })),
      );
    } finally {
      await gate.close();
    }
  });

  test("Ctrl-C: the diagnoses under way stop and are reported incomplete; no other starts", async () => {
    const gate = await startGateOrigin(() => Number.POSITIVE_INFINITY);
    try {
      const controller = new AbortController();
      const done: FinishedTarget[] = [];
      const running = runBatch(targetsAt(gate.port, 5), {
        concurrency: 2,
        settings: SETTINGS,
        batchDeadlineMs: null,
        signal: controller.signal,
        onDone: (finished) => {
          done.push(finished);
        },
      });
      await gate.holding(2);
      controller.abort();
      const run = await running;
      assert.equal(run.stoppedBy, "cancelled");
      assert.deepEqual(
        run.notStarted.map((t) => t.line),
        [3, 4, 5],
      );
      assert.deepEqual(
        done.map((d) => d.diagnosis.report.interruption),
        [1, 2].map(() => ({ kind: "cancelled", ms: null })),
      );
    } finally {
      await gate.close();
    }
  });

  test("more targets than Node's default listener limit share one abort signal without a warning", async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on("warning", onWarning);
    const gate = await startGateOrigin(() => 1);
    try {
      await runBatch(targetsAt(gate.port, 40), {
        concurrency: 32,
        settings: SETTINGS,
        batchDeadlineMs: null,
        signal: new AbortController().signal,
        onDone: () => {},
      });
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(
        warnings.map((w) => w.message),
        [],
      );
    } finally {
      process.off("warning", onWarning);
      await gate.close();
    }
  });
});
