import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { buildHar, buildHarEntry, buildHarLog, type HarEntry } from "../../src/artifacts/har.js";
import type { Diagnosis } from "../../src/diagnose.js";
import { LAB_ORIGINS } from "../../src/lab/lab-origins.js";
import type { LegPhaseResult, Report } from "../../src/report/schema.js";
import { VERSION } from "../../src/version.js";
import { harErrors } from "./har-validator.js";
import {
  binaryBodyFor,
  FIXTURE_NAMES,
  type Fixtures,
  http09Body,
  partialHeadFor,
  SECRETS,
  SESSION_COOKIE,
  startFixtures,
} from "./report-fixtures.js";

let fixtures: Fixtures;
before(async () => {
  fixtures = await startFixtures();
  await fixtures.diagnoseAll();
});
after(() => fixtures.close());

function onlyEntry(diagnosis: Diagnosis, options: Parameters<typeof buildHar>[1] = {}): HarEntry {
  const har = buildHar(diagnosis, options);
  assert.equal(har.log.entries.length, 1, "one leg, one entry");
  const [entry] = har.log.entries;
  assert.ok(entry);
  return entry;
}

function phase<N extends LegPhaseResult["name"]>(report: Report, name: N): Extract<LegPhaseResult, { name: N }> {
  const found = report.legs.origin?.phases.find((candidate) => candidate.name === name);
  assert.ok(found, `the origin leg has a ${name} phase`);
  return found as Extract<LegPhaseResult, { name: N }>;
}

/** HAR's own rounding (microseconds), so that sums compare without float noise. */
function ms(value: number): number {
  return Math.max(0, Math.round(value * 1000) / 1000);
}

/** The request head the origin received, which the report must carry byte for byte. */
function requestReceived(report: Report): string {
  const raw = phase(report, "http").facts?.request.raw;
  assert.ok(raw);
  return raw;
}

describe("every fixture", () => {
  for (const name of FIXTURE_NAMES) {
    test(`${name}: the HAR is valid HAR 1.2, redacted or not`, async () => {
      for (const mode of ["redacted", "unredacted"] as const) {
        const har = buildHar(await fixtures.diagnosis(name, mode));
        assert.deepEqual(harErrors(har), [], mode);
        assert.equal(har.log.version, "1.2");
        assert.deepEqual(har.log.creator, { name: "diag520", version: VERSION });
        const [entry] = har.log.entries;
        // Chrome DevTools reads the failure from response._error, as a string; nothing else on the entry.
        assert.ok(entry?.response._error === undefined || typeof entry.response._error === "string");
        assert.equal((entry as unknown as Record<string, unknown>)._error, undefined);
      }
    });
  }
});

test("the validator does reject a broken HAR (it is not vacuous)", async () => {
  const har = buildHar(await fixtures.diagnosis("healthy")) as unknown as {
    log: { entries: { response: Record<string, unknown>; startedDateTime: string }[] };
  };
  const broken = structuredClone(har);
  delete broken.log.entries[0]?.response.status;
  assert.notDeepEqual(harErrors(broken), []);
  const badDate = structuredClone(har);
  if (badDate.log.entries[0]) badDate.log.entries[0].startedDateTime = "yesterday";
  assert.notDeepEqual(harErrors(badDate), []);
});

