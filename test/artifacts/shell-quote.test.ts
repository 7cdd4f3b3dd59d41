import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import { shellJoin, shellQuote } from "../../src/artifacts/shell-quote.js";

const WORDS = [
  "",
  "plain",
  "with space",
  "it's",
  "'",
  "''",
  "'\\''",
  "$HOME",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a parameter expansion the shell must not perform
  "${PATH}",
  "`id`",
  "$(id)",
  "line\nbreak",
  "trailing newline\n",
  "tab\there",
  "back\\slash",
  "*",
  "?[a]",
  "~",
  "#not a comment",
  "!event",
  "a;b|c&d>e<f",
  "{a,b}",
  '"double"',
  "%s%%",
  "-n",
  "é 日本 \u{1f600}",
  "Authorization: Bearer x'y\"z",
];

test("quoted words survive sh -c unchanged", () => {
  // printf repeats its format for each argument; NUL-separated so that newlines round-trip too.
  const out = execFileSync("sh", ["-c", `printf '%s\\0' ${shellJoin(WORDS)}`], { encoding: "utf8" });
  assert.deepEqual(out.split("\0").slice(0, -1), WORDS);
});

for (const word of WORDS) {
  test(`round trip of ${JSON.stringify(word)}`, () => {
    const out = execFileSync("sh", ["-c", `printf '%s' ${shellQuote(word)}`], { encoding: "utf8" });
    assert.equal(out, word);
  });
}

test("safe words stay bare and unsafe ones are single-quoted", () => {
  assert.equal(shellQuote("/dev/null"), "/dev/null");
  assert.equal(shellQuote("example.com:443:127.0.0.1"), "example.com:443:127.0.0.1");
  assert.equal(shellQuote(""), "''");
  assert.equal(shellQuote("it's"), "'it'\\''s'");
  assert.equal(shellQuote("a b"), "'a b'");
});
