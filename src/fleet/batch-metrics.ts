/**
 * The Prometheus textfile of a batch: every finished target's metrics labelled with its `target`
 * and `origin`, and the batch's own counts. A target listed twice with the same target and origin
 * would repeat a series, which the format forbids (node_exporter would reject the whole file):
 * the first occurrence's series stay, and a comment says which lines were left out.
 */
import type { BatchEntry } from "./batch-entry.js";
import type { BatchTotals } from "./batch-totals.js";
import { type MetricSample, renderMetricsText } from "./metrics.js";

export interface BatchMetricsRun {
  readonly durationMs: number;
  readonly exitCode: number;
}

export function renderBatchMetrics(entries: readonly BatchEntry[], totals: BatchTotals, run: BatchMetricsRun): string {
  const samples: MetricSample[] = [];
  const comments: string[] = [];
  const seenTargets = new Map<string, number>();
  for (const entry of [...entries].sort((a, b) => a.line - b.line)) {
    if (entry.kind !== "report") continue;
    const first = entry.metrics[0];
    const key = first === undefined ? "" : JSON.stringify([first.labels.target, first.labels.origin]);
    const earlier = seenTargets.get(key);
    if (earlier !== undefined) {
      comments.push(`line ${entry.line} repeats the target and origin of line ${earlier}: its series are left out`);
      continue;
    }
    seenTargets.set(key, entry.line);
    samples.push(...entry.metrics);
  }
  const outcomes = [
    ["pass", totals.pass],
    ["fail", totals.fail],
    ["incomplete", totals.incomplete],
    ["not_started", totals.notStarted],
    ["invalid", totals.invalid],
  ] as const;
  for (const [outcome, count] of outcomes)
    samples.push({ name: "diag520_batch_targets", labels: { outcome }, value: count });
  samples.push({ name: "diag520_batch_duration_seconds", labels: {}, value: run.durationMs / 1000 });
  samples.push({ name: "diag520_batch_exit_code", labels: {}, value: run.exitCode });
  return renderMetricsText(samples, comments);
}