test("healthy: timings, address, connection and both heads as sent and received", async () => {
  const diagnosis = await fixtures.diagnosis("healthy", "unredacted");
  const { report } = diagnosis;
  const entry = onlyEntry(diagnosis);
  const tcp = phase(report, "tcp");
  const response = phase(report, "http").facts?.response;
  assert.ok(tcp.durationMs !== null && response?.firstByteMs != null && response.completeMs !== null);
  assert.equal(entry.startedDateTime, tcp.startedAt);
  assert.deepEqual(entry.timings, {
    blocked: -1,
    dns: ms(report.resolution.durationMs ?? -1),
    connect: ms(tcp.durationMs),
    ssl: -1, // plain http: no TLS phase
    send: 0,
    wait: ms(response.firstByteMs),
    receive: ms(response.completeMs - response.firstByteMs),
  });
  const { timings } = entry;
  assert.equal(entry.time, ms(timings.dns + timings.connect + timings.send + timings.wait + timings.receive));
  assert.equal(entry.serverIPAddress, "127.0.0.1");
  assert.equal(entry.connection, String(tcp.facts?.localPort));

  const { request } = entry;
  const port = fixtures.origins.healthy.port;
  assert.equal(request.method, "GET");
  assert.equal(request.url, `http://localhost:${port}/login?next=%2Fhome&flag`);
  assert.equal(request.httpVersion, "HTTP/1.1");
  assert.deepEqual(
    request.headers,
    report.request.headers.map(([name, value]) => ({ name, value })),
  );
  assert.deepEqual(request.headers.slice(0, 3), [
    // The visitor's Host, as the edge sends it: the origin's port is not in it.
    { name: "Host", value: "localhost" },
    { name: "User-Agent", value: report.request.headers[1]?.[1] },
    { name: "Accept", value: "*/*" },
  ]);
  assert.deepEqual(request.queryString, [
    { name: "next", value: "/home" },
    { name: "flag", value: "" },
  ]);
  assert.deepEqual(request.cookies, [
    { name: "session", value: SECRETS.cookie },
    { name: "theme", value: "dark" },
  ]);
  // The size of the head that really went out, which the origin received byte for byte.
  assert.ok(fixtures.origins.healthy.requests.includes(requestReceived(report)));
  assert.equal(request.headersSize, Buffer.byteLength(requestReceived(report), "latin1"));

  const head = response.head;
  assert.ok(head);
  assert.equal(entry.response.status, 200);
  assert.equal(entry.response.statusText, "OK");
  assert.equal(entry.response.httpVersion, "HTTP/1.1");
  // Every field as the report carries it, duplicates in order (the head parser trims OWS).
  assert.deepEqual(
    entry.response.headers,
    head.headers.map(([name, value]) => ({ name, value })),
  );
  assert.deepEqual(
    entry.response.headers.filter((header) => header.name === "Vary").map((header) => header.value),
    ["Accept", "Cookie"],
  );
  assert.equal(entry.response.redirectURL, "/next");
  assert.equal(entry.response.headersSize, head.headBytes);
  assert.equal(entry.response.bodySize, response.bodyBytes, "Content-Length framing: the body is all there is");
  assert.equal(entry.response.content.mimeType, "text/html; charset=utf-8");
  assert.equal(entry.response.content.encoding, undefined);
  assert.ok(entry.response.content.text?.startsWith("<p>welcome \u00e9 \u2014"));
  assert.equal(entry.response.content.size, diagnosis.bodies.origin?.length);
  const sid = entry.response.cookies.find((cookie) => cookie.name === "sid");
  assert.deepEqual(sid, {
    name: "sid",
    value: SESSION_COOKIE.slice(4, SESSION_COOKIE.indexOf(";")),
    path: "/",
    expires: "2026-10-21T07:28:00.000Z",
    httpOnly: true,
    secure: true,
  });
  assert.deepEqual(
    entry.response.cookies.find((cookie) => cookie.name === "lang"),
    { name: "lang", value: "en", path: "/" },
  );
  assert.equal(entry.response._error, undefined);
  assert.equal(entry._errorCode, undefined);
  assert.equal(entry._rawResponse, undefined);
});

test("healthy over TLS: ssl is timed and counted inside connect", async () => {
  const { report } = await fixtures.diagnosis("healthyTls");
  const entry = onlyEntry(await fixtures.diagnosis("healthyTls"));
  const tcp = phase(report, "tcp").durationMs;
  const tls = phase(report, "tls").durationMs;
  assert.ok(tcp !== null && tls !== null);
  assert.equal(entry.timings.ssl, ms(tls));
  assert.equal(entry.timings.connect, ms(tcp + tls));
  assert.match(entry.request.url, /^https:\/\/healthy-https\.lab\.diag520\.test:\d+\/login\?/);
  assert.equal(entry.response.status, 200);
});

test("a redacted diagnosis gives a HAR without request cookies (their values are [REDACTED])", async () => {
  const entry = onlyEntry(await fixtures.diagnosis("healthy"));
  assert.deepEqual(entry.request.cookies, []);
  assert.deepEqual(entry.response.cookies, [], "every Set-Cookie is redacted, so none is listed as a cookie");
  assert.ok(entry.request.headers.some((header) => header.name === "Cookie" && header.value === "[REDACTED]"));
});

