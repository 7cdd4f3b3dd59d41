/**
 * The picture of a series, in-process: marks that differ by shape, every line within the width
 * it is given, the same text with colour and without, and the Markdown report's section.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { seriesSection } from "../../src/artifacts/markdown-series.js";
import { renderSeriesPicture } from "../../src/render/series-picture.js";
import { plainStyle, type Style } from "../../src/render/style.js";
import type { LegSeries, Series } from "../../src/report/series-schema.js";
import { type StripOptions, seriesFromStrip } from "./series-fixtures.js";

const FOUR = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"];

function seriesOf(leg: LegSeries, plan: Partial<Series["plan"]> = {}): Series {
  return {
    plan: { repeat: leg.samples, forMs: null, intervalMs: 200, concurrency: 1, tolerate: 0, ...plan },
    startedAt: "2026-11-22T04:00:00.000Z",
    durationMs: 2_345,
    ended: "count",
    legs: { origin: leg },
  };
}

function picture(strip: string, width: number, options: StripOptions = {}, style: Style = plainStyle): string[] {
  const leg = seriesFromStrip(strip, {
    totalMs: (n, mark) => (mark === "x" ? 0.4 : 1 + (n % 7)),
    ...options,
  });
  return renderSeriesPicture(seriesOf(leg), style, width);
}

/** A style that tags every painted span, to see that colour adds nothing a reader needs. */
const TAGGING: Style = {
  error: (t) => `<E>${t}</E>`,
  warning: (t) => `<W>${t}</W>`,
  info: (t) => `<I>${t}</I>`,
  ok: (t) => `<O>${t}</O>`,
  dim: (t) => `<D>${t}</D>`,
  bold: (t) => `<B>${t}</B>`,
};
const untag = (line: string) => line.replace(/<\/?[EWIODB]>/g, "");

describe("the strip", () => {
  test("one mark per sample, by shape: . answered, ! warning, x error, ? interrupted", () => {
    const lines = picture("..x!.x??", 80);
    assert.ok(lines.includes("    1 ..x!.x??"), lines.join("\n"));
    assert.ok(lines.some((l) => l.includes(". answered  ! warning  x error (the CDN would fail it)  ? interrupted")));
  });

  test("wrapped to the width, each line led by the number of its first sample", () => {
    const strip = "....x".repeat(30);
    const lines = picture(strip, 60);
    const rows = lines.filter((l) => /^ {4} *\d+ [.x]+$/.test(l));
    assert.deepEqual(
      rows.map((l) => Number(l.trim().split(" ")[0])),
      [1, 52, 103],
    );
    assert.equal(rows.map((l) => l.trim().split(" ")[1]).join(""), strip);
  });

  test("a long series draws its last lines and says how many samples it left out", () => {
    const lines = picture(".".repeat(1_000), 80);
    const note = lines.find((l) => l.includes("not drawn"));
    assert.match(note ?? "", /\(samples 1 to 210 not drawn; the figures below count them\)/);
    assert.equal(lines.filter((l) => /^ {4} *\d+ \.+$/.test(l)).length, 12);
  });
});

describe("the width", () => {
  for (const width of [40, 60, 80, 120]) {
    test(`${width} columns: no line is wider`, () => {
      const lines = picture("..x...x...x.!.?", width, { addresses: FOUR });
      for (const line of lines) assert.ok(line.length <= width, `${line.length} > ${width}: ${line}`);
    });
  }
});

describe("readable without colour", () => {
  test("colour only paints: the text is the same as the plain picture", () => {
    const strip = "..x...x!..x.?";
    assert.deepEqual(
      picture(strip, 80, { addresses: FOUR }, TAGGING).map(untag),
      picture(strip, 80, { addresses: FOUR }),
    );
  });

  test("marks are painted by outcome", () => {
    const line = picture(".x!?", 80, {}, TAGGING).find((l) => untag(l) === "    1 .x!?");
    assert.equal(line, "    <D>1</D> <O>.</O><E>x</E><W>!</W><D>?</D>");
  });
});

describe("the figures", () => {
  test("per code, per address, latency by outcome and a histogram with the failures apart", () => {
    const text = picture("..x...x...x.", 80, { addresses: FOUR }).join("\n");
    assert.match(text, /http\.empty_reply\s+3\s+25 %\s+#3\s+#11\s+3\s+1/);
    assert.match(text, /127\.0\.0\.4\s+3\s+3\s+100 %\s+0\.4 ms\s+http\.empty_reply ×3/);
    assert.match(text, /127\.0\.0\.2\s+3\s+0\s+0 %/);
    assert.match(text, /total\s+answered\s+9\s/);
    assert.match(text, /\s+error\s+3\s+0\.4 ms/);
    assert.match(text, /≤ 0\.5 ms │x+ 3 \(3 failed\)/);
    assert.match(text, /≤ \d+ ms │#+ \d+$/m);
  });

  test("the plan: how many, how fast, how many at once, the tolerance, what ended it", () => {
    const leg = seriesFromStrip("....");
    const [, plan] = renderSeriesPicture(
      seriesOf(leg, { intervalMs: 0, concurrency: 4, tolerate: 0.05 }),
      plainStyle,
      200,
    );
    assert.equal(
      plan,
      "  4 samples, back to back, 4 in flight at once; tolerated error rate 5 %; took 2.3 s, ended: all the samples asked for",
    );
  });
});

describe("the Markdown report's section", () => {
  test("the strip in a code block, the tables, the histogram", () => {
    const leg = seriesFromStrip("..x...x...x.", { addresses: FOUR, totalMs: (_, m) => (m === "x" ? 0.4 : 2) });
    const text = seriesSection(seriesOf(leg)).join("\n");
    assert.match(text, /^## Repeated samples$/m);
    assert.match(text, /^### The origin leg: 3 of 12 samples failed \(25 %\)$/m);
    assert.match(text, /```\n 1 \.\.x\.\.\.x\.\.\.x\.\n```/);
    assert.match(text, /^\| `http\.empty_reply` \| 3 \| 25 % \| #3 \(\+20 ms\) \| #11 \(\+100 ms\) \| 3 \| 1 \|$/m);
    assert.match(text, /^\| `127\.0\.0\.4` \| 3 \| 3 \| 100 % \| 0\.4 ms \| `http\.empty_reply` ×3 \|$/m);
    assert.match(text, /^\| total \| answered \| 9 \| 2 ms \| 2 ms \| 2 ms \|$/m);
    assert.match(text, /^≤ 0\.5 ms \| x+ 3$/m);
  });

  test("no series, no section", () => {
    assert.deepEqual(seriesSection(undefined), []);
  });
});
