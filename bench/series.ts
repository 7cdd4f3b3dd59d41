/**
 * The cost of a series (DESIGN.md "Budgets"; issue 11, point 5), side by side with curl in a loop:
 *
 * - Warm samples: the origin leg sampled again and again in this process (diagnoseSeries, as
 *   `--repeat N --interval 0` runs it) against a healthy HTTPS origin served by another process
 *   (so that the origin's side of each handshake is not counted here). Per sample: the time from
 *   the start of one sample to the start of the next (everything a sample costs, aggregation
 *   included), and the sample's own wall time as the report gives it. Budget: median ≤ 5 ms.
 * - curl, the same request, one process per request, in a loop.
 * - Memory: what a series keeps, the heap after a full collection at sample 100, 1,000 and
 *   2,000 of the warm series (budget: flat past the 1,000 records the report keeps, within 2 MB);
 *   and the CLI itself, `--repeat N --interval 0 --json`, for growing N, its peak RSS read from
 *   the operating system (run-process.ts; budget: at most 200 MB whatever N, as for a batch).
 *   Peak RSS also holds garbage not yet collected (each TLS connection leaves some until the
 *   next full collection), which is why the retained heap is the figure that shows the bound.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { parseCommandLine } from "../src/cli/command-line.js";
import { diagnoseSeries } from "../src/series/diagnose-series.js";
import { runProcess } from "./run-process.js";
import { type Summary, summarise } from "./stats.js";

const NODE = process.execPath;
const BIN = new URL("../../bin/diag520.js", import.meta.url).pathname;
const LAB = new URL("../src/lab/lab.js", import.meta.url).href;
const WARM_SAMPLE_BUDGET_MS = 5;
const RETAINED_GROWTH_BUDGET_BYTES = 2 * 1000 * 1000;
const PEAK_RSS_BUDGET_BYTES = 200 * 1000 * 1000;
/** Where the warm series stops for a full collection and reads the heap. */
const HEAP_CHECKPOINTS = [100, 1000, 2000];

/** A full garbage collection, for reading what is retained (the flag can be set at run time). */
function collectGarbage(): void {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
}

export interface SeriesBenchSettings {
  /** Warm samples timed in this process. */
  readonly samples: number;
  /** curl runs. */
  readonly curlRuns: number;
  /** Sample counts for the memory runs of the CLI. */
  readonly memorySamples: readonly number[];
}

export interface SeriesBudget {
  readonly name: string;
  readonly met: boolean;
  readonly figures: string;
}

interface ServedOrigin {
  readonly args: readonly string[];
  readonly hostname: string;
  readonly port: number;
  readonly caFile: string;
}

/** The lab's healthy HTTPS origin in a child process, until `stop()`. */
async function serveHealthyOrigin(): Promise<{ origin: ServedOrigin; stop: () => Promise<void> }> {
  const code = `
    const { startLab } = await import(${JSON.stringify(LAB)});
    const lab = await startLab({ only: ["healthy-https"] });
    const o = lab.origins[0];
    console.log(JSON.stringify({ args: o.args, hostname: o.hostname, port: o.port, caFile: lab.caFile }));
    process.stdin.resume();
    process.stdin.on("end", () => lab.close().then(() => process.exit(0)));`;
  const child: ChildProcess = spawn(NODE, ["--input-type=module", "-e", code], { stdio: ["pipe", "pipe", "inherit"] });
  if (child.stdout === null || child.stdin === null) throw new Error("no pipes to the origin process");
  const lines = createInterface({ input: child.stdout });
  const [line] = (await once(lines, "line")) as [string];
  const origin = JSON.parse(line) as ServedOrigin;
  return {
    origin,
    stop: async () => {
      child.stdin?.end();
      if (child.exitCode === null) await once(child, "exit");
    },
  };
}

/** Start-to-start gaps of `count` sequential samples taken in this process, and the report's own figures. */
async function warmSamples(origin: ServedOrigin, count: number) {
  const command = await parseCommandLine([...origin.args, "--repeat", String(count), "--interval", "0"], {});
  if (command.kind !== "diagnose" || command.series === null) throw new Error("not a series");
  const starts: number[] = [];
  const heap: { sample: number; bytes: number }[] = [];
  const cpu = process.cpuUsage();
  const started = performance.now();
  const onSampleStart = (_: string, n: number) => {
    if (HEAP_CHECKPOINTS.includes(n)) {
      collectGarbage();
      heap.push({ sample: n, bytes: process.memoryUsage().heapUsed });
    }
    // After the collection: the gap is the sample's cost, not the measurement's.
    starts.push(performance.now());
  };
  const { report } = await diagnoseSeries(command.request, { ...command.options, onSampleStart }, command.series);
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const cpuMsPerSample = (used.user + used.system) / 1000 / count;
  const gaps = starts
    .slice(1)
    .map((at, i) => at - (starts[i] as number))
    .filter((_, i) => !HEAP_CHECKPOINTS.includes(i + 2));
  const leg = report.series?.legs.origin;
  return { gaps: summarise(gaps), wallMs, cpuMsPerSample, heap, leg, ok: leg?.outcomes.ok ?? 0 };
}

