/**
 * The picture of a series for a terminal (issue 11, point 3): a strip with one mark per sample,
 * then the figures per finding code and per address, the latency by outcome and a histogram.
 * Marks differ by shape, not only by colour ("." answered, "!" warning, "x" error, "?"
 * interrupted), so the picture reads the same without colour; lines fit `width` columns. It
 * draws the report's figures and derives none (DESIGN.md "The report").
 */
import type {
  HistogramBucket,
  Latency,
  LegSeries,
  SampleOutcome,
  SampleRecord,
  Series,
} from "../report/series-schema.js";
import { duration, percent, plural } from "../series/words.js";
import type { Style } from "./style.js";

export const SAMPLE_MARKS: Readonly<Record<SampleOutcome, string>> = {
  ok: ".",
  warning: "!",
  error: "x",
  interrupted: "?",
};

/** A bar of dots is hard to see: the histogram draws answered samples with "#". */
const HISTOGRAM_ANSWERED = "#";
/** Strip lines shown in a terminal at most (the most recent samples); the JSON keeps the rest. */
const MAX_STRIP_LINES = 12;
const MIN_WIDTH = 40;

export const SERIES_ENDED: Readonly<Record<Series["ended"], string>> = {
  count: "all the samples asked for",
  duration: "the duration asked for",
  interrupted: "interrupted by the user (Ctrl-C)",
  run_deadline: "stopped by --max-time",
  not_started: "not started: no address to sample",
};

const EXEMPLAR: Readonly<Record<NonNullable<LegSeries["exemplar"]>["why"], string>> = {
  first_error: "the first that failed",
  first_warning: "the first with a warning",
  last: "the last one",
};

export function renderSeriesPicture(series: Series, style: Style, width: number): string[] {
  const columns = Math.max(MIN_WIDTH, width);
  const lines = [style.bold("Series"), ...wrap(planLine(series), columns, "  ")];
  for (const leg of Object.values(series.legs)) {
    if (leg === undefined) continue;
    lines.push("", ...legPicture(leg, style, columns, Object.keys(series.legs).length > 1));
  }
  return lines;
}

function planLine(series: Series): string {
  const { plan } = series;
  const bound = [
    plan.repeat === null ? null : plural(plan.repeat, "sample"),
    plan.forMs === null ? null : `for ${duration(plan.forMs)}`,
  ]
    .filter((part) => part !== null)
    .join(", at most ");
  const pace = plan.intervalMs === 0 ? "back to back" : `one every ${duration(plan.intervalMs)}`;
  const load = plan.concurrency === 1 ? "sequential" : `${plan.concurrency} in flight at once`;
  const tolerate = plan.tolerate > 0 ? `; tolerated error rate ${percent(plan.tolerate)}` : "";
  return `${bound}, ${pace}, ${load}${tolerate}; took ${duration(series.durationMs)}, ended: ${SERIES_ENDED[series.ended]}`;
}

function legPicture(leg: LegSeries, style: Style, width: number, named: boolean): string[] {
  const lines: string[] = [];
  const addresses = leg.addresses.length > 1 ? `, round-robin over ${leg.addresses.length} addresses` : "";
  const interrupted = leg.outcomes.interrupted > 0 ? `, ${leg.outcomes.interrupted} interrupted (not counted)` : "";
  lines.push(
    ...wrap(
      `${named ? `${leg.leg} leg: ` : ""}${plural(leg.samples, "sample")}${addresses}${interrupted}: ` +
        `${leg.outcomes.ok} answered, ${leg.outcomes.warning} with warnings, ${leg.outcomes.error} failed ` +
        `(error rate ${percent(leg.errorRate)})`,
      width,
      "  ",
    ),
  );
  lines.push(...strip(leg, style, width));
  const legend = `${SAMPLE_MARKS.ok} answered  ${SAMPLE_MARKS.warning} warning  ${SAMPLE_MARKS.error} error (the CDN would fail it)  ${SAMPLE_MARKS.interrupted} interrupted`;
  lines.push(...wrap(legend, width, "    ").map(style.dim));
  if (leg.exemplar !== null) {
    const shown = `Phases below: sample ${leg.exemplar.sample} (${leg.exemplar.address}), ${EXEMPLAR[leg.exemplar.why]}.`;
    lines.push(...wrap(shown, width, "    ").map(style.dim));
  }
  if (leg.codes.length > 0) lines.push("", ...codeTable(leg, style, width));
  if (leg.byAddress.length > 1) lines.push("", ...addressTable(leg, style, width));
  if (leg.counted > 0)
    lines.push("", ...latencyTable(leg, style, width), "", ...histogram(leg.histogram, style, width));
  return lines;
}

/** Words wrapped to `width` columns, every line led by `indent`. */
function wrap(text: string, width: number, indent: string): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  if (line !== "") lines.push(indent + line);
  return lines.map((l) => fit(l, width));
}

/** A section's title in bold, and what follows it when it fits. */
function heading(title: string, rest: string, style: Style, width: number): string {
  return `  ${style.bold(title)}${2 + title.length + rest.length <= width ? rest : ""}`;
}

/** A line cut to `width` columns (a table too wide for the terminal), marked with "…". */
function fit(line: string, width: number): string {
  return line.length <= width ? line : `${line.slice(0, width - 1)}…`;
}

