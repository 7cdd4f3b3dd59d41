/**
 * One diagnosis as Prometheus metrics, the answer to `/probe`. A failed or cut-short probe still
 * exports the phases it reached and `diag520_success 0` (as blackbox_exporter does). Finding
 * codes are labels: a bounded set (findings/catalogue.ts), unlike free-text failure reasons.
 *
 * The names are shared with `diag520 batch`'s Prometheus textfile, so that dashboards and alerts
 * work on both. The resolution step is not a leg: its phase ("dns") carries no `leg` label.
 */
import type { Report } from "../report/schema.js";
import { type MetricFamily, renderFamilies, type Sample } from "./metrics-text.js";

export function probeMetricFamilies(report: Report): MetricFamily[] {
  const phases: Sample[] = [];
  if (report.resolution.durationMs !== null)
    phases.push({ labels: { phase: report.resolution.name }, value: seconds(report.resolution.durationMs) });
  for (const leg of Object.values(report.legs)) {
    for (const phase of leg?.phases ?? []) {
      if (phase.durationMs !== null)
        phases.push({ labels: { leg: leg?.name ?? "", phase: phase.name }, value: seconds(phase.durationMs) });
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

  const expiry = earliestExpirySeconds(report);
  const headerBytes = responseHeaderBytes(report);
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
    gauge("diag520_phase_duration_seconds", "How long each phase that ran took, by leg and phase", phases),
    gauge("diag520_finding", "1 for each finding code present, by code and severity", [...findings.values()]),
    gauge(
      "diag520_certificate_expiry_timestamp_seconds",
      "The earliest expiry (Unix time) among the certificates the origin sent; absent without TLS",
      expiry === null ? [] : [{ value: expiry }],
    ),
    gauge(
      "diag520_response_header_bytes",
      "Size of the origin's response header block as received (status line and final empty line included)",
      headerBytes === null ? [] : [{ value: headerBytes }],
    ),
  ];
}

export function renderProbeMetrics(report: Report): string {
  return renderFamilies(probeMetricFamilies(report));
}

function gauge(name: string, help: string, samples: Sample[]): MetricFamily {
  return { name, type: "gauge", help, samples };
}

/** A run cut short proves nothing healthy (DESIGN.md "Honest verdicts"), whatever it found so far. */
export function isSuccess(report: Pick<Report, "verdict" | "complete">): boolean {
  return report.verdict.ok && report.complete;
}

/** Milliseconds (as the report rounds them) to seconds, without float noise (0.0672, not 0.06720000000000001). */
function seconds(ms: number): number {
  return Math.round(ms * 1000) / 1e6;
}

/** The earliest `validTo` across every leg's chain, leaf and intermediates alike: any of them expiring breaks the chain. */
function earliestExpirySeconds(report: Report): number | null {
  let earliest: number | null = null;
  for (const leg of Object.values(report.legs)) {
    for (const phase of leg?.phases ?? []) {
      if (phase.name !== "tls" || phase.facts === null) continue;
      for (const certificate of phase.facts.chain) {
        const at = Date.parse(certificate.validTo);
        if (Number.isFinite(at) && (earliest === null || at < earliest)) earliest = at;
      }
    }
  }
  return earliest === null ? null : Math.floor(earliest / 1000);
}

/** The origin leg's final response head, as many bytes as arrived. */
function responseHeaderBytes(report: Report): number | null {
  const http = report.legs.origin?.phases.find((phase) => phase.name === "http");
  if (http?.name !== "http" || http.facts === null) return null;
  return http.facts.response.head?.headBytes ?? null;
}
