/**
 * A batch as JUnit XML, as CI servers read it (GitLab, Jenkins): one `<testcase>` per input line.
 * A target the CDN would fail is a `<failure>` whose type is the deciding finding's code and whose
 * text is its detail and evidence; a bad input line or a diagnosis cut short is an `<error>`; a
 * target that never started is `<skipped>`.
 *
 * The document is one `<testsuite>` that satisfies both schemas CI tools use: the Apache Ant
 * schema (`properties`, `system-out` and `system-err` present; `timestamp` without a time zone;
 * `hostname`; a `type` on every failure and error; at most one outcome per test case) and
 * Jenkins' (testsuite `time` as plain decimal seconds). GitLab keys test cases by `classname` and
 * `name` and drops repeats, so a repeated target (duplicates are allowed in the input) gets its
 * line number in its name.
 *
 * XML 1.0 allows no control characters other than TAB, LF and CR, even escaped: every text and
 * attribute goes through xmlText/xmlAttribute, which show the others as `\xNN` (as the terminal
 * output does) instead of writing an invalid document.
 */
import type { BatchEntry, ShownFinding, TargetEntry } from "./batch-entry.js";
import { batchTotals } from "./batch-totals.js";
import { describeTarget } from "./target-label.js";

export interface JunitSuite {
  /** The testsuite's name, e.g. "diag520 batch origins.txt". */
  readonly name: string;
  /** When the batch started. */
  readonly startedAt: Date;
  readonly durationMs: number;
  /** The machine the batch ran on (Ant's schema wants one; "localhost" when unknown). */
  readonly hostname: string;
  /** Shown as testsuite properties. */
  readonly properties: ReadonlyArray<readonly [name: string, value: string]>;
}

/** Characters XML 1.0 does not allow at all (§2.2), lone surrogates included. */
const NOT_XML_CHAR = new RegExp(
  [
    "[\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\ufffe\\uffff]",
    "[\\ud800-\\udbff](?![\\udc00-\\udfff])",
    "(?<![\\ud800-\\udbff])[\\udc00-\\udfff]",
  ].join("|"),
  "g",
);

function visible(text: string): string {
  return text.replace(NOT_XML_CHAR, (c) => {
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

/** Character data: `&`, `<`, `>` escaped, characters XML forbids shown as `\xNN`. */
export function xmlText(text: string): string {
  return visible(text).replace(/[&<>]/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : "&gt;"));
}

/**
 * An attribute value (in double quotes): also `"`, and TAB, LF and CR as character references,
 * which attribute-value normalisation (XML 1.0 §3.3.3) would otherwise turn into spaces.
 */
export function xmlAttribute(text: string): string {
  return xmlText(text).replace(/["\t\n\r]/g, (c) => `&#${c.charCodeAt(0)};`);
}

const seconds = (ms: number): string => (Math.max(0, ms) / 1000).toFixed(3);

/** `2026-11-22T05:31:40`: Ant's schema wants ISO 8601 without a time zone; it is UTC. */
function antTimestamp(date: Date): string {
  return date.toISOString().slice(0, 19);
}

interface TestCase {
  readonly line: number;
  readonly classname: string;
  readonly name: string;
  readonly time: string;
  readonly body: string;
}

export function renderJunit(entries: readonly BatchEntry[], suite: JunitSuite): string {
  const totals = batchTotals(entries);
  const cases = uniqueNames(entries.map(testCase));
  const attributes = [
    ["name", suite.name],
    ["tests", String(entries.length)],
    ["failures", String(totals.fail)],
    ["errors", String(totals.invalid + totals.incomplete)],
    ["skipped", String(totals.notStarted)],
    ["time", seconds(suite.durationMs)],
    ["timestamp", antTimestamp(suite.startedAt)],
    ["hostname", suite.hostname || "localhost"],
  ]
    .map(([key, value]) => `${key}="${xmlAttribute(value ?? "")}"`)
    .join(" ");
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuite ${attributes}>`, "  <properties>"];
  for (const [name, value] of suite.properties)
    lines.push(`    <property name="${xmlAttribute(name)}" value="${xmlAttribute(value)}"/>`);
  lines.push("  </properties>");
  for (const c of cases) {
    const open = `  <testcase classname="${xmlAttribute(c.classname)}" name="${xmlAttribute(c.name)}" time="${c.time}"`;
    lines.push(c.body === "" ? `${open}/>` : `${open}>\n${c.body}\n  </testcase>`);
  }
  lines.push("  <system-out/>", "  <system-err/>", "</testsuite>");
  return `${lines.join("\n")}\n`;
}

function testCase(entry: BatchEntry): TestCase {
  switch (entry.kind) {
    case "error":
      return {
        line: entry.line,
        classname: "diag520.input",
        name: `line ${entry.line}`,
        time: seconds(0),
        body: outcome("error", "diag520.invalid_input", entry.message, `line ${entry.line}: ${entry.message}`),
      };
    case "not_started": {
      const why = entry.interruption.kind === "cancelled" ? "interrupted (Ctrl-C)" : "the batch deadline passed";
      return {
        line: entry.line,
        classname: entry.target.hostname,
        name: describeTarget(entry.target),
        time: seconds(0),
        body: `    <skipped message="${xmlAttribute(`not started: ${why}`)}"/>`,
      };
    }
    case "report":
      return {
        line: entry.line,
        classname: entry.target.hostname,
        name: describeTarget(entry.target),
        time: seconds(entry.durationMs),
        body: reportOutcome(entry),
      };
  }
}

function reportOutcome(entry: TargetEntry): string {
  const context = [`input line ${entry.line}`, `reproduce: ${entry.curl}`];
  if (entry.status === "pass") return "";
  if (entry.status === "incomplete") {
    return outcome(
      "error",
      "diag520.incomplete",
      entry.verdict.summary,
      [entry.verdict.summary, ...context].join("\n"),
    );
  }
  const finding = entry.deciding;
  if (finding === null) return outcome("failure", "diag520.fail", entry.verdict.summary, entry.verdict.summary);
  return outcome("failure", finding.code, entry.verdict.summary, [...findingText(finding), ...context].join("\n"));
}

/** The deciding finding as the failure's text: what a person reads in the CI's test view. */
function findingText(finding: ShownFinding): string[] {
  const where = finding.leg === null ? finding.phase : `${finding.leg} leg, ${finding.phase}`;
  const edge = finding.edgeStatus === null ? "" : ` (CDN answers ${finding.edgeStatus})`;
  return [
    `${finding.code}${edge}: ${finding.title} [${where}]`,
    finding.detail,
    ...finding.evidence.map(([key, text]) => `  ${key}: ${text}`),
  ];
}

function outcome(element: "failure" | "error", type: string, message: string, text: string): string {
  return `    <${element} type="${xmlAttribute(type)}" message="${xmlAttribute(message)}">${xmlText(text)}</${element}>`;
}

/** GitLab drops a test case whose classname and name repeat: each repeat gets its line number. */
function uniqueNames(cases: readonly TestCase[]): TestCase[] {
  const seen = new Set<string>();
  return cases.map((c) => {
    const key = `${c.classname}\n${c.name}`;
    if (!seen.has(key)) {
      seen.add(key);
      return c;
    }
    // No target's own name ends in " (line N)": paths and origins hold no spaces.
    return { ...c, name: `${c.name} (line ${c.line})` };
  });
}
