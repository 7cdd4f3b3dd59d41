import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Finding } from "../../src/findings/catalogue.js";
import { MAX_HEADER_FIELDS, parseResponseHead, startsLikeStatusLine } from "../../src/http/head-parser.js";

const codes = (findings: readonly Finding[]) => findings.map((item) => `${item.code}:${item.severity}`).sort();

function parse(head: string) {
  return parseResponseHead(Buffer.from(head, "latin1"), { complete: true });
}

interface Row {
  readonly name: string;
  readonly head: string;
  readonly expect: readonly string[];
}

const ok = (fields: string) => `HTTP/1.1 200 OK\r\n${fields}\r\n`;

const ROWS: readonly Row[] = [
  { name: "plain 200", head: ok("Content-Length: 0\r\n"), expect: [] },
  { name: "no reason phrase (httparse accepts it)", head: "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", expect: [] },
  { name: "empty reason after the space", head: "HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n", expect: [] },
  { name: "HTTP/1.0", head: "HTTP/1.0 200 OK\r\nConnection: close\r\n\r\n", expect: [] },
  { name: "bare LF line endings", head: "HTTP/1.1 200 OK\nContent-Length: 0\n\n", expect: [] },
  { name: "leading empty line (httparse skips it)", head: "\r\nHTTP/1.1 200 OK\r\nA: b\r\n\r\n", expect: [] },
  {
    name: "obs-text in a value and in the reason",
    head: "HTTP/1.1 200 \xc3\xa9\r\nX-Name: caf\xc3\xa9\r\n\r\n",
    expect: [],
  },
  { name: "HTAB inside a value", head: ok("X-A: a\tb\r\n"), expect: [] },
  { name: "empty value", head: ok("X-Empty:\r\n"), expect: [] },
  { name: "7 KB of headers", head: ok(`Set-Cookie: a=${"x".repeat(7000)}\r\n`), expect: [] },
  { name: "100 Continue without fields is a normal interim", head: "HTTP/1.1 100 Continue\r\n\r\n", expect: [] },
  {
    name: "identical Content-Length twice",
    head: ok("Content-Length: 5\r\nContent-Length: 5\r\n"),
    expect: ["http.conflicting_framing:warning"],
  },
  {
    name: "identical Content-Length in a list",
    head: ok("Content-Length: 5, 5\r\n"),
    expect: ["http.conflicting_framing:warning"],
  },
  {
    name: "differing Content-Length fields",
    head: ok("Content-Length: 5\r\nContent-Length: 6\r\n"),
    expect: ["http.conflicting_framing:error"],
  },
  {
    name: "differing Content-Length list",
    head: ok("Content-Length: 5, 6\r\n"),
    expect: ["http.conflicting_framing:error"],
  },
  { name: "non-numeric Content-Length", head: ok("Content-Length: abc\r\n"), expect: ["http.invalid_header:error"] },
  { name: "negative Content-Length", head: ok("Content-Length: -1\r\n"), expect: ["http.invalid_header:error"] },
  { name: "signed Content-Length", head: ok("Content-Length: +5\r\n"), expect: ["http.invalid_header:error"] },
  {
    name: "Content-Length with Transfer-Encoding: chunked",
    head: ok("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"),
    expect: ["http.conflicting_framing:warning"],
  },
  { name: "HTTP/2.0 version", head: "HTTP/2.0 200 OK\r\nA: b\r\n\r\n", expect: ["http.invalid_status_line:error"] },
  { name: "four-digit status", head: "HTTP/1.1 2000 OK\r\nA: b\r\n\r\n", expect: ["http.invalid_status_line:error"] },
  { name: "no status code", head: "HTTP/1.1 OK\r\nA: b\r\n\r\n", expect: ["http.invalid_status_line:error"] },
  { name: "status below 100", head: "HTTP/1.1 099 Low\r\nA: b\r\n\r\n", expect: ["http.invalid_status_line:error"] },
  {
    name: "two spaces before the code",
    head: "HTTP/1.1  200 OK\r\nA: b\r\n\r\n",
    expect: ["http.invalid_status_line:error"],
  },
  { name: "lower-case version", head: "http/1.1 200 OK\r\nA: b\r\n\r\n", expect: ["http.invalid_status_line:error"] },
  {
    name: "control byte in the reason",
    head: "HTTP/1.1 200 O\x01K\r\nA: b\r\n\r\n",
    expect: ["http.invalid_status_line:error"],
  },
  { name: "no header fields at all", head: "HTTP/1.1 200 OK\r\n\r\n", expect: ["http.missing_headers:error"] },
  { name: "no status line at all", head: "<html>hello</html>\r\n\r\n", expect: ["http.missing_headers:error"] },
  { name: "field line without a colon", head: ok("NoColonHere\r\n"), expect: ["http.invalid_header:error"] },
  { name: "non-token character in a name", head: ok("Bad{Name: x\r\n"), expect: ["http.invalid_header:error"] },
  { name: "space inside a name", head: ok("Bad Name: x\r\n"), expect: ["http.invalid_header:error"] },
  { name: "empty name", head: ok(": x\r\n"), expect: ["http.invalid_header:error"] },
  { name: "NUL in a value", head: ok("X-A: a\0b\r\n"), expect: ["http.invalid_header:error"] },
  { name: "NUL in a name", head: ok("X-\0A: b\r\n"), expect: ["http.invalid_header:error"] },
  { name: "bare CR in a value", head: ok("X-A: a\rb\r\n"), expect: ["http.invalid_header:error"] },
  { name: "C0 control in a value", head: ok("X-A: a\x01b\r\n"), expect: ["http.invalid_header:error"] },
  { name: "DEL in a value", head: ok("X-A: a\x7fb\r\n"), expect: ["http.invalid_header:error"] },
  { name: "whitespace before the colon", head: ok("Server : x\r\n"), expect: ["http.invalid_header:warning"] },
  { name: "obs-fold continuation", head: ok("X-A: one\r\n  two\r\n"), expect: ["http.invalid_header:warning"] },
  {
    name: "whitespace-led first field line",
    head: "HTTP/1.1 200 OK\r\n X-A: b\r\nB: c\r\n\r\n",
    expect: ["http.invalid_header:error"],
  },
  {
    name: "257 fields",
    head: ok(Array.from({ length: MAX_HEADER_FIELDS + 1 }, (_, i) => `X-${i}: v\r\n`).join("")),
    expect: ["http.too_many_headers:error"],
  },
  { name: "256 fields", head: ok(Array.from({ length: 256 }, (_, i) => `X-${i}: v\r\n`).join("")), expect: [] },
];

