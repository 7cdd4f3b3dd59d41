/**
 * The head parser returns typed violations and `headViolationFindings` turns them into words:
 * one row per head, asserting both (what the parser saw, and what a person reads). Every finding
 * is checked against the published schema, which types each code's evidence keys exactly.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { headViolationFindings } from "../../src/checks/head-violations.js";
import type { Finding, Origin } from "../../src/findings/catalogue.js";
import {
  type HeadViolation,
  MAX_HEADER_FIELDS,
  parseResponseHead,
  startsLikeStatusLine,
} from "../../src/http/head-parser.js";
import { findingSchema } from "../../src/report/schema.js";

const AT: Origin = { leg: "origin", phase: "http" };

const codes = (findings: readonly Finding[]) => findings.map((item) => `${item.code}:${item.severity}`).sort();

/** A violation in a word: its kind, and its problem where it has one. */
function describeViolation(violation: HeadViolation): string {
  switch (violation.kind) {
    case "invalid_status_line":
    case "content_length":
      return `${violation.kind}:${violation.problem}`;
    case "field_line":
      return `field_line:${violation.problem}${violation.tolerated ? " (tolerated)" : ""}`;
    default:
      return violation.kind;
  }
}

function parse(head: string) {
  return parseResponseHead(Buffer.from(head, "latin1"), { complete: true });
}

/** The findings for a head, each one checked against the schema (every evidence key present, typed). */
function findingsFor(head: string): Finding[] {
  const findings = headViolationFindings(parse(head).violations, AT);
  for (const item of findings) findingSchema.parse(item);
  return findings;
}

interface Row {
  readonly name: string;
  readonly head: string;
  readonly violations: readonly string[];
  readonly findings: readonly string[];
}

const ok = (fields: string) => `HTTP/1.1 200 OK\r\n${fields}\r\n`;
const fine = (name: string, head: string): Row => ({ name, head, violations: [], findings: [] });

