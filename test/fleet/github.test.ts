/**
 * GitHub Actions output (fleet/github.ts): the workflow-command escaping table, and the proof that
 * an origin cannot inject a command (CVE-2020-15228): the hostile origin's header carries
 * `\n::set-env name=X::Y`, and no line of stdout starts with anything but our own annotations.
 * The step summary escapes Markdown and keeps to its row limit.
 */
import "../support/loopback-guard.js";
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { type BatchEntry, targetEntry } from "../../src/fleet/batch-entry.js";
import { batchTotals } from "../../src/fleet/batch-totals.js";
import {
  annotation,
  entryAnnotation,
  escapeCommandData,
  escapeCommandProperty,
  githubTotalsLine,
  renderStepSummary,
  STEP_SUMMARY_ROW_LIMIT,
} from "../../src/fleet/github.js";
import { fleetFixtures, mixedEntries, WORKFLOW_COMMAND } from "./fleet-fixtures.js";

/** What the runner would do with these lines: the commands it would see. */
function commandsIn(output: string): string[] {
  return output
    .split(/\r\n|\r|\n/)
    .filter((line) => line.trimStart().startsWith("::"))
    .map((line) => /^\s*::([a-z-]+)/.exec(line)?.[1] ?? "?");
}

describe("workflow command escaping (actions/toolkit command.ts)", () => {
  const rows: ReadonlyArray<readonly [string, string, string, string]> = [
    ["percent first, so that escapes stay unambiguous", "100%0A", "100%250A", "100%250A"],
    ["CR and LF", "a\r\nb", "a%0D%0Ab", "a%0D%0Ab"],
    ["colon and comma only in properties", "a:b,c", "a:b,c", "a%3Ab%2Cc"],
    [
      "a command after a newline",
      `x\n${WORKFLOW_COMMAND}`,
      "x%0A::set-env name=X::Y",
      "x%0A%3A%3Aset-env name=X%3A%3AY",
    ],
  ];
  for (const [label, input, data, property] of rows) {
    test(label, () => {
      assert.equal(escapeCommandData(input), data);
      assert.equal(escapeCommandProperty(input), property);
    });
  }

  test("an annotation is one line, whatever its title and message hold", () => {
    const hostile = `t\r\n${WORKFLOW_COMMAND}\r::stop-commands::token\u2028\x1b[2J,:`;
    const line = annotation("error", { title: hostile, file: "dir/a,b:c.txt", line: 7 }, hostile);
    assert.equal(line.split(/\r|\n/).length, 1);
    assert.deepEqual(commandsIn(line), ["error"]);
    assert.match(line, /^::error file=dir\/a%2Cb%3Ac\.txt,line=7,title=t\\x0d%0A%3A%3Aset-env/);
    // The terminal escape is shown, not sent.
    assert.ok(!line.includes("\x1b"));
  });
});

describe("a batch as GitHub annotations", () => {
  let entries: BatchEntry[];
  before(async () => {
    entries = await mixedEntries();
  });

  test("the hostile origin's workflow command never starts a line: only our annotations do", () => {
    const lines = entries.map((entry) => entryAnnotation(entry, { inputFile: "origins.txt" }));
    const output = `${lines.filter((l) => l !== null).join("\n")}\n${githubTotalsLine(batchTotals(entries))}\n`;
    assert.deepEqual(commandsIn(output), ["error", "error", "error", "error"], output);
    assert.ok(!commandsIn(output).includes("set-env"));
    const hostile = lines[2] ?? "";
    assert.ok(hostile.includes("::set-env name=X::Y"), "the evidence is there, escaped inside the message");
    assert.match(
      hostile,
      /^::error file=origins\.txt,line=4,title=diag520%3A http%3A\/\/localhost%3A\d+\/ via 127\.0\.0\.1 → 520 \(http\.invalid_header\)::/,
    );
    assert.ok(hostile.includes('%0A  line: "::set-env name=X::Y"'), hostile);
  });

  test("passing and not-started targets are not annotated; a bad line is, at its line", () => {
    const [healthy, , , duplicate, bad, , notStarted] = entries;
    assert.equal(entryAnnotation(healthy as BatchEntry, { inputFile: null }), null);
    assert.equal(entryAnnotation(duplicate as BatchEntry, { inputFile: null }), null);
    assert.equal(entryAnnotation(notStarted as BatchEntry, { inputFile: null }), null);
    assert.equal(
      entryAnnotation(bad as BatchEntry, { inputFile: "origins.txt" }),
      "::error file=origins.txt,line=6,title=diag520%3A bad input line 6::invalid hostname 'bad\\x1b[2J': it contains whitespace or control characters",
    );
  });

  test("the totals line is plain text", () => {
    assert.equal(
      githubTotalsLine(batchTotals(entries)),
      "diag520 batch: 6 targets: 2 pass, 3 fail, 1 not started, 1 bad input line",
    );
  });

  test("the step summary escapes what it quotes and lists what did not pass", () => {
    const markdown = renderStepSummary(entries, batchTotals(entries), 1);
    assert.match(markdown, /^## diag520 batch\n/);
    assert.match(markdown, /\| line \| target \| outcome \| edge \| finding \| summary \|/);
    // The bad line's message quotes a terminal escape: shown as text, and Markdown-escaped.
    assert.ok(markdown.includes("\\\\x1b\\[2J"), markdown);
    assert.ok(!markdown.includes("\x1b"));
    assert.equal(markdown.split("\n").filter((line) => line.startsWith("| ")).length, 1 + 5);
  });

  test("the step summary keeps to its row limit", async () => {
    const { refused } = await fleetFixtures();
    const many = Array.from({ length: STEP_SUMMARY_ROW_LIMIT + 5 }, (_, i) => targetEntry(refused.report, i + 1));
    const markdown = renderStepSummary(many, batchTotals(many), 1);
    assert.equal(markdown.split("\n").filter((line) => /^\| \d/.test(line)).length, STEP_SUMMARY_ROW_LIMIT);
    assert.match(markdown, /… and 5 more/);
  });
});
