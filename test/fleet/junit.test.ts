/**
 * JUnit XML (fleet/junit.ts): escaping table-driven with hostile strings; the document of a batch
 * with every kind of line is valid against the schema CI tools follow (test/fleet/junit.xsd,
 * through libxml2 compiled to WebAssembly), its classname + name pairs are unique as GitLab needs,
 * and a JUnit parser (junit2json) reads back the counts, the failure types and the evidence.
 */
import "../support/loopback-guard.js";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { parse, type TestCase } from "junit2json";
import { XmlDocument, XmlValidateError, XsdValidator } from "libxml2-wasm";
import type { BatchEntry } from "../../src/fleet/batch-entry.js";
import { renderJunit, xmlAttribute, xmlText } from "../../src/fleet/junit.js";
import { repoRoot } from "../support/paths.js";
import { mixedEntries, WORKFLOW_COMMAND } from "./fleet-fixtures.js";

const SUITE = {
  name: "diag520 batch origins.txt",
  startedAt: new Date("2026-11-22T05:31:40.465Z"),
  durationMs: 1234.5,
  hostname: "ci-runner-1",
  properties: [["diag520.version", "0.1.0"]] as const,
};

/** Parses `xml` with libxml2 and validates it against test/fleet/junit.xsd; throws with libxml2's messages. */
/** The test cases of a document whose root is one <testsuite>. */
async function testCases(xml: string): Promise<TestCase[]> {
  const parsed = await parse(xml);
  assert.ok(parsed && "testcase" in parsed, "a single root <testsuite>");
  return parsed.testcase ?? [];
}

function validateJunit(xml: string): void {
  const schema = XmlDocument.fromString(readFileSync(join(repoRoot, "test/fleet/junit.xsd"), "utf8"));
  const validator = XsdValidator.fromDoc(schema);
  const document = XmlDocument.fromString(xml);
  try {
    validator.validate(document);
  } catch (error) {
    if (error instanceof XmlValidateError) assert.fail(error.details.map((d) => d.message.trim()).join("\n"));
    throw error;
  } finally {
    document.dispose();
    validator.dispose();
    schema.dispose();
  }
}

describe("XML escaping", () => {
  const rows: ReadonlyArray<readonly [string, string, string, string]> = [
    [
      "markup",
      `<a href="x">&'</a>`,
      `&lt;a href="x"&gt;&amp;'&lt;/a&gt;`,
      `&lt;a href=&#34;x&#34;&gt;&amp;'&lt;/a&gt;`,
    ],
    ["the end of a CDATA section", "]]>", "]]&gt;", "]]&gt;"],
    ["line breaks and a tab", "a\r\nb\tc", "a\r\nb\tc", "a&#13;&#10;b&#9;c"],
    ["C0 controls XML forbids", "\x00\x01\x1b[2J\x7f", "\\x00\\x01\\x1b[2J\x7f", "\\x00\\x01\\x1b[2J\x7f"],
    ["lone surrogates", "a\ud800b\udc00", "a\\ud800b\\udc00", "a\\ud800b\\udc00"],
    ["a surrogate pair stays", "😀", "😀", "😀"],
    ["U+FFFE and U+FFFF", "\ufffe\uffff", "\\ufffe\\uffff", "\\ufffe\\uffff"],
  ];
  for (const [label, input, text, attribute] of rows) {
    test(label, () => {
      assert.equal(xmlText(input), text);
      assert.equal(xmlAttribute(input), attribute);
    });
  }

  test("every escaped string parses back as an attribute and as text", () => {
    for (const [, input] of rows) {
      const xml = `<a v="${xmlAttribute(input)}">${xmlText(input)}</a>`;
      XmlDocument.fromString(xml).dispose();
    }
  });
});

describe("a batch as JUnit XML", () => {
  let entries: BatchEntry[];
  let xml: string;
  before(async () => {
    entries = await mixedEntries();
    xml = renderJunit(entries, SUITE);
  });

  test("is valid against the JUnit schema (Ant's and Jenkins' rules, unique classname + name)", () => {
    validateJunit(xml);
  });

  test("a JUnit parser reads one test case per line, with the counts and outcomes of the batch", async () => {
    const parsed = await parse(xml);
    assert.ok(parsed && "testcase" in parsed, "a single root <testsuite>");
    const suite = parsed;
    assert.equal(suite.tests, 7);
    assert.equal(suite.failures, 3, "refused, hostile, headers too large");
    assert.equal(suite.errors, 1, "the bad input line");
    assert.equal(suite.skipped, 1, "the target that never started");
    assert.equal(suite.timestamp, "2026-11-22T05:31:40");
    const cases = suite.testcase ?? [];
    assert.equal(cases.length, 7);
    const keys = cases.map((c) => `${c.classname} / ${c.name}`);
    assert.equal(new Set(keys).size, keys.length, keys.join("\n"));
    const byType = cases.flatMap((c) => [...(c.failure ?? []), ...(c.error ?? [])]).map((d) => d.type);
    assert.deepEqual(byType.sort(), [
      "diag520.invalid_input",
      "http.headers_too_large",
      "http.invalid_header",
      "tcp.refused",
    ]);
  });

  test("a repeated target gets its line number, the first keeps its plain name", async () => {
    const cases = await testCases(xml);
    const healthy = cases.filter((c) => c.classname === "healthy-https.lab.diag520.test").map((c) => c.name);
    assert.equal(healthy.length, 3, "twice diagnosed, once not started");
    assert.match(healthy[0] ?? "", /^https:\/\/healthy-https\.lab\.diag520\.test:\d+\/ via 127\.0\.0\.1$/);
    assert.match(healthy[1] ?? "", / \(line 5\)$/);
    assert.match(healthy[2] ?? "", / \(line 8\)$/);
  });

  test("the failure carries the deciding finding, its evidence escaped, and the reproduction command", async () => {
    const cases = await testCases(xml);
    const hostile = cases.find((c) => c.failure?.[0]?.type === "http.invalid_header");
    const failure = hostile?.failure?.[0];
    assert.ok(failure, "the hostile origin's test case fails");
    assert.equal(failure.message, "the CDN would answer 520: a header field line is malformed");
    assert.match(failure.inner ?? "", /http\.invalid_header \(CDN answers 520\)/);
    assert.ok(failure.inner?.includes(`line: "${WORKFLOW_COMMAND}"`), failure.inner);
    assert.match(failure.inner ?? "", /reproduce: curl /);
    // The workflow command is evidence inside the failure text, never a line of its own.
    assert.ok(!xml.split("\n").some((line) => line.startsWith("::")));
  });

  test("hostile strings everywhere still make a valid document", () => {
    const hostile = "\x00\x1b[31m<x>&\"'\r\n]]>\ud800\uffff";
    const entries: BatchEntry[] = [
      { kind: "error", line: 1, message: hostile },
      { kind: "error", line: 2, message: hostile },
    ];
    const document = renderJunit(entries, { ...SUITE, name: hostile, hostname: hostile, properties: [["p", hostile]] });
    validateJunit(document);
  });
});
