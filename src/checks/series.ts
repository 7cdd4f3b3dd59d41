/**
 * Findings across the samples of a series (DESIGN.md "Intermittent faults and fleets"): the
 * patterns in which an origin fails, read from one leg's aggregated figures
 * (report/series-schema.ts). Pure: figures in, findings out. Each pattern points to its own
 * causes (causes/cause-table.ts): bursts to rate limits and restarts, a regular spacing and one
 * bad address to one bad member of a pool, slowing down before failing and a steady decline to
 * overload. They are warnings: the samples' own findings are the errors, and say what the CDN
 * answers; these say how the failures come.
 */
import { type Finding, finding, type Origin, type PhaseName } from "../findings/catalogue.js";
import type { LegSeries } from "../report/series-schema.js";
import { trendCorrelation } from "../series/rank-correlation.js";
import { duration, ordinal, percent, plural } from "../series/words.js";

/** Fewer failures than this make no pattern (two points make any spacing regular). */
export const MIN_PATTERN_ERRORS = 3;
/** A streak this long, with at most half the streaks that independent failures would make, is a burst. */
export const MIN_BURST_LENGTH = 3;
/** Answered samples before a failure this much slower (ratio and milliseconds) than the median one. */
export const SLOW_BEFORE_FAILING_RATIO = 2;
export const SLOW_BEFORE_FAILING_MIN_EXTRA_MS = 20;
/** A latency trend: at least this many windows, rank correlation at least this, late ≥ 2× early and +20 ms. */
export const DEGRADING_MIN_WINDOWS = 6;
export const DEGRADING_MIN_CORRELATION = 0.8;
export const DEGRADING_RATIO = 2;
export const DEGRADING_MIN_EXTRA_MS = 20;
/** A growing failure rate: the second half's rate exceeds the first half's by this much, and doubles it. */
export const DEGRADING_MIN_RATE_RISE = 0.25;
/** One address fails (at least half its samples) while the others together stay at or under 10 %. */
export const ADDRESS_FAILING_RATE = 0.5;
export const ADDRESS_HEALTHY_RATE = 0.1;

const LEG_PHASES = ["tcp", "tls", "http"] as const;

export function checkSeries(series: LegSeries): Finding[] {
  const findings: Finding[] = [];
  const errors = series.outcomes.error;
  if (errors > 0 && errors < series.counted) findings.push(intermittent(series));
  if (isBursty(series)) findings.push(bursty(series));
  const every = periodicSpacing(series);
  if (every !== null) findings.push(periodic(series, every));
  const degrading = degradingFacts(series);
  if (degrading !== null) findings.push(degradingFinding(series, degrading));
  const slow = slowBeforeFailing(series);
  if (slow !== null) findings.push(slow);
  const address = addressFails(series);
  if (address !== null) findings.push(address);
  return findings;
}

/** Where the failures were observed: the phase of the most frequent error code. */
function failurePhase(series: LegSeries, codes?: readonly string[]): PhaseName {
  const dominant = series.codes.find((c) => c.severity === "error" && (codes === undefined || codes.includes(c.code)));
  return dominant?.phase ?? "http";
}

function at(series: LegSeries, phase: PhaseName): Origin {
  return { leg: series.leg, phase };
}

function errorCodes(series: LegSeries): string[] {
  return series.codes.filter((c) => c.severity === "error").map((c) => c.code);
}

/** Independent failures at rate p would make about errors × (1 − p) streaks. */
function expectedStreaks(series: LegSeries): number {
  const errors = series.outcomes.error;
  return series.counted === 0 ? 0 : errors * (1 - errors / series.counted);
}

export function isBursty(series: LegSeries): boolean {
  const errors = series.outcomes.error;
  if (errors < MIN_PATTERN_ERRORS || errors >= series.counted) return false;
  return series.errorStreaks.longest >= MIN_BURST_LENGTH && series.errorStreaks.count <= expectedStreaks(series) / 2;
}

/** The spacing of a regular rotation (every Nth sample, N ≥ 2) that covers the whole series, or null. */
export function periodicSpacing(series: LegSeries): number | null {
  const { spacing, first, last } = series.errorStreaks;
  if (series.outcomes.error < MIN_PATTERN_ERRORS || spacing === null || spacing < 2) return null;
  if (first === null || last === null || first > spacing || last + spacing <= series.counted) return null;
  return spacing;
}

function pattern(series: LegSeries): "periodic" | "bursty" | "scattered" {
  if (periodicSpacing(series) !== null) return "periodic";
  return isBursty(series) ? "bursty" : "scattered";
}

