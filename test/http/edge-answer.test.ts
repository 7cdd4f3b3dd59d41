/**
 * readEdgeAnswer in-process, one row per way the edge answers: its own error in each format
 * (problem JSON, the current and the legacy HTML template, the plain "error code: NNN" body,
 * Markdown), 1xxx errors, an origin's answer passed through, no cf-ray at all, a challenge, a
 * cached answer, Retry-After and Server-Timing. The edge's own answers are made by the lab's fake
 * edge (src/lab/edge/edge-answer.ts), so each fixture is what the lab serves, not hand-written
 * HTML. Hostile inputs (huge, garbled, binary) never throw and stay quick.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import { type EdgeAnswerFacts, readEdgeAnswer, withStructuredForm } from "../../src/http/edge-answer.js";
import {
  type AnswerContext,
  answerChallenge,
  answerEdgeError,
  answerErrorCode,
  type EdgeAnswer,
} from "../../src/lab/edge/edge-answer.js";
import type { EdgeErrorCode } from "../../src/lab/edge/edge-types.js";

const RAY = "8f0c2b7e5d4a3c21";
const CF_RAY = `${RAY}-LAB`;
const HOST = "www.example.test";

function context(accept: string | undefined): AnswerContext {
  return {
    host: HOST,
    ray: { id: RAY, header: CF_RAY },
    colo: "LAB",
    accept,
    visitorAddress: "127.0.0.1",
    now: new Date("2026-03-01T12:00:00Z"),
  };
}

/** A 1xxx as the lab stages it: 1016 and 1033 under 530, 1000 under 403 (cloudflare-docs error-530, error-1000). */
const code1xxx = (code: EdgeErrorCode, status: number, accept?: string, plain = false): EdgeAnswer =>
  answerErrorCode(
    { kind: "1xxx", hostname: HOST, code, status, ...(plain ? { errorFormat: "plain" as const } : {}) },
    context(accept),
  );

/** An answer as the reader gets it: status, header list, body bytes. */
interface Answer {
  readonly status: number | null;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: Buffer;
}

const fromLab = (answer: EdgeAnswer, extra: ReadonlyArray<readonly [string, string]> = []): Answer => ({
  status: answer.status,
  headers: [...answer.headers, ...extra],
  body: Buffer.from(answer.body, "utf8"),
});

/** An answer the origin made and the edge passed on: the edge adds cf-ray, server: cloudflare and the rest. */
const passed = (
  status: number,
  body: string,
  extra: ReadonlyArray<readonly [string, string]> = [],
  contentType = "text/html",
): Answer => ({
  status,
  headers: [
    ["Date", "Sun, 01 Mar 2026 12:00:00 GMT"],
    ["Content-Type", contentType],
    ["Server", "cloudflare"],
    ["CF-RAY", CF_RAY],
    ...extra,
  ],
  body: Buffer.from(body, "utf8"),
});

const NGINX_502 =
  "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

interface Row {
  readonly name: string;
  readonly answer: Answer;
  /** Only the facts named are compared; the rest are free. */
  readonly facts: Partial<EdgeAnswerFacts>;
}

/** Facts every answer that came through the lab's edge carries. */
const THROUGH_EDGE = { cfRay: CF_RAY, rayId: RAY, colo: "LAB", server: "cloudflare" } as const;
/** What the edge's own error says of itself, whatever its format. */
const OWN_ERROR = { ...THROUGH_EDGE, generatedBy: "cloudflare", mitigated: null, cacheStatus: null } as const;

