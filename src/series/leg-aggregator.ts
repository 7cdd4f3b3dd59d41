/**
 * Folds one leg's samples, in order, into the figures the report carries (report/series-schema.ts):
 * outcomes and rates, per finding code its count, first and last sample and longest streak, per
 * phase the latency split by outcome, per address the same counts, a histogram, a trend and the
 * latency just before each run of failures. Streaming: memory stays bounded however long the
 * series runs (at most RECORD_CAP records, bounded reservoirs, TREND_WINDOWS windows).
 */
import type { EdgeStatus, FindingCode, PhaseName, Severity } from "../findings/catalogue.js";
import type { LegName } from "../legs/leg-name.js";
import type {
  AddressSeries,
  CodeSeries,
  LegSeries,
  SampleOutcome,
  SampleRecord,
  TrendWindow,
} from "../report/series-schema.js";
import { roundMs } from "../text/round-ms.js";
import { Distribution } from "./distribution.js";
import { Histogram } from "./histogram.js";
import type { Sample } from "./sample.js";

/** The report lists at most this many samples (the most recent); the figures count them all. */
export const RECORD_CAP = 1_000;
/** The trend has at most this many windows: when full, neighbours merge and windows double in size. */
export const TREND_WINDOWS = 64;
/** How many answered samples before a run of failures count as "just before" it. */
export const BEFORE_FAILURE_SAMPLES = 3;
/** Per address, the reservoir is smaller: a name may have many addresses. */
const ADDRESS_RESERVOIR = 1_000;

const SEVERITY_RANK: Readonly<Record<Severity, number>> = { info: 0, warning: 1, error: 2 };
const TIMED = ["tcp", "tls", "http", "total"] as const;
type Timed = (typeof TIMED)[number];
type Counted = Exclude<SampleOutcome, "interrupted">;

interface CodeState {
  severity: Severity;
  readonly phase: PhaseName;
  count: number;
  readonly firstSample: number;
  readonly firstAtMs: number;
  lastSample: number;
  lastAtMs: number;
  streaks: number;
  current: number;
  longestStreak: number;
}

interface AddressState {
  samples: number;
  counted: number;
  ok: number;
  warning: number;
  error: number;
  readonly codes: Map<FindingCode, number>;
  readonly total: Distribution;
}

interface WindowState {
  fromSample: number;
  toSample: number;
  counted: number;
  errors: number;
  readonly okSum: Record<Timed, number>;
  readonly okCount: Record<Timed, number>;
}

export interface Exemplar {
  readonly sample: number;
  readonly address: string;
  readonly why: "first_error" | "first_warning" | "last";
}

export class LegAggregator {
  private samples = 0;
  private readonly outcomes: Record<SampleOutcome, number> = { ok: 0, warning: 0, error: 0, interrupted: 0 };
  private readonly records: SampleRecord[] = [];
  private omittedRecords = 0;
  private readonly codes = new Map<FindingCode, CodeState>();
  private readonly edgeStatuses = new Map<EdgeStatus, number>();
  private readonly errorRuns = {
    count: 0,
    current: 0,
    longest: 0,
    firstError: 0,
    lastError: 0,
    spacing: null as number | null,
  };
  private spacingHolds = true;
  private previousCounted: Counted | null = null;
  private readonly phases = Object.fromEntries(
    TIMED.map((t) => [t, { ok: new Distribution(), warning: new Distribution(), error: new Distribution() }]),
  ) as Record<Timed, Record<Counted, Distribution>>;
  private readonly histogram = new Histogram();
  private windows: WindowState[] = [];
  private windowSize = 1;
  private readonly recentAnswered: Record<Timed, number | null>[] = [];
  private readonly beforeFailure = Object.fromEntries(TIMED.map((t) => [t, new Distribution()])) as Record<
    Timed,
    Distribution
  >;
  private readonly byAddress = new Map<string, AddressState>();

  constructor(
    private readonly leg: LegName,
    private readonly addresses: readonly string[],
    private readonly recordCap: number = RECORD_CAP,
  ) {
    for (const address of addresses) this.addressState(address);
  }

