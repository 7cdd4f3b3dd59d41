/**
 * `diag520 batch`'s command line and the CI output flags, in-process (cli/batch-command-line.ts,
 * cli/output-format.ts): what is parsed, and one row per rejected input pinned to its message.
 * The run's flags are validated once, before any input is read.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { DEFAULT_CONCURRENCY } from "../../src/cli/batch-command-line.js";
import { parseCommandLine } from "../../src/cli/command-line.js";
import { UsageError } from "../../src/errors.js";

async function usageError(args: readonly string[], env: Record<string, string> = {}): Promise<string> {
  try {
    await parseCommandLine(args, env);
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  assert.fail(`accepted: ${args.join(" ")}`);
}

describe("diag520 batch: what is parsed", () => {
  test("defaults: the terminal decides the format, modest concurrency, no batch deadline", async () => {
    const command = await parseCommandLine(["batch", "origins.txt"], {});
    assert.ok(command.kind === "batch");
    assert.equal(command.input, "origins.txt");
    assert.equal(command.inputFormat, null);
    assert.equal(command.format, null);
    assert.equal(command.concurrency, DEFAULT_CONCURRENCY);
    assert.equal(command.batchDeadlineMs, null);
    assert.equal(command.metricsPath, null);
    assert.equal(command.settings.maxTimeMs, null);
  });

  test("the run's flags, before or after the subcommand, and DIAG520_DNS_SERVER, apply to every line", async () => {
    const command = await parseCommandLine(
      ["--timeout", "2.5", "batch", "-", "--max-time", "30", "--header", "X-A: 1", "--concurrency", "16"],
      { DIAG520_DNS_SERVER: "127.0.0.1:5353" },
    );
    assert.ok(command.kind === "batch");
    assert.equal(command.input, "-");
    assert.equal(command.concurrency, 16);
    assert.equal(command.settings.timeoutMs, 2500);
    assert.equal(command.settings.maxTimeMs, 30_000);
    assert.deepEqual(command.settings.dnsServers, ["127.0.0.1:5353"]);
    assert.deepEqual(command.flags.header, ["X-A: 1"]);
  });

  test("the batch's own options and the CI outputs", async () => {
    const command = await parseCommandLine(
      [
        "batch",
        "list",
        "--batch-max-time",
        "90",
        "--input-format",
        "csv",
        "--format",
        "junit",
        "--metrics",
        "/tmp/d.prom",
      ],
      {},
    );
    assert.ok(command.kind === "batch");
    assert.equal(command.batchDeadlineMs, 90_000);
    assert.equal(command.inputFormat, "csv");
    assert.equal(command.format, "junit");
    assert.equal(command.metricsPath, "/tmp/d.prom");
  });

  test("--json means JSON Lines in a batch", async () => {
    const command = await parseCommandLine(["batch", "list", "--json"], {});
    assert.ok(command.kind === "batch");
    assert.equal(command.format, "jsonl");
  });

  test("a single run takes --format and --metrics too; --json is --format json", async () => {
    for (const [args, format] of [
      [["example.com"], "human"],
      [["example.com", "--json"], "json"],
      [["example.com", "--format", "junit"], "junit"],
      [["example.com", "--format", "github", "--metrics", "x.prom"], "github"],
    ] as const) {
      const command = await parseCommandLine(args, {});
      assert.ok(command.kind === "diagnose");
      assert.equal(command.output.format, format);
      assert.equal(command.output.json, format === "json");
    }
  });
});

describe("diag520 batch: rejected, one line each", () => {
  const rows: ReadonlyArray<readonly [readonly string[], string]> = [
    [["batch", "l", "--concurrency", "0"], "invalid --concurrency '0': give a whole number from 1 to 256"],
    [["batch", "l", "--concurrency", "257"], "invalid --concurrency '257': give a whole number from 1 to 256"],
    [["batch", "l", "--concurrency", "4x"], "invalid --concurrency '4x': give a whole number from 1 to 256"],
    [
      ["batch", "l", "--batch-max-time", "0"],
      "invalid --batch-max-time '0': give a number of seconds greater than 0, such as 10 or 2.5",
    ],
    [["batch", "l", "--input-format", "xml"], "invalid --input-format 'xml': use text, csv or jsonl"],
    [
      ["batch", "l", "--format", "json"],
      "invalid --format 'json' for a batch: it writes JSON Lines, one document per target (--format jsonl)",
    ],
    [["batch", "l", "--format", "xml"], "invalid --format 'xml': use human, jsonl, junit, github"],
    [
      ["batch", "l", "--json", "--format", "junit"],
      "--json and --format junit both choose what goes to stdout: give one",
    ],
    [
      ["batch", "l", "--metrics", "-"],
      "invalid --metrics: give the path of the textfile to write (node_exporter reads *.prom files)",
    ],
    [
      ["batch", "l", "--har", "x.har"],
      "--har is for one diagnosis (diag520 <hostname> --har …); a batch's JSON lines carry each report",
    ],
    [
      ["batch", "l", "--report", "x.md"],
      "--report is for one diagnosis (diag520 <hostname> --report …); a batch's JSON lines carry each report",
    ],
    [
      ["batch", "l", "--timeout", "-1"],
      "invalid --timeout '-1': give a number of seconds greater than 0, such as 10 or 2.5",
    ],
    [
      ["batch", "l", "--repeat", "5"],
      "--repeat samples one target as a series (diag520 <hostname> --repeat …); a batch diagnoses each line once",
    ],
    [
      ["--for", "30s", "batch", "l"],
      "--for samples one target as a series (diag520 <hostname> --for …); a batch diagnoses each line once",
    ],
    [["batch", "l", "--port", "0"], "invalid --port '0': ports run from 1 to 65535"],
    [["batch", "l", "--ca-file", "/nonexistent.pem"], "invalid --ca-file '/nonexistent.pem': cannot read it (ENOENT)"],
    [["batch", "l", "--bogus"], "unknown option '--bogus'; diag520 --help lists the options"],
    [["example.com", "--format", "yaml"], "invalid --format 'yaml': use human, json, jsonl, junit, github"],
    [
      ["example.com", "--json", "--format", "github"],
      "--json and --format github both choose what goes to stdout: give one",
    ],
  ];
  for (const [args, message] of rows) {
    test(args.join(" "), async () => assert.equal(await usageError(args), message));
  }
});