const ROWS: readonly Row[] = [
  fine("plain 200", ok("Content-Length: 0\r\n")),
  fine("no reason phrase (httparse accepts it)", "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n"),
  fine("empty reason after the space", "HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n"),
  fine("HTTP/1.0", "HTTP/1.0 200 OK\r\nConnection: close\r\n\r\n"),
  fine("bare LF line endings", "HTTP/1.1 200 OK\nContent-Length: 0\n\n"),
  fine("leading empty line (httparse skips it)", "\r\nHTTP/1.1 200 OK\r\nA: b\r\n\r\n"),
  fine("obs-text in a value and in the reason", "HTTP/1.1 200 \xc3\xa9\r\nX-Name: caf\xc3\xa9\r\n\r\n"),
  fine("HTAB inside a value", ok("X-A: a\tb\r\n")),
  fine("empty value", ok("X-Empty:\r\n")),
  fine("7 KB of headers", ok(`Set-Cookie: a=${"x".repeat(7000)}\r\n`)),
  fine("100 Continue without fields is a normal interim", "HTTP/1.1 100 Continue\r\n\r\n"),
  fine(`${MAX_HEADER_FIELDS} fields`, ok(Array.from({ length: 256 }, (_, i) => `X-${i}: v\r\n`).join(""))),
  {
    name: "identical Content-Length twice",
    head: ok("Content-Length: 5\r\nContent-Length: 5\r\n"),
    violations: ["content_length:repeated"],
    findings: ["http.conflicting_framing:warning"],
  },
  {
    name: "identical Content-Length in a list",
    head: ok("Content-Length: 5, 5\r\n"),
    violations: ["content_length:repeated"],
    findings: ["http.conflicting_framing:warning"],
  },
  {
    name: "differing Content-Length fields",
    head: ok("Content-Length: 5\r\nContent-Length: 6\r\n"),
    violations: ["content_length:different_values"],
    findings: ["http.conflicting_framing:error"],
  },
  {
    name: "differing Content-Length list",
    head: ok("Content-Length: 5, 6\r\n"),
    violations: ["content_length:different_values"],
    findings: ["http.conflicting_framing:error"],
  },
  {
    name: "non-numeric Content-Length",
    head: ok("Content-Length: abc\r\n"),
    violations: ["content_length:invalid"],
    findings: ["http.invalid_header:error"],
  },
  {
    name: "negative Content-Length",
    head: ok("Content-Length: -1\r\n"),
    violations: ["content_length:invalid"],
    findings: ["http.invalid_header:error"],
  },
  {
    name: "signed Content-Length",
    head: ok("Content-Length: +5\r\n"),
    violations: ["content_length:invalid"],
    findings: ["http.invalid_header:error"],
  },
  {
    name: "Content-Length with Transfer-Encoding: chunked",
    head: ok("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"),
    violations: ["content_length:with_transfer_encoding"],
    findings: ["http.conflicting_framing:warning"],
  },
  {
    name: "HTTP/2.0 version",
    head: "HTTP/2.0 200 OK\r\nA: b\r\n\r\n",
    violations: ["invalid_status_line:version_not_http_1x"],
    findings: ["http.invalid_status_line:error"],
  },
  {
    name: "four-digit status",
    head: "HTTP/1.1 2000 OK\r\nA: b\r\n\r\n",
    violations: ["invalid_status_line:status_code_not_three_digits"],
    findings: ["http.invalid_status_line:error"],
  },
  {
    name: "no status code",
    head: "HTTP/1.1 OK\r\nA: b\r\n\r\n",
    violations: ["invalid_status_line:status_code_not_three_digits"],
    findings: ["http.invalid_status_line:error"],
  },
  {
    name: "status below 100",
    head: "HTTP/1.1 099 Low\r\nA: b\r\n\r\n",
    violations: ["invalid_status_line:status_code_below_100"],
    findings: ["http.invalid_status_line:error"],
  },
  {
    name: "two spaces before the code",
    head: "HTTP/1.1  200 OK\r\nA: b\r\n\r\n",
    violations: ["invalid_status_line:status_code_not_three_digits"],
    findings: ["http.invalid_status_line:error"],
  },
  {
    name: "lower-case version",
    head: "http/1.1 200 OK\r\nA: b\r\n\r\n",
    violations: ["invalid_status_line:version_not_http_1x"],
    findings: ["http.invalid_status_line:error"],
  },
  {
    name: "control byte in the reason",
    head: "HTTP/1.1 200 O\x01K\r\nA: b\r\n\r\n",
    violations: ["invalid_status_line:control_byte_in_reason"],
    findings: ["http.invalid_status_line:error"],
  },
  {
    name: "no header fields at all",
    head: "HTTP/1.1 200 OK\r\n\r\n",
    violations: ["no_fields"],
    findings: ["http.missing_headers:error"],
  },
  {
    name: "no status line at all",
    head: "<html>hello</html>\r\n\r\n",
    violations: ["no_status_line"],
    findings: ["http.missing_headers:error"],
  },
  {
    name: "field line without a colon",
    head: ok("NoColonHere\r\n"),
    violations: ["field_line:no_colon"],
    findings: ["http.invalid_header:error"],
  },
  {
    name: "non-token character in a name",
    head: ok("Bad{Name: x\r\n"),
    violations: ["field_line:invalid_name"],
    findings: ["http.invalid_header:error"],
  },
  {
    name: "space inside a name",
    head: ok("Bad Name: x\r\n"),
    violations: ["field_line:invalid_name"],
    findings: ["http.invalid_header:error"],
  },
  {
    name: "empty name",
    head: ok(": x\r\n"),
    violations: ["field_line:empty_name"],
    findings: ["http.invalid_header:error"],
  },
  {
    name: "NUL in a value",
    head: ok("X-A: a\0b\r\n"),
    violations: ["field_line:nul"],
    findings: ["http.invalid_header:error"],
  },
  {
    name: "NUL in a name",
    head: ok("X-\0A: b\r\n"),
    violations: ["field_line:nul"],
    findings: ["http.invalid_header:error"],
  },
  {
    name: "bare CR in a value",
    head: ok("X-A: a\rb\r\n"),
    violations: ["field_line:bare_cr"],
    findings: ["http.invalid_header:error"],
  },
  {
    name: "C0 control in a value",
    head: ok("X-A: a\x01b\r\n"),
    violations: ["field_line:control_byte"],
    findings: ["http.invalid_header:error"],
  },
  {
    name: "DEL in a value",
    head: ok("X-A: a\x7fb\r\n"),
    violations: ["field_line:control_byte"],
    findings: ["http.invalid_header:error"],
  },
  {
    name: "whitespace before the colon",
    head: ok("Server : x\r\n"),
    violations: ["field_line:whitespace_before_colon (tolerated)"],
    findings: ["http.invalid_header:warning"],
  },
  {
    name: "obs-fold continuation",
    head: ok("X-A: one\r\n  two\r\n"),
    violations: ["field_line:obs_fold (tolerated)"],
    findings: ["http.invalid_header:warning"],
  },
  {
    name: "whitespace-led first field line",
    head: "HTTP/1.1 200 OK\r\n X-A: b\r\nB: c\r\n\r\n",
    violations: ["field_line:leading_whitespace"],
    findings: ["http.invalid_header:error"],
  },
  {
    name: `${MAX_HEADER_FIELDS + 1} fields`,
    head: ok(Array.from({ length: MAX_HEADER_FIELDS + 1 }, (_, i) => `X-${i}: v\r\n`).join("")),
    violations: ["too_many_fields"],
    findings: ["http.too_many_headers:error"],
  },
];

