/**
 * One diagnosis as Prometheus text: the text format itself (escapes, values, HELP/TYPE), then
 * real reports from the lab rendered and read back with a strict reader.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { FINDING_CODES } from "../../src/findings/catalogue.js";
import { type Lab, startLab } from "../../src/lab/lab.js";
import type { Report } from "../../src/report/schema.js";
import { escapeLabelValue, formatValue, renderFamily } from "../../src/serve/metrics-text.js";
import { isSuccess, renderProbeMetrics } from "../../src/serve/probe-metrics.js";
import { diagnoseLabOrigin } from "../support/lab-diagnosis.js";
import { parseExposition, sampleValue } from "../support/prometheus-text.js";

/** The report's milliseconds as the metrics carry them: seconds in whole microseconds. */
const toSeconds = (ms: number | null): number => (ms === null ? Number.NaN : Math.round(ms * 1000) / 1e6);

const LABEL_VALUES: ReadonlyArray<readonly [string, string]> = [
  ["plain", "plain"],
  ["back\\slash", "back\\\\slash"],
  ['a "quote"', 'a \\"quote\\"'],
  ["new\nline", "new\\nline"],
  ['\\"\n', '\\\\\\"\\n'],
  ['\\n is not a newline"', '\\\\n is not a newline\\"'],
  ["ünïcödé ✓", "ünïcödé ✓"],
  ["", ""],
];

for (const [raw, escaped] of LABEL_VALUES) {
  test(`label value ${JSON.stringify(raw)} is escaped as ${JSON.stringify(escaped)} and reads back the same`, () => {
    assert.equal(escapeLabelValue(raw), escaped);
    const text = renderFamily({ name: "t", type: "gauge", help: "h", samples: [{ labels: { v: raw }, value: 1 }] });
    assert.equal(parseExposition(text).samples[0]?.labels.v, raw);
  });
}

for (const [value, text] of [
  [0, "0"],
  [1.5, "1.5"],
  [-2, "-2"],
  [1e21, "1e+21"],
  [Number.NaN, "NaN"],
  [Number.POSITIVE_INFINITY, "+Inf"],
  [Number.NEGATIVE_INFINITY, "-Inf"],
] as const) {
  test(`sample value ${value} is written ${text}`, () => assert.equal(formatValue(value), text));
}

test("HELP text escapes backslash and newline, so a family stays on its lines", () => {
  const text = renderFamily({ name: "t", type: "counter", help: "a\\b\nc", samples: [] });
  assert.equal(text, "# HELP t a\\\\b\\nc\n# TYPE t counter\n");
});

test("every finding code is a label value that reads back unchanged", () => {
  const text = renderFamily({
    name: "diag520_finding",
    type: "gauge",
    help: "h",
    samples: FINDING_CODES.map((code) => ({ labels: { code, severity: "error" }, value: 1 })),
  });
  assert.deepEqual(
    parseExposition(text).samples.map((sample) => sample.labels.code),
    FINDING_CODES,
  );
});

