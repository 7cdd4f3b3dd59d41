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
import { checkH2Leg } from "./checks/check-h2-leg.js";
import { checkLeg } from "./checks/check-leg.js";
import { compareEdge } from "./checks/compare-edge.js";
import { compareLegs } from "./checks/compare-legs.js";
import { checkEdge } from "./checks/edge.js";
import { checkResolution, isProxied } from "./checks/resolution.js";
import { applySslMode } from "./checks/ssl-mode.js";
import { checkStrictClient, strictClientSubjects } from "./checks/strict-client.js";
import { startDeadline, stopOf } from "./deadline.js";
import type { Finding } from "./findings/catalogue.js";
import { buildEdgeToOriginRequest, buildVisitorRequest, newRayId } from "./http/request.js";
import { planEdgeLeg } from "./legs/edge-plan.js";
import type { H2LegObservation, LegObservation, StrictClientReplay } from "./legs/observation.js";
import { originH2LegSpec, originLegSpec } from "./legs/origin-leg.js";
import { type PhaseStartListener, runLeg } from "./legs/run-leg.js";
import { replayInputOf, replayToStrictClient } from "./legs/strict-client-replay.js";
import type { DiagnoseOptions, DiagnoseRequest } from "./options.js";
import { edgeLegReport, notRunEdgeLegReport } from "./report/edge-leg-report.js";
import { h2LegReport } from "./report/h2-leg-report.js";
import { legReport, notRunLegReport } from "./report/leg-report.js";
import { type Bodies, redactDiagnosis } from "./report/redact-report.js";
import { reportRequest, reportTarget } from "./report/report-target.js";
import { resolutionReport } from "./report/resolution-report.js";
import type { Interruption, Report } from "./report/schema.js";
import { SCHEMA_VERSION } from "./report/schema-version.js";
import { sslModeTable, verdictUnderMode } from "./report/ssl-modes.js";
import { decideVerdict, describeInterruption } from "./report/verdict.js";
import { originGate } from "./resolve/origin-gate.js";
import { startResolution } from "./resolve/resolve.js";
import { offersH2, sslModeOf } from "./ssl-mode.js";
import { monotonicMs } from "./text/monotonic-ms.js";
import { roundMs } from "./text/round-ms.js";
import { VERSION } from "./version.js";

export interface Diagnosis {
  readonly report: Report;
  /** Each leg's response body as read (at most --max-body bytes), for the HAR file; not in the report. */
  readonly bodies: Bodies;
}