describe("parseResponseHead → headViolationFindings", () => {
  for (const row of ROWS) {
    it(row.name, () => {
      assert.deepEqual(parse(row.head).violations.map(describeViolation).sort(), [...row.violations].sort());
      assert.deepEqual(codes(findingsFor(row.head)), [...row.findings].sort());
    });
  }
});

describe("parseResponseHead", () => {
  it("describes the status line and fields exactly", () => {
    const wire = "HTTP/1.1 404 Not Found\r\nContent-Type: text/html \r\nX-Trim:\t v \r\n\r\n";
    const head = parse(wire);
    assert.equal(head.statusLine, "HTTP/1.1 404 Not Found");
    assert.equal(head.httpVersion, "HTTP/1.1");
    assert.equal(head.statusCode, 404);
    assert.equal(head.reason, "Not Found");
    assert.deepEqual(head.headers, [
      ["Content-Type", "text/html"],
      ["X-Trim", "v"],
    ]);
    assert.equal(head.headBytes, Buffer.byteLength(wire));
    assert.equal(head.complete, true);
  });

  it("keeps the exact offending bytes, line number and column in the violation", () => {
    const [violation] = parse(ok("A: b\r\nX-A: a\0b\r\n")).violations;
    assert.deepEqual(violation, {
      kind: "field_line",
      problem: "nul",
      tolerated: false,
      first: { excerpt: "X-A: a\0b", bytes: 8, number: 3, offset: 23, column: 6, byte: "\0" },
      lines: 1,
      lineNumbers: [3],
    });
  });

  it("counts every broken line in one violation, and each tolerated kind apart", () => {
    const violations = parse(ok("Bad{: x\r\nA: \x01\r\nS : v\r\nT : w\r\nF: a\r\n b\r\n")).violations;
    const byProblem = Object.fromEntries(violations.map((v) => [describeViolation(v), v]));
    const errors = byProblem["field_line:invalid_name"];
    assert.ok(errors?.kind === "field_line");
    assert.equal(errors.lines, 2, "both errors, whatever their problem, are counted together");
    assert.deepEqual(errors.lineNumbers, [2, 3]);
    const spaced = byProblem["field_line:whitespace_before_colon (tolerated)"];
    assert.ok(spaced?.kind === "field_line");
    assert.deepEqual(spaced.lineNumbers, [4, 5]);
    assert.ok(byProblem["field_line:obs_fold (tolerated)"] !== undefined);
  });

  it("frames by chunked when Transfer-Encoding ends in chunked, and drops Content-Length", () => {
    const head = parse(ok("Transfer-Encoding: gzip, chunked\r\nContent-Length: 5\r\n"));
    assert.deepEqual(head.transferEncoding, { present: true, chunked: true });
    assert.equal(head.contentLength, null);
    assert.equal(head.contentLengthUsable, true);
  });

  it("marks a rejected Content-Length as unusable", () => {
    assert.equal(parse(ok("Content-Length: 5, 6\r\n")).contentLengthUsable, false);
    assert.equal(parse(ok("Content-Length: 007\r\n")).contentLength, 7);
  });

  it("measures the largest field, including a line the head was cut in", () => {
    const cut = parseResponseHead(Buffer.from(`HTTP/1.1 200 OK\r\nA: b\r\nX-Big: ${"z".repeat(5000)}`, "latin1"), {
      complete: false,
    });
    assert.deepEqual(cut.largestField, { name: "X-Big", bytes: 5007 });
    assert.deepEqual(cut.violations, []);
    assert.equal(cut.fieldCount, 1);
    assert.equal(cut.complete, false);
  });

  it("tells a status line from other bytes early", () => {
    assert.equal(startsLikeStatusLine("HT"), "undecided");
    assert.equal(startsLikeStatusLine("HTTP/"), "yes");
    assert.equal(startsLikeStatusLine("<html"), "no");
    assert.equal(startsLikeStatusLine("\r\nhttp/"), "yes");
  });
});

