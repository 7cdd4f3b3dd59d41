/**
 * Input records into targets: each line's fields over the run's flags, judged by the single
 * run's own validation (`toDiagnoseCommand`, the src/input/ validators), so that a line is valid
 * exactly when the same values given as flags would be. A line that is not becomes an error entry
 * with its line number; the other lines still run.
 */
import { UsageError } from "../errors.js";
import type { InputErrorEntry } from "../fleet/batch-entry.js";
import type { InputRecord, LineFields } from "../fleet/batch-input.js";
import type { BatchTarget } from "../fleet/batch-runner.js";
import type { DiagnoseRequest } from "../options.js";
import { type RawOptions, toDiagnoseCommand } from "./command-line.js";

export interface BatchTargets {
  readonly targets: BatchTarget[];
  readonly errors: InputErrorEntry[];
}

export function batchTargets(records: readonly InputRecord[], flags: RawOptions): BatchTargets {
  const targets: BatchTarget[] = [];
  const errors: InputErrorEntry[] = [];
  for (const record of records) {
    if ("error" in record) {
      errors.push({ kind: "error", line: record.line, message: record.error });
      continue;
    }
    try {
      targets.push({ line: record.line, request: requestFor(record.fields, flags) });
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      errors.push({ kind: "error", line: record.line, message: error.message });
    }
  }
  return { targets, errors };
}

/** A line's fields win over the run's flags; its headers come after the run's. */
export function requestFor(fields: LineFields, flags: RawOptions): DiagnoseRequest {
  const merged: RawOptions = {
    ...flags,
    // Read once for the whole batch (its settings), not once per line.
    caFile: undefined,
    origin: fields.origin ?? flags.origin,
    port: fields.port ?? flags.port,
    // A line's sslMode implies its scheme: the run's --scheme must not contradict it.
    scheme: fields.scheme ?? (fields.sslMode === undefined ? flags.scheme : undefined),
    sslMode: fields.sslMode ?? flags.sslMode,
    h2: fields.h2 ?? flags.h2,
    path: fields.path ?? flags.path,
    method: fields.method ?? flags.method,
    header: [...(flags.header ?? []), ...(fields.headers ?? [])],
  };
  return toDiagnoseCommand(fields.hostname, merged).request;
}
