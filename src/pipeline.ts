/**
 * Runs the probes in order. The runner, not the probes, owns timing, deadlines, the try/catch
 * and skip reasons (STYLE.md §2): each phase gets its own deadline (`--timeout`) inside the
 * deadline of the whole run (`--max-time`, Ctrl-C), and whatever socket the probes opened is
 * closed when the run ends, however it ends.
 */

import { startDeadline } from "./deadline.js";
import { InternalError } from "./errors.js";
import type { Finding, PhaseName } from "./findings/catalogue.js";
import type { DiagnoseOptions, DiagnoseRequest } from "./options.js";
import { dnsProbe } from "./probes/dns.js";
import { httpProbe } from "./probes/http.js";
import type { PipelineState, Probe, ProbeResult } from "./probes/probe.js";
import { tcpProbe } from "./probes/tcp.js";
import { tlsProbe } from "./probes/tls.js";
import type { PhaseResult } from "./report/schema.js";
import { roundMs } from "./text/round-ms.js";

const PROBES: readonly Probe<PhaseName>[] = [dnsProbe, tcpProbe, tlsProbe, httpProbe];

/** How long a probe may take to wind down after its deadline before it counts as a bug. */
const ABORT_GRACE_MS = 1_000;

export interface PipelineRun {
  readonly phases: readonly PhaseResult[];
  readonly findings: readonly Finding[];
  readonly state: PipelineState;
  /** Why the run stopped early (Ctrl-C, --max-time), or null when it ran to its end. */
  readonly interruption: string | null;
}

export async function runPipeline(request: DiagnoseRequest, options: DiagnoseOptions): Promise<PipelineRun> {
  const state: PipelineState = { request, options, facts: {}, socket: null, responseBody: null };
  const run = startDeadline(options.maxTimeMs, options.signal ? [options.signal] : [], "--max-time");
  const runSignal = run.signal;
  const phases: PhaseResult[] = [];
  const findings: Finding[] = [];
  let blockedBy: string | null = null;
  let interruption: string | null = null;

  try {
    for (const probe of PROBES) {
      if (runSignal.aborted && interruption === null) interruption = interruptionReason(options);
      const reason = probe.notApplicable(state) ?? blockedBy ?? (interruption ? `not run: ${interruption}` : null);
      if (reason !== null) {
        phases.push(skippedPhase(probe.name, reason));
        continue;
      }
      options.onPhaseStart?.(probe.name);
      const phase = startDeadline(options.timeoutMs, [runSignal], "--timeout");
      const startedAt = new Date().toISOString();
      const started = performance.now();
      const result = await settleWithin(probe, state, phase.signal, options.timeoutMs).finally(phase.clear);
      const durationMs = roundMs(performance.now() - started);

      if (options.signal?.aborted) {
        // Interrupted by the user: what the probe saw is not a finding about the origin.
        interruption = interruptionReason(options);
        phases.push(interruptedPhase(probe.name, startedAt, durationMs));
        continue;
      }
      // --max-time cut this phase short: whatever it found, the run did not finish.
      if (runSignal.aborted) interruption = interruptionReason(options);
      (state.facts as Record<string, unknown>)[probe.name] = result.facts;
      findings.push(...result.findings);
      phases.push(finishedPhase(probe.name, result, startedAt, durationMs));
      if (!result.ok) blockedBy = `not run: the ${probe.name} phase failed (${result.summary})`;
    }
  } finally {
    run.clear();
    state.socket?.destroy();
    state.socket = null;
  }
  return { phases, findings, state, interruption };
}

function interruptionReason(options: DiagnoseOptions): string {
  return options.signal?.aborted ? "interrupted by the user" : `stopped by --max-time (${options.maxTimeMs} ms)`;
}

/**
 * Awaits the probe; a probe that ignores its deadline is a bug, reported as an internal error
 * rather than a hang. Two guards: the grace after the signal aborts (Ctrl-C, --max-time), and a
 * timer of its own at the phase deadline plus the grace, whatever happens to the signal.
 */
async function settleWithin<N extends PhaseName>(
  probe: Probe<N>,
  state: PipelineState,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<ProbeResult<N>> {
  const timers: NodeJS.Timeout[] = [];
  let onAbort: (() => void) | undefined;
  const stuck = new Promise<never>((_, reject) => {
    const fail = () =>
      reject(new InternalError(`the ${probe.name} probe did not stop within ${ABORT_GRACE_MS} ms of its deadline`));
    timers.push(setTimeout(fail, timeoutMs + ABORT_GRACE_MS));
    onAbort = () => timers.push(setTimeout(fail, ABORT_GRACE_MS));
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([probe.run(state, signal), stuck]);
  } finally {
    if (onAbort) signal.removeEventListener("abort", onAbort);
    for (const timer of timers) clearTimeout(timer);
  }
}

function phaseStatus(result: ProbeResult<PhaseName>): PhaseResult["status"] {
  return !result.ok || result.findings.some((f) => f.severity === "error") ? "failed" : "passed";
}

function finishedPhase<N extends PhaseName>(
  name: N,
  result: ProbeResult<N>,
  startedAt: string,
  durationMs: number,
): PhaseResult {
  return {
    name,
    status: phaseStatus(result),
    startedAt,
    durationMs,
    summary: result.summary,
    skipReason: null,
    facts: result.facts,
  } as PhaseResult;
}

function skippedPhase(name: PhaseName, reason: string): PhaseResult {
  return {
    name,
    status: "skipped",
    startedAt: null,
    durationMs: null,
    summary: reason,
    skipReason: reason,
    facts: null,
  };
}

function interruptedPhase(name: PhaseName, startedAt: string, durationMs: number): PhaseResult {
  const summary = "interrupted before the phase finished";
  return { name, status: "skipped", startedAt, durationMs, summary, skipReason: summary, facts: null };
}
