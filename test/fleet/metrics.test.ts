/**
 * Prometheus metrics (fleet/metrics.ts, fleet/batch-metrics.ts): label and HELP escaping,
 * values as Go parses them, one report's samples (success, phases reached, findings by a bounded
 * code label), a batch's textfile with repeated targets left out once, and `promtool check
 * metrics` on the textfile when promtool is installed (Debian's `prometheus` package).
 */
import "../support/loopback-guard.js";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { before, describe, test } from "node:test";
import { FINDING_CATALOGUE } from "../../src/findings/catalogue.js";
import { type BatchEntry, targetEntry } from "../../src/fleet/batch-entry.js";
import { renderBatchMetrics } from "../../src/fleet/batch-metrics.js";
import { batchTotals } from "../../src/fleet/batch-totals.js";
import {
  escapeHelp,
  escapeLabelValue,
  formatSampleValue,
  METRIC_FAMILIES,
  renderMetricsText,
  renderReportMetrics,
  reportMetricSamples,
} from "../../src/fleet/metrics.js";
import { fleetFixtures, mixedEntries } from "./fleet-fixtures.js";

const promtoolMissing = spawnSync("promtool", ["--version"], { stdio: "ignore" }).status !== 0;
const SKIP_PROMTOOL = promtoolMissing ? "promtool is not installed (apt-get install prometheus)" : false;