test("empty reply: status 0, the failure in response._error, zero bytes in _rawResponse", async () => {
  const diagnosis = await fixtures.diagnosis("emptyReply");
  const entry = onlyEntry(diagnosis);
  assert.equal(entry.response.status, 0);
  assert.equal(entry.response._error, "http.empty_reply: The origin closed the connection without sending a response");
  assert.equal(entry._errorCode, "http.empty_reply");
  assert.deepEqual(entry._rawResponse, { size: 0, truncated: false, text: "" });
  assert.equal(entry.response.headersSize, -1, "no head arrived");
  const http = phase(diagnosis.report, "http").durationMs;
  assert.ok(http !== null);
  assert.equal(entry.timings.wait, ms(http), "waited the whole http phase for nothing");
  assert.equal(entry.timings.receive, 0);
});

test("timeout: the partial head that did arrive is kept in _rawResponse", async () => {
  const diagnosis = await fixtures.diagnosis("responseTimeout", "unredacted");
  const entry = onlyEntry(diagnosis);
  assert.equal(entry._errorCode, "http.response_timeout");
  assert.equal(
    entry.response._error,
    "http.response_timeout: No complete response header within 0.75 s (the edge waits 125 s)",
  );
  assert.equal(entry._rawResponse?.text, partialHeadFor(requestReceived(diagnosis.report)));
});

test("timeout: status 0, since no complete response arrived", async () => {
  const entry = onlyEntry(await fixtures.diagnosis("responseTimeout"));
  assert.equal(entry.response.status, 0);
  assert.equal(entry.response.statusText, "");
});

test("invalid header: status 0 although a status line parsed; raw bytes in base64 when not UTF-8", async () => {
  const diagnosis = await fixtures.diagnosis("invalidHeader");
  const entry = onlyEntry(diagnosis);
  assert.equal(entry.response.status, 0);
  assert.equal(entry.response.statusText, "");
  assert.equal(entry._errorCode, "http.invalid_header");
  assert.equal(entry.response._error, "http.invalid_header: A header field line is malformed");
  assert.equal(entry._rawResponse?.encoding, "base64");
  const raw = Buffer.from(entry._rawResponse?.text ?? "", "base64").toString("latin1");
  assert.ok(raw.includes("Bad Header\u0000Line\u00ff"));
  // A rejected head is still measured: its size is part of the evidence.
  assert.equal(entry.response.headersSize, phase(diagnosis.report, "http").facts?.response.head?.headBytes);
});

test("binary body: base64 content, size from the decoded body, capped by maxBodyBytes", async () => {
  const diagnosis = await fixtures.diagnosis("binaryBody", "unredacted");
  const body = diagnosis.bodies.origin;
  assert.ok(body);
  assert.deepEqual(body, binaryBodyFor(requestReceived(diagnosis.report)), "the body as the origin sent it");
  const entry = onlyEntry(diagnosis);
  assert.equal(entry.response.content.encoding, "base64");
  assert.deepEqual(Buffer.from(entry.response.content.text ?? "", "base64"), body);
  assert.equal(entry.response.content.size, body.length);
  assert.equal(entry.response.content.mimeType, "image/png");
  // bodySize counts the bytes on the wire: the chunk-size line and the last chunk too.
  const framing = Buffer.byteLength(`${body.length.toString(16)}\r\n\r\n0\r\n\r\n`);
  assert.equal(entry.response.bodySize, body.length + framing);
  const capped = onlyEntry(diagnosis, { maxBodyBytes: 4 });
  assert.deepEqual(Buffer.from(capped.response.content.text ?? "", "base64"), body.subarray(0, 4));
  assert.match(capped.response.content.comment ?? "", /first 4 of/);
  assert.deepEqual(harErrors(buildHar(diagnosis, { maxBodyBytes: 4 })), []);
});

