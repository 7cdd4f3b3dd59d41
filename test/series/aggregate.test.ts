/**
 * The series' figures, in-process and table-driven: percentiles, the bounded reservoir, the
 * histogram, and what the aggregator makes of a strip of outcomes (rates, streaks, first and
 * last seen, round-robin addresses, latency split by outcome, records and trend bounded).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Distribution, percentile } from "../../src/series/distribution.js";
import { Histogram } from "../../src/series/histogram.js";
import { RECORD_CAP, TREND_WINDOWS } from "../../src/series/leg-aggregator.js";
import { trendCorrelation } from "../../src/series/rank-correlation.js";
import { seriesFromStrip } from "./series-fixtures.js";

describe("percentile (nearest rank)", () => {
  const rows: [number[], number, number][] = [
    [[], 0.5, Number.NaN],
    [[7], 0.5, 7],
    [[7], 0.95, 7],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.5, 5],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9, 9],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95, 10],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0, 1],
    [[1, 2], 0.5, 1],
    [[1, 2, 3], 0.5, 2],
  ];
  for (const [values, fraction, expected] of rows) {
    test(`p${fraction * 100} of [${values.join(", ")}] is ${expected}`, () => {
      assert.deepEqual(percentile(values, fraction), expected);
    });
  }
});

describe("Distribution", () => {
  test("empty: count 0 and null figures", () => {
    assert.deepEqual(new Distribution().summary(), { count: 0, p50: null, p95: null, max: null, exact: true });
  });

  test("exact up to its capacity: the order of arrival does not matter", () => {
    const d = new Distribution(100);
    for (const v of [9, 1, 5, 3, 7, 2, 8, 4, 10, 6]) d.add(v);
    assert.deepEqual(d.summary(), { count: 10, p50: 5, p95: 10, max: 10, exact: true });
  });

  test("past its capacity: a uniform reservoir, count and max exact, percentiles close", () => {
    const d = new Distribution(1_000);
    for (let v = 1; v <= 100_000; v++) d.add(v);
    const s = d.summary();
    assert.equal(s.count, 100_000);
    assert.equal(s.max, 100_000);
    assert.equal(s.exact, false);
    // 1,000 uniform draws: p50 within ±5 % of 50,000 and p95 within ±2.5 % of 95,000 (seeded: always the same).
    assert.ok(Math.abs((s.p50 ?? 0) - 50_000) < 5_000, `p50 ${s.p50}`);
    assert.ok(Math.abs((s.p95 ?? 0) - 95_000) < 2_500, `p95 ${s.p95}`);
  });

  test("the same values in the same order give the same figures (seeded)", () => {
    const run = () => {
      const d = new Distribution(10);
      for (let v = 0; v < 500; v++) d.add((v * 7919) % 500);
      return d.summary();
    };
    assert.deepEqual(run(), run());
  });
});

describe("Histogram (1-2-5 buckets)", () => {
  test("buckets from the first non-empty to the last, counted by outcome", () => {
    const h = new Histogram();
    h.add(0.8, "ok");
    h.add(1, "ok");
    h.add(4, "error");
    h.add(4.5, "warning");
    assert.deepEqual(h.buckets(), [
      { fromMs: 0.5, toMs: 1, ok: 2, warning: 0, error: 0 },
      { fromMs: 1, toMs: 2, ok: 0, warning: 0, error: 0 },
      { fromMs: 2, toMs: 5, ok: 0, warning: 1, error: 1 },
    ]);
  });

  test("the first bucket starts at 0, the last is open", () => {
    const h = new Histogram();
    h.add(0, "ok");
    h.add(10_000_000, "error");
    const buckets = h.buckets();
    assert.deepEqual(buckets[0], { fromMs: 0, toMs: 0.1, ok: 1, warning: 0, error: 0 });
    assert.deepEqual(buckets.at(-1), { fromMs: 200_000, toMs: null, ok: 0, warning: 0, error: 1 });
  });

  test("empty: no buckets", () => {
    assert.deepEqual(new Histogram().buckets(), []);
  });
});

describe("streaks, rates, first and last seen", () => {
  const rows: {
    strip: string;
    errors: number;
    rate: number;
    streaks: number;
    longest: number;
    first: number | null;
    last: number | null;
    spacing: number | null;
  }[] = [
    { strip: "..........", errors: 0, rate: 0, streaks: 0, longest: 0, first: null, last: null, spacing: null },
    { strip: "xxxxxxxxxx", errors: 10, rate: 1, streaks: 1, longest: 10, first: 1, last: 10, spacing: 1 },
    { strip: "...x...x...x", errors: 3, rate: 0.25, streaks: 3, longest: 1, first: 4, last: 12, spacing: 4 },
    { strip: "..xxx....xxx..", errors: 6, rate: 6 / 14, streaks: 2, longest: 3, first: 3, last: 12, spacing: null },
    { strip: "x.xx.xxx", errors: 6, rate: 0.75, streaks: 3, longest: 3, first: 1, last: 8, spacing: null },
    { strip: ".....x", errors: 1, rate: 1 / 6, streaks: 1, longest: 1, first: 6, last: 6, spacing: null },
    // Interrupted samples count in no rate.
    { strip: "x.x.??", errors: 2, rate: 0.5, streaks: 2, longest: 1, first: 1, last: 3, spacing: 2 },
    // A warning ends a streak of errors.
    { strip: "xx!xx", errors: 4, rate: 0.8, streaks: 2, longest: 2, first: 1, last: 5, spacing: null },
  ];
  for (const row of rows) {
    test(`"${row.strip}": ${row.errors} errors in ${row.streaks} streaks (longest ${row.longest})`, () => {
      const s = seriesFromStrip(row.strip);
      assert.equal(s.outcomes.error, row.errors);
      assert.equal(s.errorRate, row.rate);
      assert.deepEqual(s.errorStreaks, {
        count: row.streaks,
        longest: row.longest,
        first: row.first,
        last: row.last,
        spacing: row.spacing,
      });
    });
  }

  test("per code: count, rate, first and last sample and time, streaks", () => {
    const s = seriesFromStrip("..xx.r.xxx!x");
    const byCode = Object.fromEntries(s.codes.map((c) => [c.code, c]));
    assert.deepEqual(
      s.codes.map((c) => c.code),
      ["http.empty_reply", "tcp.refused", "http.origin_error"],
      "most frequent first, then first seen",
    );
    assert.deepEqual(byCode["http.empty_reply"], {
      code: "http.empty_reply",
      severity: "error",
      phase: "http",
      count: 6,
      rate: 0.5,
      firstSample: 3,
      lastSample: 12,
      firstAtMs: 20,
      lastAtMs: 110,
      streaks: 3,
      longestStreak: 3,
    });
    assert.equal(byCode["tcp.refused"]?.phase, "tcp");
    assert.deepEqual(s.edgeStatuses, [
      { status: 520, count: 6 },
      { status: 521, count: 1 },
    ]);
    assert.deepEqual(s.outcomes, { ok: 4, warning: 1, error: 7, interrupted: 0 });
  });
});

describe("addresses, round-robin", () => {
  test("each address is counted apart, in round-robin order", () => {
    const addresses = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"];
    const s = seriesFromStrip("..x...x...x?", { addresses });
    assert.deepEqual(s.addresses, addresses);
    assert.deepEqual(
      s.byAddress.map((a) => [a.address, a.samples, a.counted, a.error, a.errorRate]),
      [
        ["127.0.0.2", 3, 3, 0, 0],
        ["127.0.0.3", 3, 3, 0, 0],
        ["127.0.0.4", 3, 3, 3, 1],
        ["127.0.0.5", 3, 2, 0, 0],
      ],
    );
    assert.deepEqual(s.byAddress[2]?.codes, [{ code: "http.empty_reply", count: 3 }]);
  });
});

describe("latency by outcome", () => {
  test("failed samples do not hide in the healthy latency", () => {
    const s = seriesFromStrip("..x..x..", { totalMs: (_, mark) => (mark === "x" ? 900 : 2) });
    assert.deepEqual(s.phases.total.ok, { count: 6, p50: 2, p95: 2, max: 2, exact: true });
    assert.deepEqual(s.phases.total.error, { count: 2, p50: 900, p95: 900, max: 900, exact: true });
    assert.equal(s.phases.tls.ok.count, 0, "a phase that never ran has no figures");
    assert.deepEqual(
      s.histogram.map((b) => [b.toMs, b.ok, b.error]).filter(([, ok, error]) => (ok as number) + (error as number) > 0),
      [
        [2, 6, 0],
        [1_000, 0, 2],
      ],
    );
  });

  test("the answered samples just before each run of failures, at most 3 each", () => {
    const s = seriesFromStrip(".....xx..x", { totalMs: (n) => n });
    // Before the first run: samples 3, 4, 5; before the second: 8, 9.
    assert.deepEqual(s.beforeFailure.total, { count: 5, p50: 5, p95: 9, max: 9, exact: true });
  });
});

describe("bounded", () => {
  test(`records: the most recent ${RECORD_CAP} (here a cap of 5), the rest counted`, () => {
    const s = seriesFromStrip("x..........x", { recordCap: 5 });
    assert.deepEqual(
      s.records.map((r) => r.n),
      [8, 9, 10, 11, 12],
    );
    assert.equal(s.omittedRecords, 7);
    assert.equal(s.outcomes.error, 2, "figures count every sample");
  });

  test(`trend: at most ${TREND_WINDOWS} consecutive windows covering every sample`, () => {
    const strip = ".x.".repeat(333);
    const s = seriesFromStrip(strip, { totalMs: (n) => n });
    assert.ok(s.trend.length <= TREND_WINDOWS, `${s.trend.length} windows`);
    assert.equal(s.trend[0]?.fromSample, 1);
    assert.equal(s.trend.at(-1)?.toSample, strip.length);
    for (const [i, w] of s.trend.entries()) {
      if (i > 0) assert.equal(w.fromSample, (s.trend[i - 1]?.toSample ?? 0) + 1, "contiguous");
    }
    assert.equal(
      s.trend.reduce((sum, w) => sum + w.counted, 0),
      strip.length,
    );
    assert.equal(
      s.trend.reduce((sum, w) => sum + w.errors, 0),
      333,
    );
    const means = s.trend.map((w) => w.okMeanMs?.total ?? 0);
    assert.ok((means.at(-1) ?? 0) > (means[0] ?? 0), "the windows follow the rising latency");
  });

  test("a short series: one window per sample", () => {
    const s = seriesFromStrip("..x", { totalMs: (n) => n * 10 });
    assert.deepEqual(
      s.trend.map((w) => [w.fromSample, w.toSample, w.counted, w.errors, w.okMeanMs?.total ?? null]),
      [
        [1, 1, 1, 0, 10],
        [2, 2, 1, 0, 20],
        [3, 3, 1, 1, null],
      ],
    );
  });
});

describe("trendCorrelation (Spearman, against the order)", () => {
  const rows: [number[], number | null][] = [
    [[], null],
    [[1], null],
    [[3, 3, 3], null],
    [[1, 2, 3, 4], 1],
    [[4, 3, 2, 1], -1],
    // One outlier moves the ranks of one value only: 1 − 6·Σd²/(n(n²−1)) = 1 − 6·12/120.
    [[1, 100, 2, 3, 4], 0.4],
  ];
  for (const [values, expected] of rows) {
    test(`[${values.join(", ")}] → ${expected}`, () => {
      const r = trendCorrelation(values);
      if (expected === null) assert.equal(r, null);
      else assert.ok(r !== null && Math.abs(r - expected) < 1e-9, `${r}`);
    });
  }
});