const ROWS: readonly Row[] = [
  {
    name: "problem JSON (Accept: application/json): cloudflare_error, error_code, error_name, ray_id",
    answer: fromLab(answerEdgeError(520, {}, context("application/json"))),
    facts: {
      ...OWN_ERROR,
      status: 520,
      errorFormat: "problem_json",
      errorCode: 520,
      errorName: "web_server_unknown_error",
      bodyRayId: RAY,
      errorSource: "origin",
      retryAfter: "60",
    },
  },
  {
    name: "problem JSON (Accept: application/problem+json), 522",
    answer: fromLab(answerEdgeError(522, {}, context("application/problem+json"))),
    facts: {
      ...OWN_ERROR,
      status: 522,
      errorFormat: "problem_json",
      errorCode: 522,
      errorName: "connection_timeout",
      bodyRayId: RAY,
      retryAfter: "120",
    },
  },
  {
    name: "the current HTML template, 520: code-label, the host's box marked as the failing one",
    answer: fromLab(answerEdgeError(520, {}, context("text/html,application/xhtml+xml,*/*;q=0.8"))),
    facts: {
      ...OWN_ERROR,
      status: 520,
      errorFormat: "html",
      errorCode: 520,
      errorName: null,
      bodyRayId: RAY,
      errorSource: "host",
      retryAfter: "60",
    },
  },
  {
    name: "the current HTML template, 526: no Retry-After (not retryable)",
    answer: fromLab(answerEdgeError(526, {}, context(undefined))),
    facts: { ...OWN_ERROR, status: 526, errorFormat: "html", errorCode: 526, bodyRayId: RAY, retryAfter: null },
  },
  {
    name: "the current HTML template for a replaced 502",
    answer: fromLab(answerEdgeError(502, {}, context(undefined))),
    facts: { ...OWN_ERROR, status: 502, errorFormat: "html", errorCode: 502, bodyRayId: RAY },
  },
  {
    name: 'the plain body "error code: 520"',
    answer: fromLab(answerEdgeError(520, { errorFormat: "plain" }, context(undefined))),
    facts: { ...OWN_ERROR, status: 520, errorFormat: "plain", errorCode: 520, bodyRayId: null, retryAfter: "60" },
  },
  {
    name: 'the plain body "error code: 521" with a newline',
    answer: passed(521, "error code: 521\n", [], "text/plain; charset=UTF-8"),
    facts: { ...OWN_ERROR, status: 521, errorFormat: "plain", errorCode: 521 },
  },
  {
    name: "Markdown (Accept: text/markdown), 521",
    answer: fromLab(answerEdgeError(521, {}, context("text/markdown"))),
    facts: { ...OWN_ERROR, status: 521, errorFormat: "markdown", errorCode: 521, bodyRayId: RAY },
  },
  {
    name: "1016 in the legacy HTML template, under 530",
    answer: fromLab(code1xxx(1016, 530)),
    facts: { ...OWN_ERROR, status: 530, errorFormat: "html_legacy", errorCode: 1016, bodyRayId: RAY },
  },
  {
    name: "1033 in the legacy HTML template, under 530, with Retry-After",
    answer: fromLab(code1xxx(1033, 530)),
    facts: {
      ...OWN_ERROR,
      status: 530,
      errorFormat: "html_legacy",
      errorCode: 1033,
      bodyRayId: RAY,
      retryAfter: "120",
    },
  },
  {
    name: "1000 in the legacy HTML template, under 403",
    answer: fromLab(code1xxx(1000, 403)),
    facts: { ...OWN_ERROR, status: 403, errorFormat: "html_legacy", errorCode: 1000, bodyRayId: RAY },
  },
  {
    name: "1016 as problem JSON",
    answer: fromLab(code1xxx(1016, 530, "application/json")),
    facts: {
      ...OWN_ERROR,
      status: 530,
      errorFormat: "problem_json",
      errorCode: 1016,
      errorName: "origin_dns_error",
      errorSource: "dns",
      bodyRayId: RAY,
    },
  },
  {
    name: 'a 1xxx as the plain body "error code: 1033"',
    answer: fromLab(code1xxx(1033, 530, undefined, true)),
    facts: { ...OWN_ERROR, status: 530, errorFormat: "plain", errorCode: 1033 },
  },
  {
    name: "an origin's own 502 passed through: cf-ray, but no Cloudflare marker in the body",
    answer: passed(502, NGINX_502),
    facts: {
      ...THROUGH_EDGE,
      status: 502,
      generatedBy: "origin",
      errorFormat: null,
      errorCode: null,
      bodyRayId: null,
      mitigated: null,
    },
  },
  {
    name: "an origin's JSON that is not Cloudflare's (no error_code, cloudflare_error or ray_id)",
    answer: passed(500, '{"error":"database down","status":500}', [], "application/json"),
    facts: { ...THROUGH_EDGE, status: 500, generatedBy: "origin", errorFormat: null, errorCode: null },
  },
  {
    name: "an origin's JSON that copies the field names but not cloudflare_error: passed through",
    answer: passed(500, '{"error_code":500,"ray_id":"x"}', [], "application/json"),
    facts: { status: 500, generatedBy: "origin", errorFormat: "problem_json", errorCode: 500 },
  },
  {
    name: "no cf-ray: not Cloudflare, whatever the body says",
    answer: {
      status: 520,
      headers: [
        ["Server", "nginx"],
        ["Content-Type", "text/plain"],
      ],
      body: Buffer.from("error code: 520"),
    },
    facts: {
      status: 520,
      cfRay: null,
      rayId: null,
      colo: null,
      server: "nginx",
      generatedBy: "unknown",
      errorFormat: null,
      errorCode: null,
    },
  },
  {
    name: "no cf-ray on a lab 520 page: not Cloudflare, the page is not read",
    answer: {
      ...fromLab(answerEdgeError(520, {}, context(undefined))),
      headers: answerEdgeError(520, {}, context(undefined)).headers.filter(([name]) => name !== "cf-ray"),
    },
    facts: { status: 520, cfRay: null, rayId: null, generatedBy: "unknown", errorFormat: null, errorCode: null },
  },
  {
    name: "cf-mitigated: challenge (a managed challenge, 403)",
    answer: fromLab(answerChallenge(context(undefined))),
    facts: { ...THROUGH_EDGE, status: 403, mitigated: "challenge", generatedBy: "cloudflare", errorFormat: null },
  },
  {
    name: "cf-cache-status HIT (read in upper case), passed through from the cache",
    answer: passed(200, "<html>ok</html>", [
      ["cf-cache-status", "hit"],
      ["Age", "42"],
    ]),
    facts: { ...THROUGH_EDGE, status: 200, cacheStatus: "HIT", generatedBy: "origin", errorFormat: null },
  },
  {
    name: "cf-cache-status DYNAMIC",
    answer: passed(200, "ok", [["CF-Cache-Status", " DYNAMIC "]]),
    facts: { status: 200, cacheStatus: "DYNAMIC", generatedBy: "origin" },
  },
  {
    name: "Retry-After on a passed-through 503, as sent",
    answer: passed(503, "busy", [["Retry-After", "Sun, 01 Mar 2026 12:05:00 GMT"]]),
    facts: { status: 503, retryAfter: "Sun, 01 Mar 2026 12:05:00 GMT", generatedBy: "origin" },
  },
  {
    name: "Server-Timing: cfOrigin;dur= and cfEdge;dur= among other metrics, over two fields",
    answer: passed(200, "ok", [
      ["Server-Timing", 'cfL4;desc="?proto=TCP&rtt=1234&min_rtt=1000"'],
      ["Server-Timing", "cfEdge;dur=7, cfOrigin;dur=123.5"],
    ]),
    facts: { originTimingMs: 123.5, edgeTimingMs: 7 },
  },
  {
    name: "Server-Timing: cfOrigin;dur=0 (the origin was not contacted), names in any case",
    answer: passed(200, "ok", [["server-timing", "CFORIGIN;desc=x;dur=0"]]),
    facts: { originTimingMs: 0, edgeTimingMs: null },
  },
  {
    name: "Server-Timing without a number: no measure",
    answer: passed(200, "ok", [["Server-Timing", "cfOrigin;dur=fast, cfEdge;dur="]]),
    facts: { originTimingMs: null, edgeTimingMs: null },
  },
  {
    name: "a Ray ID without a colo, in upper case",
    answer: { status: 200, headers: [["cf-ray", RAY.toUpperCase()]], body: Buffer.from("ok") },
    facts: { cfRay: RAY.toUpperCase(), rayId: RAY, colo: null },
  },
  {
    name: "a cf-ray that is not a Ray ID: still Cloudflare, but no Ray ID",
    answer: { status: 520, headers: [["cf-ray", "not-a-ray-id"]], body: Buffer.from("error code: 520") },
    facts: { cfRay: "not-a-ray-id", rayId: null, colo: null, errorFormat: "plain", generatedBy: "cloudflare" },
  },
  {
    name: "no status (no valid head): nothing generated to speak of",
    answer: { status: null, headers: [["cf-ray", CF_RAY]], body: Buffer.alloc(0) },
    facts: { status: null, rayId: RAY, generatedBy: "unknown", errorFormat: null },
  },
];

