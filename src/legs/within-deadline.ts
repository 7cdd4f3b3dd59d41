/**
 * Runs one phase of a leg under its own deadline, inside the run's signal, and times it.
 * A phase that ignores its deadline is a bug, reported as an internal error rather than a hang:
 * two guards, the grace after the signal aborts (Ctrl-C, the run deadline), and a timer of its
 * own at the phase deadline plus the grace, whatever happens to the signal.
 */
import { startDeadline } from "../deadline.js";
import { InternalError } from "../errors.js";
import { monotonicMs } from "../text/monotonic-ms.js";
import { roundMs } from "../text/round-ms.js";
import type { PhaseRun } from "./observation.js";

/** How long a phase may take to wind down after its deadline before it counts as a bug. */
const ABORT_GRACE_MS = 1_000;

export async function runPhase<T>(
  name: string,
  deadlineMs: number,
  runSignal: AbortSignal,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<Extract<PhaseRun<T>, { status: "ran" }>> {
  const deadline = startDeadline(deadlineMs, [runSignal], "phase");
  const startedAt = new Date().toISOString();
  const started = monotonicMs();
  try {
    const outcome = await settleWithin(name, work(deadline.signal), deadline.signal, deadlineMs);
    return { status: "ran", startedAt, durationMs: roundMs(monotonicMs() - started), deadlineMs, outcome };
  } finally {
    deadline.clear();
  }
}

async function settleWithin<T>(name: string, work: Promise<T>, signal: AbortSignal, timeoutMs: number): Promise<T> {
  const timers: NodeJS.Timeout[] = [];
  let onAbort: (() => void) | undefined;
  const stuck = new Promise<never>((_, reject) => {
    const fail = () =>
      reject(new InternalError(`the ${name} phase did not stop within ${ABORT_GRACE_MS} ms of its deadline`));
    timers.push(setTimeout(fail, timeoutMs + ABORT_GRACE_MS));
    onAbort = () => timers.push(setTimeout(fail, ABORT_GRACE_MS));
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([work, stuck]);
  } finally {
    if (onAbort) signal.removeEventListener("abort", onAbort);
    for (const timer of timers) clearTimeout(timer);
  }
}
