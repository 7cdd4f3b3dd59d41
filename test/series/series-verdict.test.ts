/**
 * The verdict of a series in rates, the causes it ranks first, and the exit code over its error
 * rate (one pure function with the single run's): table-driven, in-process.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { checkSeries } from "../../src/checks/series.js";
import { exitCodeFor, type ReportOutcome } from "../../src/cli/exit-code.js";
import { type Finding, type FindingCode, finding } from "../../src/findings/catalogue.js";
import { parseTolerate } from "../../src/input/series-arguments.js";
import type { Interruption, Verdict } from "../../src/report/schema.js";
import type { Series } from "../../src/report/series-schema.js";
import { rankSeriesCauses } from "../../src/series/rank-series-causes.js";
import { decideSeriesVerdict } from "../../src/series/series-verdict.js";
import { type StripOptions, seriesFromStrip } from "./series-fixtures.js";

const FOUR = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"];

/** What diagnoseSeries puts together: the first finding of each code, then the patterns. */
function assemble(strip: string, options: StripOptions = {}, tolerate = 0, interruption: Interruption | null = null) {
  const leg = seriesFromStrip(strip, options);
  const first: Finding[] = leg.codes.map((c) =>
    finding(c.code as FindingCode, c.severity, { leg: "origin", phase: c.phase }, "detail", {} as never),
  );
  const findings = [...first, ...checkSeries(leg)];
  const series: Series = {
    plan: { repeat: strip.length, forMs: null, intervalMs: 0, concurrency: 1, tolerate },
    startedAt: "2026-11-22T04:00:00.000Z",
    durationMs: 100,
    ended: "count",
    legs: { origin: leg },
  };
  const verdict = decideSeriesVerdict(findings, series, {
    findings,
    origin: undefined,
    interruption,
    originNotRun: null,
  });
  return { findings, series, verdict };
}

describe("the verdict in rates", () => {
  const rows: { strip: string; options?: StripOptions; tolerate?: number; ok: boolean; summary: string }[] = [
    {
      strip: "..........",
      ok: true,
      summary: "no sample would make the CDN fail this request: 10 of 10 requests answered, median 1 ms",
    },
    {
      strip: "....!.....",
      ok: true,
      summary:
        "no sample would make the CDN fail this request: 10 of 10 requests answered, median 1 ms (1 sample with warnings below)",
    },
    {
      strip: "...xxx.......xxx..........................................",
      ok: false,
      summary:
        "the CDN would answer 520 on 6 of 58 requests (10 %) in two streaks: the origin closed the connection without sending a response",
    },
    {
      strip: "xxxxxxxxxx",
      ok: false,
      summary:
        "the CDN would answer 520 on 10 of 10 requests (100 %): the origin closed the connection without sending a response",
    },
    {
      strip: "...x...x...x",
      ok: false,
      summary:
        "the CDN would answer 520 on 3 of 12 requests (25 %), every fourth request: the origin closed the connection without sending a response",
    },
    {
      strip: ".x...rr...x.",
      ok: false,
      summary:
        "the CDN would fail 4 of 12 requests (33 %) in three streaks: http.empty_reply (520) on 2, tcp.refused (521) on 2",
    },
    {
      strip: "..x...x.",
      options: { addresses: FOUR },
      ok: false,
      summary:
        "the CDN would answer 520 on 2 of 8 requests (25 %): the origin closed the connection without sending a response, all at 127.0.0.4 (1 of 4 addresses)",
    },
    {
      strip: `${"....................x".repeat(3)}`,
      ok: false,
      summary:
        "the CDN would answer 520 on 3 of 63 requests (5 %), every 21st request: the origin closed the connection without sending a response",
    },
    {
      strip: "..x.....x.........x..",
      ok: false,
      summary:
        "the CDN would answer 520 on 3 of 21 requests (14 %): the origin closed the connection without sending a response",
    },
    {
      strip: "...x...x...x",
      tolerate: 0.25,
      ok: false,
      summary:
        "the CDN would answer 520 on 3 of 12 requests (25 %), every fourth request: the origin closed the connection without sending a response; within the tolerated error rate (25 %)",
    },
  ];
  for (const row of rows) {
    test(`"${row.strip}"${row.tolerate ? ` --tolerate ${row.tolerate}` : ""}`, () => {
      const { verdict, findings } = assemble(row.strip, row.options, row.tolerate);
      assert.equal(verdict.summary, row.summary);
      assert.equal(verdict.ok, row.ok);
      if (!row.ok) {
        const deciding = verdict.decidingFinding;
        assert.ok(deciding !== null);
        assert.equal(findings[deciding.index]?.code, deciding.code);
        assert.equal(findings[deciding.index]?.severity, "error", "the verdict rests on a sample's error");
      }
    });
  }

  test("the edge status is the most frequent one among the failures", () => {
    assert.equal(assemble(".x..rr..r").verdict.edgeStatus, 521);
    assert.equal(assemble(".x..xr..x").verdict.edgeStatus, 520);
  });

  test("interrupted before any failure: incomplete, said first", () => {
    const { verdict } = assemble("....??", {}, 0, { kind: "cancelled", ms: null });
    // A run that did not finish is never green, however clean the samples it took.
    assert.equal(verdict.ok, false);
    assert.equal(verdict.status, "incomplete");
    assert.match(
      verdict.summary,
      /^incomplete: interrupted by the user before the series finished; no sample so far would make the CDN fail this request: 4 of 4/,
    );
  });
});

