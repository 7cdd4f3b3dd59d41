/**
 * One sample of a series: a leg's observation and the findings its checks wrote, reduced to a
 * compact record (numbers, codes, an address: no bytes from the wire, so nothing to redact).
 * A sample that Ctrl-C or the whole-run deadline cut short says nothing about the origin: it is
 * "interrupted" and counts in no rate.
 */
import type { Stop } from "../deadline.js";
import type { Finding, FindingCode } from "../findings/catalogue.js";
import type { LegObservation, PhaseRun } from "../legs/observation.js";
import type { SampleOutcome, SampleRecord } from "../report/series-schema.js";
import { roundMs } from "../text/round-ms.js";

export interface Sample {
  readonly record: SampleRecord;
  /** The sample's findings; none for an interrupted sample. */
  readonly findings: readonly Finding[];
}

export interface SampleTiming {
  /** The sample's number in its leg's series, from 1, in start order. */
  readonly n: number;
  /** When it started, from the start of the series. */
  readonly atMs: number;
  /** Its wall time, from the start of the leg to the end of its checks. */
  readonly totalMs: number;
}

export function toSample(timing: SampleTiming, observation: LegObservation, findings: readonly Finding[]): Sample {
  const outcome = sampleOutcome(observation, findings);
  const counted = outcome === "interrupted" ? [] : findings;
  const http = observation.http;
  return {
    record: {
      n: timing.n,
      address: observation.spec.address,
      atMs: roundMs(timing.atMs),
      outcome,
      codes: unique(counted.map((f) => f.code)),
      edgeStatus: counted.find((f) => f.severity === "error")?.edgeStatus ?? null,
      statusCode: http.status === "ran" ? (http.outcome.record.head?.statusCode ?? null) : null,
      ms: {
        tcp: durationOf(observation.tcp),
        tls: durationOf(observation.tls),
        http: durationOf(http),
        total: roundMs(timing.totalMs),
      },
    },
    findings: counted,
  };
}

export function sampleOutcome(observation: LegObservation, findings: readonly Finding[]): SampleOutcome {
  if (cutByTheRun(observation)) return "interrupted";
  if (findings.some((f) => f.severity === "error")) return "error";
  if (findings.some((f) => f.severity === "warning")) return "warning";
  return "ok";
}

/** Ctrl-C or the whole-run deadline stopped a phase (a phase's own deadline is a fact: a timeout). */
function cutByTheRun(observation: LegObservation): boolean {
  const phases = [observation.tcp, observation.tls, observation.http] as const;
  if (phases.some((phase) => phase.status === "not_run" && phase.because === "stopped")) return true;
  const stops: (Stop | null)[] = [
    stopIn(observation.tcp),
    stopIn(observation.tls),
    observation.http.status === "ran" ? observation.http.outcome.exchange.end.stop : null,
  ];
  return stops.some((stop) => stop !== null && (stop.kind === "cancelled" || stop.deadline === "run"));
}

function stopIn(phase: PhaseRun<{ readonly kind: string; readonly stop?: Stop }>): Stop | null {
  return phase.status === "ran" && phase.outcome.kind === "stopped" ? (phase.outcome.stop ?? null) : null;
}

function durationOf(phase: PhaseRun<unknown>): number | null {
  return phase.status === "ran" ? phase.durationMs : null;
}

function unique(codes: readonly FindingCode[]): FindingCode[] {
  return [...new Set(codes)];
}
