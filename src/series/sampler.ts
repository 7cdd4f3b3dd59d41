/**
 * Runs a series: the same request, again and again, each sample a leg run on its own connection
 * (`runLeg`, then `checkLeg`: no process start, no new resolution). Samples start on a fixed
 * schedule, one every `intervalMs` from the start of the previous one (ping's convention; a
 * sample that outlasts the interval delays the next, which then starts at once, never in a
 * catch-up burst), at most `concurrency` at a time, round-robin over the leg's addresses. Each
 * leg's samples are counted apart. The series ends at the count asked for, when the duration has
 * passed (no sample starts after it), or when `signal` aborts (Ctrl-C, --max-time): samples in
 * flight are then cut short and reported as interrupted, and what was sampled stands.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { checkLeg } from "../checks/check-leg.js";
import { stopOf } from "../deadline.js";
import type { Finding, FindingCode } from "../findings/catalogue.js";
import type { LegName } from "../legs/leg-name.js";
import type { LegSpec } from "../legs/leg-spec.js";
import type { LegObservation } from "../legs/observation.js";
import { runLeg } from "../legs/run-leg.js";
import type { LegSeries } from "../report/series-schema.js";
import { monotonicMs } from "../text/monotonic-ms.js";
import { roundMs } from "../text/round-ms.js";
import { type Exemplar, LegAggregator } from "./leg-aggregator.js";
import { type Sample, toSample } from "./sample.js";
import type { SeriesPlan } from "./series-plan.js";

export interface LegSampling {
  readonly name: LegName;
  /** One spec per address, taken in turn: sample n goes to specs[(n - 1) % specs.length]. */
  readonly specs: readonly LegSpec[];
  /** What the zone's SSL mode makes of a sample's findings (checks judge as Full (strict) does). */
  readonly judge: (findings: Finding[]) => Finding[];
}

/** A sample kept whole, observation included, for the report's `legs` entry and the HAR file. */
export interface KeptSample {
  readonly sample: Sample;
  readonly observation: LegObservation;
  readonly why: Exemplar["why"];
}

export interface SampledLeg {
  readonly series: LegSeries;
  /** The sample the report shows phase by phase: the first that failed, else the first with a warning, else the last. */
  readonly exemplar: KeptSample | null;
  /** The first finding of each code, in the order the codes were first seen: its evidence stands for all. */
  readonly firstFindings: readonly Finding[];
}

export type SeriesEnd = "count" | "duration" | "interrupted" | "run_deadline";

export interface SeriesRun {
  readonly startedAt: string;
  readonly durationMs: number;
  readonly ended: SeriesEnd;
  readonly legs: ReadonlyMap<LegName, SampledLeg>;
}

export interface SeriesHooks {
  /** A sample is starting: for the progress line. */
  readonly onSampleStart?: (leg: LegName, n: number) => void;
}

export async function runSeries(
  legs: readonly LegSampling[],
  plan: SeriesPlan,
  signal: AbortSignal,
  hooks: SeriesHooks = {},
): Promise<SeriesRun> {
  const startedAt = new Date().toISOString();
  const started = monotonicMs();
  const collectors = new Map(legs.map((leg) => [leg.name, new LegCollector(leg)]));

  const runTick = async (tick: number): Promise<void> => {
    const n = tick + 1;
    for (const leg of legs) {
      const spec = leg.specs[tick % leg.specs.length] as LegSpec;
      hooks.onSampleStart?.(leg.name, n);
      const atMs = monotonicMs() - started;
      const observation = await runLeg(spec, signal);
      const findings = leg.judge(checkLeg(observation));
      const totalMs = monotonicMs() - started - atMs;
      collectors.get(leg.name)?.settle(toSample({ n, atMs, totalMs }, observation, findings), observation);
    }
  };

  const inFlight = new Set<Promise<void>>();
  let tick = 0;
  let ended: SeriesEnd | null = null;
  while (ended === null && !signal.aborted) {
    if (plan.repeat !== null && tick >= plan.repeat) ended = "count";
    else if (plan.forMs !== null && tick * plan.intervalMs >= plan.forMs) ended = "duration";
    if (ended !== null || legs.length === 0) break;
    while (inFlight.size >= plan.concurrency) await Promise.race(inFlight);
    await waitUntil(started + tick * plan.intervalMs, signal);
    if (signal.aborted) break;
    if (plan.forMs !== null && monotonicMs() - started >= plan.forMs) {
      ended = "duration";
      break;
    }
    const running: Promise<void> = runTick(tick).finally(() => inFlight.delete(running));
    inFlight.add(running);
    tick += 1;
  }
  await Promise.all(inFlight);

  const stop = stopOf(signal);
  const end: SeriesEnd =
    stop !== null ? (stop.kind === "cancelled" ? "interrupted" : "run_deadline") : (ended ?? "count");
  return {
    startedAt,
    durationMs: roundMs(monotonicMs() - started),
    ended: end,
    legs: new Map([...collectors].map(([name, collector]) => [name, collector.result()])),
  };
}

/**
 * Waits for the schedule; an abort ends the wait at once. A timer may fire up to a millisecond
 * early by monotonicMs() (libuv counts from the loop's cached time): wait out the rest, so
 * that no sample ever starts before its time.
 */
async function waitUntil(time: number, signal: AbortSignal): Promise<void> {
  for (let delay = time - monotonicMs(); delay > 0 && !signal.aborted; delay = time - monotonicMs()) {
    await sleep(Math.ceil(delay), undefined, { signal }).catch(() => {});
  }
}

/** One leg's samples: put back in start order (concurrency finishes them out of order), then aggregated. */
class LegCollector {
  private readonly aggregator: LegAggregator;
  private readonly pending = new Map<number, KeptSample>();
  private next = 1;
  private firstError: KeptSample | null = null;
  private firstWarning: KeptSample | null = null;
  private lastCounted: KeptSample | null = null;
  private last: KeptSample | null = null;
  private readonly firstFindings = new Map<FindingCode, Finding>();

  constructor(leg: LegSampling) {
    this.aggregator = new LegAggregator(
      leg.name,
      leg.specs.map((spec) => spec.address),
    );
  }

  settle(sample: Sample, observation: LegObservation): void {
    this.pending.set(sample.record.n, { sample, observation, why: "last" });
    for (let kept = this.pending.get(this.next); kept !== undefined; kept = this.pending.get(this.next)) {
      this.pending.delete(this.next);
      this.next += 1;
      this.take(kept);
    }
  }

  private take(kept: KeptSample): void {
    const { sample } = kept;
    this.aggregator.add(sample);
    for (const f of sample.findings) if (!this.firstFindings.has(f.code)) this.firstFindings.set(f.code, f);
    const outcome = sample.record.outcome;
    if (outcome === "error" && this.firstError === null) this.firstError = { ...kept, why: "first_error" };
    if (outcome === "warning" && this.firstWarning === null) this.firstWarning = { ...kept, why: "first_warning" };
    if (outcome !== "interrupted") this.lastCounted = kept;
    this.last = kept;
  }

  result(): SampledLeg {
    const exemplar = this.firstError ?? this.firstWarning ?? this.lastCounted ?? this.last;
    return {
      series: this.aggregator.result(
        exemplar === null
          ? null
          : { sample: exemplar.sample.record.n, address: exemplar.sample.record.address, why: exemplar.why },
      ),
      exemplar,
      firstFindings: [...this.firstFindings.values()],
    };
  }
}