/** One row per kind of violation: the finding's whole evidence, under the keys the catalogue declares. */
const EVIDENCE_ROWS: ReadonlyArray<{ name: string; head: string; code: string; evidence: Record<string, unknown> }> = [
  {
    name: "no status line",
    head: "<html>hello</html>\r\n\r\n",
    code: "http.missing_headers",
    evidence: { problem: "no_status_line", bytesReceived: 22, received: "<html>hello</html>\r\n\r\n", headBytes: null },
  },
  {
    name: "invalid status line",
    head: "\r\nHTTP/1.1 2000 OK\r\nA: b\r\n\r\n",
    code: "http.invalid_status_line",
    evidence: { statusLine: "HTTP/1.1 2000 OK", problem: "status_code_not_three_digits", lineNumber: 1, offset: 2 },
  },
  {
    name: "no header fields",
    head: "HTTP/1.1 200 OK\r\n\r\n",
    code: "http.missing_headers",
    evidence: { problem: "no_fields", bytesReceived: 19, received: "HTTP/1.1 200 OK\r\n\r\n", headBytes: 19 },
  },
  {
    name: "too many fields",
    head: ok(Array.from({ length: 300 }, (_, i) => `X-${i}: v\r\n`).join("")),
    code: "http.too_many_headers",
    evidence: { fieldCount: 300, limit: MAX_HEADER_FIELDS, source: "Pingora MAX_HEADERS" },
  },
  {
    name: "a field line error",
    head: ok("A: b\r\nX-A: a\0b\r\n"),
    code: "http.invalid_header",
    evidence: {
      problem: "nul",
      line: "X-A: a\0b",
      lineBytes: 8,
      lineNumber: 3,
      offset: 23,
      column: 6,
      byte: "\0",
      lines: 1,
      lineNumbers: [3],
      contentLength: [],
      invalidValues: [],
    },
  },
  {
    name: "a tolerated field line",
    head: ok("Server : x\r\n"),
    code: "http.invalid_header",
    evidence: {
      problem: "whitespace_before_colon",
      line: "Server : x",
      lineBytes: 10,
      lineNumber: 2,
      offset: 17,
      column: 6,
      byte: " ",
      lines: 1,
      lineNumbers: [2],
      contentLength: [],
      invalidValues: [],
    },
  },
  {
    name: "an invalid Content-Length",
    head: ok("Content-Length: 12, x\r\n"),
    code: "http.invalid_header",
    evidence: {
      problem: "invalid_content_length",
      line: null,
      lineBytes: null,
      lineNumber: null,
      offset: null,
      column: null,
      byte: null,
      lines: 1,
      lineNumbers: [],
      contentLength: ["12, x"],
      invalidValues: ["x"],
    },
  },
  {
    name: "different Content-Length values",
    head: ok("Content-Length: 5\r\nContent-Length: 05, 6\r\n"),
    code: "http.conflicting_framing",
    evidence: {
      problem: "different_content_lengths",
      contentLength: ["5", "05, 6"],
      fields: 2,
      transferEncoding: [],
      distinctValues: ["5", "6"],
    },
  },
  {
    name: "a repeated Content-Length",
    head: ok("Content-Length: 5\r\nContent-Length: 5\r\n"),
    code: "http.conflicting_framing",
    evidence: {
      problem: "repeated_content_length",
      contentLength: ["5", "5"],
      fields: 2,
      transferEncoding: [],
      distinctValues: ["5"],
    },
  },
  {
    name: "Content-Length with Transfer-Encoding",
    head: ok("Content-Length: 5\r\nTransfer-Encoding: gzip, chunked\r\n"),
    code: "http.conflicting_framing",
    evidence: {
      problem: "transfer_encoding_and_content_length",
      contentLength: ["5"],
      fields: 1,
      transferEncoding: ["gzip, chunked"],
      distinctValues: [],
    },
  },
];

describe("headViolationFindings: evidence", () => {
  for (const row of EVIDENCE_ROWS) {
    it(row.name, () => {
      const [found, ...rest] = findingsFor(row.head);
      assert.deepEqual(rest, []);
      assert.equal(found?.code, row.code);
      assert.deepEqual(found?.evidence, row.evidence);
      assert.equal(found?.leg, "origin");
      assert.equal(found?.phase, "http");
    });
  }

  it("gives errors the edge's 520", () => {
    const [found] = findingsFor(ok("X-A: a\0b\r\n"));
    assert.equal(found?.edgeStatus, 520);
  });

  it("gives warnings no edge status and names the proxies that fail", () => {
    const [spaced] = findingsFor(ok("Server : x\r\n"));
    assert.equal(spaced?.edgeStatus, null);
    assert.match(spaced?.detail ?? "", /nginx and HAProxy/);
    const [folded] = findingsFor(ok("X-A: one\r\n two\r\n"));
    assert.equal(folded?.edgeStatus, null);
    assert.match(folded?.detail ?? "", /nginx rejects/);
  });

  it("keeps the order the parser met the violations in", () => {
    const violations = parse("HTTP/1.1 2000 OK\r\nBad{: x\r\nContent-Length: a\r\n\r\n").violations;
    assert.deepEqual(
      headViolationFindings(violations, AT).map((f) => f.code),
      ["http.invalid_status_line", "http.invalid_header", "http.invalid_header"],
    );
  });
});