describe("causes ranked by what the series shows", () => {
  const rows: { strip: string; options?: StripOptions; first: string }[] = [
    { strip: "...xxx.......xxx....", first: "firewall_blocking" },
    { strip: "...x...x...x", first: "one_member_failing" },
    { strip: "..x...x...x.", options: { addresses: FOUR }, first: "one_member_failing" },
    {
      strip: "......xxxxxx",
      options: { totalMs: (n, mark) => (mark === "x" ? 2 : ([1, 11, 21, 41, 81, 161][n - 1] ?? 1)) },
      first: "origin_down",
    },
    // No pattern: the single sample's ranking stands (the origin first for an empty reply).
    { strip: ".x......x...x.......x...", first: "origin_down" },
  ];
  for (const row of rows) {
    test(`"${row.strip}" → ${row.first} first`, () => {
      const causes = rankSeriesCauses(assemble(row.strip, row.options).findings);
      assert.equal(causes[0]?.id, row.first);
      assert.deepEqual(
        causes.map((c) => c.rank),
        causes.map((_, i) => i + 1),
      );
    });
  }
});

const okVerdict: Verdict = { ok: true, status: "pass", edgeStatus: null, summary: "", decidingFinding: null };
const failing: Verdict = { ok: false, status: "fail", edgeStatus: 520, summary: "", decidingFinding: null };

function withSeries(
  legs: Record<string, { counted: number; errors: number }>,
  tolerate: number,
  verdict: Verdict = failing,
  interruption: Interruption | null = null,
): ReportOutcome {
  const entries = Object.entries(legs).map(([name, { counted, errors }]) => [
    name,
    { counted, outcomes: { ok: counted - errors, warning: 0, error: errors, interrupted: 0 } },
  ]);
  return { verdict, interruption, series: { plan: { tolerate }, legs: Object.fromEntries(entries) } };
}

describe("exitCodeFor over a series: the error rate against --tolerate", () => {
  const rows: { name: string; reports: ReportOutcome[]; exit: number }[] = [
    { name: "a single run, ok", reports: [{ verdict: okVerdict, interruption: null }], exit: 0 },
    { name: "a single run, failing", reports: [{ verdict: failing, interruption: null }], exit: 1 },
    { name: "no error sample", reports: [withSeries({ origin: { counted: 50, errors: 0 } }, 0, okVerdict)], exit: 0 },
    {
      name: "one error sample, no tolerance",
      reports: [withSeries({ origin: { counted: 50, errors: 1 } }, 0)],
      exit: 1,
    },
    {
      name: "6 of 50 with --tolerate 0.12: equal passes",
      reports: [withSeries({ origin: { counted: 50, errors: 6 } }, parseTolerate("0.12"))],
      exit: 0,
    },
    {
      name: "6 of 50 with --tolerate 0.1199",
      reports: [withSeries({ origin: { counted: 50, errors: 6 } }, parseTolerate("0.1199"))],
      exit: 1,
    },
    {
      name: "7 of 50 with --tolerate 0.12",
      reports: [withSeries({ origin: { counted: 50, errors: 7 } }, parseTolerate("0.12"))],
      exit: 1,
    },
    {
      name: "1 of 3 with --tolerate 0.33",
      reports: [withSeries({ origin: { counted: 3, errors: 1 } }, parseTolerate("0.33"))],
      exit: 1,
    },
    {
      name: "3 of 12 with --tolerate 0.25: equal passes",
      reports: [withSeries({ origin: { counted: 12, errors: 3 } }, parseTolerate("0.25"))],
      exit: 0,
    },
    {
      name: "every sample failed with --tolerate 1",
      reports: [withSeries({ origin: { counted: 5, errors: 5 } }, parseTolerate("1"))],
      exit: 0,
    },
    {
      name: "each leg counted apart: 1 of 10 and 0 of 10, --tolerate 0.1",
      reports: [withSeries({ origin: { counted: 10, errors: 1 }, edge: { counted: 10, errors: 0 } }, 0.1)],
      exit: 0,
    },
    {
      name: "each leg counted apart: 0 of 10 and 2 of 10, --tolerate 0.1 (not 2 of 20)",
      reports: [withSeries({ origin: { counted: 10, errors: 0 }, edge: { counted: 10, errors: 2 } }, 0.1)],
      exit: 1,
    },
    {
      name: "no sample counted: the verdict decides (a resolution error)",
      reports: [withSeries({}, 0.5)],
      exit: 1,
    },
    {
      name: "no sample counted, nothing failing (stopped by --max-time before the first)",
      reports: [withSeries({ origin: { counted: 0, errors: 0 } }, 0, okVerdict, { kind: "run_deadline", ms: 10 })],
      exit: 0,
    },
    {
      name: "Ctrl-C mid-series wins, whatever the rates",
      reports: [withSeries({ origin: { counted: 10, errors: 0 } }, 0, okVerdict, { kind: "cancelled", ms: null })],
      exit: 130,
    },
    {
      name: "a series and a single run together: the worst",
      reports: [withSeries({ origin: { counted: 10, errors: 1 } }, 0.5), { verdict: failing, interruption: null }],
      exit: 1,
    },
  ];
  for (const row of rows) {
    test(`${row.name} → ${row.exit}`, () => {
      assert.equal(exitCodeFor(row.reports), row.exit);
    });
  }
});
