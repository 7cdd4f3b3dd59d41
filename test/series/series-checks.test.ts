/**
 * checkSeries, table-driven: strips of outcomes (and their timings) through the real aggregator,
 * and the pattern findings they must (and must not) produce. Every finding is checked against
 * the report schema, so its evidence has exactly the keys its code declares.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { checkSeries } from "../../src/checks/series.js";
import { findingSchema } from "../../src/report/schema.js";
import { type StripOptions, seriesFromStrip } from "./series-fixtures.js";

const FOUR = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"];
/** Slower and slower (doubling), then failing: the mark of overload. */
const RAMP = [1, 11, 21, 41, 81, 161];

interface Row {
  readonly name: string;
  readonly strip: string;
  readonly options?: StripOptions;
  readonly codes: readonly string[];
}

const ROWS: readonly Row[] = [
  { name: "healthy", strip: "............", codes: [] },
  { name: "every sample fails: an outage, not a pattern", strip: "xxxxxxxxxxxx", codes: [] },
  { name: "warnings only", strip: "..!...!...", codes: [] },
  { name: "two failures: too few for a pattern", strip: "..x..x......", codes: ["series.intermittent"] },
  {
    name: "one in four, on one address",
    strip: "...x...x...x",
    codes: ["series.intermittent", "series.periodic"],
  },
  {
    name: "one in four, but not from the start: no rotation",
    strip: "........x...x...x...",
    codes: ["series.intermittent"],
  },
  {
    name: "a regular spacing that stops: no rotation",
    strip: "...x...x...x............",
    codes: ["series.intermittent"],
  },
  {
    name: "two bursts of three",
    strip: "...xxx.......xxx....",
    codes: ["series.intermittent", "series.bursty"],
  },
  {
    name: "scattered: neither bursts nor a rotation",
    strip: ".x......x...x.......x...",
    codes: ["series.intermittent"],
  },
  {
    name: "slower and slower, then failing",
    strip: "......xxxxxx",
    options: { totalMs: (n, mark) => (mark === "x" ? 2 : (RAMP[n - 1] ?? 1)) },
    codes: ["series.intermittent", "series.bursty", "series.degrading", "series.slow_before_failing"],
  },
  {
    name: "slower and slower, never failing",
    strip: "............",
    options: { totalMs: (n) => n * 10 },
    codes: ["series.degrading"],
  },
  {
    name: "noisy but flat latency",
    strip: "............",
    options: { totalMs: (n) => (n % 2 === 0 ? 40 : 10) },
    codes: [],
  },
  {
    name: "failures grow over the series",
    strip: "..........x.xxx.xxxx",
    codes: ["series.intermittent", "series.degrading"],
  },
  {
    name: "one bad member of four",
    strip: "..x...x...x.",
    options: { addresses: FOUR },
    codes: ["series.intermittent", "series.periodic", "series.address_fails"],
  },
  {
    name: "one bad member of four, sampled twice",
    strip: "..x...x.",
    options: { addresses: FOUR },
    codes: ["series.intermittent", "series.address_fails"],
  },
  {
    name: "one address fails more, but the others fail too (over 10 %)",
    strip: "x.x...x...x.",
    options: { addresses: FOUR },
    codes: ["series.intermittent"],
  },
  {
    name: "every address fails: not one member",
    strip: "xxxxxxxx",
    options: { addresses: FOUR },
    codes: [],
  },
  {
    name: "not slower before failing",
    strip: "...x...x...x...x",
    options: { totalMs: () => 5 },
    codes: ["series.intermittent", "series.periodic"],
  },
];

describe("checkSeries: the patterns a strip of samples makes", () => {
  for (const row of ROWS) {
    test(`${row.name}: "${row.strip}" → ${row.codes.join(", ") || "nothing"}`, () => {
      const findings = checkSeries(seriesFromStrip(row.strip, row.options));
      assert.deepEqual(
        findings.map((f) => f.code),
        row.codes,
      );
      for (const f of findings) {
        findingSchema.parse(f);
        assert.equal(f.severity, "warning");
        assert.equal(f.edgeStatus, null);
        assert.equal(f.leg, "origin");
      }
    });
  }
});

