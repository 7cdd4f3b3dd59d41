/**
 * The response reader fed bytes as the exchange feeds it, then `responseFindings` judging the
 * record and how the exchange ended: in-process, one row per response, each fed in 7-byte reads
 * and one byte at a time (the verdict must not depend on how the bytes were split). Every finding
 * is checked against the published schema (every evidence key present, typed).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { responseFindings } from "../../src/checks/http.js";
import type { Stop } from "../../src/deadline.js";
import type { Finding, Origin } from "../../src/findings/catalogue.js";
import type { ExchangeEnd } from "../../src/http/exchange.js";
import { headerReadCap } from "../../src/http/header-limits.js";
import { ResponseReader, type ResponseRecord } from "../../src/http/response-reader.js";
import { findingSchema } from "../../src/report/schema.js";

const AT: Origin = { leg: "origin", phase: "http" };

const codes = (findings: readonly Finding[]) => findings.map((item) => `${item.code}:${item.severity}`).sort();

interface Judged {
  readonly record: ResponseRecord;
  readonly findings: Finding[];
  readonly end: ExchangeEnd;
}

interface JudgeOptions {
  readonly method?: string;
  /**
   * How the exchange ends when the reader still wants bytes: the peer closes, resets, the write
   * fails, the per-phase or whole-run deadline fires (300 ms), the user presses Ctrl-C, or
   * another socket error with `errorCode`.
   */
  readonly ending?: "closed" | "reset" | "write_reset" | "deadline" | "run_deadline" | "cancelled" | "error";
  readonly errorCode?: string;
  readonly maxHeaderSize?: number;
  readonly maxBodyBytes?: number;
  /** Feed the bytes one at a time. */
  readonly byteByByte?: boolean;
}

function endOf(ending: NonNullable<JudgeOptions["ending"]>, options: JudgeOptions): Omit<ExchangeEnd, "elapsedMs"> {
  const stopped = (stop: Stop) => ({ kind: "stopped", errorCode: null, during: "read", stop }) as const;
  switch (ending) {
    case "closed":
      return { kind: "closed", errorCode: null, during: "read", stop: null };
    case "reset":
      return { kind: "reset", errorCode: "ECONNRESET", during: "read", stop: null };
    case "write_reset":
      return { kind: "reset", errorCode: "EPIPE", during: "write", stop: null };
    case "error":
      return { kind: "error", errorCode: options.errorCode ?? "EPROTO", during: "read", stop: null };
    case "deadline":
      return stopped({ kind: "deadline", deadline: "phase", ms: 300 });
    case "run_deadline":
      return stopped({ kind: "deadline", deadline: "run", ms: 300 });
    case "cancelled":
      return stopped({ kind: "cancelled" });
  }
}

/** Feeds the reader the way the exchange does and judges the exchange. */
function judge(wire: string, options: JudgeOptions = {}): Judged {
  const limits = { maxHeaderSize: options.maxHeaderSize ?? 8192, maxBodyBytes: options.maxBodyBytes ?? 1_048_576 };
  const reader = new ResponseReader({ method: options.method ?? "GET", ...limits });
  const bytes = Buffer.from(wire, "latin1");
  const step = options.byteByByte ? 1 : 7;
  for (let at = 0; at < bytes.length && !reader.finished; at += step) reader.push(bytes.subarray(at, at + step));
  let end: ExchangeEnd = { kind: "complete", errorCode: null, during: "read", elapsedMs: 12.34, stop: null };
  if (!reader.finished) {
    const ending = options.ending ?? "closed";
    if (ending === "closed") reader.endOfStream();
    if (!reader.finished) end = { ...endOf(ending, options), elapsedMs: 12.34 };
  }
  const record = reader.record();
  const findings = responseFindings(record, end, limits, AT);
  for (const item of findings) findingSchema.parse(item);
  return { record, findings, end };
}

interface Row {
  readonly name: string;
  readonly wire: string;
  readonly options?: JudgeOptions;
  readonly expect: readonly string[];
  readonly check?: (judged: Judged) => void;
}

