/**
 * `diag520 batch <file|->`: the subcommand and its own options, registered on the program by
 * command-line.ts, and the parsed command. The run's other flags (--timeout, --ca-file,
 * --dns-server, --header, …) are the program's own, so they apply to every line as they would to
 * one diagnosis; they are validated once here, before any input is read. No zod here: this file
 * is loaded on every start.
 */
import { type Command, Help } from "commander";
import { UsageError } from "../errors.js";
import type { InputFormat } from "../fleet/batch-input.js";
import { parseSeconds } from "../input/arguments.js";
import type { DiagnoseSettings, RawOptions } from "./command-line.js";
import { type BatchFormat, batchFormat, metricsPath } from "./output-format.js";

export const DEFAULT_CONCURRENCY = 8;
export const MAX_CONCURRENCY = 256;
/** A hostname that validates and is never used: the run's flags are checked once with it (RFC 2606). */
const FLAGS_CHECK_HOSTNAME = "batch.invalid";

/** The program's options that a batch refuses or has its own of, kept out of its help. */
/** The single run's outputs: a batch's JSON lines carry each report. */
const REPORT_OUTPUTS = ["har", "report"] as const;
/** A series' options: a batch diagnoses each line once (its --concurrency is its own). */
const SERIES_OPTIONS = ["repeat", "for", "interval", "tolerate"] as const;
const SINGLE_RUN_ONLY = [...REPORT_OUTPUTS, ...SERIES_OPTIONS, "version", "concurrency"].map((name) => `--${name}`);

export interface BatchOwnOptions {
  concurrency?: string;
  batchMaxTime?: string;
  inputFormat?: string;
}

export interface BatchCommand {
  readonly kind: "batch";
  /** A path, or "-" for stdin. */
  readonly input: string;
  /** null: by the file's extension, else by its first line. */
  readonly inputFormat: InputFormat | null;
  readonly concurrency: number;
  readonly batchDeadlineMs: number | null;
  /** null: human on a terminal, jsonl when piped. */
  readonly format: BatchFormat | null;
  readonly metricsPath: string | null;
  readonly color: boolean | undefined;
  /** The run's own flags, as given: every line starts from them, and a line's own fields win. */
  readonly flags: RawOptions;
  /** What every diagnosis shares (deadlines, limits, trust, DNS, redaction), validated once. */
  readonly settings: DiagnoseSettings;
}

const BATCH_HELP = `
Input: one target per line. Text: 'hostname [origin[:port]] [port]', '#' starts a comment.
CSV: a header row (hostname,origin,port,scheme,path,method,sslMode,headers), one row per target.
JSON Lines: one object per line with the same fields ("headers": [["Name", "value"], ...]).
Every line is a target, duplicates included; the flags of the run apply to every line, and a
line's own fields win. A bad line is reported with its line number and fails the batch; the
other lines still run.

Output (--format): jsonl (default when stdout is not a terminal) is one JSON line per target
as it finishes: the --json document plus "line", or {"kind":"error","line":N,"message":...};
human (default on a terminal) shows progress on stderr and a summary table at the end;
junit is JUnit XML (one testcase per line); github is workflow annotations on stdout and a
Markdown summary appended to $GITHUB_STEP_SUMMARY. --metrics writes a Prometheus textfile.

Examples:
  diag520 batch origins.txt                              progress, then a summary table
  diag520 batch origins.txt | jq -c 'select(.exitCode != 0)'
  diag520 batch origins.csv --format junit > diag520.xml
  diag520 batch origins.txt --format github --metrics /var/lib/node_exporter/diag520.prom
  printf 'example.com 203.0.113.7\\nexample.org [2001:db8::7]:8443\\n' | diag520 batch -

Exit codes, over the whole batch: 0 every target passes, 1 a target would make the CDN fail,
a bad input line, or a target left unstarted by --batch-max-time, 2 usage or input error
(nothing ran), 3 internal error, 130 interrupted (what finished is printed).`;

