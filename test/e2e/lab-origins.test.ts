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

function assertExpected(origin: LabOrigin, report: Report, exitCode: number): void {
  const errorCodes = [...new Set(report.findings.filter((f) => f.severity === "error").map((f) => f.code))].sort();
  assert.deepEqual(errorCodes, [...origin.expectedCodes].sort(), JSON.stringify(report.findings, null, 2));
  assert.equal(exitCode, origin.expectedExit);
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
