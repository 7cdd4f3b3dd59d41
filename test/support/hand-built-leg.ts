/**
 * Leg observations built by hand, for feeding the checks a fact directly (a refused connect, an
 * alert, a certificate problem) without a server that produces it. Only the phase under test is
 * filled in; the checks of the other phases see "not run" and stay silent.
 */
import type { LegSpec } from "../../src/legs/leg-spec.js";
import type {
  HttpOutcome,
  LegObservation,
  NotRunReason,
  PhaseRun,
  TcpOutcome,
  TlsOutcome,
} from "../../src/legs/observation.js";
import { legSpec } from "./leg-spec.js";

export function ran<T>(outcome: T, deadlineMs = 5_000): PhaseRun<T> {
  return { status: "ran", startedAt: "2026-01-01T00:00:00.000Z", durationMs: 1, deadlineMs, outcome };
}

export function notRun<T>(because: NotRunReason): PhaseRun<T> {
  return { status: "not_run", because };
}

export interface ObservationParts {
  readonly spec?: LegSpec;
  readonly tcp?: PhaseRun<TcpOutcome>;
  readonly tls?: PhaseRun<TlsOutcome>;
  readonly http?: PhaseRun<HttpOutcome>;
}

export function observation(parts: ObservationParts): LegObservation {
  return {
    spec: parts.spec ?? legSpec({ port: 443, tls: true }),
    tcp: parts.tcp ?? ran({ kind: "connected", elapsedMs: 1, localAddress: "127.0.0.1", localPort: 50_000 }),
    tls: parts.tls ?? notRun("not_applicable"),
    http: parts.http ?? notRun("earlier_phase_failed"),
  };
}