describe("readEdgeAnswer: one row per way the edge answers", () => {
  for (const row of ROWS) {
    test(row.name, () => {
      const facts = readEdgeAnswer(row.answer.status, row.answer.headers, row.answer.body);
      const picked = Object.fromEntries(
        Object.keys(row.facts).map((key) => [key, facts[key as keyof EdgeAnswerFacts]]),
      );
      assert.deepEqual(picked, row.facts, JSON.stringify(facts, null, 2));
    });
  }

  test("the lab's own answers carry the Ray ID in the body that cf-ray names (every format, every status)", () => {
    for (const status of [502, 504, 520, 521, 522, 523, 524, 525, 526] as const) {
      for (const accept of [undefined, "application/json", "text/markdown"]) {
        const answer = fromLab(answerEdgeError(status, {}, context(accept)));
        const facts = readEdgeAnswer(answer.status, answer.headers, answer.body);
        const label = `${status} ${accept ?? "html"}`;
        assert.equal(facts.errorCode, status, label);
        assert.equal(facts.bodyRayId, facts.rayId, label);
        assert.equal(facts.generatedBy, "cloudflare", label);
      }
    }
  });

  test("a legacy page's structured form, fetched by a second request, adds the error's name", () => {
    const page = fromLab(code1xxx(1016, 530));
    const json = code1xxx(1016, 530, "application/json").body;
    const merged = withStructuredForm(readEdgeAnswer(page.status, page.headers, page.body), json);
    assert.equal(merged.errorCode, 1016);
    assert.equal(merged.errorName, "origin_dns_error");
    assert.equal(merged.errorFormat, "html_legacy", "the format is the visitor's answer's");
    // Something that is not Cloudflare's JSON changes nothing.
    const facts = readEdgeAnswer(page.status, page.headers, page.body);
    assert.deepEqual(withStructuredForm(facts, "<html>not json</html>"), facts);
  });
});

