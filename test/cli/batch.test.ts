/**
 * `diag520 batch` through the real binary, for the wiring: JSON Lines on a pipe (each line a
 * report document plus its line, or an error row), one exit code over the batch, JUnit and the
 * metrics textfile written, GitHub annotations with a hostile origin and the step summary,
 * Ctrl-C mid-batch (SIGINT once the origin holds the requests: no sleep), `| head -1`, and the
 * input limits. Everything else is tested in-process (test/fleet/).
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { z } from "zod";
import { type Lab, type RunningOrigin, startLab } from "../../src/lab/lab.js";
import { reportDocumentSchema } from "../../src/report/schema.js";
import { WORKFLOW_COMMAND } from "../fleet/fleet-fixtures.js";
import { guardPath } from "../support/paths.js";
import { CLI_PATH, cleanEnv, runCli } from "../support/run-cli.js";
import { startScriptedOrigin } from "../support/scripted-origin.js";

/** One line of `diag520 batch`'s JSON Lines output. */
const batchLineSchema = z.union([
  reportDocumentSchema.extend({ line: z.number().int() }),
  z.strictObject({ kind: z.literal("error"), line: z.number().int(), message: z.string() }),
]);

function parseLines(stdout: string) {
  return stdout
    .trimEnd()
    .split("\n")
    .map((line) => batchLineSchema.parse(JSON.parse(line)));
}