/** `promtool check metrics` reads the exposition on stdin; its lint findings and errors go to stderr. */
function promtoolCheck(text: string): { status: number | null; output: string } {
  const run = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe("the text format's escaping and values", () => {
  const labels: ReadonlyArray<readonly [string, string]> = [
    ['a "quoted" value', 'a \\"quoted\\" value'],
    ["a\\b", "a\\\\b"],
    ["two\nlines", "two\\nlines"],
    ["é and ✓ stay UTF-8", "é and ✓ stay UTF-8"],
  ];
  for (const [input, escaped] of labels)
    test(`label ${JSON.stringify(input)}`, () => assert.equal(escapeLabelValue(input), escaped));

  test("HELP escapes backslash and line feed, not quotes", () => {
    assert.equal(escapeHelp('a\\b\n"c"'), 'a\\\\b\\n"c"');
  });

  test("values as Go's ParseFloat reads them", () => {
    assert.deepEqual(
      [0, 1, 0.0123, 1e-7, 1.5e21, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY].map(
        formatSampleValue,
      ),
      ["0", "1", "0.0123", "1e-7", "1.5e+21", "NaN", "+Inf", "-Inf"],
    );
  });

  test("a label name that is not one is a bug, caught before it reaches a file", () => {
    assert.throws(() => renderMetricsText([{ name: "diag520_success", labels: { "bad-name": "x" }, value: 1 }]));
  });

  test("families come once each, in a fixed order, each under its HELP and TYPE", () => {
    const text = renderMetricsText([
      { name: "diag520_finding", labels: { code: "tcp.refused", severity: "error" }, value: 1 },
      { name: "diag520_success", labels: { target: "a" }, value: 0 },
      { name: "diag520_success", labels: { target: 'b\n"' }, value: 1 },
    ]);
    assert.equal(
      text,
      [
        `# HELP diag520_success ${METRIC_FAMILIES.diag520_success.help}`,
        "# TYPE diag520_success gauge",
        'diag520_success{target="a"} 0',
        'diag520_success{target="b\\n\\""} 1',
        `# HELP diag520_finding ${METRIC_FAMILIES.diag520_finding.help}`,
        "# TYPE diag520_finding gauge",
        'diag520_finding{code="tcp.refused",severity="error"} 1',
        "",
      ].join("\n"),
    );
  });
});

describe("one report's metrics", () => {
  test("a healthy HTTPS origin: success, every phase, the status, the header size and the certificate's expiry", async () => {
    const { healthy } = await fleetFixtures();
    const samples = reportMetricSamples(healthy.report);
    const value = (name: string, labels: Record<string, string> = {}) =>
      samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
    assert.equal(value("diag520_success"), 1);
    assert.equal(value("diag520_complete"), 1);
    assert.equal(value("diag520_edge_status"), 0);
    assert.deepEqual(
      samples
        .filter((s) => s.name === "diag520_phase_duration_seconds")
        .map((s) => `${s.labels.leg}/${s.labels.phase}`),
      // The origin-h2 leg offers h2 as the edge does; this origin picks http/1.1, so no http2 phase ran.
      ["/dns", "origin/tcp", "origin/tls", "origin/http", "origin-h2/tcp", "origin-h2/tls"],
    );
    assert.equal(value("diag520_http_status_code", { leg: "origin" }), 200);
    assert.ok((value("diag520_response_header_bytes", { leg: "origin" }) ?? 0) > 0);
    const expiry = value("diag520_certificate_expiry_timestamp_seconds", { leg: "origin" }) ?? 0;
    assert.ok(expiry > Date.now() / 1000, "the lab's valid certificate expires in the future");
  });

  test("a refused origin: success 0, the predicted 521, the phases reached, the finding as a bounded label", async () => {
    const { refused } = await fleetFixtures();
    const text = renderReportMetrics(refused.report);
    assert.match(text, /^diag520_success 0$/m);
    assert.match(text, /^diag520_edge_status 521$/m);
    assert.match(text, /^diag520_phase_duration_seconds\{leg="origin",phase="tcp"\} /m);
    assert.doesNotMatch(text, /phase="http"/, "a phase that never ran has no sample");
    assert.match(text, /^diag520_finding\{code="tcp\.refused",severity="error"\} 1$/m);
    const codes = [...text.matchAll(/code="([^"]+)"/g)].map((m) => m[1] ?? "");
    assert.ok(
      codes.every((code) => code in FINDING_CATALOGUE),
      codes.join(", "),
    );
    assert.doesNotMatch(text, /^[^#].* \d+ \d+$/m, "no timestamps: node_exporter skips a textfile that has one");
  });

  test("labels given by the caller (an exporter's, a batch's) come first on every sample", async () => {
    const { refused } = await fleetFixtures();
    const samples = reportMetricSamples(refused.report, { target: "https://example.com/", origin: "203.0.113.7" });
    assert.ok(samples.every((s) => Object.keys(s.labels).slice(0, 2).join() === "target,origin"));
  });
});

describe("a batch's textfile", () => {
  let entries: BatchEntry[];
  let text: string;
  before(async () => {
    entries = await mixedEntries();
    text = renderBatchMetrics(entries, batchTotals(entries), { durationMs: 2500, exitCode: 1 });
  });

  test("every finished target is labelled with its target and origin; a repeated one is left out, with a comment", () => {
    const targets = new Set(
      [...text.matchAll(/^diag520_success\{target="([^"]+)",origin="([^"]*)"\}/gm)].map((m) => m[1]),
    );
    assert.equal(targets.size, 4, "healthy, refused, hostile, headers too large");
    assert.match(text, /^# line 5 repeats the target and origin of line 2: its series are left out$/m);
    const series = text
      .split("\n")
      .filter((line) => line !== "" && !line.startsWith("#"))
      .map((l) => l.replace(/ [^ ]+$/, ""));
    assert.equal(new Set(series).size, series.length, "no series twice");
  });

  test("the batch's own counts", () => {
    assert.match(text, /^diag520_batch_targets\{outcome="pass"\} 2$/m);
    assert.match(text, /^diag520_batch_targets\{outcome="fail"\} 3$/m);
    assert.match(text, /^diag520_batch_targets\{outcome="invalid"\} 1$/m);
    assert.match(text, /^diag520_batch_targets\{outcome="not_started"\} 1$/m);
    assert.match(text, /^diag520_batch_duration_seconds 2\.5$/m);
    assert.match(text, /^diag520_batch_exit_code 1$/m);
  });

  test("promtool check metrics accepts it", { skip: SKIP_PROMTOOL }, () => {
    const { status, output } = promtoolCheck(text);
    assert.equal(status, 0, output);
    assert.equal(output.trim(), "", "no lint findings either");
  });

  test("promtool accepts a single report's metrics too, and rejects a label left unescaped (the check is real)", {
    skip: SKIP_PROMTOOL,
  }, async () => {
    const { hostile } = await fleetFixtures();
    const one = renderMetricsText(targetEntry(hostile.report, 1).metrics);
    assert.equal(promtoolCheck(one).status, 0);
    const unescaped = one.replace(/target="([^"]*)"/, 'target="$1"x"');
    assert.notEqual(promtoolCheck(unescaped).status, 0, "promtool must reject a quote left unescaped");
  });
});
