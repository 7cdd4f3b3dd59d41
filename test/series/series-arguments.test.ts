/**
 * The options of a series, parsed as the binary parses them (parseCommandLine, in-process): one
 * row per rejected input, pinned to its message, and the plan each accepted combination makes.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseCommandLine } from "../../src/cli/command-line.js";
import { UsageError } from "../../src/errors.js";
import type { SeriesPlan } from "../../src/series/series-plan.js";

const HOST = "example.com";

const REJECTED: ReadonlyArray<{ readonly args: readonly string[]; readonly message: RegExp }> = [
  { args: ["--repeat", "0"], message: /^invalid --repeat '0': give a whole number of samples from 1 to 100000$/ },
  { args: ["--repeat", "-3"], message: /^invalid --repeat '-3'/ },
  { args: ["--repeat", "2.5"], message: /^invalid --repeat '2\.5'/ },
  { args: ["--repeat", "100001"], message: /^invalid --repeat '100001': .* from 1 to 100000$/ },
  { args: ["--repeat", "ten"], message: /^invalid --repeat 'ten'/ },
  { args: ["--for", "0"], message: /^invalid --for '0': give a duration such as 90, 30s, 5m or 1h \(at most 24h\)$/ },
  { args: ["--for", "25h"], message: /^invalid --for '25h'/ },
  { args: ["--for", "5 minutes"], message: /^invalid --for '5 minutes'/ },
  { args: ["--for", "-1s"], message: /^invalid --for '-1s'/ },
  { args: ["--for", "m"], message: /^invalid --for 'm'/ },
  {
    args: ["--repeat", "5", "--interval", "-1"],
    message: /^invalid --interval '-1': give a number of seconds from 0 to 3600, such as 1 or 0\.2$/,
  },
  { args: ["--repeat", "5", "--interval", "3601"], message: /^invalid --interval '3601'/ },
  { args: ["--repeat", "5", "--interval", "1s"], message: /^invalid --interval '1s'/ },
  {
    args: ["--repeat", "5", "--concurrency", "0"],
    message: /^invalid --concurrency '0': give a whole number of samples in flight from 1 to 16$/,
  },
  { args: ["--repeat", "5", "--concurrency", "17"], message: /^invalid --concurrency '17'/ },
  { args: ["--repeat", "5", "--concurrency", "1.5"], message: /^invalid --concurrency '1\.5'/ },
  {
    args: ["--repeat", "5", "--tolerate", "1.5"],
    message:
      /^invalid --tolerate '1\.5': give the error rate to tolerate as a fraction from 0 to 1, such as 0\.05 for 5 %$/,
  },
  { args: ["--repeat", "5", "--tolerate", "-0.1"], message: /^invalid --tolerate '-0\.1'/ },
  {
    args: ["--repeat", "5", "--tolerate", "5%"],
    message: /^invalid --tolerate '5%': give a fraction from 0 to 1: 5 % is 0\.05$/,
  },
  {
    args: ["--interval", "0"],
    message: /^--interval applies to a series of samples: add --repeat <n> or --for <duration>$/,
  },
  { args: ["--concurrency", "4"], message: /^--concurrency applies to a series/ },
  { args: ["--tolerate", "0.1"], message: /^--tolerate applies to a series/ },
];

describe("series options: rejected, one line each", () => {
  for (const row of REJECTED) {
    test(`${row.args.join(" ")}`, async () => {
      await assert.rejects(parseCommandLine([HOST, ...row.args], {}), (error: unknown) => {
        assert.ok(error instanceof UsageError, String(error));
        assert.match(error.message, row.message);
        return true;
      });
    });
  }
});

const ACCEPTED: ReadonlyArray<{ readonly args: readonly string[]; readonly plan: SeriesPlan | null }> = [
  { args: [], plan: null },
  {
    args: ["--repeat", "50"],
    plan: { repeat: 50, forMs: null, intervalMs: 1000, concurrency: 1, tolerate: 0 },
  },
  {
    args: ["--repeat", "1"],
    plan: { repeat: 1, forMs: null, intervalMs: 1000, concurrency: 1, tolerate: 0 },
  },
  {
    args: ["--for", "90"],
    plan: { repeat: null, forMs: 90_000, intervalMs: 1000, concurrency: 1, tolerate: 0 },
  },
  {
    args: ["--for", "1.5m", "--interval", "0"],
    plan: { repeat: null, forMs: 90_000, intervalMs: 0, concurrency: 1, tolerate: 0 },
  },
  {
    args: ["--for", "500ms", "--repeat", "3"],
    plan: { repeat: 3, forMs: 500, intervalMs: 1000, concurrency: 1, tolerate: 0 },
  },
  {
    args: ["--for", "24h"],
    plan: { repeat: null, forMs: 86_400_000, intervalMs: 1000, concurrency: 1, tolerate: 0 },
  },
  {
    args: ["--repeat", "100000", "--interval", "0.25", "--concurrency", "16", "--tolerate", "1"],
    plan: { repeat: 100_000, forMs: null, intervalMs: 250, concurrency: 16, tolerate: 1 },
  },
  {
    args: ["--repeat", "10", "--tolerate", "0", "--interval", ".5"],
    plan: { repeat: 10, forMs: null, intervalMs: 500, concurrency: 1, tolerate: 0 },
  },
  {
    args: ["--repeat", "10", "--tolerate", "0.05"],
    plan: { repeat: 10, forMs: null, intervalMs: 1000, concurrency: 1, tolerate: 0.05 },
  },
];

describe("series options: the plan they make", () => {
  for (const row of ACCEPTED) {
    test(`${row.args.join(" ") || "(none: a single run)"}`, async () => {
      const command = await parseCommandLine([HOST, ...row.args], {});
      assert.ok(command.kind === "diagnose");
      assert.deepEqual(command.series, row.plan);
    });
  }

  test("--help lists every series option", async () => {
    const help = await parseCommandLine(["--help"], {});
    assert.ok(help.kind === "print");
    for (const flag of [
      "--repeat <n>",
      "--for <duration>",
      "--interval <seconds>",
      "--concurrency <k>",
      "--tolerate <rate>",
    ])
      assert.ok(help.text.includes(flag), flag);
  });
});
