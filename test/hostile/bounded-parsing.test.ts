/**
 * What the reader keeps from a hostile head is bounded by structure, not by what the origin
 * sent: a 1 MiB head of tiny lines, a million broken lines, 60,000 Content-Length fields,
 * 40,000 interim responses or a 100 KB field name cost a few objects, and every finding stays
 * short enough to print. (Peak memory itself is measured by the benchmark.)
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { headViolationFindings } from "../../src/checks/head-violations.js";
import { responseFindings } from "../../src/checks/http.js";
import type { Finding, Origin } from "../../src/findings/catalogue.js";
import type { ExchangeEnd } from "../../src/http/exchange.js";
import { MAX_KEPT_FIELDS, parseResponseHead } from "../../src/http/head-parser.js";
import { MAX_KEPT_INTERIM, ResponseReader } from "../../src/http/response-reader.js";
import { DEFAULTS } from "../../src/options.js";
import { findingSchema } from "../../src/report/schema.js";

const OPTIONS = { method: "GET", maxHeaderSize: DEFAULTS.maxHeaderSize, maxBodyBytes: DEFAULTS.maxBodyBytes };
const AT: Origin = { leg: "origin", phase: "http" };

/** Feeds `bytes` in 64 KiB reads until the reader stops, then judges it as the leg's check would. */
function readAll(bytes: Buffer) {
  const reader = new ResponseReader(OPTIONS);
  for (let offset = 0; offset < bytes.length && !reader.finished; offset += 64 * 1024) {
    reader.push(bytes.subarray(offset, offset + 64 * 1024));
  }
  const record = reader.record();
  const end: ExchangeEnd = {
    kind: reader.finished ? "complete" : "closed",
    errorCode: null,
    during: "read",
    elapsedMs: 1,
    stop: null,
  };
  return { record, findings: responseFindings(record, end, OPTIONS, AT) };
}

const head = (text: string) => Buffer.from(text, "latin1");

function assertPrintable(findings: readonly Finding[]): void {
  assert.ok(findings.length <= 8, `${findings.length} findings`);
  for (const f of findings) {
    findingSchema.parse(f);
    assert.ok(f.detail.length < 2_000, `${f.code}: a detail of ${f.detail.length} characters`);
    for (const value of Object.values(f.evidence)) {
      if (Array.isArray(value)) assert.ok(value.length <= 32, `${f.code}: an evidence list of ${value.length}`);
      if (typeof value === "string")
        assert.ok(value.length <= 4_096, `${f.code}: evidence of ${value.length} characters`);
    }
  }
}

describe("bounded parsing of hostile heads", () => {
  it("a 1 MiB head of 3-byte fields: counted, not kept", () => {
    const { record, findings } = readAll(head(`HTTP/1.1 200 OK\r\n${"a:\n".repeat(400_000)}`));
    const parsed = record.partialHead;
    assert.ok(parsed !== null);
    assert.ok(parsed.fieldCount > 300_000, `${parsed.fieldCount} fields counted`);
    assert.equal(parsed.headers.length, MAX_KEPT_FIELDS);
    assert.deepEqual(findings.map((f) => f.code).sort(), ["http.headers_too_large", "http.too_many_headers"]);
    assertPrintable(findings);
  });

  it("a million broken lines: one finding, with a count", () => {
    const { findings } = readAll(head(`HTTP/1.1 200 OK\r\n${"\0\n".repeat(1_000_000)}`));
    const invalid = findings.find((f) => f.code === "http.invalid_header");
    assert.ok(invalid !== undefined);
    assert.ok(Number(invalid.evidence.lines) > 500_000);
    assert.equal((invalid.evidence.lineNumbers as number[]).length, 20);
    assertPrintable(findings);
  });

  it("60,000 differing Content-Length fields: a short detail, short evidence lists", () => {
    const fields = Array.from({ length: 60_000 }, (_, i) => `Content-Length: ${i}\r\n`).join("");
    const parsed = parseResponseHead(head(`HTTP/1.1 200 OK\r\n${fields}\r\n`), { complete: true });
    assert.equal(parsed.contentLengthUsable, false);
    assert.deepEqual(
      parsed.violations.map((v) => v.kind),
      ["too_many_fields", "content_length"],
    );
    const violation = parsed.violations.find((v) => v.kind === "content_length");
    assert.ok(violation?.kind === "content_length" && violation.problem === "different_values");
    assert.equal(violation.fields, 60_000);
    assert.ok(violation.values.length <= 32 && violation.distinctValues.length <= 32);
    const findings = headViolationFindings(parsed.violations, AT);
    const conflict = findings.find((f) => f.code === "http.conflicting_framing");
    assert.ok(conflict !== undefined);
    assert.equal(conflict.evidence.fields, 60_000);
    assertPrintable(findings);
  });

  it("framing fields beyond the kept ones still frame the body", () => {
    const filler = Array.from({ length: MAX_KEPT_FIELDS + 10 }, (_, i) => `X-${i}: v\r\n`).join("");
    const parsed = parseResponseHead(head(`HTTP/1.1 200 OK\r\n${filler}Content-Length: 7\r\n\r\n`), { complete: true });
    assert.equal(parsed.contentLength, 7);
    assert.equal(parsed.fieldCount, MAX_KEPT_FIELDS + 11);
  });

  it("endless interim responses: a few kept, all counted, headers_too_large", () => {
    const { record, findings } = readAll(head("HTTP/1.1 100 Continue\r\nX-Bad line\r\n\r\n".repeat(40_000)));
    assert.equal(record.interim.length, MAX_KEPT_INTERIM);
    assert.ok(record.interimCount > 20_000, `${record.interimCount} counted`);
    assert.equal(record.head, null);
    assert.deepEqual(findings.map((f) => `${f.code}:${f.severity}`).sort(), [
      "http.headers_too_large:error",
      "http.invalid_header:error",
    ]);
    assertPrintable(findings);
  });

  it("a 100 KB field name is cut where it names the largest field", () => {
    const { findings } = readAll(head(`HTTP/1.1 200 OK\r\n${"N".repeat(100_000)}: v\r\n\r\n`));
    const tooLarge = findings.find((f) => f.code === "http.headers_too_large");
    assert.ok(String(tooLarge?.evidence.largestField).length <= 128);
    assertPrintable(findings);
  });

  it("obs-fold continuations keep their exact bytes, with each line break shown as CRLF", () => {
    const parsed = parseResponseHead(head("HTTP/1.1 200 OK\r\nA: b \r\n x\n\ty \r\nC: d\r\n\r\n"), { complete: true });
    assert.deepEqual(parsed.headers, [
      ["A", "b\r\n x\r\n\ty "],
      ["C", "d"],
    ]);
    const many = parseResponseHead(head(`HTTP/1.1 200 OK\r\nA: b\r\n${" x\r\n".repeat(200_000)}\r\n`), {
      complete: true,
    });
    assert.equal(many.headers[0]?.[1].length, 1 + 4 * 200_000);
  });
});
