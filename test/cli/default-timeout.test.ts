/**
 * A per-phase deadline against an origin that never answers: the run ends on time.
 * On Node 20 an AbortSignal.timeout() inside AbortSignal.any() can be garbage-collected and
 * never fire (nodejs/node#57736); idle GC comes about 8 s in, so only a deadline longer than
 * that shows the hang. --expose-gc with a collection every 100 ms makes it certain.
 */
import assert from "node:assert/strict";
import { createServer, type Socket } from "node:net";
import { after, before, test } from "node:test";
import { runCli } from "../support/run-cli.js";

const sockets = new Set<Socket>();
const silent = createServer((socket) => {
  sockets.add(socket);
  socket.on("error", () => {});
  socket.on("close", () => sockets.delete(socket));
});
let port = 0;

before(async () => {
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  port = (silent.address() as { port: number }).port;
});
after(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

test("a per-phase deadline fires even while the garbage collector runs", async () => {
  const gcEvery100ms = "data:text/javascript,setInterval(()=>globalThis.gc(),100).unref()";
  const result = await runCli(
    ["localhost", "--origin", "127.0.0.1", "--port", String(port), "--scheme", "http", "--timeout", "2", "--json"],
    {
      nodeArgs: ["--expose-gc", "--import", gcEvery100ms],
      limitMs: 40_000,
    },
  );
  assert.equal(result.killedAfterLimit, false, "the run hung past its deadline");
  assert.equal(result.code, 1, result.stderr);
  const report = JSON.parse(result.stdout) as { findings: { code: string }[] };
  assert.ok(report.findings.some((f) => f.code === "http.response_timeout"));
  assert.ok(result.elapsedMs < 20_000, `took ${result.elapsedMs} ms`);
});

test("when --max-time cuts a phase, the report says so and names that deadline, not --timeout", async () => {
  const result = await runCli(
    [
      "localhost",
      "--origin",
      "127.0.0.1",
      "--port",
      String(port),
      "--scheme",
      "http",
      "--timeout",
      "10",
      "--max-time",
      "1",
      "--json",
    ],
    { limitMs: 20_000 },
  );
  assert.equal(result.killedAfterLimit, false);
  const report = JSON.parse(result.stdout) as {
    complete: boolean;
    interruption: { kind: string; ms: number | null } | null;
    findings: { code: string; evidence: Record<string, unknown> }[];
  };
  assert.equal(report.complete, false);
  assert.deepEqual(report.interruption, { kind: "run_deadline", ms: 1000 });
  const timeout = report.findings.find((f) => f.code === "http.response_timeout");
  assert.equal(timeout?.evidence.timeoutMs, 1000);
  assert.equal(timeout?.evidence.deadline, "run", "the whole-run deadline fired, not the per-phase one");
  assert.ok(result.elapsedMs < 8_000, `took ${result.elapsedMs} ms`);
});
