/**
 * `diag520 … | head -1` (issue 4, point 5): when the reader of stdout goes away early, the
 * next write fails with EPIPE, and the process must end quietly: no stack trace, no "Error:
 * write EPIPE" on stderr. The report is made larger than what the kernel buffers (64 KiB for a
 * pipe, about 200 KiB for the socket pair that child_process uses) so that it cannot all be
 * written before the read end closes.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { type AddressInfo, createServer, type Server } from "node:net";
import { after, before, describe, test } from "node:test";
import { type DnsServer, startDnsServer } from "../../src/lab/dns-server.js";
import { guardPath } from "../support/paths.js";
import { CLI_PATH, cleanEnv, runCli } from "../support/run-cli.js";

const HOSTNAME = "healthy.lab.diag520.test";
/** 600 request headers of 1 KB: the request head is in the report twice (raw, and as curl): over 1 MB. */
const BULKY_HEADERS = Array.from({ length: 600 }, (_, i) => ["--header", `X-Filler-${i}: ${"f".repeat(1000)}`]).flat();

/** `bash -c 'diag520 … | head -1'`: diag520's exit code (PIPESTATUS) and its stderr; null without bash. */
function runBashPipeline(args: readonly string[]): Promise<{ code: number | null; stderr: string } | null> {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell script, not a template
  const script = '"$@" | head -1 >/dev/null; exit "${PIPESTATUS[0]}"';
  const child = spawn("bash", ["-c", script, "bash", process.execPath, "--import", guardPath, CLI_PATH, ...args], {
    env: cleanEnv(),
    stdio: ["ignore", "ignore", "pipe"],
  });
  const stderr: Buffer[] = [];
  child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
  const limit = setTimeout(() => child.kill("SIGKILL"), 20_000);
  return new Promise((resolve) => {
    child.on("error", () => {
      clearTimeout(limit);
      resolve(null);
    });
    child.on("close", (code) => {
      clearTimeout(limit);
      resolve({ code, stderr: Buffer.concat(stderr).toString("utf8") });
    });
  });
}

describe("stdout closed early by its reader", () => {
  let dns: DnsServer;
  let server: Server;
  let args: string[];

  before(async () => {
    dns = await startDnsServer({ [HOSTNAME]: { A: ["127.0.0.1"] } });
    server = createServer((socket) => {
      socket.on("error", () => {});
      let head = "";
      socket.on("data", (chunk: Buffer) => {
        head += chunk.toString("latin1");
        if (head.includes("\r\n\r\n"))
          socket.end("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
      });
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    args = [HOSTNAME, "--scheme", "http", "--port", String(port), "--dns-server", dns.address, ...BULKY_HEADERS];
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await dns.close();
  });

  for (const mode of ["human", "json"] as const) {
    test(`${mode} report: exits quietly when the reader closes after the first chunk`, async () => {
      let received = 0;
      const result = await runCli(mode === "json" ? [...args, "--json"] : args, {
        limitMs: 20_000,
        onSpawn: (child) => {
          child.stdout?.once("data", (chunk: Buffer) => {
            received = chunk.length;
            child.stdout?.destroy();
          });
        },
      });
      assert.ok(received > 0, "the reader got a first chunk");
      assert.equal(result.killedAfterLimit, false);
      assert.equal(result.signal, null, "ended by itself, not by a signal");
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr, "", "nothing on stderr: no EPIPE error, no stack trace");
    });
  }

  test("through a real pipe: diag520 … | head -1", async (t) => {
    const bash = await runBashPipeline(args);
    if (bash === null) return t.skip("bash is not installed");
    assert.equal(bash.code, 0, bash.stderr);
    assert.equal(bash.stderr, "", "nothing on stderr: no EPIPE error, no stack trace");
  });

  test("the report really is larger than the kernel buffers (else the tests above prove nothing)", async () => {
    for (const extra of [[], ["--json"]]) {
      const result = await runCli([...args, ...extra], { limitMs: 20_000 });
      assert.equal(result.code, 0, result.stderr);
      assert.ok(result.stdout.length > 512 * 1024, `report of ${result.stdout.length} bytes`);
    }
  });
});
