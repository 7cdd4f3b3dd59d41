/**
 * The CI formats and the metrics textfile for one diagnosis (`diag520 <hostname> --format
 * junit|github|jsonl`, `--metrics`): the batch's renderers over a batch of one, so that a single
 * run and a batch look the same to a CI job.
 */
import { appendFile } from "node:fs/promises";
import { hostname } from "node:os";
import { writeFileAtomically } from "../artifacts/write-atomically.js";
import { targetEntry } from "../fleet/batch-entry.js";
import { batchTotals } from "../fleet/batch-totals.js";
import { entryAnnotation, githubTotalsLine, renderStepSummary } from "../fleet/github.js";
import { renderJunit } from "../fleet/junit.js";
import { renderMetricsText } from "../fleet/metrics.js";
import type { Report } from "../report/schema.js";
import { stringifyJsonForTerminal } from "../text/escape.js";
import { VERSION } from "../version.js";
import type { OutputFormat } from "./output-format.js";

/** The text of a CI format for stdout; null for human and json, which run-diagnosis.ts writes itself. */
export async function renderSingleRun(
  report: Report,
  exitCode: number,
  format: OutputFormat,
  env: Readonly<Record<string, string | undefined>>,
): Promise<string | null> {
  const entry = targetEntry(report, 1);
  switch (format) {
    case "human":
    case "json":
      return null;
    case "jsonl":
      return `${stringifyJsonForTerminal({ ...report, exitCode })}\n`;
    case "junit":
      return renderJunit([entry], {
        name: `diag520 ${report.target.hostname}`,
        startedAt: new Date(report.startedAt),
        durationMs: report.durationMs,
        hostname: hostname(),
        properties: [
          ["diag520.version", VERSION],
          ["exitCode", String(exitCode)],
        ],
      });
    case "github": {
      const totals = batchTotals([entry]);
      const summaryFile = env.GITHUB_STEP_SUMMARY;
      if (summaryFile !== undefined && summaryFile !== "") {
        await appendFile(summaryFile, renderStepSummary([entry], totals, exitCode));
      }
      const annotation = entryAnnotation(entry, { inputFile: null });
      return `${annotation === null ? "" : `${annotation}\n`}${githubTotalsLine(totals)}\n`;
    }
  }
}

/** The report's metrics, labelled with its target and origin as in a batch's textfile. */
export async function writeSingleRunMetrics(path: string, report: Report): Promise<void> {
  await writeFileAtomically(path, renderMetricsText(targetEntry(report, 1).metrics));
}
