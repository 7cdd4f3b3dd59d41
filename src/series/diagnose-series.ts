/**
 * `diagnoseSeries(request, options, plan)`: `diagnose()` for an intermittent fault (issue 11).
 * The same steps, once each: resolve, gate, then the origin leg sampled as a series (round-robin
 * over every address of the name it connects to), then one report. The report is a single run's
 * report, plus `series`: its `legs` entry is one sample shown phase by phase (the first that
 * failed), its findings are the resolution's, the first finding of each code the samples met
 * (whose evidence stands for all) and the patterns across samples; its verdict speaks in rates.
 * As with `diagnose()`, it throws only for its own bugs, and the exit code is the CLI's business.
 */
import { randomBytes } from "node:crypto";
import { reproduceCommand } from "../artifacts/reproduce-command.js";
import { notCheckedFromHere } from "../causes/not-checked.js";
import { phaseDeadlines } from "../cdn/edge-timeouts.js";
import { checkResolution, isProxied } from "../checks/resolution.js";
import { checkSeries } from "../checks/series.js";
import { applySslMode } from "../checks/ssl-mode.js";
import { startDeadline, stopOf } from "../deadline.js";
import type { Diagnosis } from "../diagnose.js";
import type { Finding } from "../findings/catalogue.js";
import { buildEdgeToOriginRequest, buildVisitorRequest, newRayId } from "../http/request.js";
import type { LegName } from "../legs/leg-name.js";
import { originLegSpec } from "../legs/origin-leg.js";
import type { DiagnoseOptions, DiagnoseRequest } from "../options.js";
import { legReport, notRunLegReport } from "../report/leg-report.js";
import { type Bodies, redactDiagnosis } from "../report/redact-report.js";
import { reportRequest, reportTarget } from "../report/report-target.js";
import { resolutionReport } from "../report/resolution-report.js";
import type { Interruption, NotChecked, Report } from "../report/schema.js";
import { SCHEMA_VERSION } from "../report/schema-version.js";
import type { LegSeries, Series } from "../report/series-schema.js";
import { describeInterruption } from "../report/verdict.js";
import { originGate } from "../resolve/origin-gate.js";
import { startResolution } from "../resolve/resolve.js";
import { sslModeOf } from "../ssl-mode.js";
import { monotonicMs } from "../text/monotonic-ms.js";
import { roundMs } from "../text/round-ms.js";
import { VERSION } from "../version.js";
import { rankSeriesCauses } from "./rank-series-causes.js";
import { type LegSampling, runSeries, type SeriesRun } from "./sampler.js";
import type { SeriesPlan } from "./series-plan.js";
import { decideSeriesVerdict } from "./series-verdict.js";
import { duration, plural } from "./words.js";

export interface SeriesOptions extends DiagnoseOptions {
  /** A sample is starting (for the progress line). */
  readonly onSampleStart?: (leg: LegName, n: number) => void;
}

