/**
 * `diag520 batch`: reads the list (bounded), turns each line into a target with the single run's
 * own validation, diagnoses them with bounded concurrency (fleet/batch-runner.ts), streams what
 * the format streams as each target finishes, ends with what the format ends with, writes the
 * metrics textfile, and returns one exit code over everything. The streams, environment and
 * signal come from cli.ts, which alone touches `process`.
 */

import { appendFile } from "node:fs/promises";
import { preflightArtifactPath } from "../artifacts/artifact-paths.js";
import { writeFileAtomically } from "../artifacts/write-atomically.js";
import { UsageError } from "../errors.js";
import { type BatchEntry, type TargetEntry, targetEntry } from "../fleet/batch-entry.js";
import { BATCH_INPUT_LIMITS, detectInputFormat, parseBatchInput } from "../fleet/batch-input.js";
import { renderBatchMetrics } from "../fleet/batch-metrics.js";
import { runBatch } from "../fleet/batch-runner.js";
import { batchTotals } from "../fleet/batch-totals.js";
import { entryAnnotation, githubTotalsLine, renderStepSummary } from "../fleet/github.js";
import { renderJunit } from "../fleet/junit.js";
import { renderBatchSummary } from "../fleet/summary-table.js";
import { decideColorLevel } from "../render/color-choice.js";
import { reportTarget } from "../report/report-target.js";
import type { Interruption, Report } from "../report/schema.js";
import { stringifyJsonForTerminal } from "../text/escape.js";
import { monotonicMs } from "../text/monotonic-ms.js";
import { VERSION } from "../version.js";
import type { BatchCommand } from "./batch-command-line.js";
import { batchExitCode } from "./batch-exit-code.js";
import { startBatchProgress } from "./batch-progress.js";
import { batchTargets } from "./batch-targets.js";
import { exitCodeFor } from "./exit-code.js";
import type { BatchFormat } from "./output-format.js";
import { readBoundedInput } from "./read-bounded-input.js";

export interface BatchIo {
  readonly stdin: NodeJS.ReadableStream;
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborted by Ctrl-C. */
  readonly signal: AbortSignal;
  /** The machine's name, for the JUnit report. */
  readonly hostname: string;
}

