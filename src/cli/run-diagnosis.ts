/**
 * One diagnosis from the command line: checks the artefact paths before anything runs, shows
 * progress, runs `diagnose()`, writes the artefacts, prints the report (human or JSON) and
 * returns the exit code. The streams, environment and signal come from cli.ts, which alone
 * touches `process`.
 */
import { preflightArtifactPath } from "../artifacts/artifact-paths.js";
import type { TicketArtifacts } from "../artifacts/ticket-artifacts.js";
import type { Diagnosis } from "../diagnose.js";
import type { DiagnoseOptions, PhaseStart } from "../options.js";
import { decideColorLevel } from "../render/color-choice.js";
import type { ReportDocument } from "../report/schema.js";
import { stringifyJsonForTerminal } from "../text/escape.js";
import { monotonicMs } from "../text/monotonic-ms.js";
import { VERSION } from "../version.js";
import type { ParsedCommand } from "./command-line.js";
import { exitCodeFor } from "./exit-code.js";
import { startProgress } from "./progress.js";
import { progressText } from "./progress-text.js";

export interface CliIo {
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborted by Ctrl-C. */
  readonly signal: AbortSignal;
  /** For the support-ticket report's environment table. */
  readonly machine: { readonly node: string; readonly os: string };
}

export async function runDiagnosis(command: Extract<ParsedCommand, { kind: "diagnose" }>, io: CliIo): Promise<number> {
  const { request, output } = command;
  const artifacts: TicketArtifacts = {
    harPath: output.harPath,
    reportPath: output.reportPath,
    stepSummaryPath: io.env.GITHUB_STEP_SUMMARY ?? null,
  };
  const ticket =
    artifacts.harPath !== null || artifacts.reportPath !== null
      ? await import("../artifacts/ticket-artifacts.js")
      : null;
  ticket?.checkTicketArtifacts(artifacts, output.format !== "human");
  if (output.metricsPath !== null) preflightArtifactPath(output.metricsPath, "--metrics");

  const progress =
    output.format !== "human" ? null : await startProgress({ stream: io.stderr, env: io.env, colorFlag: output.color });
  // The line counts the seconds of the phase that is waiting, against its limit.
  let current: { readonly start: PhaseStart; readonly at: number } | null = null;
  const show = () => {
    if (current !== null) progress?.update(progressText(current.start, monotonicMs() - current.at));
  };
  const ticker = progress === null ? undefined : setInterval(show, 1000);
  const options: DiagnoseOptions = {
    ...command.options,
    caFile: output.caFile,
    signal: io.signal,
    onPhaseStart: (start) => {
      current = { start, at: monotonicMs() };
      show();
    },
  };
  let diagnosis: Diagnosis;
  try {
    const series = command.series;
    if (series === null) {
      const { diagnose } = await import("../diagnose.js");
      diagnosis = await diagnose(request, options);
    } else {
      const { diagnoseSeries } = await import("../series/diagnose-series.js");
      const of = series.repeat === null ? "" : `/${series.repeat}`;
      const onSampleStart = (leg: string, n: number) => {
        current = null; // samples are counted, not timed phase by phase
        progress?.update(`${leg} sample ${n}${of}…`);
      };
      diagnosis = await diagnoseSeries(request, { ...options, onSampleStart }, series);
    }
  } finally {
    clearInterval(ticker);
    progress?.stop();
  }

  const { report } = diagnosis;
  const exitCode = exitCodeFor([report]);
  const artifactText = ticket
    ? await ticket.writeTicketArtifacts(diagnosis, artifacts, {
        version: VERSION,
        ...io.machine,
        nowUtc: new Date().toISOString(),
        exitCode,
      })
    : null;
  // With `--har -` or `--report -` the artefact owns stdout and the report moves to stderr.
  const reportStream = artifactText === null ? io.stdout : io.stderr;
  // The CI formats and --metrics are loaded only when asked for, off the start-up path.
  const ci =
    (output.format !== "human" && output.format !== "json") || output.metricsPath !== null
      ? await import("./single-run-outputs.js")
      : null;
  const ciText = ci ? await ci.renderSingleRun(report, exitCode, output.format, io.env) : null;
  if (output.json) {
    const document: ReportDocument = { ...report, exitCode };
    reportStream.write(`${stringifyJsonForTerminal(document, 2)}\n`);
  } else if (ciText !== null) {
    reportStream.write(ciText);
  } else {
    const [{ renderHuman }, { loadStyle }] = await Promise.all([
      import("../render/human.js"),
      import("../render/style.js"),
    ]);
    const level = decideColorLevel({ flag: output.color, env: io.env, isTTY: reportStream.isTTY === true });
    const width = reportStream.isTTY === true && reportStream.columns > 0 ? reportStream.columns : null;
    reportStream.write(renderHuman(report, await loadStyle(level), { width, verbose: output.verbose }));
  }
  if (artifactText !== null) io.stdout.write(artifactText);
  if (ci && output.metricsPath !== null) await ci.writeSingleRunMetrics(output.metricsPath, report);
  return exitCode;
}
