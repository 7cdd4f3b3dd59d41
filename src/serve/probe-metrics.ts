/**
 * One diagnosis as Prometheus metrics, the answer to `/probe`. A failed or cut-short probe still
 * exports the phases it reached and `diag520_success 0` (as blackbox_exporter does). Finding
 * codes are labels: a bounded set (findings/catalogue.ts), unlike free-text failure reasons.
 *
 * The names and labels are those of `diag520 batch`'s Prometheus textfile, so that dashboards and
 * alerts work on both: per-leg facts carry `leg`; the resolution step, which precedes the legs,
 * has an empty `leg` (which Prometheus reads as no label).
 */
import type { Report } from "../report/schema.js";
import { type MetricFamily, renderFamilies, type Sample } from "./metrics-text.js";

export function probeMetricFamilies(report: Report): MetricFamily[] {
  const phases: Sample[] = [];
  const statusCodes: Sample[] = [];
  const headerBytes: Sample[] = [];
  const expiries: Sample[] = [];
  if (report.resolution.durationMs !== null)
    phases.push({ labels: { leg: "", phase: report.resolution.name }, value: seconds(report.resolution.durationMs) });
  for (const leg of Object.values(report.legs)) {
    if (leg === undefined) continue;
    for (const phase of leg.phases) {
      if (phase.durationMs !== null)
        phases.push({ labels: { leg: leg.name, phase: phase.name }, value: seconds(phase.durationMs) });
      if (phase.name === "http" && phase.facts?.response.head) {
        const head = phase.facts.response.head;
        if (head.statusCode !== null) statusCodes.push({ labels: { leg: leg.name }, value: head.statusCode });
        headerBytes.push({ labels: { leg: leg.name }, value: head.headBytes });
      }
      if (phase.name === "tls" && phase.facts !== null) {
        // The leaf's: the certificate that is renewed (an expired intermediate is a finding of its own).
        const leaf = phase.facts.chain[0];
        const expires = leaf === undefined ? Number.NaN : Date.parse(leaf.validTo);
        if (Number.isFinite(expires)) expiries.push({ labels: { leg: leg.name }, value: Math.floor(expires / 1000) });
      }
    }
  }

  // One series per code and severity: the same code seen on two legs is one fact for an alert.
  const findings = new Map<string, Sample>();
  for (const finding of report.findings) {
    findings.set(`${finding.code}\0${finding.severity}`, {
      labels: { code: finding.code, severity: finding.severity },
      value: 1,
    });
  }

  return [
    gauge("diag520_success", "1 when the diagnosis ran to its end and found nothing that would make the CDN fail", [
      { value: isSuccess(report) ? 1 : 0 },
    ]),
    gauge("diag520_edge_status", "The status the CDN would most likely answer with (520-526, 530); 0 when none", [
      { value: report.verdict.edgeStatus ?? 0 },
    ]),
    gauge("diag520_complete", "1 when the diagnosis ran to its end, 0 when a deadline or a stop cut it short", [
      { value: report.complete ? 1 : 0 },
    ]),
    gauge("diag520_probe_duration_seconds", "How long the diagnosis took", [{ value: seconds(report.durationMs) }]),
    gauge(
      "diag520_phase_duration_seconds",
      "How long each phase that ran took, by leg (empty for the dns step, which precedes the legs) and phase",
      phases,
    ),
    gauge("diag520_finding", "1 for each finding code present, by code and severity", [...findings.values()]),
    gauge(
      "diag520_http_status_code",
      "The status code of the origin's final response, by leg; absent when none came",
      statusCodes,
    ),
    gauge(
      "diag520_response_header_bytes",
      "Size of the origin's response header block as received (status line and final empty line included), by leg",
      headerBytes,
    ),
    gauge(
      "diag520_certificate_expiry_timestamp_seconds",
      "When the origin's leaf certificate expires (notAfter), as a Unix time, by leg; absent without TLS",
      expiries,
    ),
  ];
}

export function renderProbeMetrics(report: Report): string {
  return renderFamilies(probeMetricFamilies(report));
}

/** A run cut short proves nothing healthy (DESIGN.md "Honest verdicts"), whatever it found so far. */
export function isSuccess(report: Pick<Report, "verdict" | "complete">): boolean {
  return report.verdict.ok && report.complete;
}

function gauge(name: string, help: string, samples: Sample[]): MetricFamily {
  return { name, type: "gauge", help, samples };
}

/** Milliseconds (as the report rounds them) to seconds, without float noise (0.0672, not 0.06720000000000001). */
function seconds(ms: number): number {
  return Math.round(ms * 1000) / 1e6;
}
