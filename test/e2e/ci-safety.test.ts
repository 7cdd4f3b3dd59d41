/**
 * Safe to run in CI: no line of output that carries an origin's bytes starts with "::" (GitHub
 * Actions would obey it as a workflow command, CVE-2020-15228), in the human report, --verbose
 * and the Markdown report; `--report "$GITHUB_STEP_SUMMARY"` appends to the file every step
 * shares; an artefact path that is a pipe is written straight to; `diag520 lab | head -2`
 * leaves no temporary directory behind.
 */
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { guardPath } from "../support/paths.js";
import { answer, type RawOrigin, startRawOrigin } from "../support/raw-origin.js";
import { CLI_PATH, cleanEnv, runCli } from "../support/run-cli.js";

/** An origin whose head carries workflow commands at the start of its lines. */
const HOSTILE =
  "HTTP/1.1 200 OK\r\n::set-env name=PWNED::1\r\nX-Note: ok\r\n  ::stop-commands::token\r\nContent-Length: 2\r\n\r\nok";

let origin: RawOrigin;
let dir: string;
before(async () => {
  origin = await startRawOrigin(answer(HOSTILE, (s) => s.end()));
  dir = await mkdtemp(join(tmpdir(), "diag520-ci-"));
});
after(async () => {
  await origin.close();
  await rm(dir, { recursive: true, force: true });
});

const args = () => [
  "localhost",
  "--origin",
  "127.0.0.1",
  "--port",
  String(origin.port),
  "--scheme",
  "http",
  "--timeout",
  "5",
];
const WORKFLOW_COMMAND = /^\s*::/m;

describe("workflow commands from an origin", () => {
  test("never start a line of the human report, nor of --verbose", async () => {
    for (const extra of [[], ["--verbose"]]) {
      const result = await runCli([...args(), ...extra]);
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stdout, /set-env/, "the origin's bytes are shown");
      assert.doesNotMatch(result.stdout, WORKFLOW_COMMAND, result.stdout);
    }
  });

  test("never start a line of the Markdown report, whose code blocks hold the raw head", async () => {
    const result = await runCli([...args(), "--report", "-"]);
    assert.match(result.stdout, /set-env/);
    assert.doesNotMatch(result.stdout, WORKFLOW_COMMAND, result.stdout);
    assert.doesNotMatch(result.stderr, WORKFLOW_COMMAND);
  });
});

describe("artefacts in CI", () => {
  test("--report $GITHUB_STEP_SUMMARY appends to what earlier steps wrote", async () => {
    const summary = join(dir, "step-summary.md");
    await writeFile(summary, "# an earlier step\n");
    const result = await runCli([...args(), "--report", summary], { env: { GITHUB_STEP_SUMMARY: summary } });
    assert.equal(result.code, 1, result.stderr);
    const text = await readFile(summary, "utf8");
    assert.ok(text.startsWith("# an earlier step\n# diag520 report: localhost"), text.slice(0, 200));
  });

  test("a pipe (a FIFO) is written straight to, not replaced", async (t) => {
    const fifo = join(dir, "report.fifo");
    const made = await new Promise<boolean>((resolve) => execFile("mkfifo", [fifo], (error) => resolve(!error)));
    if (!made) return t.skip("mkfifo is not available");
    const reader = readFile(fifo, "utf8");
    const result = await runCli([...args(), "--report", fifo]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(await reader, /^# diag520 report: localhost/);
  });
});

describe("diag520 lab | head -2", () => {
  test("leaves no temporary directory behind, however the lab ends", async () => {
    // Its own process group, as a shell pipeline in a terminal: Ctrl-C reaches the whole pipeline.
    const child = spawn(
      "sh",
      ["-c", 'exec "$0" --import "$1" "$2" lab | head -2', process.execPath, guardPath, CLI_PATH],
      { env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"], detached: true },
    );
    let stdout = "";
    const twoLines = new Promise<void>((resolve) => {
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.split("\n").length > 2) resolve();
      });
      child.stdout.on("end", () => resolve());
    });
    await twoLines;
    const caFile = /CA (\S+lab-ca\.pem)/.exec(stdout)?.[1];
    assert.ok(caFile, stdout);
    // head has what it wanted; the lab serves on until Ctrl-C, which the terminal sends to the group.
    if (child.exitCode === null && child.pid !== undefined) process.kill(-child.pid, "SIGINT");
    await once(child, "exit");
    assert.equal(existsSync(join(caFile, "..")), false, `${caFile} is still there`);
  });
});
