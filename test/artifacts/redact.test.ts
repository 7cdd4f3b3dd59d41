import assert from "node:assert/strict";
import { test } from "node:test";
import { buildHar } from "../../src/artifacts/har.js";
import { renderMarkdownReport } from "../../src/artifacts/markdown-report.js";
import { REDACTED, redactDiagnosis, redactReport, redactRequest } from "../../src/artifacts/redact.js";
import { reproduceCommand } from "../../src/artifacts/reproduce-command.js";
import type { DiagnoseRequest } from "../../src/options.js";
import { ALL_OUTCOMES, head, makeDiagnosis, REQUEST, rawRequestHead, SECRETS } from "./report-fixtures.js";

const ENV = {
  version: "0.1.0",
  node: "v20.20.2",
  os: "linux x64",
  nowUtc: "2026-11-22T04:00:00Z",
  sourceAddress: null,
};

function allArtefacts(diagnosis: ReturnType<typeof makeDiagnosis>): Record<string, string> {
  const har = buildHar(diagnosis, {});
  const entry = har.log.entries[0];
  const decoded = (bytes: { text?: string; encoding?: string } | undefined) =>
    bytes?.encoding === "base64" ? Buffer.from(bytes.text ?? "", "base64").toString("latin1") : (bytes?.text ?? "");
  return {
    json: JSON.stringify(diagnosis.report),
    har: JSON.stringify(har),
    harBody: decoded(entry?.response.content),
    harRaw: decoded(entry?._rawResponse),
    markdown: renderMarkdownReport(diagnosis, ENV),
    body: diagnosis.responseBody?.toString("latin1") ?? "",
  };
}

for (const [name, make] of Object.entries(ALL_OUTCOMES)) {
  test(`${name}: no planted secret survives in the JSON, the HAR, the Markdown or the body`, () => {
    const original = make();
    const before = JSON.stringify(original.report);
    const redacted = redactDiagnosis(original, REQUEST, ["x-api-KEY"]);
    assert.equal(JSON.stringify(original.report), before, "the input is not mutated");
    for (const [artefact, text] of Object.entries(allArtefacts(redacted))) {
      for (const secret of Object.values(SECRETS)) {
        assert.ok(!text.includes(secret), `${secret} found in the ${artefact} of ${name}`);
      }
    }
    assert.ok(redacted.report.redacted.includes("authorization"));
    assert.ok(redacted.report.redacted.includes("cookie"));
    assert.ok(redacted.report.redacted.includes("x-api-key"));
  });
}

test("without --redact X-Api-Key its value is kept, and the built-in names are still redacted", () => {
  const { report } = redactDiagnosis(ALL_OUTCOMES.healthy(), REQUEST, []);
  const json = JSON.stringify(report);
  assert.ok(json.includes(SECRETS.apiKey));
  assert.ok(!json.includes(SECRETS.bearer));
  assert.deepEqual(report.redacted, ["authorization", "cookie", "set-cookie"]);
});

test("header fields are redacted structurally, names and unrelated values kept", () => {
  const { report } = redactDiagnosis(ALL_OUTCOMES.healthy(), REQUEST, ["X-Api-Key"]);
  const http = report.phases.find((phase) => phase.name === "http")?.facts;
  assert.ok(http && "request" in http);
  assert.match(http.request.raw, /\r\nAuthorization: \[REDACTED\]\r\n/);
  assert.match(http.request.raw, /\r\nCookie: \[REDACTED\]\r\n/);
  assert.match(http.request.raw, /\r\nX-Api-Key: \[REDACTED\]\r\n/);
  assert.match(http.request.raw, /\r\nX-Trace: visible-value\r\n/);
  assert.deepEqual(
    http.response.head?.headers.filter(([name]) => name === "Set-Cookie"),
    [
      ["Set-Cookie", REDACTED],
      ["Set-Cookie", REDACTED],
    ],
  );
  assert.match(http.response.rawHead, /\r\nSet-Cookie: \[REDACTED\]\r\n/);
  assert.match(report.reproduce.curl, /-H 'Authorization: \[REDACTED\]'/);
  assert.match(report.reproduce.curl, /-H 'X-Trace: visible-value'/);
});

test("a value shorter than 4 characters is redacted in its field but left alone elsewhere", () => {
  const request: DiagnoseRequest = { ...REQUEST, headers: [["Authorization", "abc"]] };
  const diagnosis = makeDiagnosis(
    { findings: [], response: { rawHead: "HTTP/1.1 200 OK\r\nX-Abc: abc\r\n\r\n" } },
    request,
  );
  const { report } = redactDiagnosis(diagnosis, request, []);
  const http = report.phases.find((phase) => phase.name === "http")?.facts;
  assert.ok(http && "request" in http);
  assert.ok(http.request.raw.includes("Authorization: [REDACTED]\r\n"));
  assert.ok(http.response.rawHead.includes("X-Abc: abc"));
  assert.ok(report.reproduce.curl.includes("'Authorization: [REDACTED]'"));
  assert.ok(!report.reproduce.curl.includes("abc"));
  assert.deepEqual(report.redacted, ["authorization"]);
});

