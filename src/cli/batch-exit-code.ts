/**
 * A batch's exit code is the run's exit code over all its reports (exit-code.ts, one function
 * for every kind of run). The lines that produced no report take part as what they are: a bad
 * input line fails the batch as an error finding does; a target that never started is a part of
 * the run that did not finish (Ctrl-C, or the batch deadline).
 */
import type { BatchEntry } from "../fleet/batch-entry.js";
import { exitCodeFor, type ReportOutcome } from "./exit-code.js";

export function batchExitCode(entries: readonly BatchEntry[]): number {
  return exitCodeFor(entries.map(outcomeOf));
}

function outcomeOf(entry: BatchEntry): ReportOutcome {
  switch (entry.kind) {
    case "report":
      return { verdict: entry.verdict, interruption: entry.interruption };
    case "error":
      return {
        verdict: {
          ok: false,
          status: "fail",
          edgeStatus: null,
          summary: `bad input line: ${entry.message}`,
          decidingFinding: null,
        },
        interruption: null,
      };
    case "not_started":
      return {
        verdict: { ok: false, status: "incomplete", edgeStatus: null, summary: "not started", decidingFinding: null },
        interruption: entry.interruption,
      };
  }
}