/** Accepts connections and holds them, silent; resolves `holding(n)` once n requests wait. */
async function startSilentOrigin() {
  const sockets = new Set<Socket>();
  const waiters: Array<() => void> = [];
  const server: Server = createServer((socket) => {
    socket.on("error", () => {});
    socket.resume();
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    for (const wake of waiters.splice(0)) wake();
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  assert.ok(address !== null && typeof address !== "string");
  return {
    port: address.port,
    holding: async (n: number) => {
      while (sockets.size < n) await new Promise<void>((resolve) => waiters.push(resolve));
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe("diag520 batch, the binary", () => {
  let lab: Lab;
  let directory: string;
  let flags: string[];
  const origin = (name: string): RunningOrigin => {
    const running = lab.origins.find((o) => o.origin.name === name);
    assert.ok(running, name);
    return running;
  };
  const line = (name: string): string => `${origin(name).hostname} 127.0.0.1:${origin(name).port}`;

  before(async () => {
    lab = await startLab({ only: ["healthy-https", "connection-refused"] });
    directory = await mkdtemp(join(tmpdir(), "diag520-batch-test-"));
    flags = ["--dns-server", lab.dnsServer, "--ca-file", lab.caFile];
  });
  after(async () => {
    await lab.close();
    await rm(directory, { recursive: true, force: true });
  });

  test("piped: one JSON line per target as it finishes, bad lines first; one exit code over the batch", async () => {
    const list = join(directory, "fleet.txt");
    await writeFile(
      list,
      [
        "# fleet",
        line("healthy-https"),
        "bad_host.example",
        line("healthy-https"),
        `${line("connection-refused")} # dead`,
      ].join("\n"),
    );
    const result = await runCli(["batch", list, ...flags]);
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stderr, "", "no progress, no warning when stderr is not a terminal");
    const lines = parseLines(result.stdout);
    assert.deepEqual(lines[0], {
      kind: "error",
      line: 3,
      message:
        "invalid hostname 'bad_host.example': label 'bad_host' has '_': hostnames use letters, digits and hyphens (RFC 1123)",
    });
    const reports = lines.filter((l) => l.kind === "report");
    assert.deepEqual(reports.map((r) => r.line).sort(), [2, 4, 5]);
    for (const report of reports) {
      assert.equal(report.exitCode, report.verdict.ok ? 0 : 1, "each document carries its own exit code");
      assert.ok(!result.stdout.includes("\n\n"));
    }
    assert.equal(reports.find((r) => r.line === 5)?.verdict.decidingFinding?.code, "tcp.refused");
  });

  test("stdin, --format junit and --metrics: the XML on stdout, the textfile written whole", async () => {
    const metrics = join(directory, "diag520.prom");
    const input = `${line("healthy-https")}\n${line("healthy-https")}\n`;
    const result = await runCli(["batch", "-", ...flags, "--format", "junit", "--metrics", metrics], { input });
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuite name="diag520 batch stdin" tests="2" failures="0" errors="0" skipped="0" /,
    );
    assert.match(result.stdout, / \(line 2\)" time=/, "the duplicate has a name of its own");
    const text = await readFile(metrics, "utf8");
    assert.match(text, /^diag520_batch_exit_code 0$/m);
    assert.match(
      text,
      /^diag520_success\{target="https:\/\/healthy-https\.lab\.diag520\.test:\d+\/",origin="127\.0\.0\.1"\} 1$/m,
    );
    assert.deepEqual(
      (await readdir(directory)).filter((name) => name.endsWith(".tmp")),
      [],
      "no temporary file left",
    );
  });

  test("--format github: a hostile origin's ::set-env stays inside an annotation; the step summary is appended", async () => {
    const hostile = await startScriptedOrigin(() => ({
      bytes: `HTTP/1.1 200 OK\r\nX-Evil: a\n${WORKFLOW_COMMAND}\r\nContent-Length: 2\r\n\r\nok`,
    }));
    try {
      const summary = join(directory, "step-summary.md");
      await writeFile(summary, "earlier step\n");
      const list = join(directory, "github.txt");
      await writeFile(list, `localhost 127.0.0.1:${hostile.port}\n${line("healthy-https")}\n`);
      const result = await runCli(["batch", list, ...flags, "--scheme", "http", "--format", "github"], {
        env: { GITHUB_STEP_SUMMARY: summary },
      });
      assert.equal(result.code, 1, result.stderr);
      const lines = result.stdout.trimEnd().split("\n");
      assert.ok(
        lines.every((l) => l.startsWith("::error ") || l.startsWith("::warning ") || l.startsWith("diag520 batch: ")),
        result.stdout,
      );
      assert.ok(!lines.some((l) => l.startsWith("::set-env")));
      assert.equal(
        lines.filter((l) => l.startsWith("::error ")).length,
        2,
        "the hostile origin, and https spoken as http",
      );
      assert.match(lines[lines.length - 1] ?? "", /^diag520 batch: 2 targets: 2 fail$/);
      const markdown = await readFile(summary, "utf8");
      assert.match(markdown, /^earlier step\n## diag520 batch\n/);
      assert.match(markdown, /http\.invalid\\_header/);
    } finally {
      await hostile.close();
    }
  });

  test("Ctrl-C mid-batch: the targets under way are printed incomplete, the rest never start, exit 130", async () => {
    const silent = await startSilentOrigin();
    try {
      const list = join(directory, "silent.txt");
      await writeFile(list, `${Array.from({ length: 6 }, () => `localhost 127.0.0.1:${silent.port}`).join("\n")}\n`);
      let child: ChildProcess | undefined;
      const running = runCli(["batch", list, "--scheme", "http", "--concurrency", "2"], {
        limitMs: 25_000,
        onSpawn: (spawned) => {
          child = spawned;
        },
      });
      await silent.holding(2);
      assert.ok(child?.kill("SIGINT"));
      const result = await running;
      assert.equal(result.code, 130, result.stderr);
      const lines = parseLines(result.stdout);
      assert.equal(lines.length, 2);
      for (const report of lines) {
        assert.ok(report.kind === "report");
        assert.deepEqual(report.interruption, { kind: "cancelled", ms: null });
        assert.equal(report.exitCode, 130);
      }
      assert.match(result.stderr, /^diag520: batch interrupted \(Ctrl-C\): 2 of 6 targets finished, 4 not started\n$/);
    } finally {
      await silent.close();
    }
  });

  test("| head -1: the reader leaves early and the batch ends quietly", async (t) => {
    const bulky = Array.from({ length: 300 }, (_, i) => ["--header", `X-Filler-${i}: ${"f".repeat(1000)}`]).flat();
    const list = join(directory, "bulky.txt");
    await writeFile(list, `${Array.from({ length: 8 }, () => line("connection-refused")).join("\n")}\n`);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell script, not a template
    const script = '"$@" | head -1 >/dev/null; exit "${PIPESTATUS[0]}"';
    const child = spawn(
      "bash",
      ["-c", script, "bash", process.execPath, "--import", guardPath, CLI_PATH, "batch", list, ...flags, ...bulky],
      { env: cleanEnv(), stdio: ["ignore", "ignore", "pipe"] },
    );
    const stderr: Buffer[] = [];
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    const limit = setTimeout(() => child.kill("SIGKILL"), 20_000);
    const [code] = (await once(child, "close").catch(() => [null])) as [number | null];
    clearTimeout(limit);
    if (code === 127) return t.skip("bash is not installed");
    assert.equal(Buffer.concat(stderr).toString("utf8"), "", "no EPIPE, no stack trace");
    assert.ok(code !== null && code !== 3, `exit ${code}`);
  });

  test("input limits: a file over 16 MiB is a usage error, read no further", async () => {
    const huge = join(directory, "huge.txt");
    await writeFile(huge, "");
    // Sparse: 100 MB of NUL that costs no disk; the reader must stop after 16 MiB.
    await truncate(huge, 100 * 1024 * 1024);
    const result = await runCli(["batch", huge]);
    assert.equal(result.code, 2);
    assert.equal(result.stdout, "");
    assert.equal(result.stderr, `diag520: ${huge} is larger than 16 MiB; split the list into several batches\n`);
  });

  const usage: ReadonlyArray<readonly [string, readonly string[], string]> = [
    [
      "no file",
      ["batch"],
      "missing required argument 'file'; give the file of targets, or - for stdin, as in: diag520 batch origins.txt",
    ],
    ["a missing file", ["batch", "/nonexistent/list.txt"], "cannot read /nonexistent/list.txt (ENOENT)"],
    ["only comments", ["batch", "-"], "no targets in stdin: every line is blank or a comment"],
  ];
  for (const [label, args, message] of usage) {
    test(`usage error, ${label}: exit 2, one line`, async () => {
      const result = await runCli(args, { input: "# nothing here\n\n" });
      assert.equal(result.code, 2);
      assert.equal(result.stderr, `diag520: ${message}\n`);
    });
  }
});