test("an obs-fold continuation of a redacted field is redacted too", () => {
  const raw = `HTTP/1.1 200 OK\r\nSet-Cookie: a=${SECRETS.setCookie};\r\n  Path=/; folded-secret-part\r\nX-After: kept\r\n\r\n`;
  const diagnosis = makeDiagnosis({
    findings: [],
    response: {
      rawHead: raw,
      head: head("HTTP/1.1 200 OK", [["Set-Cookie", `a=${SECRETS.setCookie}; Path=/; folded-secret-part`]], raw),
    },
  });
  const { report } = redactDiagnosis(diagnosis, REQUEST, []);
  const json = JSON.stringify(report);
  assert.ok(!json.includes("folded-secret-part"));
  assert.ok(json.includes("X-After: kept"));
});

test("a secret echoed in free text and in evidence is replaced by value", () => {
  const diagnosis = makeDiagnosis({ findings: [], response: {} });
  const report = {
    ...diagnosis.report,
    notChecked: [{ what: `echo Bearer ${SECRETS.bearer}`, why: `cookie ${SECRETS.cookie}`, howToTell: "x" }],
  };
  const redacted = redactReport(report, REQUEST, []);
  const json = JSON.stringify(redacted);
  assert.ok(!json.includes(SECRETS.bearer));
  assert.ok(!json.includes(SECRETS.cookie));
});

test("the curl command carries no secret, even one with a quote in it", () => {
  const request: DiagnoseRequest = { ...REQUEST, headers: [["Authorization", "Basic it's-a-secret"]] };
  const report = { ...makeDiagnosis({ findings: [], response: {} }, request).report };
  assert.ok(report.reproduce.curl.includes("it'\\''s-a-secret"));
  const redacted = redactReport(report, request, []);
  assert.ok(!redacted.reproduce.curl.includes("secret"));
  assert.equal(redacted.reproduce.curl, reproduceCommand(redactRequest(request, []), "127.0.0.1"));
});

test("a command that is not ours is still redacted by value, in its shell-quoted form too", () => {
  const request: DiagnoseRequest = { ...REQUEST, headers: [["Authorization", "Basic it's-a-secret"]] };
  const report = { ...makeDiagnosis({ findings: [], response: {} }, request).report };
  const foreign = { ...report, reproduce: { curl: `${report.reproduce.curl} --extra` } };
  assert.ok(!redactReport(foreign, request, []).reproduce.curl.includes("secret"));
});

test("the request head with a raw secret is redacted even when the names differ in case", () => {
  const request: DiagnoseRequest = { ...REQUEST, headers: [["x-API-key", SECRETS.apiKey]] };
  const diagnosis = makeDiagnosis({ findings: [], response: {} }, request);
  assert.ok(rawRequestHead(request).includes(SECRETS.apiKey));
  const { report } = redactDiagnosis(diagnosis, request, ["X-Api-Key"]);
  assert.ok(!JSON.stringify(report).includes(SECRETS.apiKey));
  assert.deepEqual(report.redacted, ["x-api-key"]);
});

test("Set-Cookie attributes are not secrets: the hostname in Domain= is not redacted elsewhere", () => {
  const raw = `HTTP/1.1 200 OK\r\nSet-Cookie: sid=${SECRETS.setCookie}; Domain=example.com; Path=/account\r\n\r\n`;
  const request: DiagnoseRequest = { ...REQUEST, headers: [] };
  const diagnosis = makeDiagnosis(
    {
      findings: [],
      response: {
        rawHead: raw,
        head: head(
          "HTTP/1.1 200 OK",
          [["Set-Cookie", `sid=${SECRETS.setCookie}; Domain=example.com; Path=/account`]],
          raw,
        ),
      },
    },
    request,
  );
  const { report } = redactDiagnosis(diagnosis, request, []);
  assert.equal(report.target.hostname, "example.com");
  assert.ok(report.reproduce.curl.includes("example.com"));
  assert.ok(!JSON.stringify(report).includes(SECRETS.setCookie));
  assert.deepEqual(report.redacted, ["set-cookie"]);
});

test("a Set-Cookie value echoed in the body is redacted in the body bytes", () => {
  const diagnosis = ALL_OUTCOMES.healthy();
  const body = Buffer.from(`echo: ${SECRETS.setCookie} and ${SECRETS.cookie}`, "utf8");
  const redacted = redactDiagnosis({ ...diagnosis, responseBody: body }, REQUEST, []);
  assert.equal(redacted.responseBody?.toString("utf8"), "echo: [REDACTED] and [REDACTED]");
  assert.equal(body.toString("utf8"), `echo: ${SECRETS.setCookie} and ${SECRETS.cookie}`, "input not mutated");
});

test("a command built for the DNS address or for no address is rebuilt from the redacted request", () => {
  const request: DiagnoseRequest = { ...REQUEST, headers: [["Authorization", "xyz"]] };
  for (const address of ["127.0.0.1", null]) {
    const base = makeDiagnosis({ findings: [], response: {} }, request).report;
    const report = { ...base, reproduce: { curl: reproduceCommand(request, address) } };
    const redacted = redactReport(report, request, []);
    assert.equal(redacted.reproduce.curl, reproduceCommand(redactRequest(request, []), address));
    assert.ok(!redacted.reproduce.curl.includes("xyz"));
  }
});
