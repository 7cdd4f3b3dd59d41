/**
 * The batch's progress line, on stderr at a terminal only (progress.ts decides, and draws it):
 * how many targets are done of how many, how many fail so far, the rate, and the time left at
 * that rate.
 */

import { monotonicMs } from "../text/monotonic-ms.js";
import { type Progress, type ProgressTerminal, startProgress } from "./progress.js";

export interface BatchProgressState {
  readonly done: number;
  readonly total: number;
  readonly failing: number;
  readonly elapsedMs: number;
}

/** "37/1000 done · 2 failing · 41.2/s · about 23 s left". */
export function describeBatchProgress(state: BatchProgressState): string {
  const rate = state.elapsedMs > 0 ? (state.done * 1000) / state.elapsedMs : 0;
  const parts = [`${state.done}/${state.total} done`, `${state.failing} failing`];
  if (state.done > 0) {
    parts.push(`${rate >= 10 ? rate.toFixed(0) : rate.toFixed(1)}/s`);
    const leftSeconds = (state.total - state.done) / rate;
    if (state.done < state.total) parts.push(`about ${formatDuration(leftSeconds)} left`);
  }
  return parts.join(" · ");
}

function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60
    ? `${minutes} min ${Math.round(seconds % 60)} s`
    : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export interface BatchProgress {
  targetDone(failing: boolean): void;
  stop(): void;
}

/** Null when stderr is not a terminal (or in CI): then nothing is drawn. */
export async function startBatchProgress(terminal: ProgressTerminal, total: number): Promise<BatchProgress | null> {
  const started = monotonicMs();
  const progress: Progress | null = await startProgress(
    terminal,
    describeBatchProgress({ done: 0, total, failing: 0, elapsedMs: 0 }),
  );
  if (progress === null) return null;
  let done = 0;
  let failing = 0;
  const draw = (): void =>
    progress.update(describeBatchProgress({ done, total, failing, elapsedMs: monotonicMs() - started }));
  draw();
  // The time left moves while every diagnosis under way waits on a slow origin.
  const ticker = setInterval(draw, 1000);
  ticker.unref();
  return {
    targetDone: (isFailing) => {
      done++;
      if (isFailing) failing++;
      draw();
    },
    stop: () => {
      clearInterval(ticker);
      progress.stop();
    },
  };
}
