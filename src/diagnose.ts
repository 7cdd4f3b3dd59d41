/**
 * The programmatic entry point: `diagnose(request, options)` runs resolve → legs → checks →
 * report (DESIGN.md "The shape: legs, then checks"). It never throws for anything an origin or a
 * resolver does; it throws only for its own bugs. The exit code is not its business: the CLI
 * computes it over all the reports of a run.
 */
import { randomBytes } from "node:crypto";
import { reproduceCommand } from "./artifacts/reproduce-command.js";
import { notCheckedFromHere } from "./causes/not-checked.js";
import { rankCauses } from "./causes/rank-causes.js";
import { phaseDeadlines } from "./cdn/edge-timeouts.js";
import { checkLeg } from "./checks/check-leg.js";
import { compareEdge } from "./checks/compare-edge.js";
import { checkEdge } from "./checks/edge.js";
import { checkResolution, isProxied } from "./checks/resolution.js";
import { startDeadline, stopOf } from "./deadline.js";
import type { Finding } from "./findings/catalogue.js";
import { buildEdgeToOriginRequest, buildVisitorRequest, newRayId } from "./http/request.js";
import { planEdgeLeg } from "./legs/edge-plan.js";
import type { LegObservation } from "./legs/observation.js";
import { originLegSpec } from "./legs/origin-leg.js";
import { runLeg } from "./legs/run-leg.js";
import type { DiagnoseOptions, DiagnoseRequest } from "./options.js";
import { edgeLegReport, notRunEdgeLegReport } from "./report/edge-leg-report.js";
import { legReport, notRunLegReport } from "./report/leg-report.js";
import { type Bodies, redactDiagnosis } from "./report/redact-report.js";
import { resolutionReport } from "./report/resolution-report.js";
import type { Interruption, Report } from "./report/schema.js";
import { SCHEMA_VERSION } from "./report/schema-version.js";
import { decideVerdict, describeInterruption } from "./report/verdict.js";
import { originGate } from "./resolve/origin-gate.js";
import { startResolution } from "./resolve/resolve.js";
import { roundMs } from "./text/round-ms.js";
import { VERSION } from "./version.js";

export interface Diagnosis {
  readonly report: Report;
  /** Each leg's response body as read (at most --max-body bytes), for the HAR file; not in the report. */
  readonly bodies: Bodies;
}

