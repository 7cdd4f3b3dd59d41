import assert from "node:assert/strict";
import { test } from "node:test";
import { buildHar, buildHarEntry, buildHarLog } from "../../src/artifacts/har.js";
import { redactDiagnosis } from "../../src/artifacts/redact.js";
import { finding } from "../../src/findings/catalogue.js";
import { harErrors } from "./har-validator.js";
import {
  ALL_OUTCOMES,
  binaryBody,
  emptyReply,
  healthy,
  invalidHeader,
  makeDiagnosis,
  REQUEST,
  rawRequestHead,
  refused,
  responseTimeout,
} from "./report-fixtures.js";

function onlyEntry(har: ReturnType<typeof buildHar>) {
  assert.equal(har.log.entries.length, 1);
  const [entry] = har.log.entries;
  assert.ok(entry);
  return entry;
}

for (const [name, make] of Object.entries(ALL_OUTCOMES)) {
  test(`${name}: the HAR is valid HAR 1.2, redacted or not`, () => {
    for (const diagnosis of [make(), redactDiagnosis(make(), REQUEST, ["X-Api-Key"])]) {
      const har = buildHar(diagnosis, {});
      assert.deepEqual(harErrors(har), []);
      assert.equal(har.log.version, "1.2");
      assert.deepEqual(har.log.creator, { name: "diag520", version: "0.1.0" });
    }
  });
}

test("the validator does reject a broken HAR (it is not vacuous)", () => {
  const har = buildHar(healthy(), {}) as unknown as { log: { entries: { response: Record<string, unknown> }[] } };
  const broken = structuredClone(har);
  delete broken.log.entries[0]?.response.status;
  assert.notDeepEqual(harErrors(broken), []);
  const badDate = structuredClone(har) as unknown as { log: { entries: { startedDateTime: string }[] } };
  if (badDate.log.entries[0]) badDate.log.entries[0].startedDateTime = "yesterday";
  assert.notDeepEqual(harErrors(badDate), []);
});

test("healthy: timings, address, connection and both heads as sent and received", () => {
  const entry = onlyEntry(buildHar(healthy(), {}));
  assert.equal(entry.startedDateTime, "2026-11-22T04:00:00.000Z");
  assert.deepEqual(entry.timings, {
    blocked: -1,
    dns: 1.25,
    connect: 5.25,
    ssl: 4.5,
    send: 0,
    wait: 3.5,
    receive: 0.75,
  });
  assert.equal(entry.time, 1.25 + 5.25 + 0 + 3.5 + 0.75);
  assert.equal(entry.serverIPAddress, "127.0.0.1");
  assert.equal(entry.connection, "54321");
  const { request, response } = entry;
  assert.equal(request.method, "GET");
  assert.equal(request.url, "https://example.com:443/login?next=%2Fhome&flag");
  assert.equal(request.httpVersion, "HTTP/1.1");
  assert.deepEqual(request.headers.slice(0, 3), [
    { name: "Host", value: "example.com" },
    { name: "User-Agent", value: REQUEST.userAgent },
    { name: "Accept", value: "*/*" },
  ]);
  assert.deepEqual(request.queryString, [
    { name: "next", value: "/home" },
    { name: "flag", value: "" },
  ]);
  assert.ok(request.cookies.some((cookie) => cookie.name === "theme" && cookie.value === "dark"));
  assert.equal(request.headersSize, rawRequestHead().length);
  assert.equal(response.status, 200);
  assert.equal(response.statusText, "OK");
  assert.equal(response.httpVersion, "HTTP/1.1");
  // Duplicates and odd spacing as received.
  assert.deepEqual(
    response.headers.filter((header) => header.name === "Vary").map((header) => header.value),
    ["Accept", "Cookie"],
  );
  assert.ok(response.headers.some((header) => header.name === "X-Odd " && header.value === " spaced  "));
  assert.equal(response.redirectURL, "/next");
  assert.equal(response.content.mimeType, "text/html; charset=utf-8");
  assert.equal(response.content.encoding, undefined);
  assert.ok(response.content.text?.startsWith("<p>welcome é"));
  const sid = response.cookies.find((cookie) => cookie.name === "sid");
  assert.equal(sid?.path, "/");
  assert.equal(sid?.httpOnly, true);
  assert.equal(sid?.secure, true);
  assert.equal(sid?.expires, "2026-10-21T07:28:00.000Z");
  assert.equal(entry._error, undefined);
});

