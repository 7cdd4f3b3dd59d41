/**
 * Every origin of the lab, diagnosed from its own command line: the error finding codes and the
 * exit code are what the catalogue expects, and the JSON document validates against the
 * published schema. In-process for every origin (the command line parsed as the binary parses
 * it, then `diagnose()`); through the real binary for a few, for the wiring.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { parseCommandLine } from "../../src/cli/command-line.js";
import { exitCodeFor } from "../../src/cli/exit-code.js";
import { diagnose } from "../../src/diagnose.js";
import { type Lab, startLab } from "../../src/lab/lab.js";
import { LAB_ORIGINS, type LabOrigin } from "../../src/lab/lab-origins.js";
import { outputDocumentSchema, type Report, type ReportDocument } from "../../src/report/schema.js";
import { diagnoseSeries } from "../../src/series/diagnose-series.js";
import { runCli } from "../support/run-cli.js";

const SERVED = LAB_ORIGINS.filter((o) => o.requires === undefined);
/** Through the binary: a healthy one of each scheme, and failures in each phase. */
const WIRED = new Set(["healthy-https", "connection-refused", "empty-reply", "tls-expired", "headers-too-large"]);

const evidenceOf = (report: Report, code: string) => report.findings.find((f) => f.code === code)?.evidence;
const h2Facts = (report: Report) => {
  const phase = report.legs["origin-h2"]?.phases.find((p) => p.name === "http2");
  return phase?.name === "http2" ? phase.facts : null;
};

/** What a row's expected codes do not say: which kind of mismatch, what the h2 leg recorded. */
const EXTRA_CHECKS: Readonly<Record<string, (report: Report) => void>> = {
  "tls-wrong-name": (report) => assert.equal(evidenceOf(report, "tls.cert_hostname_mismatch")?.sameWithoutSni, false),
  "tls-sni-ignored": (report) => assert.equal(evidenceOf(report, "tls.cert_hostname_mismatch")?.sameWithoutSni, true),
  "tls-ip-san-only": (report) =>
    assert.equal(evidenceOf(report, "tls.cert_hostname_mismatch")?.mismatch, "ip_san_only"),
  "tls-wildcard-not-covering": (report) =>
    assert.equal(evidenceOf(report, "tls.cert_hostname_mismatch")?.mismatch, "wildcard_not_covering"),
  "tls-issuer-not-ca": (report) => assert.equal(evidenceOf(report, "tls.cert_untrusted")?.reason, "issuer_not_ca"),
  "tls-self-signed-full": (report) => {
    assert.equal(report.findings.find((f) => f.code === "tls.cert_untrusted")?.severity, "info");
    assert.deepEqual(
      report.sslModes.map((row) => [row.mode, row.verdict, row.edgeStatus]),
      [
        ["off", "not_tested", null],
        ["flexible", "not_tested", null],
        ["full", "ok", null],
        ["strict", "fail", 526],
      ],
    );
  },
  "h2-healthy": (report) => {
    const facts = h2Facts(report);
    assert.equal(facts?.exchange.end, "complete");
    assert.equal(facts?.exchange.response?.status, 200);
    assert.equal(report.legs["origin-h2"]?.phases.find((p) => p.name === "tls")?.status, "passed");
  },
  "h2-refused-stream-once": (report) => assert.equal(h2Facts(report)?.retry?.exchange?.end, "complete"),
  "h2-only-no-h2": (report) => assert.equal(report.legs["origin-h2"], undefined),
  "h2-connection-header-no-h2": (report) => assert.equal(report.legs["origin-h2"], undefined),
  "healthy-https": (report) => {
    // An origin that does not offer h2: the edge would speak HTTP/1.1, and the leg says so.
    const http2 = report.legs["origin-h2"]?.phases.find((p) => p.name === "http2");
    assert.equal(http2?.status, "skipped");
    assert.match(http2?.skipReason ?? "", /selected no protocol in ALPN .*, not h2: the edge would speak HTTP\/1\.1/);
  },
};

function assertExpected(origin: LabOrigin, report: Report, exitCode: number): void {
  const errorCodes = [...new Set(report.findings.filter((f) => f.severity === "error").map((f) => f.code))].sort();
  assert.deepEqual(errorCodes, [...origin.expectedCodes].sort(), JSON.stringify(report.findings, null, 2));
  for (const code of origin.expectedWarnings ?? []) {
    assert.ok(
      report.findings.some((f) => f.code === code && f.severity === "warning"),
      `warning ${code}\n${JSON.stringify(report.findings, null, 2)}`,
    );
  }
  assert.equal(exitCode, origin.expectedExit);
  EXTRA_CHECKS[origin.name]?.(report);
  assert.equal(report.verdict.ok, origin.expectedExit === 0);
  if (origin.expectedCodes.length > 0) {
    assert.ok(report.causes.length > 0, "an error finding is explained by at least one cause");
    const deciding = report.verdict.decidingFinding;
    assert.ok(deciding !== null && report.findings[deciding.index]?.code === deciding.code);
  }
}

describe("every lab origin, diagnosed from its command line", { concurrency: 4 }, () => {
  let lab: Lab;
  before(async () => {
    lab = await startLab();
  });
  after(async () => {
    await lab.close();
  });

  for (const origin of SERVED) {
    test(`${origin.name}: ${origin.expectedCodes.join(", ") || "healthy"}, exit ${origin.expectedExit}`, async () => {
      const running = lab.origins.find((o) => o.origin.name === origin.name);
      assert.ok(running, `lab serves ${origin.name}`);
      const command = await parseCommandLine([...running.args, "--json"], {});
      assert.ok(command.kind === "diagnose");
      const { report } =
        command.series === null
          ? await diagnose(command.request, command.options)
          : await diagnoseSeries(command.request, command.options, command.series);
      const exitCode = exitCodeFor([report]);
      assertExpected(origin, report, exitCode);
      // What --json would print validates against the published schema.
      outputDocumentSchema.parse(JSON.parse(JSON.stringify({ ...report, exitCode })));
    });
  }

  for (const origin of SERVED.filter((o) => WIRED.has(o.name))) {
    test(`the binary, ${origin.name}: the same verdict, exit ${origin.expectedExit}, only the document on stdout`, async () => {
      const running = lab.origins.find((o) => o.origin.name === origin.name);
      assert.ok(running);
      const result = await runCli([...running.args, "--json"]);
      assert.equal(result.killedAfterLimit, false);
      const doc = outputDocumentSchema.parse(JSON.parse(result.stdout));
      assert.ok(doc.kind === "report");
      const report = doc as ReportDocument;
      assertExpected(origin, report, report.exitCode);
      assert.equal(result.code, origin.expectedExit, result.stderr);
      assert.equal(result.stderr, "", "--json prints nothing but the document");
    });
  }
});
