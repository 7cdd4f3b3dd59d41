import assert from "node:assert/strict";
import { test } from "node:test";
import { type Finding, type FindingCode, finding, type Origin, type Severity } from "../../src/findings/catalogue.js";
import type { Interruption, LegReport, Verdict } from "../../src/report/schema.js";
import { decideVerdict } from "../../src/report/verdict.js";

const DNS: Origin = { leg: null, phase: "dns" };
const TCP: Origin = { leg: "origin", phase: "tcp" };
const TLS: Origin = { leg: "origin", phase: "tls" };
const HTTP: Origin = { leg: "origin", phase: "http" };

/** The verdict reads code, severity, leg and title; evidence plays no part, so none is given. */
function f(code: FindingCode, severity: Severity, where: Origin): Finding {
  return finding(code, severity, where, "detail", {} as never);
}

function skipped(name: "tcp" | "tls" | "http") {
  const why = "not run";
  return {
    name,
    status: "skipped",
    startedAt: null,
    durationMs: null,
    deadlineMs: null,
    summary: why,
    skipReason: why,
    facts: null,
  } as const;
}

/** An origin leg whose http phase ran and got `statusCode reason` after `durationMs`. */
function answered(statusCode: number | null, reason: string | null, durationMs: number): LegReport {
  const head = { statusLine: "", httpVersion: "HTTP/1.1", statusCode, reason, headers: [], headBytes: 0 };
  return {
    name: "origin",
    address: "127.0.0.1",
    port: 80,
    scheme: "http",
    phases: [
      skipped("tcp"),
      skipped("tls"),
      {
        name: "http",
        status: "passed",
        startedAt: "2026-11-22T04:00:00.000Z",
        durationMs,
        deadlineMs: 10_000,
        summary: "",
        skipReason: null,
        facts: {
          request: { raw: "", bytes: 0 },
          response: {
            bytesReceived: 0,
            interim: [],
            head,
            headComplete: true,
            rawHead: "",
            rawHeadTruncated: false,
            framing: "none",
            contentLength: null,
            bodyBytes: 0,
            bodyComplete: true,
            end: "complete",
            firstByteMs: null,
            headMs: null,
            completeMs: null,
          },
        },
      },
    ],
  };
}

const NOT_RUN: LegReport = {
  name: "origin",
  address: null,
  port: 80,
  scheme: "http",
  phases: [skipped("tcp"), skipped("tls"), skipped("http")],
};

const CANCELLED: Interruption = { kind: "cancelled", ms: null };
const RUN_DEADLINE: Interruption = { kind: "run_deadline", ms: 2000 };

