/**
 * A deadline as an AbortSignal, linked to the signals above it (the run's deadline, Ctrl-C).
 * Deliberately not `AbortSignal.any([…, AbortSignal.timeout(ms)])`: on Node 20 nothing keeps
 * the timeout signal alive inside `any()`, V8's garbage collector may collect it, and then it
 * never fires (nodejs/node#57736) — a diagnosis with the default 10 s timeout hung for ever.
 * An explicit controller and timer, held until `clear()`, always fire.
 */
/** Why a deadline aborted: which one (--timeout, --max-time) and how long it was. */
export class DeadlineExceeded extends Error {
  override readonly name = "TimeoutError";
  constructor(
    readonly ms: number,
    readonly option: string,
  ) {
    super(`${option} deadline of ${ms} ms passed`);
  }
}

/** The deadline that aborted `signal`, when it was one (not Ctrl-C). */
export function exceededDeadline(signal: AbortSignal): DeadlineExceeded | null {
  return signal.reason instanceof DeadlineExceeded ? signal.reason : null;
}

export interface Deadline {
  readonly signal: AbortSignal;
  /** Stops the timer and unlinks the parents; call it when the guarded work is over. */
  clear(): void;
}

/** `ms` null: no timer of its own, only the parents. `option` names it in the abort reason. */
export function startDeadline(ms: number | null, parents: readonly AbortSignal[] = [], option = "deadline"): Deadline {
  const controller = new AbortController();
  const timer = ms === null ? undefined : setTimeout(() => controller.abort(new DeadlineExceeded(ms, option)), ms);
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