function intermittent(series: LegSeries): Finding {
  const errors = series.outcomes.error;
  const { count: streaks, longest, first, last } = series.errorStreaks;
  const shape = pattern(series);
  const how =
    shape === "periodic"
      ? "at a regular spacing (series.periodic)"
      : shape === "bursty"
        ? "in bursts (series.bursty)"
        : "scattered through the series";
  return finding(
    "series.intermittent",
    "warning",
    at(series, failurePhase(series)),
    `${errors} of ${plural(series.counted, "sample")} (${percent(series.errorRate)}) failed, ${how}: ${plural(streaks, "streak")}, the longest ${plural(longest, "sample")}, from sample ${first} to sample ${last}; the others were answered. A single run would have found the origin healthy ${percent(1 - series.errorRate)} of the time. Failures that come and go point to load, a rate limit, one bad member behind a balancer or routing, rather than to a setting that is wrong for every request.`,
    {
      samples: series.counted,
      errors,
      rate: series.errorRate,
      errorStreaks: streaks,
      longestStreak: longest,
      firstErrorSample: first ?? 0,
      lastErrorSample: last ?? 0,
      codes: errorCodes(series),
      edgeStatuses: series.edgeStatuses.map((s) => s.status),
      pattern: shape,
    },
  );
}

function bursty(series: LegSeries): Finding {
  const errors = series.outcomes.error;
  const { count, longest } = series.errorStreaks;
  const expected = Math.round(expectedStreaks(series) * 10) / 10;
  return finding(
    "series.bursty",
    "warning",
    at(series, failurePhase(series)),
    `The ${errors} failures came in ${plural(count, "streak")} (the longest ${longest} in a row), where failures that strike each request independently at this rate would make about ${expected}. Something turns the origin off for a while and back on: a rate limit or firewall rule that trips and resets (the CDN's requests come from few addresses, so they trip per-IP limits together), worker or container restarts, or a pause for garbage collection or a deployment.`,
    { samples: series.counted, errors, errorStreaks: count, longestStreak: longest, expectedStreaks: expected },
  );
}

function periodic(series: LegSeries, every: number): Finding {
  const errors = series.outcomes.error;
  const first = series.errorStreaks.first ?? 0;
  const addresses = series.addresses.length;
  const samples = [first, first + every, first + 2 * every].join(", ");
  const sameAsAddresses =
    addresses === every
      ? ` diag520 took the ${addresses} addresses in turn, so the rotation is its own: see series.address_fails.`
      : " diag520 sent every request to the same address, so the rotation happens behind it.";
  return finding(
    "series.periodic",
    "warning",
    at(series, failurePhase(series)),
    `Every ${ordinal(every)} sample failed (samples ${samples} …; ${errors} of ${series.counted}), and no other: a fixed rotation, as when a load balancer or a DNS round robin sends every ${ordinal(every)} request to one broken server, or one worker process in a pool of ${every} is broken.${sameAsAddresses}`,
    { samples: series.counted, errors, every, firstErrorSample: first, addresses },
  );
}

