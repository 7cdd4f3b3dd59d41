/**
 * The second opinion, in-process against the lab's origins: a response head the edge tolerates
 * (whitespace before the colon, obs-fold) is replayed to undici, and the report says what undici
 * did, in JSON, human and Markdown alike; a healthy origin gets no replay; Ctrl-C during the
 * replay ends it at once. Real sockets on loopback only; the only timing asserted is a wide
 * upper bound.
 */
import "../support/loopback-guard.js";
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { renderMarkdownReport } from "../../src/artifacts/markdown-report.js";
import { exitCodeFor } from "../../src/cli/exit-code.js";
import type { Finding } from "../../src/findings/catalogue.js";
import { type Lab, startLab } from "../../src/lab/lab.js";
import type { PhaseStart } from "../../src/options.js";
import { renderHuman } from "../../src/render/human.js";
import { plainStyle } from "../../src/render/style.js";
import { outputDocumentSchema, type Report } from "../../src/report/schema.js";
import { monotonicMs } from "../../src/text/monotonic-ms.js";
import { diagnoseLabOrigin } from "../support/lab-diagnosis.js";

const SPACED = "header-with-space-before-colon";
const FOLDED = "header-with-obs-fold";
const HEALTHY = "healthy-http";

/** undici 7's parser errors carry no `code` (their name stands in); a later undici may name llhttp's. */
const CASES = [
  {
    name: SPACED,
    problem: "whitespace_before_colon",
    code: /^(HTTPParserError|HPE_INVALID_HEADER_TOKEN)$/,
    message: /Invalid header token/,
  },
  { name: FOLDED, problem: "obs_fold", code: /^(HTTPParserError|HPE_\w+)$/, message: /whitespace after header value/i },
] as const;

const strictClientOf = (report: Report): Finding | undefined =>
  report.findings.find((f) => f.code === "http.strict_client");

describe("the strict client's second opinion", () => {
  let lab: Lab;
  before(async () => {
    lab = await startLab({ only: [SPACED, FOLDED, HEALTHY] });
  });
  after(async () => {
    await lab.close();
  });

  for (const { name, problem, code, message } of CASES) {
    test(`${name}: undici rejects the head the edge tolerates, replayed byte for byte`, async () => {
      const phases: PhaseStart[] = [];
      const { report } = await diagnoseLabOrigin(lab, name, {
        options: { onPhaseStart: (start) => phases.push(start) },
      });
      const tolerated = report.findings.find((f) => f.code === "http.invalid_header");
      assert.equal(tolerated?.severity, "warning");
      assert.equal(tolerated?.evidence.problem, problem);
      const strict = strictClientOf(report);
      assert.ok(strict, JSON.stringify(report.findings, null, 2));
      assert.equal(strict.severity, "warning");
      assert.equal(strict.edgeStatus, null);
      assert.equal(strict.leg, "origin");
      assert.equal(strict.phase, "http");
      assert.equal(strict.evidence.outcome, "rejected");
      assert.match(String(strict.evidence.client), /^undici \d+\.\d+\.\d+$/);
      assert.match(String(strict.evidence.errorCode), code);
      assert.match(String(strict.evidence.errorMessage), message);
      assert.equal(strict.evidence.statusCode, null);
      assert.deepEqual(strict.evidence.originCodes, ["http.invalid_header"]);
      // Exactly the head the origin leg read: the status line up to the empty line, no more.
      const originHttp = report.legs.origin?.phases.find((p) => p.name === "http");
      assert.equal(
        strict.evidence.replayedBytes,
        originHttp?.name === "http" ? originHttp.facts?.response.head?.headBytes : -1,
      );
      assert.match(strict.detail, /in responses \(Pingora enables it in httparse; cloudflare\/pingora/);
      assert.match(strict.detail, /strict clients such as undici \(Node's fetch\) reject it/);
      assert.match(strict.detail, /a direct visitor may fail/);
      assert.ok(phases.some((p) => p.leg === "origin" && p.phase === "strict_client" && p.deadlineMs <= 2_000));
      // Still healthy: the edge serves it; the exit code does not change.
      assert.equal(exitCodeFor([report]), 0);
      assert.equal(report.verdict.ok, true);

      // Rendered as any finding: the JSON document validates, human and Markdown show it.
      outputDocumentSchema.parse(JSON.parse(JSON.stringify({ ...report, exitCode: 0 })));
      const human = renderHuman(report, plainStyle, { width: null, verbose: true });
      assert.match(human, /http\.strict_client/);
      assert.match(human, /A strict HTTP client \(undici\) rejects the origin's response/);
      const markdown = renderMarkdownReport(report, {
        version: "0.0.0",
        node: process.version,
        os: "test",
        nowUtc: "2026-01-01T00:00:00Z",
        sourceAddress: null,
        exitCode: 0,
      });
      assert.match(markdown, /http\.strict_client/);
    });
  }

  test("a healthy origin: no replay, no second opinion", async () => {
    const phases: PhaseStart[] = [];
    const { report } = await diagnoseLabOrigin(lab, HEALTHY, {
      options: { onPhaseStart: (start) => phases.push(start) },
    });
    assert.equal(report.verdict.ok, true);
    assert.equal(strictClientOf(report), undefined);
    assert.ok(!phases.some((p) => p.phase === "strict_client"), JSON.stringify(phases));
  });

  test("Ctrl-C during the replay ends it at once: a partial report, no second opinion", async () => {
    const controller = new AbortController();
    const started = monotonicMs();
    const { report } = await diagnoseLabOrigin(lab, SPACED, {
      options: {
        signal: controller.signal,
        onPhaseStart: (start) => {
          if (start.phase === "strict_client") controller.abort();
        },
      },
    });
    assert.ok(controller.signal.aborted, "the replay started");
    assert.equal(report.complete, false);
    assert.equal(report.interruption?.kind, "cancelled");
    assert.equal(strictClientOf(report), undefined);
    assert.ok(monotonicMs() - started < 10_000);
  });
});