describe("checkSeries: evidence and words", () => {
  test("intermittent: counts, streaks, pattern, and the phase of the failures", () => {
    const [f] = checkSeries(seriesFromStrip("..r..r..r..r", {}));
    assert.equal(f?.code, "series.intermittent");
    assert.equal(f?.phase, "tcp");
    assert.deepEqual(f?.evidence, {
      samples: 12,
      errors: 4,
      rate: 4 / 12,
      errorStreaks: 4,
      longestStreak: 1,
      firstErrorSample: 3,
      lastErrorSample: 12,
      codes: ["tcp.refused"],
      edgeStatuses: [521],
      pattern: "periodic",
    });
    assert.match(f?.detail ?? "", /^4 of 12 samples \(33 %\) failed, at a regular spacing/);
  });

  test("periodic: every Nth, and whether the rotation is diag520's own", () => {
    const own = checkSeries(seriesFromStrip("..x...x...x.", { addresses: FOUR })).find(
      (f) => f.code === "series.periodic",
    );
    assert.deepEqual(own?.evidence, { samples: 12, errors: 3, every: 4, firstErrorSample: 3, addresses: 4 });
    assert.match(own?.detail ?? "", /Every 4th sample failed \(samples 3, 7, 11 …; 3 of 12\)/);
    assert.match(own?.detail ?? "", /see series\.address_fails/);
    const behind = checkSeries(seriesFromStrip("..x..x..x..x")).find((f) => f.code === "series.periodic");
    assert.match(behind?.detail ?? "", /every 3rd request to one broken server.*rotation happens behind it/);
  });

  test("address_fails: the failing address, the others, the codes", () => {
    const f = checkSeries(seriesFromStrip("..x...x...x.", { addresses: FOUR })).find(
      (item) => item.code === "series.address_fails",
    );
    assert.deepEqual(f?.evidence, {
      addresses: ["127.0.0.4"],
      samples: 3,
      errors: 3,
      otherAddresses: ["127.0.0.2", "127.0.0.3", "127.0.0.5"],
      otherSamples: 9,
      otherErrors: 0,
      codes: ["http.empty_reply"],
    });
    assert.match(f?.detail ?? "", /about 25 % of visitors' requests meet it/);
  });

  test("slow before failing and degrading: the figures behind them", () => {
    const findings = checkSeries(
      seriesFromStrip("......xxxxxx", { totalMs: (n, mark) => (mark === "x" ? 2 : (RAMP[n - 1] ?? 1)) }),
    );
    const slow = findings.find((f) => f.code === "series.slow_before_failing");
    assert.deepEqual(slow?.evidence, {
      errorStreaks: 1,
      beforeFailureSamples: 3,
      beforeFailureP50Ms: 81,
      answeredP50Ms: 21,
      ratio: 3.86,
    });
    assert.equal(slow?.phase, "http", "the fixture puts three quarters of each sample in http");
    const degrading = findings.find((f) => f.code === "series.degrading");
    assert.deepEqual(degrading?.evidence, {
      measure: "both",
      samples: 12,
      earlyMs: 6,
      lateMs: 121,
      rankCorrelation: 1,
      earlyErrorRate: 0,
      lateErrorRate: 1,
    });
  });

  test("bursty: the streaks that independent failures would make", () => {
    const f = checkSeries(seriesFromStrip("...xxx.......xxx....")).find((item) => item.code === "series.bursty");
    assert.deepEqual(f?.evidence, {
      samples: 20,
      errors: 6,
      errorStreaks: 2,
      longestStreak: 3,
      expectedStreaks: 4.2,
    });
  });
});
