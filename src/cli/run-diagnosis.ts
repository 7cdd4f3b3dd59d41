/**
 * One diagnosis from the command line: checks the artefact paths before anything runs, shows
 * progress, runs `diagnose()`, writes the artefacts, prints the report (human or JSON) and
 * returns the exit code. The streams, environment and signal come from cli.ts, which alone
 * touches `process`.
 */
import type { TicketArtifacts } from "../artifacts/ticket-artifacts.js";
import type { Diagnosis } from "../diagnose.js";
import type { DiagnoseOptions } from "../options.js";
import { decideColorLevel } from "../render/color-choice.js";
import type { ReportDocument } from "../report/schema.js";
import { stringifyJsonForTerminal } from "../text/escape.js";
import { VERSION } from "../version.js";
import type { ParsedCommand } from "./command-line.js";
import { exitCodeFor } from "./exit-code.js";
import { startProgress } from "./progress.js";

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
  const artifacts: TicketArtifacts = { harPath: output.harPath, reportPath: output.reportPath };
  const ticket =
    artifacts.harPath !== null || artifacts.reportPath !== null
      ? await import("../artifacts/ticket-artifacts.js")
      : null;
  ticket?.checkTicketArtifacts(artifacts, output.json);

  const progress = output.json
    ? null
    : await startProgress({ stream: io.stderr, env: io.env, colorFlag: output.color });
  const options: DiagnoseOptions = {
    ...command.options,
    signal: io.signal,
    onPhaseStart: (start) => progress?.update(`${start.leg === null ? start.phase : `${start.leg} ${start.phase}`}…`),
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
      const onSampleStart = (leg: string, n: number) => progress?.update(`${leg} sample ${n}${of}…`);
      diagnosis = await diagnoseSeries(request, { ...options, onSampleStart }, series);
    }
  } finally {
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
  if (output.json) {
    const document: ReportDocument = { ...report, exitCode };
    reportStream.write(`${stringifyJsonForTerminal(document, 2)}\n`);
  } else {
    const [{ renderHuman }, { loadStyle }] = await Promise.all([
      import("../render/human.js"),
      import("../render/style.js"),
    ]);
    const level = decideColorLevel({ flag: output.color, env: io.env, isTTY: reportStream.isTTY === true });
    reportStream.write(renderHuman(report, await loadStyle(level), reportStream.columns || 80));
  }
  if (artifactText !== null) io.stdout.write(artifactText);
  return exitCode;
}
