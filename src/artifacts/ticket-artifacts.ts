/**
 * The files a user attaches to a support ticket (--har, --report): checked before any probe
 * runs, written whole after the diagnosis. An artefact whose path is `-` goes to stdout, and
 * the report the user would otherwise see there moves to stderr.
 */

import { resolve } from "node:path";
import type { Diagnosis } from "../diagnose.js";
import { UsageError } from "../errors.js";
import { stringifyJsonForTerminal } from "../text/escape.js";
import { type ArtifactPath, preflightArtifactPaths, STDOUT_PATH } from "./artifact-paths.js";
import type { MarkdownEnvironment } from "./markdown-report.js";
import { writeArtifact } from "./write-artifact.js";

export interface TicketArtifacts {
  readonly harPath: string | null;
  readonly reportPath: string | null;
  /** $GITHUB_STEP_SUMMARY: a file every step of a job appends to, never replaced. */
  readonly stepSummaryPath?: string | null;
}

function listed(artifacts: TicketArtifacts): ArtifactPath[] {
  const list: ArtifactPath[] = [];
  if (artifacts.harPath !== null) list.push({ flag: "--har", path: artifacts.harPath });
  if (artifacts.reportPath !== null) list.push({ flag: "--report", path: artifacts.reportPath });
  return list;
}

/** Usage errors for unwritable paths, or two documents claiming stdout. */
export function checkTicketArtifacts(artifacts: TicketArtifacts, json: boolean): void {
  const list = listed(artifacts);
  preflightArtifactPaths(list);
  const toStdout = list.find((a) => a.path === STDOUT_PATH);
  if (json && toStdout)
    throw new UsageError(`${toStdout.flag} - and --json both write to stdout: give ${toStdout.flag} a file name`);
}

/** Writes the artefacts; returns the text of the one that goes to stdout, if any. */
export async function writeTicketArtifacts(
  diagnosis: Diagnosis,
  artifacts: TicketArtifacts,
  environment: Omit<MarkdownEnvironment, "sourceAddress">,
): Promise<string | null> {
  let forStdout: string | null = null;
  const emit = async (path: string, text: string) => {
    if (path === STDOUT_PATH) {
      forStdout = text;
      return;
    }
    const appendTo = artifacts.stepSummaryPath ?? null;
    await writeArtifact(path, text, appendTo !== null && resolve(appendTo) === resolve(path)).catch(
      (error: NodeJS.ErrnoException) => {
        // The path passed its check before the run; what fails now is the disk (full, removed): the user's to fix.
        throw new UsageError(`could not write ${path}: ${error.code ?? error.message}`);
      },
    );
  };
  if (artifacts.harPath !== null) {
    const { buildHar } = await import("./har.js");
    await emit(artifacts.harPath, `${stringifyJsonForTerminal(buildHar(diagnosis), 2)}\n`);
  }
  if (artifacts.reportPath !== null) {
    const { renderMarkdownReport } = await import("./markdown-report.js");
    const markdown = renderMarkdownReport(diagnosis.report, { ...environment, sourceAddress: null });
    await emit(artifacts.reportPath, markdown);
  }
  return forStdout;
}