const HEALTHY: readonly Row[] = [
  {
    name: "200 with Content-Length",
    wire: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello",
    expect: [],
    check: ({ record, end }) => {
      assert.equal(end.kind, "complete");
      assert.equal(record.body.toString(), "hello");
      assert.equal(record.framing, "content-length");
    },
  },
  {
    name: "keep-alive: complete without a close",
    wire: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    options: { ending: "deadline" },
    expect: [],
    check: ({ end, record }) => {
      assert.equal(end.kind, "complete");
      assert.equal(record.bodyComplete, true);
    },
  },
  {
    name: "7 KB header block",
    wire: `HTTP/1.1 200 OK\r\nSet-Cookie: s=${"c".repeat(7000)}\r\nContent-Length: 0\r\n\r\n`,
    expect: [],
  },
  {
    name: "204 without a body",
    wire: "HTTP/1.1 204 No Content\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\n\r\n",
    options: { ending: "deadline" },
    expect: [],
    check: ({ record }) => assert.equal(record.framing, "none"),
  },
  {
    name: "304 with a Content-Length and no body",
    wire: 'HTTP/1.1 304 Not Modified\r\nETag: "x"\r\nContent-Length: 1234\r\n\r\n',
    options: { ending: "deadline" },
    expect: [],
  },
  {
    name: "chunked with extensions and trailers",
    wire:
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n" +
      "5;name=value\r\nhello\r\n6 \r\n world\r\nA\r\n0123456789\r\n0\r\nX-Sum: abc\r\n\r\n",
    options: { ending: "deadline" },
    expect: [],
    check: ({ record }) => {
      assert.equal(record.body.toString(), "hello world0123456789");
      assert.equal(record.bodyComplete, true);
    },
  },
  {
    name: "HTTP/1.0 body delimited by the close",
    wire: "HTTP/1.0 200 OK\r\nConnection: close\r\nContent-Type: text/html\r\n\r\n<html>old</html>",
    expect: [],
    check: ({ record }) => {
      assert.equal(record.framing, "close");
      assert.equal(record.body.toString(), "<html>old</html>");
      assert.equal(record.bodyComplete, true);
    },
  },
  {
    name: "HEAD with Content-Length and no body",
    wire: "HTTP/1.1 200 OK\r\nContent-Length: 12345\r\n\r\n",
    options: { method: "HEAD", ending: "deadline" },
    expect: [],
  },
  {
    name: "redirect",
    wire: "HTTP/1.1 301 Moved Permanently\r\nLocation: https://example.test/\r\nContent-Length: 0\r\n\r\n",
    options: { ending: "deadline" },
    expect: [],
  },
  {
    name: "100 Continue, then 200",
    wire: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    expect: [],
    check: ({ record }) => {
      assert.equal(record.interim.length, 1);
      assert.equal(record.head?.statusCode, 200);
    },
  },
  {
    name: "103 Early Hints, then 200",
    wire:
      "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n" +
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    expect: [],
    check: ({ record }) => assert.equal(record.interim[0]?.statusCode, 103),
  },
  {
    name: "bare-LF line endings",
    wire: "HTTP/1.1 200 OK\nContent-Length: 2\n\nok",
    expect: [],
    check: ({ record }) => assert.equal(record.body.toString(), "ok"),
  },
  {
    name: "Transfer-Encoding without chunked: body until close",
    wire: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nzzz",
    expect: [],
    check: ({ record }) => assert.equal(record.framing, "close"),
  },
  {
    name: "body exactly maxBodyBytes long is complete, not capped",
    wire: "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcd",
    options: { maxBodyBytes: 4 },
    expect: [],
  },
  {
    name: "chunked body exactly maxBodyBytes long is complete, not capped",
    wire: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n",
    options: { maxBodyBytes: 4 },
    expect: [],
  },
];

