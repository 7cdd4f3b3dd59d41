/**
 * Diagnoses a list of targets with bounded concurrency: one `diagnose()` per target, with every
 * leg it would have alone, the same options for all, and each result handed to `onDone` as it
 * finishes (awaited, so that a slow reader of the output slows the batch instead of filling
 * memory). Two deadlines: the per-target one (`maxTimeMs` of the settings, as for one run) and
 * the batch's own. A target started near the batch's end gets only the time that is left as its
 * whole-run deadline, so the batch ends on time with a report for every target it started;
 * targets not started by then, or by Ctrl-C, are returned as not started.
 */
import { setMaxListeners } from "node:events";
import { type Diagnosis, diagnose } from "../diagnose.js";
import type { DiagnoseOptions, DiagnoseRequest } from "../options.js";
import { monotonicMs } from "../text/monotonic-ms.js";

export interface BatchTarget {
  /** The input line it came from (1-based). */
  readonly line: number;
  readonly request: DiagnoseRequest;
}

export interface FinishedTarget {
  readonly target: BatchTarget;
  readonly diagnosis: Diagnosis;
}

export interface BatchRunOptions {
  readonly concurrency: number;
  /** The options of every diagnosis; `maxTimeMs` is the per-target deadline. */
  readonly settings: Omit<DiagnoseOptions, "signal" | "onPhaseStart">;
  /** The whole batch's deadline, or null. */
  readonly batchDeadlineMs: number | null;
  /** Ctrl-C: diagnoses under way stop and are reported incomplete; no new one starts. */
  readonly signal?: AbortSignal;
  readonly onStart?: (target: BatchTarget) => void;
  readonly onDone: (finished: FinishedTarget) => void | Promise<void>;
}

export interface BatchRun {
  /** In input order. */
  readonly notStarted: readonly BatchTarget[];
  readonly stoppedBy: "cancelled" | "batch_deadline" | null;
}

export async function runBatch(targets: readonly BatchTarget[], options: BatchRunOptions): Promise<BatchRun> {
  const deadlineAt = options.batchDeadlineMs === null ? null : monotonicMs() + options.batchDeadlineMs;
  // One signal for every diagnosis under way (each adds a listener to it: expected here), which
  // follows Ctrl-C and which a bug in one diagnosis aborts for all.
  const batch = new AbortController();
  setMaxListeners(options.concurrency + 8, batch.signal);
  const follow = (): void => batch.abort(options.signal?.reason);
  if (options.signal?.aborted) follow();
  else options.signal?.addEventListener("abort", follow, { once: true });
  let next = 0;
  let stoppedBy: BatchRun["stoppedBy"] = null;
  const perTargetMs = options.settings.maxTimeMs;

  const worker = async (): Promise<void> => {
    while (next < targets.length && stoppedBy === null) {
      if (batch.signal.aborted) {
        stoppedBy = "cancelled";
        break;
      }
      const remaining = deadlineAt === null ? null : Math.floor(deadlineAt - monotonicMs());
      if (remaining !== null && remaining < 1) {
        stoppedBy = "batch_deadline";
        break;
      }
      const target = targets[next++] as BatchTarget;
      const limitedByBatch = remaining !== null && (perTargetMs === null || remaining < perTargetMs);
      options.onStart?.(target);
      const diagnosis = await diagnose(target.request, {
        ...options.settings,
        maxTimeMs: limitedByBatch ? remaining : perTargetMs,
        signal: batch.signal,
      });
      await options.onDone({ target, diagnosis });
    }
  };

  const workers = Array.from({ length: Math.max(1, Math.min(options.concurrency, targets.length)) }, () =>
    worker().catch((error: unknown) => {
      // A bug in one diagnosis: stop the others, then report it (the CLI's internal error).
      stoppedBy ??= "cancelled";
      batch.abort();
      throw error;
    }),
  );
  try {
    const settled = await Promise.allSettled(workers);
    const failed = settled.find((result) => result.status === "rejected");
    if (failed) throw failed.reason;
  } finally {
    options.signal?.removeEventListener("abort", follow);
  }
  if (stoppedBy === null && batch.signal.aborted) stoppedBy = "cancelled";
  return { notStarted: targets.slice(next), stoppedBy };
}
