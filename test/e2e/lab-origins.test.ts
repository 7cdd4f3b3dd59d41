/**
 * The real binary against every origin of the lab: the error finding codes and the exit code
 * are what the catalogue expects, and the --json document validates against the published
 * schema. Healthy origins give no error finding and exit 0.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type Lab, startLab } from "../../src/lab/lab.js";
import { LAB_ORIGINS } from "../../src/lab/lab-origins.js";
import { outputDocumentSchema, type Report } from "../../src/report/schema.js";
import { runCli } from "../support/run-cli.js";

describe("every lab origin, diagnosed by the real binary", { concurrency: 4 }, () => {
  let lab: Lab;
  before(async () => {
    lab = await startLab();
  });
  after(async () => {
    await lab.close();
  });

  for (const origin of LAB_ORIGINS.filter((o) => o.requires === undefined)) {
    test(`${origin.name}: ${origin.expectedCodes.join(", ") || "healthy"}, exit ${origin.expectedExit}`, async () => {
      const running = lab.origins.find((o) => o.origin.name === origin.name);
      assert.ok(running, `lab serves ${origin.name}`);
      const result = await runCli([...running.args, "--json"]);
      assert.equal(result.killedAfterLimit, false);
      const doc = outputDocumentSchema.parse(JSON.parse(result.stdout));
      assert.equal(doc.kind, "report");
      const report = doc as Report;
      const errorCodes = [...new Set(report.findings.filter((f) => f.severity === "error").map((f) => f.code))].sort();
      assert.deepEqual(errorCodes, [...origin.expectedCodes].sort(), JSON.stringify(report.findings, null, 2));
      assert.equal(result.code, origin.expectedExit, result.stderr);
      assert.equal(report.exitCode, origin.expectedExit);
      assert.equal(report.verdict.ok, origin.expectedExit === 0);
      assert.equal(result.stderr, "", "--json prints nothing but the document");
      if (origin.expectedCodes.length > 0) {
        const deciding = report.findings.find((f) => f.severity === "error");
        assert.ok(report.causes.length > 0, "an error finding is explained by at least one cause");
        assert.ok(deciding && report.verdict.summary.length > 0);
      }
    });
  }
});