export async function diagnose(request: DiagnoseRequest, options: DiagnoseOptions): Promise<Diagnosis> {
  const startedAt = new Date();
  const started = monotonicMs();
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
    const address = gate.address !== null && gate.blockedBy === null ? gate.address : null;
    const onPhaseStart: PhaseStartListener = (leg, phase, deadlineMs) =>
      options.onPhaseStart?.({ leg, phase, deadlineMs });
    // Each leg owns its connection: the raw HTTP/1.1 one and, when the edge would offer h2, the
    // HTTP/2 one run side by side.
    const h2Planned = offersH2(request);
    // The edge leg runs beside them: the edge's answer does not wait for the origin's, nor the reverse.
    const edgeRun = planEdgeLeg(request, options, visitor, resolution.done, run.signal).then(async (plan) =>
      plan.kind === "run" ? { ...plan, observation: await runLeg(plan.spec, run.signal, onPhaseStart) } : plan,
    );
    const [[origin, originH2], edgePlan]: [[LegObservation | null, H2LegObservation | null], Awaited<typeof edgeRun>] =
      await Promise.all([
        address === null
          ? ([null, null] as [null, null])
          : Promise.all([
              runLeg(originLegSpec(request, options, address, wire), run.signal, onPhaseStart),
              h2Planned ? runLeg(originH2LegSpec(request, options, address, wire), run.signal, onPhaseStart) : null,
            ]),
        edgeRun,
      ]);
    const resolved = await resolution.done;
    const edge = edgePlan.kind === "run" ? edgePlan.observation : null;

    // The pair judges the origin leg's findings: an error today's edge tolerates becomes a warning.
    const compared = compareEdge(
      origin,
      origin ? checkLeg(origin) : [],
      edge,
      origin === null ? (gate.blockedBy ?? "not run") : null,
    );
    const originFindings = compared.originFindings;
    // The second opinion: only for a fault the edge tolerates, so a healthy run pays nothing.
    const strictSubjects = strictClientSubjects(originFindings);
    const strictReplay =
      origin === null || strictSubjects.length === 0 ? null : await secondOpinion(origin, run.signal, options);
    const sslMode = sslModeOf(request);
    // Checks judge as Full (strict) does; the chosen mode then decides what is a failure.
    const strictFindings: Finding[] = compareLegs(
      [
        ...checkResolution(resolved, gate.address),
        ...originFindings,
        ...(originH2 ? checkH2Leg(originH2, originFindings) : []),
        ...(edge ? checkEdge(edge, origin !== null && origin.tcp.status === "ran") : []),
        ...compared.findings,
        ...checkStrictClient(strictReplay, strictSubjects),
      ],
      originH2,
    );
    const findings = applySslMode(strictFindings, sslMode);
    const interruption = interruptionOf(run.signal);
    const notRunReason =
      gate.blockedBy ?? `not run: ${interruption === null ? "the run stopped" : describeInterruption(interruption)}`;
    const originLeg =
      origin !== null
        ? legReport(origin, findings, interruption)
        : notRunLegReport("origin", request, gate.address, notRunReason);
    const legs: Report["legs"] = { origin: originLeg };
    if (h2Planned) {
      legs["origin-h2"] =
        originH2 !== null
          ? h2LegReport(originH2, findings, interruption)
          : notRunLegReport("origin-h2", request, gate.address, notRunReason);
    }
    if (edgePlan.kind === "run")
      legs.edge = edgeLegReport(edgePlan.observation, findings, interruption, edgePlan.context);
    else if (edgePlan.kind === "skip")
      legs.edge = notRunEdgeLegReport(edgePlan.target, edgePlan.address, edgePlan.reason, edgePlan.context);
    const report: Report = {
      kind: "report",
      schemaVersion: SCHEMA_VERSION,
      tool: { name: "diag520", version: VERSION },
      target: reportTarget(request, origin?.spec.address ?? null),
      request: reportRequest(wire),
      startedAt: startedAt.toISOString(),
      durationMs: roundMs(monotonicMs() - started),
      complete: interruption === null,
      interruption,
      resolution: resolutionReport(resolved, gate.address, findings, isProxied(resolved.hostname)),
      legs,
      findings,
      causes: rankCauses(findings),
      notChecked: notCheckedFromHere(request, gate.address, edge !== null),
      verdict: verdictUnderMode(
        decideVerdict({
          findings,
          origin: originLeg,
          interruption,
          originNotRun: origin === null ? (originLeg.phases[0]?.skipReason ?? "not run") : null,
        }),
        findings,
        sslMode,
      ),
      sslModes: sslModeTable({ request, address, strictFindings, interruption }),
      reproduce: { curl: "" },
      redacted: [],
    };
    const bodies: Bodies = {};
    if (origin?.http.status === "ran") bodies.origin = origin.http.outcome.record.body;
    const h2Body = originH2 === null ? null : h2ResponseBody(originH2);
    if (h2Body !== null) bodies["origin-h2"] = h2Body;
    if (edge?.http.status === "ran") bodies.edge = edge.http.outcome.record.body;
    const shown = options.redact === null ? { report, bodies } : redactDiagnosis(report, bodies, options.redact);
    // Built once, from the request as the report now carries it (redacted), for the address diagnosed;
    // without an origin leg, the request that was made: the visitor's, through the edge.
    const edgeLeg = shown.report.legs.edge;
    const visitorFields = new Set(visitor.headers.map(([name]) => name.toLowerCase()));
    const curl =
      origin === null && edgeLeg !== undefined && edgeLeg.skipReason === null
        ? reproduceCommand(
            { ...shown.report.target, scheme: edgeLeg.scheme, port: edgeLeg.port, path: edgeLeg.path },
            // The visitor's own fields (as the report carries them, redacted), not those the edge adds.
            shown.report.request.headers.filter(([name]) => visitorFields.has(name.toLowerCase())),
            edgeLeg.pinned ? edgeLeg.address : null,
            { caFile: options.caFile ?? null },
          )
        : reproduceCommand(shown.report.target, shown.report.request.headers, gate.address, {
            caFile: options.caFile ?? null,
          });
    return { report: { ...shown.report, reproduce: { curl } }, bodies: shown.bodies };
  } finally {
    run.clear();
  }
}

/** What a strict client does with the origin's response head, replayed from the bytes the origin leg read. */
async function secondOpinion(
  origin: LegObservation,
  signal: AbortSignal,
  options: DiagnoseOptions,
): Promise<StrictClientReplay | null> {
  const input = replayInputOf(origin);
  if (input === null || signal.aborted) return null;
  options.onPhaseStart?.({ leg: "origin", phase: "strict_client", deadlineMs: input.deadlineMs });
  return replayToStrictClient(input, signal);
}

/** The body of the HTTP/2 response the leg ended with: the retry's, when there was one. */
function h2ResponseBody(leg: H2LegObservation): Buffer | null {
  if (leg.http2.status !== "ran") return null;
  const { exchange, retry } = leg.http2.outcome;
  const last = retry?.kind === "exchanged" ? retry.exchange : exchange;
  return last.response?.body ?? null;
}

function interruptionOf(signal: AbortSignal): Interruption | null {
  const stop = stopOf(signal);
  if (stop === null) return null;
  return stop.kind === "cancelled" ? { kind: "cancelled", ms: null } : { kind: "run_deadline", ms: stop.ms };
}
