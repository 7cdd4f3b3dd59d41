/**
 * `diag520 batch` at a real terminal (test/support/pty.ts): human format by default, progress
 * (done/total, failing so far) on stderr while it runs, the summary table at the end, the
 * terminal left as it was found. And a single run's CI formats through the binary, for the wiring.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type Lab, startLab } from "../../src/lab/lab.js";
import { guardPath } from "../support/paths.js";
import { describeTerminal, type PtySize, ptyUnavailable, renderScreen, spawnPty } from "../support/pty.js";
import { CLI_PATH, cleanEnv, runCli } from "../support/run-cli.js";

const SIZE: PtySize = { rows: 24, columns: 120 };
const skip = ptyUnavailable();

describe("diag520 batch at a terminal, and a single run's CI formats", () => {
  let lab: Lab;
  let directory: string;
  before(async () => {
    lab = await startLab({ only: ["healthy-https", "connection-refused"] });
    directory = await mkdtemp(join(tmpdir(), "diag520-batch-terminal-"));
  });
  after(async () => {
    await lab.close();
    await rm(directory, { recursive: true, force: true });
  });
  const lineOf = (name: string): string => {
    const running = lab.origins.find((o) => o.origin.name === name);
    assert.ok(running);
    return `${running.hostname} 127.0.0.1:${running.port}`;
  };

  test("progress on stderr while it runs, then the summary table; exit 1", { skip }, async () => {
    const list = join(directory, "fleet.txt");
    await writeFile(list, [lineOf("healthy-https"), lineOf("connection-refused"), lineOf("healthy-https")].join("\n"));
    const session = spawnPty(
      process.execPath,
      ["--import", guardPath, CLI_PATH, "batch", list, "--dns-server", lab.dnsServer, "--ca-file", lab.caFile],
      { size: SIZE, env: cleanEnv({ CI: undefined, TERM: "xterm-256color", NO_COLOR: "1" }), limitMs: 25_000 },
    );
    await session.waitFor(/\d\/3 done · \d failing/);
    const exit = await session.exited;
    assert.equal(exit.code, 1, describeTerminal(exit.output, SIZE));
    assert.deepEqual(exit.mode, { canonical: true, echo: true, signals: true });
    const screen = renderScreen(exit.output, SIZE).text();
    assert.match(screen, /line +target +outcome +edge +finding/);
    assert.match(
      screen,
      /2 +https:\/\/connection-refused\.lab\.diag520\.test:\d+\/ via 127\.0\.0\.1 +fail +521 +tcp\.refused/,
    );
    // Whole, on one row: the table left it a line of its own rather than wrap it.
    assert.match(screen, /the CDN would answer 521: the origin refused the connection/);
    assert.match(screen, /3 targets: 2 pass, 1 fail · [\d.]+ s · exit code 1/);
    assert.ok(!screen.split("\n").some((line: string) => line.startsWith("::")));
  });

  test("a single run: --format junit on stdout and --metrics written", async () => {
    const running = lab.origins.find((o) => o.origin.name === "connection-refused");
    assert.ok(running);
    const metrics = join(directory, "single.prom");
    const result = await runCli([...running.args, "--format", "junit", "--metrics", metrics]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(
      result.stdout,
      /<testsuite name="diag520 connection-refused\.lab\.diag520\.test" tests="1" failures="1" /,
    );
    assert.match(
      result.stdout,
      /<failure type="tcp\.refused" message="the CDN would answer 521: the origin refused the connection">/,
    );
    assert.match(
      await readFile(metrics, "utf8"),
      /^diag520_edge_status\{target="http:\/\/connection-refused\.lab\.diag520\.test:\d+\/",origin="127\.0\.0\.1"\} 521$/m,
    );
  });

  test("a single run: --format github is an annotation and the totals line", async () => {
    const running = lab.origins.find((o) => o.origin.name === "connection-refused");
    assert.ok(running);
    const result = await runCli([...running.args, "--format", "github"]);
    assert.equal(result.code, 1, result.stderr);
    const lines = result.stdout.trimEnd().split("\n");
    assert.equal(lines.length, 2);
    assert.match(
      lines[0] ?? "",
      /^::error title=diag520%3A http%3A\/\/connection-refused\.lab\.diag520\.test%3A\d+\/ via 127\.0\.0\.1 → 521 \(tcp\.refused\)::the CDN would answer 521/,
    );
    assert.equal(lines[1], "diag520 batch: 1 target: 1 fail");
  });
});