const ROWS: ReadonlyArray<{
  readonly name: string;
  readonly findings: readonly Finding[];
  readonly origin?: LegReport;
  readonly interruption?: Interruption;
  readonly originNotRun?: string;
  readonly verdict: Partial<Verdict>;
}> = [
  {
    name: "the first error in the order met decides, with the edge status it predicts",
    findings: [
      f("dns.proxied", "info", DNS),
      f("http.empty_reply", "error", HTTP),
      f("http.truncated_body", "error", HTTP),
    ],
    verdict: {
      ok: false,
      edgeStatus: 520,
      summary: "the CDN would answer 520: the origin closed the connection without sending a response",
      decidingFinding: { index: 1, code: "http.empty_reply", leg: "origin" },
    },
  },
  {
    name: "a warning met first does not decide",
    findings: [f("http.invalid_header", "warning", HTTP), f("tcp.refused", "error", TCP)],
    verdict: { ok: false, edgeStatus: 521, decidingFinding: { index: 1, code: "tcp.refused", leg: "origin" } },
  },
  {
    name: "certificate errors say they matter in Full (strict)",
    findings: [f("tls.cert_expired", "error", TLS)],
    verdict: {
      edgeStatus: 526,
      summary: "the CDN would answer 526 in SSL mode Full (strict): the origin certificate has expired",
    },
  },
  {
    name: "a handshake failure matters in every TLS mode",
    findings: [f("tls.handshake_failed", "error", TLS)],
    verdict: { edgeStatus: 525, summary: "the CDN would answer 525: the TLS handshake failed" },
  },
  {
    name: "an error without an edge status predicts no 52x, and says so",
    findings: [f("dns.unresolvable", "error", DNS)],
    origin: NOT_RUN,
    verdict: {
      ok: false,
      edgeStatus: null,
      summary: "The hostname does not resolve — no 52x predicted (see dns.unresolvable)",
      decidingFinding: { index: 0, code: "dns.unresolvable", leg: null },
    },
  },
  {
    name: "an origin name that does not resolve is the CDN's 530",
    findings: [f("origin.unresolvable", "error", DNS)],
    verdict: { edgeStatus: 530, summary: "the CDN would answer 530: the origin name does not resolve" },
  },
  {
    name: "without --origin, the CDN's own address is never diagnosed: no verdict, and how to find the origin",
    findings: [f("dns.proxied", "info", DNS), f("origin.is_cdn_address", "warning", DNS)],
    origin: NOT_RUN,
    originNotRun: "not run: the hostname resolves to the CDN's own edge, not to the origin",
    verdict: {
      ok: false,
      status: "incomplete",
      edgeStatus: null,
      summary:
        "no verdict about the origin: the hostname resolves to the CDN's own edge, and no --origin was given; " +
        "pass --origin <the address in the hostname's proxied DNS record>",
      decidingFinding: { index: 1, code: "origin.is_cdn_address", leg: null },
    },
  },
  {
    name: "an origin never reached (its name got no answer) is no verdict",
    findings: [f("origin.unresolvable", "warning", DNS)],
    origin: NOT_RUN,
    originNotRun: "not run: the origin name does not resolve, so there is no address to connect to",
    verdict: {
      ok: false,
      status: "incomplete",
      summary: "no verdict about the origin: the origin name does not resolve, so there is no address to connect to",
    },
  },
  {
    name: "a client certificate demand is no verdict about a response never seen",
    findings: [f("tls.client_certificate_required", "warning", HTTP)],
    origin: NOT_RUN,
    verdict: { ok: false, status: "incomplete", edgeStatus: null },
  },
  {
    name: "healthy: the origin's answer and its time",
    findings: [f("dns.proxied", "info", DNS)],
    origin: answered(200, "OK", 12.5),
    verdict: {
      ok: true,
      status: "pass",
      edgeStatus: null,
      summary: "no fault found that would make the CDN fail this request: the origin answered 200 OK in 12.5 ms",
      decidingFinding: null,
    },
  },
  {
    name: "healthy with warnings counts them",
    findings: [f("http.invalid_header", "warning", HTTP), f("http.origin_error", "warning", HTTP)],
    origin: answered(503, "Service Unavailable", 3),
    verdict: {
      summary:
        "no fault found that would make the CDN fail this request: the origin answered 503 Service Unavailable in 3 ms (2 warnings below)",
    },
  },
  {
    name: "a status without a reason phrase, and a status that did not parse",
    findings: [],
    origin: answered(204, "", 1),
    verdict: { summary: "no fault found that would make the CDN fail this request: the origin answered 204 in 1 ms" },
  },
  {
    name: "a head without a status code is 'a response'",
    findings: [],
    origin: answered(null, null, 1),
    verdict: {
      summary: "no fault found that would make the CDN fail this request: the origin answered a response in 1 ms",
    },
  },
  {
    name: "nothing to quote when the http phase never ran",
    findings: [],
    origin: NOT_RUN,
    verdict: {
      ok: true,
      summary: "no fault found that would make the CDN fail this request: every phase that ran passed",
    },
  },
  {
    name: "an interrupted run says it is incomplete, and is no diagnosis",
    findings: [f("dns.proxied", "info", DNS)],
    interruption: CANCELLED,
    verdict: {
      ok: false,
      status: "incomplete",
      edgeStatus: null,
      summary: "incomplete: interrupted by the user before the diagnosis finished; nothing failing was found so far",
      decidingFinding: null,
    },
  },
  {
    // The engine names no flag: the CLI knows which option set the deadline.
    name: "the run's deadline is named as a deadline, not as a flag",
    findings: [],
    interruption: RUN_DEADLINE,
    verdict: {
      summary:
        "incomplete: stopped by the whole-run deadline (2000 ms) before the diagnosis finished; nothing failing was found so far",
    },
  },
  {
    name: "an error found before the interruption still decides",
    findings: [f("http.response_timeout", "error", HTTP)],
    interruption: RUN_DEADLINE,
    verdict: {
      ok: false,
      status: "fail",
      edgeStatus: 524,
      decidingFinding: { index: 0, code: "http.response_timeout", leg: "origin" },
    },
  },
];

for (const row of ROWS) {
  test(row.name, () => {
    const verdict = decideVerdict({
      findings: row.findings,
      origin: row.origin,
      interruption: row.interruption ?? null,
      originNotRun: row.originNotRun ?? null,
    });
    // Only the fields the row states; the rest is other rows' business.
    const stated = Object.fromEntries(Object.keys(row.verdict).map((key) => [key, verdict[key as keyof Verdict]]));
    assert.deepEqual(stated, row.verdict);
    // The verdict never contradicts itself: ok only for pass, a deciding finding never beside ok.
    assert.equal(verdict.ok, verdict.status === "pass");
    if (verdict.decidingFinding !== null) assert.equal(verdict.ok, false);
    if (verdict.status === "fail") assert.equal(row.findings[verdict.decidingFinding?.index ?? -1]?.severity, "error");
  });
}

test("a run that did not finish never reports ok: true (DESIGN.md, Honest verdicts)", () => {
  for (const interruption of [CANCELLED, RUN_DEADLINE]) {
    const verdict = decideVerdict({
      findings: [f("dns.unresolvable", "warning", DNS)],
      origin: answered(200, "OK", 1),
      interruption,
      originNotRun: null,
    });
    assert.equal(verdict.ok, false, interruption.kind);
  }
});
