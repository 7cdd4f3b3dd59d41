/**
 * A deadline as an AbortSignal, linked to the signals above it (the run's deadline, Ctrl-C).
 * Deliberately not `AbortSignal.any([…, AbortSignal.timeout(ms)])`: on Node 20 nothing keeps
 * the timeout signal alive inside `any()`, V8's garbage collector may collect it, and then it
 * never fires (nodejs/node#57736) — a diagnosis with the default timeout hung for ever.
 * An explicit controller and timer, held until `clear()`, always fire.
 *
 * Which deadline stopped a piece of work is typed (`Stop`): the engine knows no flag names; the
 * CLI maps "phase" and "run" to the options that set them.
 */

/** What stopped work early: Ctrl-C (or a caller's abort), the per-phase deadline, or the whole-run deadline. */
export type Stop =
  | { readonly kind: "cancelled" }
  | { readonly kind: "deadline"; readonly deadline: DeadlineKind; readonly ms: number };

export type DeadlineKind = "phase" | "run";

export class DeadlineExceeded extends Error {
  override readonly name = "TimeoutError";
  constructor(
    readonly deadline: DeadlineKind,
    readonly ms: number,
  ) {
    super(`the ${deadline} deadline of ${ms} ms passed`);
  }
}

/** Why `signal` aborted, or null while it has not. Any abort that is not a deadline counts as cancelled. */
export function stopOf(signal: AbortSignal): Stop | null {
  if (!signal.aborted) return null;
  const reason: unknown = signal.reason;
  return reason instanceof DeadlineExceeded
    ? { kind: "deadline", deadline: reason.deadline, ms: reason.ms }
    : { kind: "cancelled" };
}

export interface Deadline {
  readonly signal: AbortSignal;
  /** Stops the timer and unlinks the parents; call it when the guarded work is over. */
  clear(): void;
}

/** `ms` null: no timer of its own, only the parents. */
export function startDeadline(ms: number | null, parents: readonly AbortSignal[], kind: DeadlineKind): Deadline {
  const controller = new AbortController();
  const timer = ms === null ? undefined : setTimeout(() => controller.abort(new DeadlineExceeded(kind, ms)), ms);
  const unlinks: (() => void)[] = [];
  for (const parent of parents) {
    if (parent.aborted) {
      controller.abort(parent.reason);
      break;
    }
    const follow = () => controller.abort(parent.reason);
    parent.addEventListener("abort", follow, { once: true });
    unlinks.push(() => parent.removeEventListener("abort", follow));
  }
  return {
    signal: controller.signal,
    clear: () => {
      clearTimeout(timer);
      for (const unlink of unlinks) unlink();
    },
  };
}