const FAULTS: readonly Row[] = [
  { name: "empty reply", wire: "", expect: ["http.empty_reply:error"] },
  {
    name: "no status line (HTTP/0.9 style)",
    wire: "<html><body>hello</body></html>",
    expect: ["http.missing_headers:error"],
    check: ({ record, findings }) => {
      assert.equal(record.noStatusLine, true);
      assert.deepEqual(findings[0]?.evidence, {
        problem: "no_status_line",
        bytesReceived: 31,
        received: "<html><body>hello</body></html>",
        headBytes: null,
      });
    },
  },
  { name: "status line then the empty line", wire: "HTTP/1.1 200 OK\r\n\r\n", expect: ["http.missing_headers:error"] },
  {
    name: "status line then close",
    wire: "HTTP/1.1 200 OK\r\n",
    expect: ["http.missing_headers:error"],
    check: ({ findings }) =>
      assert.deepEqual(findings[0]?.evidence, {
        problem: "status_line_only",
        bytesReceived: 17,
        received: "HTTP/1.1 200 OK\r\n",
        headBytes: 17,
      }),
  },
  {
    name: "close inside the header block",
    wire: "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Par",
    expect: ["http.incomplete_head:error"],
    check: ({ findings }) =>
      assert.deepEqual(findings[0]?.evidence, {
        bytesReceived: 47,
        elapsedMs: 12.3,
        received: "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Par",
        headBytes: 47,
        fieldCount: 1,
      }),
  },
  {
    name: "invalid status line",
    wire: "HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n",
    expect: ["http.invalid_status_line:error"],
  },
  {
    name: "invalid header line in the final response",
    wire: "HTTP/1.1 200 OK\r\nBad{Name: x\r\nContent-Length: 0\r\n\r\n",
    expect: ["http.invalid_header:error"],
  },
  {
    name: "invalid header line in an interim response",
    wire: "HTTP/1.1 103 Early Hints\r\nLink\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
    expect: ["http.invalid_header:error"],
  },
  {
    name: "obs-fold is a warning and the response is read",
    wire: "HTTP/1.1 200 OK\r\nX-A: one\r\n two\r\nContent-Length: 2\r\n\r\nok",
    expect: ["http.invalid_header:warning"],
    check: ({ record }) => assert.equal(record.bodyComplete, true),
  },
  {
    name: "differing Content-Length stops the read",
    wire: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok",
    expect: ["http.conflicting_framing:error"],
    check: ({ record }) => assert.equal(record.stop, "invalid_framing"),
  },
  {
    name: "Content-Length with chunked: chunked wins",
    wire: "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
    expect: ["http.conflicting_framing:warning"],
    check: ({ record }) => assert.equal(record.body.toString(), "ok"),
  },
  {
    name: "headers over maxHeaderSize",
    wire: `HTTP/1.1 200 OK\r\nSet-Cookie: a=${"x".repeat(20_000)}\r\nContent-Length: 0\r\n\r\n`,
    expect: ["http.headers_too_large:error"],
    check: ({ findings }) => {
      const evidence = findings[0]?.evidence;
      assert.equal(evidence?.headerBytesIsLowerBound, false);
      assert.equal(evidence?.largestField, "Set-Cookie");
      assert.deepEqual(evidence?.limitsCrossed, [
        "nginx proxy_buffer_size 4 KB/8 KB",
        "Cloudflare 8 KB (older 520 help-centre article)",
        "HAProxy tune.bufsize 16 KB",
        "Node.js --max-http-header-size 16 KB",
        "Cloudflare 16 KB (5xx docs 2021–2025)",
        "Cloudflare 16 KB per header",
      ]);
    },
  },
  {
    name: "endless headers hit the read cap",
    wire: `HTTP/1.1 200 OK\r\n${"X-Loop: yes\r\n".repeat(90_000)}`,
    expect: ["http.headers_too_large:error", "http.too_many_headers:error"],
    check: ({ record, findings }) => {
      assert.equal(record.stop, "head_cap");
      assert.equal(record.rawHead?.length, headerReadCap(8192));
      const evidence = findings.find((item) => item.code === "http.headers_too_large")?.evidence;
      assert.equal(evidence?.headerBytesIsLowerBound, true);
      assert.match(String(evidence?.measured), /^at least /);
      assert.ok(((evidence?.limitsCrossed ?? []) as string[]).includes("Pingora 1 MiB"));
    },
  },
  {
    name: "close before Content-Length bytes",
    wire: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
    expect: ["http.truncated_body:error"],
    check: ({ findings }) =>
      assert.deepEqual(findings[0]?.evidence, {
        bytesReceived: 42,
        elapsedMs: 12.3,
        framing: "content-length",
        expectedBodyBytes: 10,
        receivedBodyBytes: 3,
        expected: "10 bytes",
        problem: null,
        bytes: null,
        bodyOffset: null,
      }),
  },
  {
    name: "close before the last chunk",
    wire: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
    expect: ["http.truncated_body:error"],
  },
  {
    name: "invalid chunk size",
    wire: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
    expect: ["http.truncated_body:error"],
    check: ({ record, findings }) => {
      assert.equal(record.stop, "broken_chunks");
      assert.equal(findings[0]?.evidence.bytes, "zz\r\n");
      assert.equal(findings[0]?.evidence.framing, "chunked");
      assert.equal(findings[0]?.evidence.bodyOffset, 0);
      assert.equal(typeof findings[0]?.evidence.problem, "string");
    },
  },
  {
    name: "chunk longer than its size",
    wire: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhello\r\n0\r\n\r\n",
    expect: ["http.truncated_body:error"],
  },
  {
    name: "nothing within a deadline shorter than the edge's: an error, no 524 claimed",
    wire: "",
    options: { ending: "deadline" },
    expect: ["http.response_timeout:error"],
    check: ({ findings }) => {
      assert.equal(findings[0]?.edgeStatus, null);
      assert.match(findings[0]?.title ?? "", /within 0\.3 s \(the edge waits 125 s\)/);
      assert.deepEqual(findings[0]?.evidence, {
        bytesReceived: 0,
        elapsedMs: 12.3,
        timeoutMs: 300,
        deadline: "phase",
        received: "",
      });
    },
  },
  {
    name: "half a head within the deadline",
    wire: "HTTP/1.1 200 OK\r\nContent-Type: text/ht",
    options: { ending: "deadline" },
    expect: ["http.response_timeout:error"],
    check: ({ findings }) => assert.equal(findings[0]?.evidence.received, "HTTP/1.1 200 OK\r\nContent-Type: text/ht"),
  },
  {
    name: "head, then the body stalls",
    wire: "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc",
    options: { ending: "deadline" },
    expect: ["http.body_timeout:warning"],
    check: ({ findings }) =>
      assert.deepEqual(findings[0]?.evidence, {
        bytesReceived: 43,
        elapsedMs: 12.3,
        timeoutMs: 300,
        deadline: "phase",
        framing: "content-length",
        receivedBodyBytes: 3,
        expectedBodyBytes: 100,
      }),
  },
  {
    name: "nothing within the whole-run deadline",
    wire: "",
    options: { ending: "run_deadline" },
    expect: ["http.response_timeout:error"],
    check: ({ findings }) => assert.equal(findings[0]?.evidence.deadline, "run"),
  },
  {
    name: "the body stalls until the whole-run deadline",
    wire: "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc",
    options: { ending: "run_deadline" },
    expect: ["http.body_timeout:warning"],
    check: ({ findings }) => assert.equal(findings[0]?.evidence.deadline, "run"),
  },
  // Ctrl-C is not a fact about the origin: what was cut short says nothing, what was read still does.
  { name: "cancelled before any byte", wire: "", options: { ending: "cancelled" }, expect: [] },
  {
    name: "cancelled in the body",
    wire: "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc",
    options: { ending: "cancelled" },
    expect: [],
  },
  {
    name: "cancelled after a broken head",
    wire: "HTTP/1.1 200 OK\r\nBad{Name: x\r\nContent-Length: 100\r\n\r\nabc",
    options: { ending: "cancelled" },
    expect: ["http.invalid_header:error"],
  },
  {
    name: "reset before any byte",
    wire: "",
    options: { ending: "reset" },
    expect: ["http.connection_reset:error"],
    check: ({ findings }) =>
      assert.deepEqual(findings[0]?.evidence, {
        bytesReceived: 0,
        elapsedMs: 12.3,
        errorCode: "ECONNRESET",
        during: "read",
        headComplete: false,
        receivedBodyBytes: 0,
        expectedBodyBytes: null,
      }),
  },
  {
    name: "reset in the body",
    wire: "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc",
    options: { ending: "reset" },
    expect: ["http.connection_reset:error"],
    check: ({ findings }) => {
      assert.equal(findings[0]?.evidence.headComplete, true);
      assert.equal(findings[0]?.evidence.receivedBodyBytes, 3);
      assert.equal(findings[0]?.evidence.expectedBodyBytes, 100);
    },
  },
  {
    name: "reset while the request is written",
    wire: "",
    options: { ending: "write_reset" },
    expect: ["http.connection_reset:error"],
    check: ({ findings }) => {
      assert.equal(findings[0]?.evidence.during, "write");
      assert.equal(findings[0]?.evidence.errorCode, "EPIPE");
      assert.match(findings[0]?.detail ?? "", /while the request was being written/);
    },
  },
  {
    name: "another socket error before the response is complete",
    wire: "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc",
    options: { ending: "error", errorCode: "EPROTO" },
    expect: ["http.connection_reset:error"],
    check: ({ findings }) => assert.equal(findings[0]?.evidence.errorCode, "EPROTO"),
  },
  {
    // TLS 1.3: the certificate_required alert arrives on the first read, after the handshake (RFC 8446 §4.4.2.4).
    name: "a certificate_required alert instead of a response",
    wire: "",
    options: { ending: "error", errorCode: "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED" },
    expect: ["tls.client_certificate_required:warning"],
    check: ({ findings }) =>
      assert.deepEqual(findings[0]?.evidence, {
        errorCode: "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED",
        during: "read",
      }),
  },
  {
    name: "the same alert as OpenSSL 3.5 names it",
    wire: "",
    options: { ending: "error", errorCode: "ERR_SSL_SSL/TLS_ALERT_CERTIFICATE_REQUIRED" },
    expect: ["tls.client_certificate_required:warning"],
  },
  {
    name: "origin 503",
    wire: "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy",
    expect: ["http.origin_error:warning"],
    check: ({ findings }) => {
      assert.deepEqual(findings[0]?.evidence, { statusCode: 503, statusLine: "HTTP/1.1 503 Service Unavailable" });
      assert.equal(findings[0]?.edgeStatus, null);
    },
  },
  {
    name: "body beyond maxBodyBytes",
    wire: `HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n${"b".repeat(100)}`,
    options: { maxBodyBytes: 10 },
    expect: ["http.body_read_capped:info"],
    check: ({ record, findings }) => {
      assert.equal(record.bodyBytes, 10);
      assert.equal(record.stop, "body_cap");
      assert.deepEqual(findings[0]?.evidence, {
        maxBodyBytes: 10,
        receivedBodyBytes: 10,
        framing: "content-length",
        contentLength: 100,
      });
    },
  },
  {
    name: "close-delimited body beyond maxBodyBytes",
    wire: `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n${"b".repeat(100)}`,
    options: { maxBodyBytes: 10 },
    expect: ["http.body_read_capped:info"],
  },
  {
    name: "chunked body beyond maxBodyBytes",
    wire: `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n64\r\n${"b".repeat(100)}\r\n0\r\n\r\n`,
    options: { maxBodyBytes: 10 },
    expect: ["http.body_read_capped:info"],
    check: ({ record }) => assert.equal(record.body.toString(), "b".repeat(10)),
  },
];