test("refused: an entry anyway, -1 for what did not happen", async () => {
  const diagnosis = await fixtures.diagnosis("refused");
  const entry = onlyEntry(diagnosis);
  assert.equal(entry.response.status, 0);
  assert.equal(entry.response._error, "tcp.refused: The origin refused the connection");
  assert.equal(entry._errorCode, "tcp.refused");
  assert.equal(entry.timings.ssl, -1);
  const tcp = phase(diagnosis.report, "tcp").durationMs;
  assert.ok(tcp !== null);
  assert.equal(entry.timings.connect, ms(tcp), "the refused attempt took time");
  assert.equal(entry.request.headersSize, -1, "the request was never sent");
  assert.equal(entry.response.headersSize, -1);
  assert.equal(entry.response.bodySize, -1);
  assert.equal(entry.connection, undefined);
  assert.equal(entry.serverIPAddress, "127.0.0.1");
});

test("no address: an entry anyway, without serverIPAddress", async () => {
  const entry = onlyEntry(await fixtures.diagnosis("noAddress"));
  assert.equal(entry._errorCode, "dns.unresolvable");
  assert.equal(entry.serverIPAddress, undefined);
  assert.equal(entry.timings.connect, -1);
  assert.match(entry.comment ?? "", /\(no address\)/);
});

test("a rejected oversized head: status 0, headersSize is the head's measured size", async () => {
  const diagnosis = await fixtures.diagnosis("headersTooLarge", "unredacted");
  const entry = onlyEntry(diagnosis);
  const sent = LAB_ORIGINS.find((origin) => origin.name === "headers-too-large")?.server;
  assert.ok(sent?.kind === "plain");
  const headBytes = sent.reply.bytes.indexOf("\r\n\r\n") + 4;
  assert.equal(entry.response.status, 0);
  assert.equal(entry._errorCode, "http.headers_too_large");
  assert.equal(entry.response.headersSize, headBytes);
  assert.equal(
    diagnosis.report.findings.find((f) => f.code === "http.headers_too_large")?.evidence.headerBytes,
    headBytes,
  );
  assert.equal(entry._rawResponse?.text, sent.reply.bytes.slice(0, headBytes));
  // Redaction changes the text, never the measurement.
  assert.equal(onlyEntry(await fixtures.diagnosis("headersTooLarge")).response.headersSize, headBytes);
});

test("an origin that writes 'http/1.1 200 OK': httpVersion HTTP/1.1, status 0 (the edge rejects it)", async () => {
  const entry = onlyEntry(await fixtures.diagnosis("lowerCaseVersion"));
  assert.equal(entry.response.httpVersion, "HTTP/1.1");
  assert.equal(entry.response.status, 0);
  assert.equal(entry._errorCode, "http.invalid_status_line");
});

test("bytes without a status line (HTTP/0.9 style) are kept in _rawResponse", async () => {
  const diagnosis = await fixtures.diagnosis("http09", "unredacted");
  const entry = onlyEntry(diagnosis);
  assert.equal(entry.response.status, 0);
  assert.equal(entry._errorCode, "http.missing_headers");
  // Read up to its first line end, at most 256 bytes: enough to tell what answered, no wait for more.
  assert.equal(entry._rawResponse?.text, http09Body(requestReceived(diagnosis.report)).slice(0, 256));
});

test("entries are built one by one, so a log can hold several legs", async () => {
  const healthy = await fixtures.diagnosis("healthy");
  const empty = await fixtures.diagnosis("emptyReply");
  const log = buildHarLog(
    [
      buildHarEntry(healthy.report, "origin", healthy.bodies.origin ?? null),
      buildHarEntry(empty.report, "origin", null),
    ],
    VERSION,
  );
  assert.equal(log.log.entries.length, 2);
  assert.deepEqual(harErrors(log), []);
});

test("an interrupted run without a deciding finding still says why there is no response", async () => {
  const controller = new AbortController();
  // Ctrl-C as the request is about to go out: the stalled origin has not answered yet.
  const diagnosis = await fixtures.diagnose("responseTimeout", {
    options: {
      signal: controller.signal,
      onPhaseStart: ({ phase }) => {
        if (phase === "http") controller.abort();
      },
    },
  });
  assert.deepEqual(diagnosis.report.interruption, { kind: "cancelled", ms: null });
  assert.equal(diagnosis.report.verdict.decidingFinding, null);
  const entry = onlyEntry(diagnosis);
  assert.equal(entry.response.status, 0);
  assert.equal(entry._errorCode, "interrupted");
  assert.equal(entry.response._error, `interrupted: ${diagnosis.report.verdict.summary}`);
  assert.deepEqual(harErrors(buildHar(diagnosis)), []);
});