export async function measureSeries(settings: SeriesBenchSettings, budgets: SeriesBudget[]): Promise<string[]> {
  const { origin, stop } = await serveHealthyOrigin();
  try {
    await warmSamples(origin, 50); // JIT and the TLS context warm up: not counted
    const warm = await warmSamples(origin, settings.samples);
    const curl = await curlLoop(origin, settings.curlRuns);
    const memory: { samples: number; peakBytes: number; wallMs: number; exit: number | null }[] = [];
    for (const samples of settings.memorySamples) {
      const run = await runProcess(
        { file: NODE, args: [BIN, ...origin.args, "--repeat", String(samples), "--interval", "0", "--json"] },
        { measureMemory: true, killAfterMs: samples * 100 + 30_000 },
      );
      memory.push({ samples, peakBytes: run.peakRssBytes ?? Number.NaN, wallMs: run.wallMs, exit: run.exitCode });
    }
    return report(settings, warm, curl, memory, budgets);
  } finally {
    await stop();
  }
}

async function curlLoop(origin: ServedOrigin, runs: number): Promise<Summary | null> {
  const url = `https://${origin.hostname}:${origin.port}/`;
  const args = ["-s", "-o", "/dev/null", "--resolve", `${origin.hostname}:${origin.port}:127.0.0.1`];
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const run = await runProcess({ file: "curl", args: [...args, "--cacert", origin.caFile, url] }).catch(() => null);
    if (run === null || run.exitCode !== 0) return null;
    times.push(run.wallMs);
  }
  return summarise(times);
}

function report(
  settings: SeriesBenchSettings,
  warm: Awaited<ReturnType<typeof warmSamples>>,
  curl: Summary | null,
  memory: readonly { samples: number; peakBytes: number; wallMs: number; exit: number | null }[],
  budgets: SeriesBudget[],
): string[] {
  const ms = (v: number | null | undefined) => (v == null || Number.isNaN(v) ? "-" : `${v.toFixed(1)} ms`);
  const mb = (v: number) => `${(v / 1e6).toFixed(1)} MB`;
  const total = warm.leg?.phases.total.ok;
  const rows: string[][] = [["", "median", "p90", "max", "per second"]];
  const perSecond = (median: number) => (median > 0 ? String(Math.round(1000 / median)) : "-");
  rows.push([
    `warm sample, start to start (${settings.samples}, in process)`,
    ms(warm.gaps.median),
    ms(warm.gaps.p90),
    ms(warm.gaps.max),
    perSecond(warm.gaps.median),
  ]);
  rows.push(["warm sample, its own wall time (the report's)", ms(total?.p50), ms(total?.p95), ms(total?.max), ""]);
  if (curl !== null) {
    rows.push([
      `curl, one process per request (${curl.runs})`,
      ms(curl.median),
      ms(curl.p90),
      ms(curl.max),
      perSecond(curl.median),
    ]);
  }
  const lines = [
    `\nWarm samples of a healthy loopback HTTPS origin (served by another process), side by side with curl in a loop`,
    ...table(rows),
    `  answered: ${warm.ok} of ${settings.samples}; the series took ${(warm.wallMs / 1000).toFixed(2)} s, ` +
      `${ms(warm.cpuMsPerSample)} of CPU (user + system) per sample in this process` +
      (curl === null ? "; curl: not installed here, its row is skipped" : ""),
    "  (p90 for curl and the start-to-start figure; p95 for the report's own percentiles)",
  ];
  budgets.push({
    name: `warm sample in one process: median ≤ ${WARM_SAMPLE_BUDGET_MS} ms`,
    met: warm.gaps.median <= WARM_SAMPLE_BUDGET_MS && warm.ok === settings.samples,
    figures: `median ${ms(warm.gaps.median)} start to start${curl === null ? "" : `; curl ${ms(curl.median)}`}`,
  });

  const retained = (n: number) => warm.heap.find((h) => h.sample === n)?.bytes;
  lines.push(
    "\nMemory a series keeps (heap after a full collection, in the warm series above)",
    `  ${warm.heap.map((h) => `sample ${h.sample}: ${mb(h.bytes)}`).join("  ·  ")}`,
  );
  const [atThousand, atTwoThousand] = [retained(1000), retained(2000)];
  if (atThousand !== undefined && atTwoThousand !== undefined) {
    budgets.push({
      name: "a series keeps bounded memory: retained heap at 2,000 samples ≤ at 1,000 + 2 MB",
      met: atTwoThousand - atThousand <= RETAINED_GROWTH_BUDGET_BYTES,
      figures: `${mb(atThousand)} → ${mb(atTwoThousand)}`,
    });
  }
  const memoryRows: string[][] = [["diag520 --repeat N --interval 0 --json", "wall", "per sample", "peak RSS", "exit"]];
  for (const m of memory) {
    memoryRows.push([
      `N = ${m.samples}`,
      `${(m.wallMs / 1000).toFixed(2)} s`,
      ms(m.wallMs / m.samples),
      mb(m.peakBytes),
      String(m.exit),
    ]);
  }
  lines.push("\nThe CLI as a process (peak RSS from the operating system)", ...table(memoryRows));
  const peak = Math.max(...memory.map((m) => m.peakBytes));
  budgets.push({
    name: "a series in the CLI: peak RSS ≤ 200 MB whatever the number of samples",
    met: peak <= PEAK_RSS_BUDGET_BYTES,
    figures: memory.map((m) => `${m.samples}: ${mb(m.peakBytes)}`).join(", "),
  });
  return lines;
}

function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  return rows.map((row) => `  ${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ")}`.trimEnd());
}