describe("ResponseReader + responseFindings", () => {
  for (const row of [...HEALTHY, ...FAULTS]) {
    for (const byteByByte of [false, true]) {
      it(`${row.name}${byteByByte ? " (one byte at a time)" : ""}`, () => {
        const judged = judge(row.wire, { ...row.options, byteByByte });
        assert.deepEqual(codes(judged.findings), [...row.expect].sort());
        for (const item of judged.findings) {
          assert.equal(item.leg, "origin");
          assert.equal(item.phase, "http");
        }
        row.check?.(judged);
      });
    }
  }

  it("evidence of an empty reply carries bytes and time", () => {
    const { findings } = judge("");
    assert.deepEqual(findings[0]?.evidence, { bytesReceived: 0, elapsedMs: 12.3 });
    assert.equal(findings[0]?.edgeStatus, 520);
  });

  it("names the deadline that fired and its length in a timeout's detail", () => {
    const { findings } = judge("", { ending: "deadline" });
    assert.match(findings[0]?.detail ?? "", /within 0\.3 s/);
  });

  it("stays linear when a 1 MiB head arrives one byte at a time", () => {
    const reader = new ResponseReader({ method: "GET", maxHeaderSize: 8192, maxBodyBytes: 1024 });
    const wire = Buffer.from(`HTTP/1.1 200 OK\r\n${"X-Filler: 0123456789\r\n".repeat(50_000)}`, "latin1");
    const started = performance.now();
    for (let at = 0; at < wire.length && !reader.finished; at++) reader.push(wire.subarray(at, at + 1));
    // A wide upper bound: quadratic work would take minutes, linear work well under a second.
    assert.ok(performance.now() - started < 20_000);
    assert.equal(reader.record().stop, "head_cap");
  });

  it("counts bytes after a complete response as unread", () => {
    const reader = new ResponseReader({ method: "GET", maxHeaderSize: 8192, maxBodyBytes: 1024 });
    reader.push(Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA"));
    assert.equal(reader.finished, true);
    assert.equal(reader.record().unreadBytes, 5);
  });
});