describe("readEdgeAnswer: hostile inputs never throw, and stay quick", () => {
  const MB = 1024 * 1024;
  const hostile: ReadonlyArray<readonly [string, Answer]> = [
    ["a 1 MB cf-ray", passed(200, "ok", [["cf-ray", `${RAY}-${"A".repeat(MB)}`]])],
    ["a 1 MB Server-Timing of commas and semicolons", passed(200, "ok", [["Server-Timing", ",;=".repeat(MB / 3)]])],
    [
      "a Server-Timing of a million metrics",
      passed(200, "ok", [["Server-Timing", "cfOrigin;dur=1;dur=2,".repeat(50_000)]]),
    ],
    [
      "garbled header names and values (NUL, CR, high bytes)",
      {
        status: 520,
        headers: [
          ["cf-ray\0", "\u0000\u00ff\r\n"],
          ["\u00ffcontent-type", "application/json\u0000"],
          ["cf-ray", "\r\n\t \u0000"],
          ["server-timing", "\u0000cfOrigin;dur=\u00ff"],
        ],
        body: Buffer.from("error code: 520"),
      },
    ],
    ["invalid JSON under application/json", passed(520, '{"cloudflare_error": tru', [], "application/json")],
    ["JSON that is an array", passed(520, '[{"error_code":520}]', [], "application/json")],
    ["JSON null", passed(520, "null", [], "application/json")],
    [
      "JSON with hostile types",
      passed(
        520,
        '{"error_code":{"x":1},"error_name":[1],"ray_id":42,"cloudflare_error":"true","__proto__":{"a":1}}',
        [],
        "application/json",
      ),
    ],
    ["JSON nested 100 000 deep", passed(520, `${"[".repeat(100_000)}${"]".repeat(100_000)}`, [], "application/json")],
    ["a binary body", passed(520, "", [], "application/octet-stream")],
    ["a 4 MB binary body", { ...passed(520, ""), body: randomBytes(4 * MB) }],
    ["a body of invalid UTF-8", { ...passed(520, ""), body: Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1]) }],
    [
      "an HTML page of 'Ray ID:<' repeated, with the template's marker",
      passed(520, `<div id="cf-error-details">${"Ray ID:<".repeat(40_000)}`),
    ],
    [
      "an HTML page of unclosed cf-error-source attributes",
      passed(520, `<span class="code-label">Error code 520</span>${'<div class="cf-error-source '.repeat(10_000)}`),
    ],
    ["a legacy page of unclosed cf-error-code spans", passed(530, '<span class="cf-error-code">'.repeat(20_000))],
    ["unclosed cf-error-code attributes", passed(530, 'class="cf-error-code" '.repeat(20_000))],
    ["unclosed code-label attributes", passed(520, 'class="code-label" '.repeat(20_000))],
    [
      "unclosed status boxes",
      passed(520, `<div id="cf-error-details">${'<div id="cf-host-status" class="x'.repeat(10_000)}`),
    ],
    ["Markdown headings without end", passed(520, `# Error 520\n${"Ray ID ".repeat(40_000)}`, [], "text/markdown")],
  ];
  for (const [name, answer] of hostile) {
    test(name, () => {
      const started = performance.now();
      const facts = readEdgeAnswer(answer.status, answer.headers, answer.body);
      const elapsed = performance.now() - started;
      assert.equal(facts.status, answer.status);
      // Facts are plain data: they serialise (no cycles, no BigInt).
      assert.doesNotThrow(() => JSON.stringify(facts));
      assert.ok(elapsed < 2_000, `${name}: ${Math.round(elapsed)} ms`);
    });
  }

  test("binary bytes for the structured form change nothing", () => {
    const facts = readEdgeAnswer(520, [["cf-ray", CF_RAY]], Buffer.from("error code: 520"));
    assert.deepEqual(withStructuredForm(facts, randomBytes(4096).toString("latin1")), facts);
  });
});
