/**
 * `--format` and `--metrics`, for a single run and for a batch: which document goes to stdout,
 * and where the Prometheus textfile goes. Pure; a bad value is a UsageError.
 */
import { UsageError } from "../errors.js";

/** human: the report for a person · json: one document (as --json) · jsonl: one compact line per target · junit: JUnit XML · github: workflow annotations. */
export const OUTPUT_FORMATS = ["human", "json", "jsonl", "junit", "github"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];
export type BatchFormat = Exclude<OutputFormat, "json">;

export interface FormatFlags {
  readonly json?: boolean;
  readonly format?: string;
  readonly metrics?: string;
}

/** A single run's format: --format, else json for --json, else human. */
export function singleRunFormat(flags: FormatFlags): OutputFormat {
  const format = flags.format === undefined ? undefined : parseFormat(flags.format, OUTPUT_FORMATS);
  if (flags.json === true && format !== undefined && format !== "json") {
    throw new UsageError(`--json and --format ${format} both choose what goes to stdout: give one`);
  }
  return format ?? (flags.json === true ? "json" : "human");
}

/** A batch's format, or null to decide by the terminal (human on a terminal, jsonl when piped). --json means jsonl. */
export function batchFormat(flags: FormatFlags): BatchFormat | null {
  const allowed = OUTPUT_FORMATS.filter((f): f is BatchFormat => f !== "json");
  if (flags.format === "json") {
    throw new UsageError(
      "invalid --format 'json' for a batch: it writes JSON Lines, one document per target (--format jsonl)",
    );
  }
  const format = flags.format === undefined ? undefined : parseFormat(flags.format, allowed);
  if (flags.json === true && format !== undefined && format !== "jsonl") {
    throw new UsageError(`--json and --format ${format} both choose what goes to stdout: give one`);
  }
  return format ?? (flags.json === true ? "jsonl" : null);
}

export function metricsPath(flags: FormatFlags): string | null {
  if (flags.metrics === undefined) return null;
  if (flags.metrics === "" || flags.metrics === "-") {
    throw new UsageError(
      "invalid --metrics: give the path of the textfile to write (node_exporter reads *.prom files)",
    );
  }
  return flags.metrics;
}

function parseFormat<F extends string>(value: string, allowed: readonly F[]): F {
  if ((allowed as readonly string[]).includes(value)) return value as F;
  throw new UsageError(`invalid --format '${value}': use ${allowed.join(", ")}`);
}