export async function diagnose(request: DiagnoseRequest, options: DiagnoseOptions): Promise<Diagnosis> {
  const startedAt = new Date();
  const started = performance.now();
  const run = startDeadline(options.maxTimeMs, options.signal ? [options.signal] : [], "run");
  try {
    const deadlines = phaseDeadlines(options.timeoutMs);
    // One Ray ID per diagnosis, sent as the edge sends its own: the origin's logs can be searched for it.
    const visitor = buildVisitorRequest(request);
    const wire = buildEdgeToOriginRequest(request, visitor, newRayId(randomBytes(8)));
    options.onPhaseStart?.({ leg: null, phase: "dns", deadlineMs: deadlines.dnsMs });
    const resolution = startResolution(
      request.hostname,
      request.origin,
      { dnsServers: options.dnsServers, deadlineMs: deadlines.dnsMs },
      run.signal,
    );
    // The leg waits only for the name it connects to: at once for an --origin IP literal, while
    // the hostname's own lookup, which only informs, goes on beside it.
    const target = await resolution.target;
    const gate =
      target.failure !== null && stopOf(run.signal)?.kind === "cancelled"
        ? { address: null, blockedBy: "not run: interrupted by the user" }
        : originGate(target, request.origin !== null);
    const onPhase = (leg: LegObservation["spec"]["name"], phase: "tcp" | "tls" | "http", deadlineMs: number) =>
      options.onPhaseStart?.({ leg, phase, deadlineMs });
    // The two legs run side by side: the edge's answer does not wait for the origin's, nor the reverse.
    const originRun: Promise<LegObservation | null> =
      gate.address !== null && gate.blockedBy === null
        ? runLeg(originLegSpec(request, options, gate.address, wire), run.signal, onPhase)
        : Promise.resolve(null);
    const edgeRun = planEdgeLeg(request, options, visitor, resolution.done, run.signal).then(async (plan) =>
      plan.kind === "run" ? { ...plan, observation: await runLeg(plan.spec, run.signal, onPhase) } : plan,
    );
    const [origin, edgePlan] = await Promise.all([originRun, edgeRun]);
    const resolved = await resolution.done;
    const edge = edgePlan.kind === "run" ? edgePlan.observation : null;

    const originNotRunReason = origin === null ? (gate.blockedBy ?? "not run: the origin leg did not start") : null;
    const originChecked = origin ? checkLeg(origin) : [];
    const originHasResponse = origin !== null && origin.tcp.status === "ran";
    const compared = compareEdge(origin, originChecked, edge, originNotRunReason);
    const findings: Finding[] = [
      ...checkResolution(resolved, gate.address),
      ...compared.originFindings,
      ...(edge ? checkEdge(edge, originHasResponse) : []),
      ...compared.findings,
    ];
    const interruption = interruptionOf(run.signal);
    const originLeg =
      origin !== null
        ? legReport(origin, findings, interruption)
        : notRunLegReport(
            "origin",
            request,
            gate.address,
            gate.blockedBy ??
              `not run: ${interruption === null ? "the run stopped" : describeInterruption(interruption)}`,
          );
    const address = origin?.spec.address ?? null;
    const report: Report = {
      kind: "report",
      schemaVersion: SCHEMA_VERSION,
      tool: { name: "diag520", version: VERSION },
      target: {
        hostname: request.hostname,
        displayHostname: request.displayHostname,
        origin: request.origin,
        address,
        scheme: request.scheme,
        port: request.port,
        path: request.path,
        method: request.method,
      },
      request: {
        method: wire.method,
        path: wire.path,
        httpVersion: "HTTP/1.1",
        headers: wire.headers.map(([n, v]) => [n, v]),
      },
      startedAt: startedAt.toISOString(),
      durationMs: roundMs(performance.now() - started),
      complete: interruption === null,
      interruption,
      resolution: resolutionReport(resolved, gate.address, findings, isProxied(resolved.hostname)),
      legs: {
        origin: originLeg,
        ...(edgePlan.kind === "none"
          ? {}
          : {
              edge:
                edgePlan.kind === "run"
                  ? edgeLegReport(edgePlan.observation, findings, interruption, edgePlan.context)
                  : notRunEdgeLegReport(edgePlan.target, edgePlan.address, edgePlan.reason, edgePlan.context),
            }),
      },
      findings,
      causes: rankCauses(findings),
      notChecked: notCheckedFromHere(request, gate.address, edge !== null),
      verdict: decideVerdict({
        findings,
        origin: originLeg,
        interruption,
        originNotRun: origin === null ? (originLeg.phases[0]?.skipReason ?? "not run") : null,
      }),
      reproduce: { curl: "" },
      redacted: [],
    };
    const bodies: Bodies = {
      ...(origin?.http.status === "ran" ? { origin: origin.http.outcome.record.body } : {}),
      ...(edge?.http.status === "ran" ? { edge: edge.http.outcome.record.body } : {}),
    };
    const shown = options.redact === null ? { report, bodies } : redactDiagnosis(report, bodies, options.redact);
    // Built once, from the request as the report now carries it (redacted), for the address diagnosed.
    const curl = reproduceCommand(shown.report.target, shown.report.request.headers, gate.address, {
      caFile: options.caFile ?? null,
    });
    return { report: { ...shown.report, reproduce: { curl } }, bodies: shown.bodies };
  } finally {
    run.clear();
  }
}

function interruptionOf(signal: AbortSignal): Interruption | null {
  const stop = stopOf(signal);
  if (stop === null) return null;
  return stop.kind === "cancelled" ? { kind: "cancelled", ms: null } : { kind: "run_deadline", ms: stop.ms };
}