/** One mark per sample, wrapped to the width, each line led by the number of its first sample. */
function strip(leg: LegSeries, style: Style, width: number): string[] {
  const records = leg.records;
  if (records.length === 0) return [];
  const lastNumber = records.at(-1)?.n ?? 0;
  const numberWidth = String(lastNumber).length;
  const perLine = Math.max(10, width - numberWidth - 6);
  const rows: SampleRecord[][] = [];
  for (let i = 0; i < records.length; i += perLine) rows.push(records.slice(i, i + perLine));
  const shown = rows.slice(-MAX_STRIP_LINES);
  const hidden = records.length - shown.reduce((sum, row) => sum + row.length, 0) + leg.omittedRecords;
  const lines: string[] = [];
  if (hidden > 0) lines.push(`    ${style.dim(`(samples 1 to ${hidden} not drawn; the figures below count them)`)}`);
  for (const row of shown) {
    const first = String(row[0]?.n ?? 0).padStart(numberWidth);
    lines.push(`    ${style.dim(first)} ${row.map((record) => paintMark(record.outcome, style)).join("")}`);
  }
  return lines;
}

function paintMark(outcome: SampleOutcome, style: Style): string {
  const mark = SAMPLE_MARKS[outcome];
  if (outcome === "ok") return style.ok(mark);
  if (outcome === "warning") return style.warning(mark);
  if (outcome === "error") return style.error(mark);
  return style.dim(mark);
}

function table(rows: readonly (readonly string[])[], width: number, indent = "    "): string[] {
  const widths: number[] = [];
  for (const row of rows) for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  return rows.map((row) =>
    fit(`${indent}${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ")}`.trimEnd(), width),
  );
}

function codeTable(leg: LegSeries, style: Style, width: number): string[] {
  const rows = [["code", "samples", "rate", "first", "last", "streaks", "longest"]];
  for (const c of leg.codes) {
    rows.push([
      c.code,
      String(c.count),
      percent(c.rate),
      `#${c.firstSample}`,
      `#${c.lastSample}`,
      String(c.streaks),
      String(c.longestStreak),
    ]);
  }
  const [header, ...body] = table(rows, width);
  return [`  ${style.bold("Finding codes across the samples")}`, style.dim(header ?? ""), ...body];
}

function addressTable(leg: LegSeries, style: Style, width: number): string[] {
  const rows = [["address", "samples", "failed", "rate", "median", "codes"]];
  for (const a of leg.byAddress) {
    rows.push([
      a.address,
      String(a.counted),
      String(a.error),
      percent(a.errorRate),
      a.total.p50 === null ? "-" : duration(a.total.p50),
      a.codes.map((c) => `${c.code} ×${c.count}`).join(", ") || "-",
    ]);
  }
  const [header, ...body] = table(rows, width);
  return [`  ${style.bold("By address")}`, style.dim(header ?? ""), ...body];
}

function latencyTable(leg: LegSeries, style: Style, width: number): string[] {
  const rows = [["", "outcome", "samples", "p50", "p95", "max"]];
  const cell = (value: number | null) => (value === null ? "-" : duration(value));
  for (const phase of ["total", "tcp", "tls", "http"] as const) {
    let named = false;
    for (const outcome of ["ok", "warning", "error"] as const) {
      const figures: Latency = leg.phases[phase][outcome];
      if (figures.count === 0) continue;
      const estimated = figures.exact ? "" : " (est.)";
      rows.push([
        named ? "" : phase,
        outcome === "ok" ? "answered" : outcome,
        String(figures.count),
        cell(figures.p50) + estimated,
        cell(figures.p95) + estimated,
        cell(figures.max),
      ]);
      named = true;
    }
  }
  const [header, ...body] = table(rows, width);
  return [heading("Latency by outcome", " (failed samples apart)", style, width), style.dim(header ?? ""), ...body];
}

function histogram(buckets: readonly HistogramBucket[], style: Style, width: number): string[] {
  const label = (b: HistogramBucket) => (b.toMs === null ? `> ${duration(b.fromMs)}` : `≤ ${duration(b.toMs)}`);
  const labels = buckets.map(label);
  const labelWidth = Math.max(...labels.map((l) => l.length));
  const totals = buckets.map((b) => b.ok + b.warning + b.error);
  const suffixes = buckets.map((b, i) => ` ${totals[i]}${b.error > 0 ? ` (${b.error} failed)` : ""}`);
  const most = Math.max(1, ...totals);
  // Indent, label, " │", the suffix, and 2 for rounding each non-empty part up to one mark.
  const room = Math.max(10, width - 4 - labelWidth - 2 - Math.max(...suffixes.map((x) => x.length)) - 2);
  const legend = ` (${HISTOGRAM_ANSWERED} answered, ${SAMPLE_MARKS.warning} warning, ${SAMPLE_MARKS.error} error)`;
  const lines = [heading("Wall time", legend, style, width)];
  buckets.forEach((b, i) => {
    const cells = (count: number) => (count === 0 ? 0 : Math.max(1, Math.round((count / most) * room)));
    const [ok, warning, error] = [cells(b.ok), cells(b.warning), cells(b.error)];
    const plain = `    ${(labels[i] ?? "").padStart(labelWidth)} │`;
    // Painted after measuring: colour adds escape codes, never columns.
    const fits = plain.length + ok + warning + error + (suffixes[i] ?? "").length <= width;
    const scale = fits ? 1 : (width - plain.length - (suffixes[i] ?? "").length) / (ok + warning + error);
    const [o, w, e] = [ok, warning, error].map((n) => (n === 0 ? 0 : Math.max(1, Math.floor(n * scale))));
    const bar =
      style.ok(HISTOGRAM_ANSWERED.repeat(o ?? 0)) +
      style.warning(SAMPLE_MARKS.warning.repeat(w ?? 0)) +
      style.error(SAMPLE_MARKS.error.repeat(e ?? 0));
    lines.push(`${plain}${bar}${suffixes[i]}`);
  });
  return lines;
}
