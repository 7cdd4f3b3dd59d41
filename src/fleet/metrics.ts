/**
 * A report as Prometheus metrics, in the classic text exposition format (version 0.0.4): what
 * `--metrics <file>` writes for node_exporter's textfile collector, and what an exporter serves
 * for one probe (blackbox_exporter's pattern: `probe_success` and the phases reached, also when
 * the probe failed).
 *
 *   reportMetricSamples(report, labels) → the samples of one report (labels such as
 *                                         {target, origin} are put on every sample)
 *   renderMetricsText(samples)          → the exposition text: each family once, with HELP and TYPE
 *   renderReportMetrics(report, labels) → both at once
 *
 * No timestamps (node_exporter skips a textfile that has one). Every label value comes from a
 * bounded set (finding codes are the catalogue, legs and phases fixed names) except the labels the
 * caller adds. Label values and HELP text are escaped as the format says (`\\`, `\"`, `\n`).
 */
import type { Report } from "../report/schema.js";

export const METRIC_FAMILIES = {
  diag520_success: {
    help: "1 when the diagnosis finished and found nothing that would make the CDN fail the request, else 0",
  },
  diag520_complete: {
    help: "1 when every phase that was due ran, 0 when Ctrl-C or a deadline cut the diagnosis short",
  },
  diag520_edge_status: {
    help: "The status the CDN would most likely answer with because of the deciding finding (520-526, 530); 0 for none",
  },
  diag520_probe_duration_seconds: { help: "How long the whole diagnosis took" },
  diag520_phase_duration_seconds: {
    help: "How long each phase that ran took, by leg (empty for the dns step, which precedes the legs) and phase",
  },
  diag520_http_status_code: { help: "The status code of the origin's final response, by leg; absent when none came" },
  diag520_response_header_bytes: {
    help: "Size of the origin's response header block as received (status line and final empty line included), by leg",
  },
  diag520_certificate_expiry_timestamp_seconds: {
    help: "When the origin's leaf certificate expires (notAfter), as a Unix time, by leg",
  },
  diag520_finding: {
    help: "1 for each finding code present in the diagnosis, by code and severity (codes are a fixed catalogue)",
  },
  diag520_batch_targets: {
    help: "Input lines of the last batch by outcome: pass, fail, incomplete, not_started, invalid (a bad input line)",
  },
  diag520_batch_duration_seconds: { help: "How long the last batch took" },
  diag520_batch_exit_code: {
    help: "The exit code of the last batch (0 every target passed; see diag520 batch --help)",
  },
} as const satisfies Readonly<Record<string, { readonly help: string }>>;

export type MetricName = keyof typeof METRIC_FAMILIES;

export interface MetricSample {
  readonly name: MetricName;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** The samples of one report; `labels` (e.g. `{target, origin}`) go first on every sample. */
export function reportMetricSamples(report: Report, labels: Readonly<Record<string, string>> = {}): MetricSample[] {
  const samples: MetricSample[] = [];
  const add = (name: MetricName, value: number, own: Readonly<Record<string, string>> = {}): void => {
    samples.push({ name, labels: { ...labels, ...own }, value });
  };
  add("diag520_success", report.verdict.ok && report.complete ? 1 : 0);
  add("diag520_complete", report.complete ? 1 : 0);
  add("diag520_edge_status", report.verdict.edgeStatus ?? 0);
  add("diag520_probe_duration_seconds", report.durationMs / 1000);
  if (report.resolution.durationMs !== null) {
    add("diag520_phase_duration_seconds", report.resolution.durationMs / 1000, { leg: "", phase: "dns" });
  }
  for (const leg of Object.values(report.legs)) {
    if (leg === undefined) continue;
    for (const phase of leg.phases) {
      if (phase.durationMs !== null)
        add("diag520_phase_duration_seconds", phase.durationMs / 1000, { leg: leg.name, phase: phase.name });
    }
    for (const phase of leg.phases) {
      if (phase.name === "http" && phase.facts?.response.head) {
        const head = phase.facts.response.head;
        if (head.statusCode !== null) add("diag520_http_status_code", head.statusCode, { leg: leg.name });
        add("diag520_response_header_bytes", head.headBytes, { leg: leg.name });
      }
      if (phase.name === "tls" && phase.facts !== null) {
        const leaf = phase.facts.chain[0];
        const expires = leaf === undefined ? Number.NaN : Date.parse(leaf.validTo);
        if (Number.isFinite(expires))
          add("diag520_certificate_expiry_timestamp_seconds", expires / 1000, { leg: leg.name });
      }
    }
  }
  // One sample per code and severity: the same code met on two legs is one series, not a duplicate.
  const seen = new Set<string>();
  for (const finding of report.findings) {
    const key = `${finding.code} ${finding.severity}`;
    if (seen.has(key)) continue;
    seen.add(key);
    add("diag520_finding", 1, { code: finding.code, severity: finding.severity });
  }
  return samples;
}

/**
 * The exposition text of `samples`: the families in METRIC_FAMILIES order, each as one group
 * (the format requires it) under its HELP and TYPE lines. `comments` go first, as `# ` lines
 * (which parsers ignore). Samples with the same name and labels must not repeat: the caller
 * gives each target distinct labels.
 */
export function renderMetricsText(samples: readonly MetricSample[], comments: readonly string[] = []): string {
  const byName = new Map<MetricName, MetricSample[]>();
  for (const sample of samples) {
    const group = byName.get(sample.name);
    if (group) group.push(sample);
    else byName.set(sample.name, [sample]);
  }
  const lines = comments.map((comment) => `# ${comment.replace(/[\r\n]+/g, " ")}`);
  for (const name of Object.keys(METRIC_FAMILIES) as MetricName[]) {
    const group = byName.get(name);
    if (!group) continue;
    lines.push(`# HELP ${name} ${escapeHelp(METRIC_FAMILIES[name].help)}`, `# TYPE ${name} gauge`);
    for (const sample of group) lines.push(`${name}${formatLabels(sample.labels)} ${formatSampleValue(sample.value)}`);
  }
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}

/** One report's metrics as exposition text (what an exporter answers for one probe). */
export function renderReportMetrics(report: Report, labels: Readonly<Record<string, string>> = {}): string {
  return renderMetricsText(reportMetricSamples(report, labels));
}

/** Label values: backslash, double quote and line feed escaped (text format 0.0.4). */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === "\n" ? "\\n" : `\\${c}`));
}

/** HELP text: backslash and line feed escaped. */
export function escapeHelp(text: string): string {
  return text.replace(/[\\\n]/g, (c) => (c === "\n" ? "\\n" : "\\\\"));
}

/** Go's float syntax, as Prometheus parses it: NaN, +Inf, -Inf, else the shortest exact decimal. */
export function formatSampleValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function formatLabels(labels: Readonly<Record<string, string>>): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return "";
  for (const [name] of entries) {
    if (!LABEL_NAME.test(name) || name.startsWith("__")) throw new Error(`invalid Prometheus label name '${name}'`);
  }
  return `{${entries.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(",")}}`;
}