describe("probe metrics of real diagnoses", () => {
  let lab: Lab;
  const reports = new Map<string, Report>();
  const NAMES = ["healthy-https", "empty-reply", "tls-expired", "headers-too-large", "connection-refused"];

  before(async () => {
    lab = await startLab({ only: [...NAMES, "response-timeout"] });
    for (const name of NAMES) reports.set(name, (await diagnoseLabOrigin(lab, name)).report);
    // Cut short by its whole-run deadline, before the origin said anything.
    const cut = await diagnoseLabOrigin(lab, "response-timeout", { options: { maxTimeMs: 300, timeoutMs: 10_000 } });
    reports.set("cut-short", cut.report);
  });
  after(() => lab.close());

  const metricsOf = (name: string) => {
    const report = reports.get(name);
    if (report === undefined) throw new Error(`no report ${name}`);
    return { report, exposition: parseExposition(renderProbeMetrics(report)) };
  };

  test("every family has HELP and TYPE gauge, also when it has no sample", () => {
    const { exposition } = metricsOf("empty-reply");
    for (const name of [
      "diag520_success",
      "diag520_edge_status",
      "diag520_complete",
      "diag520_probe_duration_seconds",
      "diag520_phase_duration_seconds",
      "diag520_finding",
      "diag520_certificate_expiry_timestamp_seconds",
      "diag520_response_header_bytes",
      "diag520_http_status_code",
    ]) {
      assert.equal(exposition.types.get(name), "gauge", name);
    }
  });

  test("a healthy HTTPS origin: success, no edge status, every phase, the chain's expiry, the header bytes", () => {
    const { report, exposition } = metricsOf("healthy-https");
    assert.equal(sampleValue(exposition, "diag520_success"), 1);
    assert.equal(sampleValue(exposition, "diag520_edge_status"), 0);
    assert.equal(sampleValue(exposition, "diag520_complete"), 1);
    assert.equal(sampleValue(exposition, "diag520_probe_duration_seconds"), toSeconds(report.durationMs));
    assert.equal(
      sampleValue(exposition, "diag520_phase_duration_seconds", { leg: "", phase: "dns" }),
      toSeconds(report.resolution.durationMs),
    );
    const dns = exposition.samples.find((s) => s.name === "diag520_phase_duration_seconds" && s.labels.phase === "dns");
    assert.deepEqual(dns?.labels, { leg: "", phase: "dns" }, "the resolution step is no leg");
    for (const phase of report.legs.origin?.phases ?? []) {
      assert.equal(
        sampleValue(exposition, "diag520_phase_duration_seconds", { leg: "origin", phase: phase.name }),
        toSeconds(phase.durationMs),
        phase.name,
      );
    }
    const tls = report.legs.origin?.phases.find((phase) => phase.name === "tls");
    const chain = tls?.name === "tls" ? (tls.facts?.chain ?? []) : [];
    assert.ok(chain.length > 0);
    assert.equal(
      sampleValue(exposition, "diag520_certificate_expiry_timestamp_seconds", { leg: "origin" }),
      Math.floor(Date.parse(chain[0]?.validTo ?? "") / 1000),
      "the leaf's",
    );
    const http = report.legs.origin?.phases.find((phase) => phase.name === "http");
    const head = http?.name === "http" ? http.facts?.response.head : undefined;
    assert.equal(sampleValue(exposition, "diag520_response_header_bytes", { leg: "origin" }), head?.headBytes);
    assert.equal(sampleValue(exposition, "diag520_http_status_code", { leg: "origin" }), 200);
    assert.deepEqual(
      exposition.samples.filter((s) => s.name === "diag520_finding").map((s) => s.labels),
      report.findings.map((f) => ({ code: f.code, severity: f.severity })),
    );
  });

  test("an empty reply: failure, 520, its finding, no TLS phase and no certificate", () => {
    const { exposition } = metricsOf("empty-reply");
    assert.equal(sampleValue(exposition, "diag520_success"), 0);
    assert.equal(sampleValue(exposition, "diag520_edge_status"), 520);
    assert.equal(sampleValue(exposition, "diag520_finding", { code: "http.empty_reply", severity: "error" }), 1);
    assert.equal(sampleValue(exposition, "diag520_phase_duration_seconds", { leg: "origin", phase: "tls" }), undefined);
    assert.equal(sampleValue(exposition, "diag520_certificate_expiry_timestamp_seconds"), undefined);
    assert.equal(sampleValue(exposition, "diag520_response_header_bytes"), undefined);
  });

  test("an expired certificate: 526, and an expiry in the past", () => {
    const { report, exposition } = metricsOf("tls-expired");
    assert.equal(sampleValue(exposition, "diag520_edge_status"), 526);
    assert.equal(sampleValue(exposition, "diag520_finding", { code: "tls.cert_expired", severity: "error" }), 1);
    const expiry =
      sampleValue(exposition, "diag520_certificate_expiry_timestamp_seconds", { leg: "origin" }) ?? Number.NaN;
    assert.ok(expiry * 1000 < Date.parse(report.startedAt), `${expiry} is in the past`);
  });

  test("oversized headers: the header bytes as received", () => {
    const { exposition } = metricsOf("headers-too-large");
    assert.ok((sampleValue(exposition, "diag520_response_header_bytes") ?? 0) > 8192);
    // 20 KB is over the 8 KB checked but under today's 128 KB: a failure, no 520 claimed.
    assert.equal(sampleValue(exposition, "diag520_edge_status"), 0);
    assert.equal(sampleValue(exposition, "diag520_success"), 0);
  });

  test("a refused connection: the phases reached, and nothing of the phases that never ran", () => {
    const { exposition } = metricsOf("connection-refused");
    assert.equal(sampleValue(exposition, "diag520_edge_status"), 521);
    assert.ok(sampleValue(exposition, "diag520_phase_duration_seconds", { leg: "origin", phase: "tcp" }) !== undefined);
    assert.equal(
      sampleValue(exposition, "diag520_phase_duration_seconds", { leg: "origin", phase: "http" }),
      undefined,
    );
  });

  test("a run cut short is never a success, whatever it found so far", () => {
    const { report, exposition } = metricsOf("cut-short");
    assert.equal(report.complete, false);
    assert.equal(sampleValue(exposition, "diag520_complete"), 0);
    assert.equal(sampleValue(exposition, "diag520_success"), 0);
    assert.equal(isSuccess({ ...report, verdict: { ...report.verdict, ok: true } }), false);
  });

  test("one series per code and severity, when the same finding is seen twice", () => {
    const { report } = metricsOf("empty-reply");
    const doubled: Report = { ...report, findings: [...report.findings, ...report.findings] };
    const exposition = parseExposition(renderProbeMetrics(doubled));
    assert.equal(exposition.samples.filter((s) => s.name === "diag520_finding").length, report.findings.length);
  });

  test("no float noise: durations are whole microseconds", () => {
    const { exposition } = metricsOf("healthy-https");
    for (const sample of exposition.samples.filter((s) => s.name.endsWith("_seconds") && !s.name.includes("expiry"))) {
      assert.ok(String(sample.value).length <= 12, `${sample.name} ${sample.value}`);
    }
  });
});