export async function diagnoseSeries(
  request: DiagnoseRequest,
  options: SeriesOptions,
  plan: SeriesPlan,
): Promise<Diagnosis> {
  const startedAt = new Date();
  const started = monotonicMs();
  const run = startDeadline(options.maxTimeMs, options.signal ? [options.signal] : [], "run");
  try {
    const deadlines = phaseDeadlines(options.timeoutMs);
    // One Ray ID for the whole series: one search of the origin's logs finds every sample.
    const wire = buildEdgeToOriginRequest(request, buildVisitorRequest(request), newRayId(randomBytes(8)));
    options.onPhaseStart?.({ leg: null, phase: "dns", deadlineMs: deadlines.dnsMs });
    const resolution = startResolution(
      request.hostname,
      request.origin,
      { dnsServers: options.dnsServers, deadlineMs: deadlines.dnsMs },
      run.signal,
    );
    // Resolved once: every sample connects to the addresses of this one answer.
    const target = await resolution.target;
    const gate =
      target.failure !== null && stopOf(run.signal)?.kind === "cancelled"
        ? { address: null, blockedBy: "not run: interrupted by the user" }
        : originGate(target, request.origin !== null);
    // A series samples the HTTP/1.1 origin leg; the HTTP/2 one is a single run's.
    const sslMode = sslModeOf(request);
    const sampling: LegSampling[] =
      gate.address !== null && gate.blockedBy === null
        ? [
            {
              name: "origin",
              specs: target.addresses.map((address) => originLegSpec(request, options, address, wire)),
              judge: (findings) => applySslMode(findings, sslMode),
            },
          ]
        : [];
    const seriesRun = await runSeries(
      sampling,
      plan,
      run.signal,
      options.onSampleStart ? { onSampleStart: options.onSampleStart } : {},
    );
    const resolved = await resolution.done;

    const origin = seriesRun.legs.get("origin");
    const kept = origin?.exemplar ?? null;
    const legSeries = origin?.series;
    // The address of the sample the report shows (the first that failed): the one to look at,
    // and the one the reproduction command connects to. The series counts every address.
    const address = kept?.observation.spec.address ?? gate.address;
    const findings: Finding[] = [
      ...checkResolution(resolved, address),
      ...(origin?.firstFindings ?? []),
      ...(legSeries === undefined ? [] : checkSeries(legSeries)),
    ];
    const interruption = interruptionOf(run.signal);
    const originLeg =
      kept !== null
        ? legReport(kept.observation, kept.sample.findings, interruption)
        : notRunLegReport(
            "origin",
            request,
            gate.address,
            gate.blockedBy ??
              `not run: ${interruption === null ? "the run stopped" : describeInterruption(interruption)}`,
          );
    const series = seriesFacts(plan, seriesRun, sampling.length === 0);
    const report: Report = {
      kind: "report",
      schemaVersion: SCHEMA_VERSION,
      tool: { name: "diag520", version: VERSION },
      target: reportTarget(request, kept?.observation.spec.address ?? null),
      request: reportRequest(wire),
      startedAt: startedAt.toISOString(),
      durationMs: roundMs(monotonicMs() - started),
      complete: interruption === null,
      interruption,
      resolution: resolutionReport(resolved, address, findings, isProxied(resolved.hostname)),
      legs: { origin: originLeg },
      findings,
      causes: rankSeriesCauses(findings),
      notChecked: seriesNotChecked(notCheckedFromHere(request, address), legSeries, seriesRun),
      verdict: decideSeriesVerdict(findings, series, {
        findings,
        origin: originLeg,
        interruption,
        originNotRun: kept === null ? (originLeg.phases[0]?.skipReason ?? "not run") : null,
      }),
      // The per-mode table is a single run's: a series judges every sample under this run's mode.
      sslModes: [],
      reproduce: { curl: "" },
      redacted: [],
      series,
    };
    const http = kept?.observation.http;
    const bodies: Bodies = http?.status === "ran" ? { origin: http.outcome.record.body } : {};
    const shown = options.redact === null ? { report, bodies } : redactDiagnosis(report, bodies, options.redact);
    const curl = reproduceCommand(shown.report.target, shown.report.request.headers, address, {
      caFile: options.caFile ?? null,
    });
    return { report: { ...shown.report, reproduce: { curl } }, bodies: shown.bodies };
  } finally {
    run.clear();
  }
}

function seriesFacts(plan: SeriesPlan, run: SeriesRun, notStarted: boolean): Series {
  const legs: Partial<Record<LegName, LegSeries>> = {};
  for (const [name, leg] of run.legs) legs[name] = leg.series;
  return {
    plan: { ...plan },
    startedAt: run.startedAt,
    durationMs: run.durationMs,
    ended: notStarted && run.ended !== "interrupted" && run.ended !== "run_deadline" ? "not_started" : run.ended,
    legs,
  };
}

/** A series does see failures that come and go, over its own span: say what it does not see. */
function seriesNotChecked(items: readonly NotChecked[], leg: LegSeries | undefined, run: SeriesRun): NotChecked[] {
  const sampled = leg === undefined ? "no sample" : `${plural(leg.counted, "sample")} over ${duration(run.durationMs)}`;
  return items.map((item) =>
    item.what.startsWith("Failures that come and go")
      ? {
          what: "Failures that come and go over a longer time, or only from the CDN's locations",
          why: `the series took ${sampled}, from one place`,
          howToTell:
            "Sample for longer (--for 10m) while the CDN reports errors, and match the failing samples' times with the origin's load and error log",
        }
      : item,
  );
}

function interruptionOf(signal: AbortSignal): Interruption | null {
  const stop = stopOf(signal);
  if (stop === null) return null;
  return stop.kind === "cancelled" ? { kind: "cancelled", ms: null } : { kind: "run_deadline", ms: stop.ms };
}