/** Adds `batch` to the program; `onBatch` gets the file and every option (the program's and its own). */
export function registerBatchCommand(
  program: Command,
  onBatch: (input: string, raw: RawOptions & BatchOwnOptions) => void,
): void {
  program
    .command("batch")
    .description("diagnose a list of targets (text, CSV or JSON Lines), for fleets and CI")
    .argument("<file>", "the targets, one per line; - reads stdin")
    .option("--concurrency <n>", `targets diagnosed at once (default: ${DEFAULT_CONCURRENCY})`)
    .option("--batch-max-time <seconds>", "deadline for the whole batch; --max-time is each target's")
    .option("--input-format <format>", "text, csv or jsonl (default: by the file's extension, else its first line)")
    .configureHelp({
      showGlobalOptions: true,
      // The program's options that apply to every line; the single run's outputs do not.
      visibleGlobalOptions: (command) =>
        (command.parent?.options ?? []).filter(
          (option) => !option.hidden && !SINGLE_RUN_ONLY.includes(option.long ?? ""),
        ),
      formatItemList(heading, items, helper) {
        const title = heading === "Global Options:" ? "Options for every target (as for one diagnosis):" : heading;
        return Help.prototype.formatItemList.call(this, title, items, helper);
      },
    })
    .addHelpText("after", BATCH_HELP)
    .action((input: string, _own: BatchOwnOptions, command: Command) =>
      onBatch(input, command.optsWithGlobals<RawOptions & BatchOwnOptions>()),
    );
}

/** Validates the batch's options and the run's flags; `toSettings` is the single run's own validation. */
export function toBatchCommand(
  input: string,
  raw: RawOptions & BatchOwnOptions,
  toSettings: (hostname: string, raw: RawOptions) => DiagnoseSettings,
): BatchCommand {
  const refused = (names: readonly (keyof RawOptions)[]) => names.find((name) => raw[name] !== undefined);
  const output = refused(REPORT_OUTPUTS);
  if (output !== undefined) {
    throw new UsageError(
      `--${output} is for one diagnosis (diag520 <hostname> --${output} …); a batch's JSON lines carry each report`,
    );
  }
  const series = refused(SERIES_OPTIONS);
  if (series !== undefined) {
    throw new UsageError(
      `--${series} samples one target as a series (diag520 <hostname> --${series} …); a batch diagnoses each line once`,
    );
  }
  if (input === "") throw new UsageError("give the file of targets, or - to read them from stdin");
  // --concurrency, --batch-max-time and --input-format are the batch's own: the lines never see them.
  const { concurrency, batchMaxTime, inputFormat, ...flags } = raw;
  return {
    kind: "batch",
    input,
    inputFormat: inputFormat === undefined ? null : parseInputFormat(inputFormat),
    concurrency: concurrency === undefined ? DEFAULT_CONCURRENCY : parseConcurrency(concurrency),
    batchDeadlineMs: batchMaxTime === undefined ? null : parseSeconds(batchMaxTime, "--batch-max-time"),
    format: batchFormat(raw),
    metricsPath: metricsPath(raw),
    color: raw.color,
    flags,
    // A batch asks each origin only (the edge leg is one diagnosis's comparison).
    settings: { ...toSettings(FLAGS_CHECK_HOSTNAME, flags), edge: undefined },
  };
}

function parseConcurrency(input: string): number {
  const n = /^[0-9]+$/.test(input) ? Number(input) : Number.NaN;
  if (!(n >= 1 && n <= MAX_CONCURRENCY)) {
    throw new UsageError(`invalid --concurrency '${input}': give a whole number from 1 to ${MAX_CONCURRENCY}`);
  }
  return n;
}

function parseInputFormat(input: string): InputFormat {
  if (input === "text" || input === "csv" || input === "jsonl") return input;
  throw new UsageError(`invalid --input-format '${input}': use text, csv or jsonl`);
}