  /** Samples must come in order of their number (the sampler reorders what concurrency shuffles). */
  add(sample: Sample): void {
    const { record, findings } = sample;
    this.samples += 1;
    this.outcomes[record.outcome] += 1;
    this.keepRecord(record);
    const address = this.addressState(record.address);
    address.samples += 1;
    const window = this.windowFor(record.n);
    if (record.outcome === "interrupted") return;
    const outcome = record.outcome;

    address.counted += 1;
    address[outcome] += 1;
    address.total.add(record.ms.total);
    for (const code of record.codes) address.codes.set(code, (address.codes.get(code) ?? 0) + 1);

    for (const timed of TIMED) {
      const value = record.ms[timed];
      if (value !== null) this.phases[timed][outcome].add(value);
    }
    this.histogram.add(record.ms.total, outcome);
    window.counted += 1;

    for (const f of findings) this.countCode(f.code, f.severity, f.phase, record);
    if (outcome === "error") {
      window.errors += 1;
      this.countError(record);
    } else {
      this.errorRuns.current = 0;
      for (const timed of TIMED) {
        const value = record.ms[timed];
        if (outcome === "ok" && value !== null) {
          window.okSum[timed] += value;
          window.okCount[timed] += 1;
        }
      }
      this.recentAnswered.push({ ...record.ms });
      if (this.recentAnswered.length > BEFORE_FAILURE_SAMPLES) this.recentAnswered.shift();
    }
    this.previousCounted = outcome;
  }

  result(exemplar: Exemplar | null): LegSeries {
    const counted = this.samples - this.outcomes.interrupted;
    const rate = (n: number) => (counted === 0 ? 0 : n / counted);
    const codes = [...this.codes.entries()]
      .sort(([, a], [, b]) => b.count - a.count || a.firstSample - b.firstSample)
      .map(
        ([code, s]): CodeSeries => ({
          code,
          severity: s.severity,
          phase: s.phase,
          count: s.count,
          rate: rate(s.count),
          firstSample: s.firstSample,
          lastSample: s.lastSample,
          firstAtMs: s.firstAtMs,
          lastAtMs: s.lastAtMs,
          streaks: s.streaks,
          longestStreak: s.longestStreak,
        }),
      );
    const byOutcome = (timed: Timed) => ({
      ok: this.phases[timed].ok.summary(),
      warning: this.phases[timed].warning.summary(),
      error: this.phases[timed].error.summary(),
    });
    return {
      leg: this.leg,
      addresses: [...this.addresses],
      samples: this.samples,
      counted,
      outcomes: { ...this.outcomes },
      errorRate: rate(this.outcomes.error),
      errorStreaks: {
        count: this.errorRuns.count,
        longest: this.errorRuns.longest,
        first: this.errorRuns.firstError === 0 ? null : this.errorRuns.firstError,
        last: this.errorRuns.lastError === 0 ? null : this.errorRuns.lastError,
        spacing: this.spacingHolds ? this.errorRuns.spacing : null,
      },
      edgeStatuses: [...this.edgeStatuses.entries()]
        .sort(([, a], [, b]) => b - a)
        .map(([status, count]) => ({ status, count })),
      codes,
      phases: { tcp: byOutcome("tcp"), tls: byOutcome("tls"), http: byOutcome("http"), total: byOutcome("total") },
      histogram: this.histogram.buckets(),
      trend: this.windows.map((window) => windowFacts(window, this.samples)),
      beforeFailure: {
        tcp: this.beforeFailure.tcp.summary(),
        tls: this.beforeFailure.tls.summary(),
        http: this.beforeFailure.http.summary(),
        total: this.beforeFailure.total.summary(),
      },
      byAddress: [...this.byAddress.entries()].map(
        ([address, s]): AddressSeries => ({
          address,
          samples: s.samples,
          counted: s.counted,
          ok: s.ok,
          warning: s.warning,
          error: s.error,
          errorRate: s.counted === 0 ? 0 : s.error / s.counted,
          codes: [...s.codes.entries()].sort(([, a], [, b]) => b - a).map(([code, count]) => ({ code, count })),
          total: s.total.summary(),
        }),
      ),
      exemplar,
      records: [...this.records],
      omittedRecords: this.omittedRecords,
    };
  }

  private keepRecord(record: SampleRecord): void {
    this.records.push(record);
    if (this.records.length > this.recordCap) {
      this.records.shift();
      this.omittedRecords += 1;
    }
  }