test("empty reply: status 0, the failure in _error, zero bytes in _rawResponse", () => {
  const entry = onlyEntry(buildHar(emptyReply(), {}));
  assert.equal(entry.response.status, 0);
  assert.deepEqual(entry._error, {
    code: "http.empty_reply",
    message: "The origin closed the connection after 0 bytes.",
  });
  assert.deepEqual(entry._rawResponse, { size: 0, truncated: false, text: "" });
  assert.equal(entry.timings.wait, 12.5, "waited the whole http phase for nothing");
  assert.equal(entry.timings.receive, 0);
});

test("timeout: the partial head that did arrive is kept", () => {
  const entry = onlyEntry(buildHar(responseTimeout(), {}));
  assert.equal(entry.response.status, 0);
  assert.equal(entry._error?.code, "http.response_timeout");
  assert.equal(entry._rawResponse?.text, "HTTP/1.1 200 OK\r\nX-Partial: yes\r\n");
});

test("invalid header: status 0 although a status line parsed; raw bytes in base64 when not UTF-8", () => {
  const entry = onlyEntry(buildHar(invalidHeader(), {}));
  assert.equal(entry.response.status, 0);
  assert.equal(entry._error?.code, "http.invalid_header");
  assert.equal(entry._rawResponse?.encoding, "base64");
  const raw = Buffer.from(entry._rawResponse?.text ?? "", "base64").toString("latin1");
  assert.ok(raw.includes("Bad Header\u0000Line\u00ff"));
});

test("binary body: base64 content, size from the decoded body, capped by maxBodyBytes", () => {
  const diagnosis = binaryBody();
  const body = diagnosis.responseBody ?? Buffer.alloc(0);
  const entry = onlyEntry(buildHar(diagnosis, {}));
  assert.equal(entry.response.content.encoding, "base64");
  assert.deepEqual(Buffer.from(entry.response.content.text ?? "", "base64"), body);
  assert.equal(entry.response.content.size, body.length);
  assert.equal(entry.response.content.mimeType, "image/png");
  const capped = onlyEntry(buildHar(diagnosis, { maxBodyBytes: 4 }));
  assert.deepEqual(Buffer.from(capped.response.content.text ?? "", "base64"), body.subarray(0, 4));
  assert.match(capped.response.content.comment ?? "", /first 4 of/);
  assert.deepEqual(harErrors(buildHar(diagnosis, { maxBodyBytes: 4 })), []);
});

test("refused: an entry anyway, -1 for the phases that did not happen", () => {
  const entry = onlyEntry(buildHar(refused(), {}));
  assert.equal(entry.response.status, 0);
  assert.equal(entry._error?.code, "tcp.refused");
  assert.equal(entry.timings.ssl, -1);
  assert.equal(entry.timings.connect, 0.5);
  assert.equal(entry.request.headersSize, -1);
  assert.equal(entry.connection, undefined);
});

test("entries are built one by one, so a log can hold the origin and the edge leg", () => {
  const log = buildHarLog([buildHarEntry(healthy()), buildHarEntry(emptyReply())], "0.1.0");
  assert.equal(log.log.entries.length, 2);
  assert.deepEqual(harErrors(log), []);
});

test("an interrupted run without a deciding finding still says why there is no response", () => {
  const diagnosis = makeDiagnosis({ findings: [], response: { end: "error" } });
  const report = { ...diagnosis.report, complete: false, interruption: "interrupted by SIGINT" };
  const entry = onlyEntry(buildHar({ report, responseBody: null }, {}));
  assert.equal(entry.response.status, 0);
  assert.deepEqual(entry._error, { code: "interrupted", message: "interrupted by SIGINT" });
  assert.deepEqual(harErrors(buildHar({ report, responseBody: null })), []);
});

test("bytes without a status line (HTTP/0.9 style) are kept in _rawResponse", () => {
  const body = Buffer.from("hello, no head\n");
  const diagnosis = makeDiagnosis({
    body,
    findings: [finding("http.missing_headers", "error", "No status line: the bytes read as HTTP/0.9.")],
    response: { bytesReceived: body.length, end: "closed", framing: "close", firstByteMs: 1, completeMs: 2 },
  });
  const entry = onlyEntry(buildHar(diagnosis));
  assert.equal(entry.response.status, 0);
  assert.equal(entry._error?.code, "http.missing_headers");
  assert.equal(entry._rawResponse?.text, "hello, no head\n");
  assert.deepEqual(harErrors(buildHar(diagnosis)), []);
});
