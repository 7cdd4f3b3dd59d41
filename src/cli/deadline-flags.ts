/**
 * The engine says which deadline fired as a kind ("phase", "run"); only the CLI knows which
 * option sets each, and says so to the user.
 */
import type { DeadlineKind } from "../deadline.js";
import type { Interruption } from "../report/schema.js";

export const DEADLINE_FLAGS: Readonly<Record<DeadlineKind, string>> = { phase: "--timeout", run: "--max-time" };

/** "interrupted by the user (Ctrl-C)" or "stopped by --max-time (2000 ms)". */
export function describeInterruption(interruption: Interruption): string {
  return interruption.kind === "cancelled"
    ? "interrupted by the user (Ctrl-C)"
    : `stopped by ${DEADLINE_FLAGS.run} (${interruption.ms} ms)`;
}
