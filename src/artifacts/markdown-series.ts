/**
 * The series in the Markdown report (issue 11, point 3): the same picture as the terminal's
 * (a strip of marks, one per sample, in a code block), then tables per finding code, per address
 * and per phase, and the histogram. Everything here is our own text and numbers (codes,
 * addresses, counts): no byte from the wire reaches this section.
 */

import { SAMPLE_MARKS, SERIES_ENDED } from "../render/series-picture.js";
import type { LegSeries, Series } from "../report/series-schema.js";
import { duration, percent, plural } from "../series/words.js";

/** Marks per line of the strip: a sample's number leads every line. */
const STRIP_LINE = 60;

export function seriesSection(series: Series | undefined): string[] {
  if (series === undefined) return [];
  const { plan } = series;
  const bound = [
    plan.repeat === null ? null : plural(plan.repeat, "sample"),
    plan.forMs === null ? null : `for ${duration(plan.forMs)}`,
  ]
    .filter((part) => part !== null)
    .join(", at most ");
  const pace = plan.intervalMs === 0 ? "back to back" : `one every ${duration(plan.intervalMs)}`;
  const load = plan.concurrency === 1 ? "sequential" : `${plan.concurrency} in flight at once`;
  const lines = [
    "## Repeated samples",
    "",
    `Asked: ${bound}, ${pace}, ${load}${plan.tolerate > 0 ? `, tolerated error rate ${percent(plan.tolerate)}` : ""}. ` +
      `Took ${duration(series.durationMs)}; ended: ${SERIES_ENDED[series.ended]}.`,
  ];
  for (const leg of Object.values(series.legs)) if (leg !== undefined) lines.push("", ...legSection(leg));
  return lines;
}

function legSection(leg: LegSeries): string[] {
  const lines = [
    `### The ${leg.leg} leg: ${leg.outcomes.error} of ${plural(leg.counted, "sample")} failed (${percent(leg.errorRate)})`,
    "",
    `${leg.outcomes.ok} answered, ${leg.outcomes.warning} with warnings, ${leg.outcomes.error} failed, ${leg.outcomes.interrupted} interrupted (not counted)` +
      `${leg.addresses.length > 1 ? `; round-robin over ${leg.addresses.length} addresses` : ""}. ` +
      `Marks: \`${SAMPLE_MARKS.ok}\` answered, \`${SAMPLE_MARKS.warning}\` warning, \`${SAMPLE_MARKS.error}\` error (the CDN would fail it), \`${SAMPLE_MARKS.interrupted}\` interrupted.`,
    "",
    "```",
    ...stripLines(leg),
    "```",
  ];
  if (leg.exemplar !== null) {
    lines.push(
      "",
      `The request and response below are those of sample ${leg.exemplar.sample} (${leg.exemplar.address}).`,
    );
  }
  if (leg.codes.length > 0) {
    lines.push(
      "",
      "| finding code | samples | rate | first | last | streaks | longest streak |",
      "|---|---|---|---|---|---|---|",
    );
    for (const c of leg.codes) {
      lines.push(
        `| \`${c.code}\` | ${c.count} | ${percent(c.rate)} | #${c.firstSample} (+${duration(c.firstAtMs)}) | #${c.lastSample} (+${duration(c.lastAtMs)}) | ${c.streaks} | ${c.longestStreak} |`,
      );
    }
  }
  if (leg.byAddress.length > 1) {
    lines.push("", "| address | samples | failed | rate | median | codes |", "|---|---|---|---|---|---|");
    for (const a of leg.byAddress) {
      const codes = a.codes.map((c) => `\`${c.code}\` ×${c.count}`).join(", ") || "none";
      const median = a.total.p50 === null ? "" : duration(a.total.p50);
      lines.push(`| \`${a.address}\` | ${a.counted} | ${a.error} | ${percent(a.errorRate)} | ${median} | ${codes} |`);
    }
  }
  if (leg.counted > 0) {
    lines.push("", "| phase | outcome | samples | p50 | p95 | max |", "|---|---|---|---|---|---|");
    const cell = (v: number | null) => (v === null ? "" : duration(v));
    for (const phase of ["total", "tcp", "tls", "http"] as const) {
      for (const outcome of ["ok", "warning", "error"] as const) {
        const f = leg.phases[phase][outcome];
        if (f.count === 0) continue;
        const est = f.exact ? "" : " (estimated)";
        lines.push(
          `| ${phase} | ${outcome === "ok" ? "answered" : outcome} | ${f.count} | ${cell(f.p50)}${est} | ${cell(f.p95)}${est} | ${cell(f.max)} |`,
        );
      }
    }
    lines.push(
      "",
      "Wall time of the samples (`#` answered, `!` warning, `x` error):",
      "",
      "```",
      ...histogramLines(leg),
      "```",
    );
  }
  return lines;
}

function stripLines(leg: LegSeries): string[] {
  const lines: string[] = [];
  if (leg.omittedRecords > 0) lines.push(`(samples 1 to ${leg.omittedRecords} not listed; counted above)`);
  const width = String(leg.records.at(-1)?.n ?? 0).length;
  for (let i = 0; i < leg.records.length; i += STRIP_LINE) {
    const row = leg.records.slice(i, i + STRIP_LINE);
    lines.push(`${String(row[0]?.n ?? 0).padStart(width)} ${row.map((r) => SAMPLE_MARKS[r.outcome]).join("")}`);
  }
  return lines;
}

function histogramLines(leg: LegSeries): string[] {
  const labels = leg.histogram.map((b) => (b.toMs === null ? `> ${duration(b.fromMs)}` : `≤ ${duration(b.toMs)}`));
  const labelWidth = Math.max(0, ...labels.map((label) => label.length));
  const most = Math.max(1, ...leg.histogram.map((b) => b.ok + b.warning + b.error));
  const cells = (count: number) => (count === 0 ? 0 : Math.max(1, Math.round((count / most) * 40)));
  return leg.histogram.map((b, i) => {
    const bar = "#".repeat(cells(b.ok)) + "!".repeat(cells(b.warning)) + "x".repeat(cells(b.error));
    return `${(labels[i] ?? "").padStart(labelWidth)} | ${bar} ${b.ok + b.warning + b.error}`;
  });
}