  private countCode(code: FindingCode, severity: Severity, phase: PhaseName, record: SampleRecord): void {
    const state = this.codes.get(code);
    if (state === undefined) {
      this.codes.set(code, {
        severity,
        phase,
        count: 1,
        firstSample: record.n,
        firstAtMs: record.atMs,
        lastSample: record.n,
        lastAtMs: record.atMs,
        streaks: 1,
        current: 1,
        longestStreak: 1,
      });
      return;
    }
    if (SEVERITY_RANK[severity] > SEVERITY_RANK[state.severity]) state.severity = severity;
    // A check may write one code twice for one sample: it counts once.
    if (state.lastSample === record.n) return;
    state.count += 1;
    state.current = state.lastSample === record.n - 1 ? state.current + 1 : 1;
    if (state.current === 1) state.streaks += 1;
    state.longestStreak = Math.max(state.longestStreak, state.current);
    state.lastSample = record.n;
    state.lastAtMs = record.atMs;
  }

  private countError(record: SampleRecord): void {
    const runs = this.errorRuns;
    if (record.edgeStatus !== null)
      this.edgeStatuses.set(record.edgeStatus, (this.edgeStatuses.get(record.edgeStatus) ?? 0) + 1);
    if (runs.lastError > 0) {
      const gap = record.n - runs.lastError;
      if (runs.spacing === null) runs.spacing = gap;
      else if (runs.spacing !== gap) this.spacingHolds = false;
    }
    if (runs.firstError === 0) runs.firstError = record.n;
    runs.lastError = record.n;
    if (this.previousCounted !== "error") {
      runs.count += 1;
      runs.current = 0;
      // A run of failures begins: what the answered samples just before it took.
      for (const before of this.recentAnswered) {
        for (const timed of TIMED) {
          const value = before[timed];
          if (value !== null) this.beforeFailure[timed].add(value);
        }
      }
      this.recentAnswered.length = 0;
    }
    runs.current += 1;
    runs.longest = Math.max(runs.longest, runs.current);
  }

  private addressState(address: string): AddressState {
    let state = this.byAddress.get(address);
    if (state === undefined) {
      state = {
        samples: 0,
        counted: 0,
        ok: 0,
        warning: 0,
        error: 0,
        codes: new Map(),
        total: new Distribution(ADDRESS_RESERVOIR),
      };
      this.byAddress.set(address, state);
    }
    return state;
  }

  /** The window sample `n` falls in; when the windows run out, neighbours merge (sizes double). */
  private windowFor(n: number): WindowState {
    let index = Math.floor((n - 1) / this.windowSize);
    while (index >= TREND_WINDOWS) {
      this.windows = mergePairs(this.windows);
      this.windowSize *= 2;
      index = Math.floor((n - 1) / this.windowSize);
    }
    while (this.windows.length <= index) {
      const from = this.windows.length * this.windowSize + 1;
      this.windows.push(emptyWindow(from, from + this.windowSize - 1));
    }
    return this.windows[index] as WindowState;
  }
}

function emptyWindow(fromSample: number, toSample: number): WindowState {
  return {
    fromSample,
    toSample,
    counted: 0,
    errors: 0,
    okSum: { tcp: 0, tls: 0, http: 0, total: 0 },
    okCount: { tcp: 0, tls: 0, http: 0, total: 0 },
  };
}

function mergePairs(windows: readonly WindowState[]): WindowState[] {
  const merged: WindowState[] = [];
  for (let i = 0; i < windows.length; i += 2) {
    const a = windows[i] as WindowState;
    const b = windows[i + 1];
    if (b === undefined) {
      merged.push({ ...a, toSample: a.fromSample + (a.toSample - a.fromSample + 1) * 2 - 1 });
      continue;
    }
    const window = emptyWindow(a.fromSample, b.toSample);
    window.counted = a.counted + b.counted;
    window.errors = a.errors + b.errors;
    for (const timed of TIMED) {
      window.okSum[timed] = a.okSum[timed] + b.okSum[timed];
      window.okCount[timed] = a.okCount[timed] + b.okCount[timed];
    }
    merged.push(window);
  }
  return merged;
}

/** `lastSample`: the last window ends there, not where its size would take it. */
function windowFacts(window: WindowState, lastSample: number): TrendWindow {
  const mean = (timed: Timed) =>
    window.okCount[timed] === 0 ? null : roundMs(window.okSum[timed] / window.okCount[timed]);
  return {
    fromSample: window.fromSample,
    toSample: Math.min(window.toSample, lastSample),
    counted: window.counted,
    errors: window.errors,
    okMeanMs:
      window.okCount.total === 0
        ? null
        : { tcp: mean("tcp"), tls: mean("tls"), http: mean("http"), total: mean("total") ?? 0 },
  };
}
