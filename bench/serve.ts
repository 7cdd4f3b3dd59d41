/**
 * `npm run bench` (after bench.ts), or alone: `node dist/bench/serve.js [--probes 4000]
 * [--concurrency 8] [--every 200]`. The issue's budget: "the exporter sustains probes at scrape
 * rate without growth in memory over a few thousand probes".
 *
 * Starts the lab (a healthy HTTPS origin, a healthy HTTP one, an empty reply, oversized headers),
 * runs the real `diag520 serve` binary on a free loopback port, and sends it probes back to back
 * from `--concurrency` keep-alive clients, round robin over the origins: far above any real
 * scrape rate, so that a leak shows within minutes. Every `--every` probes it reads the
 * exporter's own /metrics (resident memory, V8 heap) and prints a line. After a warm-up third,
 * memory is judged flat when the median resident size of the last third is within 15 % (or
 * 15 MB) of the middle third's, and the V8 heap's floor (what survives a collection) grew by at
 * most 10 MB. Exits 1 otherwise, or when any probe was not answered 200.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { Agent, get } from "node:http";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startLab } from "../src/lab/lab.js";

const BIN = fileURLToPath(new URL("../../bin/diag520.js", import.meta.url));
const ORIGINS = ["healthy-https", "healthy-http", "empty-reply", "headers-too-large"] as const;
const GROWTH_RATIO_BUDGET = 0.15;
const GROWTH_BYTES_BUDGET = 15 * 1000 * 1000;
const HEAP_FLOOR_BUDGET = 10 * 1000 * 1000;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

interface Settings {
  readonly probes: number;
  readonly concurrency: number;
  readonly every: number;
}

function parseSettings(argv: readonly string[]): Settings {
  const value = (flag: string, fallback: number): number => {
    const index = argv.indexOf(flag);
    const parsed = index === -1 ? fallback : Number(argv[index + 1]);
    if (!Number.isInteger(parsed) || parsed < 1) throw new Error(`${flag} wants a positive integer`);
    return parsed;
  };
  return { probes: value("--probes", 4000), concurrency: value("--concurrency", 8), every: value("--every", 200) };
}

interface Sample {
  readonly probes: number;
  readonly seconds: number;
  readonly rssBytes: number;
  readonly heapBytes: number;
}

function request(agent: Agent, url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`no answer from ${url} within 30 s`)));
    req.on("error", reject);
  });
}

function metric(text: string, name: string): number {
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${name} `));
  if (line === undefined) throw new Error(`the exporter's /metrics has no ${name}`);
  return Number(line.slice(name.length + 1));
}

function startExporter(configPath: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [BIN, "serve", "--config", configPath, "--listen", "127.0.0.1:0", "--concurrency", "8"],
    {
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  return new Promise((resolve, reject) => {
    let seen = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      seen += chunk.toString("utf8");
      const url = /listening on (http:\/\/\S+)/.exec(seen)?.[1];
      if (url !== undefined) resolve({ child, url });
    });
    child.once("exit", (code) => reject(new Error(`diag520 serve exited (${code}) before listening: ${seen}`)));
  });
}

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

async function main(): Promise<void> {
  const settings = parseSettings(process.argv.slice(2));
  console.log(
    `\ndiag520 serve: ${settings.probes} probes, ${settings.concurrency} at a time, back to back (node ${process.version}, ${cpus().length} cores, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")})`,
  );
  const lab = await startLab({ only: [...ORIGINS] });
  const directory = await mkdtemp(join(tmpdir(), "diag520-bench-serve-"));
  let exporter: ChildProcess | null = null;
  const stop = () => {
    exporter?.kill("SIGKILL");
    void Promise.allSettled([lab.close(), rm(directory, { recursive: true, force: true })]).then(() =>
      process.exit(130),
    );
  };
  process.once("SIGINT", stop);
  try {
    const modules = lab.origins.map(
      (running) =>
        `  ${running.origin.name}:\n    scheme: ${running.origin.scheme}\n    port: ${running.port}\n` +
        `    caFile: ${JSON.stringify(lab.caFile)}\n    dnsServers: ["${lab.dnsServer}"]\n    timeout: 5s\n`,
    );
    const configPath = join(directory, "diag520.yml");
    await writeFile(
      configPath,
      `modules:\n${modules.join("")}allow:\n  targets: ["*.lab.diag520.test"]\n  origins: [127.0.0.1/32]\n`,
    );
    const started = await startExporter(configPath);
    exporter = started.child;
    const agent = new Agent({ keepAlive: true, maxSockets: settings.concurrency + 1 });
    const samples: Sample[] = [];
    const statuses = new Map<number, number>();
    const t0 = performance.now();
    const sample = async (probes: number) => {
      const text = (await request(agent, `${started.url}/metrics`)).body;
      const point = {
        probes,
        seconds: (performance.now() - t0) / 1000,
        rssBytes: metric(text, "process_resident_memory_bytes"),
        heapBytes: metric(text, "nodejs_heap_size_used_bytes"),
      };
      samples.push(point);
      console.log(
        `  ${String(probes).padStart(6)} probes  ${point.seconds.toFixed(1).padStart(6)} s  ${(probes / Math.max(point.seconds, 0.001)).toFixed(0).padStart(4)}/s  RSS ${mb(point.rssBytes).padStart(9)}  heap ${mb(point.heapBytes).padStart(8)}`,
      );
    };
    await sample(0);
    let next = 0;
    let done = 0;
    const worker = async () => {
      for (;;) {
        const index = next++;
        if (index >= settings.probes) return;
        const name = ORIGINS[index % ORIGINS.length];
        const answer = await request(
          agent,
          `${started.url}/probe?target=${name}.lab.diag520.test&origin=127.0.0.1&module=${name}`,
        );
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        done++;
        if (done % settings.every === 0) await sample(done);
      }
    };
    await Promise.all(Array.from({ length: settings.concurrency }, worker));
    agent.destroy();

    // The first third warms up (code, TLS contexts, V8's heap growing to its working size); the
    // rest is split in two halves whose medians are compared. The V8 heap's floor (its smallest
    // figure in a half, just after a collection) shows what is retained, whatever GC's timing.
    const warm = samples.filter((point) => point.probes >= settings.probes / 3);
    const middle = warm.slice(0, Math.floor(warm.length / 2));
    const late = warm.slice(Math.floor(warm.length / 2));
    if (middle.length === 0 || late.length === 0) throw new Error("too few samples: lower --every");
    const rssGrowth = median(late.map((p) => p.rssBytes)) - median(middle.map((p) => p.rssBytes));
    const heapFloorGrowth = Math.min(...late.map((p) => p.heapBytes)) - Math.min(...middle.map((p) => p.heapBytes));
    const rssFlat =
      rssGrowth <= Math.max(GROWTH_BYTES_BUDGET, median(middle.map((p) => p.rssBytes)) * GROWTH_RATIO_BUDGET);
    const heapFlat = heapFloorGrowth <= HEAP_FLOOR_BUDGET;
    const allAnswered = statuses.size === 1 && statuses.get(200) === settings.probes;
    const peak = Math.max(...samples.map((point) => point.rssBytes));
    const signed = (bytes: number) => `${bytes >= 0 ? "+" : ""}${mb(bytes)}`;
    console.log(
      `  answers: ${[...statuses].map(([status, count]) => `${count} × ${status}`).join(", ")}; peak RSS ${mb(peak)}; ${(settings.probes / ((performance.now() - t0) / 1000)).toFixed(0)} probes/s`,
    );
    console.log(
      `  ${rssFlat ? "met    " : "NOT met"}  RSS flat: median ${signed(rssGrowth)} from the middle third to the last (budget ${GROWTH_RATIO_BUDGET * 100} % or ${mb(GROWTH_BYTES_BUDGET)})`,
    );
    console.log(
      `  ${heapFlat ? "met    " : "NOT met"}  heap flat: floor ${signed(heapFloorGrowth)} from the middle third to the last (budget ${mb(HEAP_FLOOR_BUDGET)})`,
    );
    console.log(`  ${allAnswered ? "met    " : "NOT met"}  every probe answered 200`);
    const flat = rssFlat && heapFlat;
    if (!flat || !allAnswered) process.exitCode = 1;
  } finally {
    exporter?.kill("SIGTERM");
    await lab.close();
    await rm(directory, { recursive: true, force: true });
  }
}

await main();