interface Degrading {
  readonly latency: {
    readonly earlyMs: number;
    readonly lateMs: number;
    readonly correlation: number;
    readonly phase: PhaseName;
  } | null;
  readonly earlyErrorRate: number;
  readonly lateErrorRate: number;
  readonly errorsRise: boolean;
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

function degradingFacts(series: LegSeries): Degrading | null {
  const answered = series.trend.filter((w) => w.okMeanMs !== null);
  let latency: Degrading["latency"] = null;
  if (answered.length >= DEGRADING_MIN_WINDOWS) {
    const totals = answered.map((w) => w.okMeanMs?.total ?? 0);
    const correlation = trendCorrelation(totals);
    const quarter = Math.ceil(answered.length / 4);
    const earlyMs = mean(totals.slice(0, quarter));
    const lateMs = mean(totals.slice(-quarter));
    if (
      correlation !== null &&
      correlation >= DEGRADING_MIN_CORRELATION &&
      lateMs >= DEGRADING_RATIO * earlyMs &&
      lateMs - earlyMs >= DEGRADING_MIN_EXTRA_MS
    ) {
      // The phase whose time grew the most is where the origin slows down.
      const growth = (phase: (typeof LEG_PHASES)[number]) => {
        const values = answered.map((w) => w.okMeanMs?.[phase] ?? null);
        const early = values.slice(0, quarter).filter((v): v is number => v !== null);
        const late = values.slice(-quarter).filter((v): v is number => v !== null);
        return early.length === 0 || late.length === 0 ? Number.NEGATIVE_INFINITY : mean(late) - mean(early);
      };
      const phase = [...LEG_PHASES].sort((a, b) => growth(b) - growth(a))[0] ?? "http";
      latency = { earlyMs, lateMs, correlation, phase };
    }
  }
  const counted = series.trend.filter((w) => w.counted > 0);
  const half = Math.floor(counted.length / 2);
  const rateOf = (windows: typeof counted) => {
    const total = windows.reduce((sum, w) => sum + w.counted, 0);
    return total === 0 ? 0 : windows.reduce((sum, w) => sum + w.errors, 0) / total;
  };
  const earlyErrorRate = rateOf(counted.slice(0, half));
  const lateErrorRate = rateOf(counted.slice(counted.length - half));
  const errorsRise =
    half >= 2 &&
    series.outcomes.error >= MIN_PATTERN_ERRORS &&
    lateErrorRate - earlyErrorRate >= DEGRADING_MIN_RATE_RISE &&
    lateErrorRate >= 2 * earlyErrorRate;
  if (latency === null && !errorsRise) return null;
  return { latency, earlyErrorRate, lateErrorRate, errorsRise };
}

function degradingFinding(series: LegSeries, facts: Degrading): Finding {
  const { latency } = facts;
  const sentences: string[] = [];
  if (latency !== null) {
    sentences.push(
      `Answered samples slowed down as the series went on, from ${duration(latency.earlyMs)} at the start to ${duration(latency.lateMs)} at the end (rank correlation ${latency.correlation.toFixed(2)} over the series' windows), most of it in the ${latency.phase} phase.`,
    );
  }
  if (facts.errorsRise) {
    sentences.push(
      `Failures grew over the series: ${percent(facts.earlyErrorRate)} of the samples in its first half, ${percent(facts.lateErrorRate)} in its second.`,
    );
  }
  sentences.push(
    "An origin that gets worse under a steady trickle of requests is running out of something (workers, connections, memory, disk): it is on its way to 524s and 520s, and a restart would only buy time.",
  );
  return finding(
    "series.degrading",
    "warning",
    at(series, latency?.phase ?? failurePhase(series)),
    sentences.join(" "),
    {
      measure: latency !== null && facts.errorsRise ? "both" : latency !== null ? "latency" : "error_rate",
      samples: series.counted,
      earlyMs: latency === null ? null : Math.round(latency.earlyMs * 10) / 10,
      lateMs: latency === null ? null : Math.round(latency.lateMs * 10) / 10,
      rankCorrelation: latency === null ? null : Math.round(latency.correlation * 100) / 100,
      earlyErrorRate: facts.earlyErrorRate,
      lateErrorRate: facts.lateErrorRate,
    },
  );
}

function slowBeforeFailing(series: LegSeries): Finding | null {
  const before = series.beforeFailure.total;
  const answered = series.phases.total.ok;
  if (before.count < 3 || before.p50 === null || answered.count < 3 || answered.p50 === null) return null;
  const ratio = answered.p50 === 0 ? Number.POSITIVE_INFINITY : before.p50 / answered.p50;
  if (ratio < SLOW_BEFORE_FAILING_RATIO || before.p50 - answered.p50 < SLOW_BEFORE_FAILING_MIN_EXTRA_MS) return null;
  const growth = (phase: (typeof LEG_PHASES)[number]) =>
    (series.beforeFailure[phase].p50 ?? Number.NEGATIVE_INFINITY) - (series.phases[phase].ok.p50 ?? 0);
  const phase = [...LEG_PHASES].sort((a, b) => growth(b) - growth(a))[0] ?? "http";
  const shownRatio = Number.isFinite(ratio) ? `${(Math.round(ratio * 10) / 10).toString()}×` : "far above";
  return finding(
    "series.slow_before_failing",
    "warning",
    at(series, phase),
    `The answered samples just before each run of failures took ${duration(before.p50)} (median of ${before.count}), against ${duration(answered.p50)} for answered samples overall (${shownRatio}), most of it in the ${phase} phase: the origin slows down, then drops requests. That is the mark of overload (a full queue or worker pool, memory pressure, a saturated database), not of a firewall, which fails requests at full speed.`,
    {
      errorStreaks: series.errorStreaks.count,
      beforeFailureSamples: before.count,
      beforeFailureP50Ms: before.p50,
      answeredP50Ms: answered.p50,
      ratio: Number.isFinite(ratio) ? Math.round(ratio * 100) / 100 : before.p50,
    },
  );
}

function addressFails(series: LegSeries): Finding | null {
  if (series.byAddress.length < 2) return null;
  const failing = series.byAddress.filter((a) => a.counted >= 2 && a.errorRate >= ADDRESS_FAILING_RATE);
  const others = series.byAddress.filter((a) => !failing.includes(a) && a.counted > 0);
  if (failing.length === 0 || others.length === 0) return null;
  const sum = (list: typeof failing, key: "counted" | "error") => list.reduce((total, a) => total + a[key], 0);
  const otherSamples = sum(others, "counted");
  const otherErrors = sum(others, "error");
  if (otherErrors / otherSamples > ADDRESS_HEALTHY_RATE) return null;
  const samples = sum(failing, "counted");
  const errors = sum(failing, "error");
  const codes = [...new Set(failing.flatMap((a) => a.codes.map((c) => c.code)))].filter((code) =>
    errorCodes(series).includes(code),
  );
  const names = failing.map((a) => a.address);
  const share = failing.length / series.byAddress.length;
  return finding(
    "series.address_fails",
    "warning",
    at(series, failurePhase(series, codes)),
    `${names.join(", ")} failed ${errors} of ${plural(samples, "sample")} (${codes.join(", ") || "errors"}), while the other ${plural(others.length, "address", "addresses")} (${others.map((a) => a.address).join(", ")}) failed ${otherErrors} of ${otherSamples}: one member behind the name is broken. The CDN spreads its requests over every address, so about ${percent(share)} of visitors' requests meet it. Take it out of the DNS record or the pool, then compare it with a healthy one.`,
    {
      addresses: names,
      samples,
      errors,
      otherAddresses: others.map((a) => a.address),
      otherSamples,
      otherErrors,
      codes,
    },
  );
}