describe("parseResponseHead", () => {
  for (const row of ROWS) {
    it(row.name, () => {
      assert.deepEqual(codes(parse(row.head).findings), [...row.expect].sort());
    });
  }

  it("describes the status line and fields exactly", () => {
    const head = parse("HTTP/1.1 404 Not Found\r\nContent-Type: text/html \r\nX-Trim:\t v \r\n\r\n");
    assert.equal(head.statusLine, "HTTP/1.1 404 Not Found");
    assert.equal(head.httpVersion, "HTTP/1.1");
    assert.equal(head.statusCode, 404);
    assert.equal(head.reason, "Not Found");
    assert.deepEqual(head.headers, [
      ["Content-Type", "text/html"],
      ["X-Trim", "v"],
    ]);
    assert.equal(
      head.headBytes,
      Buffer.byteLength("HTTP/1.1 404 Not Found\r\nContent-Type: text/html \r\nX-Trim:\t v \r\n\r\n"),
    );
  });

  it("keeps the exact offending bytes, line number and column in evidence", () => {
    const [found] = parse(ok("A: b\r\nX-A: a\0b\r\n")).findings;
    assert.equal(found?.evidence.line, "X-A: a\0b");
    assert.equal(found?.evidence.lineNumber, 3);
    assert.equal(found?.evidence.column, 6);
    assert.equal(found?.evidence.byte, "\0");
    assert.equal(found?.evidence.problem, "nul");
    assert.equal(found?.edgeStatus, 520);
  });

  it("gives warnings no edge status and names the proxies that fail", () => {
    const [found] = parse(ok("Server : x\r\n")).findings;
    assert.equal(found?.edgeStatus, null);
    assert.match(found?.detail ?? "", /nginx and HAProxy/);
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
    assert.deepEqual(codes(cut.findings), []);
    assert.equal(cut.fieldCount, 1);
  });

  it("tells a status line from other bytes early", () => {
    assert.equal(startsLikeStatusLine("HT"), "undecided");
    assert.equal(startsLikeStatusLine("HTTP/"), "yes");
    assert.equal(startsLikeStatusLine("<html"), "no");
    assert.equal(startsLikeStatusLine("\r\nhttp/"), "yes");
  });
});