export async function runBatchCommand(command: BatchCommand, io: BatchIo): Promise<number> {
  if (command.metricsPath !== null) preflightArtifactPath(command.metricsPath, "--metrics");
  const inputName = command.input === "-" ? "stdin" : command.input;
  const text = await readBoundedInput(command.input, io.stdin, BATCH_INPUT_LIMITS.bytes);
  const format = command.inputFormat ?? detectInputFormat(command.input === "-" ? null : command.input, text);
  let records: Awaited<ReturnType<typeof parseBatchInput>>;
  try {
    records = await parseBatchInput(text, format);
  } catch (error) {
    throw error instanceof UsageError ? new UsageError(`${inputName} ${error.message}`) : error;
  }
  if (records.length === 0) throw new UsageError(`no targets in ${inputName}: every line is blank or a comment`);
  if (records.length > BATCH_INPUT_LIMITS.targets) {
    throw new UsageError(
      `${inputName} has ${records.length} targets; a batch takes at most ${BATCH_INPUT_LIMITS.targets}: split the list`,
    );
  }

  const { targets, errors } = batchTargets(records, command.flags);
  const entries: BatchEntry[] = [...errors];

  const outputFormat: BatchFormat = command.format ?? (io.stdout.isTTY === true ? "human" : "jsonl");
  const out = new LineWriter(io.stdout);
  const github = { inputFile: command.input === "-" ? null : command.input };
  const stream = async (entry: BatchEntry, report: Report | null): Promise<void> => {
    if (outputFormat === "jsonl") {
      const document =
        entry.kind === "error"
          ? { kind: "error", line: entry.line, message: entry.message }
          : { line: entry.line, ...report, exitCode: report === null ? null : exitCodeFor([report]) };
      await out.write(stringifyJsonForTerminal(document));
    } else if (outputFormat === "github") {
      const line = entryAnnotation(entry, github);
      if (line !== null) await out.write(line);
    }
  };
  // Bad lines are done at once: they go out first.
  for (const entry of entries) await stream(entry, null);

  const startedAt = new Date();
  const started = monotonicMs();
  const progress = await startBatchProgress(
    { stream: io.stderr, env: io.env, colorFlag: command.color },
    entries.length + targets.length,
  );
  // The bad lines count as done (and failing) from the start.
  for (const _ of entries) progress?.targetDone(true);
  let run: Awaited<ReturnType<typeof runBatch>>;
  try {
    run = await runBatch(targets, {
      concurrency: command.concurrency,
      settings: command.settings,
      batchDeadlineMs: command.batchDeadlineMs,
      signal: io.signal,
      onDone: async ({ target, diagnosis }) => {
        const entry: TargetEntry = targetEntry(diagnosis.report, target.line);
        entries.push(entry);
        progress?.targetDone(entry.status !== "pass");
        await stream(entry, diagnosis.report);
      },
    });
  } finally {
    progress?.stop();
  }
  const durationMs = monotonicMs() - started;
  for (const target of run.notStarted) {
    const interruption: Interruption =
      run.stoppedBy === "cancelled"
        ? { kind: "cancelled", ms: null }
        : { kind: "run_deadline", ms: command.batchDeadlineMs ?? 0 };
    entries.push({ kind: "not_started", line: target.line, target: reportTarget(target.request, null), interruption });
  }
  entries.sort((a, b) => a.line - b.line);

  const exitCode = batchExitCode(entries);
  const totals = batchTotals(entries);
  const stop = describeStop(run.stoppedBy, command.batchDeadlineMs);
  if (command.metricsPath !== null) {
    await writeFileAtomically(command.metricsPath, renderBatchMetrics(entries, totals, { durationMs, exitCode }));
  }
  switch (outputFormat) {
    case "human": {
      const { loadStyle } = await import("../render/style.js");
      const level = decideColorLevel({ flag: command.color, env: io.env, isTTY: io.stdout.isTTY === true });
      await out.write(
        renderBatchSummary(entries, totals, {
          style: await loadStyle(level),
          // On a terminal the summaries are cut to its width; piped, they are whole.
          columns: io.stdout.isTTY === true && io.stdout.columns > 0 ? io.stdout.columns : Number.POSITIVE_INFINITY,
          durationMs,
          exitCode,
          stoppedBecause: stop,
        }).trimEnd(),
      );
      break;
    }
    case "junit":
      await out.write(
        renderJunit(entries, {
          name: `diag520 batch ${inputName}`,
          startedAt,
          durationMs,
          hostname: io.hostname,
          properties: [
            ["diag520.version", VERSION],
            ["input", inputName],
            ["concurrency", String(command.concurrency)],
            ["exitCode", String(exitCode)],
          ],
        }).trimEnd(),
      );
      break;
    case "github": {
      await out.write(githubTotalsLine(totals));
      const summaryFile = io.env.GITHUB_STEP_SUMMARY;
      if (summaryFile !== undefined && summaryFile !== "") {
        await appendFile(summaryFile, renderStepSummary(entries, totals, exitCode));
      }
      break;
    }
    case "jsonl":
      break;
  }
  if (stop !== null && outputFormat !== "human") {
    io.stderr.write(
      `diag520: batch ${stop}: ${totals.pass + totals.fail + totals.incomplete} of ${targets.length} targets finished, ${totals.notStarted} not started\n`,
    );
  }
  return exitCode;
}

function describeStop(stoppedBy: "cancelled" | "batch_deadline" | null, batchDeadlineMs: number | null): string | null {
  if (stoppedBy === "cancelled") return "interrupted (Ctrl-C)";
  if (stoppedBy === "batch_deadline") return `stopped by --batch-max-time (${batchDeadlineMs} ms)`;
  return null;
}

/** Writes whole lines and waits while the reader is behind, so that a slow pipe slows the batch instead of filling memory. */
class LineWriter {
  constructor(private readonly stream: NodeJS.WritableStream) {}

  async write(text: string): Promise<void> {
    if (!this.stream.write(`${text}\n`)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.stream.off("drain", done);
          this.stream.off("close", done);
          this.stream.off("error", done);
          resolve();
        };
        this.stream.on("drain", done);
        this.stream.on("close", done);
        this.stream.on("error", done);
      });
    }
  }
}
