import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { assertValidReport } from "../support/valid-report.js";
import { FIXTURE_NAMES, type Fixtures, startFixtures } from "./report-fixtures.js";

// The artefact tests build on these diagnoses: each must be the outcome it is named after, and a
// valid report whether redaction is on or off (a redacted value must never break a typed field).
let fixtures: Fixtures;
before(async () => {
  fixtures = await startFixtures();
  await fixtures.diagnoseAll();
});
after(() => fixtures.close());

const EXPECTED_DECIDING_CODE: Record<(typeof FIXTURE_NAMES)[number], string | null> = {
  healthy: null,
  healthyTls: null,
  emptyReply: "http.empty_reply",
  responseTimeout: "http.response_timeout",
  invalidHeader: "http.invalid_header",
  binaryBody: null,
  refused: "tcp.refused",
  headersTooLarge: "http.headers_too_large",
  http09: "http.missing_headers",
  lowerCaseVersion: "http.invalid_status_line",
  noAddress: "dns.unresolvable",
};

for (const name of FIXTURE_NAMES) {
  test(`the ${name} fixture is a valid report, redacted or not, decided by ${EXPECTED_DECIDING_CODE[name] ?? "no finding"}`, async () => {
    for (const mode of ["redacted", "unredacted"] as const) {
      const { report } = await fixtures.diagnosis(name, mode);
      assertValidReport(report, `${name}, ${mode}`);
      assert.equal(report.complete, true);
      assert.equal(report.verdict.decidingFinding?.code ?? null, EXPECTED_DECIDING_CODE[name], mode);
    }
  });
}
