/**
 * `npm run bench`: measures the budgets of DESIGN.md "Budgets" on this machine, side by side
 * in one run, and says for each whether it is met.
 *
 *   node dist/bench/bench.js [--runs 30] [--hostile-runs 3] [--no-unbundled]
 *                            [--fleet-targets 1000] [--fleet-runs 3]
 *                            [--series-samples 2000] [--curl-runs 100] [--only startup|hostile|fleet|series]
 *
 * Start-up and the healthy diagnosis are timed as wall time from spawn to exit, the commands
 * interleaved (node -e 0, diag520 --version, diag520 <healthy>, curl, then again) so that load
 * from elsewhere on the machine falls on all of them alike; medians are compared. Hostile
 * origins are served from this process on loopback, and diag520's wall time and peak memory
 * are read from the operating system (run-process.ts). Exits 1 when a budget is not met.
 * The start-up commands run without NODE_EXTRA_CA_CERTS: with it, every Node process parses
 * Node's ~140 public roots and the extra file at start (~60 ms here), `node -e 0` included,
 * which would hide what diag520 itself spends on the roots. The ratios are the stricter for it.
 */
import { spawnSync } from "node:child_process";
import { arch, cpus, loadavg, platform } from "node:os";
import { fileURLToPath } from "node:url";
import { startDnsServer, type ZoneRecord } from "../src/lab/dns-server.js";
import { startLab } from "../src/lab/lab.js";
import { LAB_CDN_ADDRESS } from "../src/lab/lab-origins.js";
import { cliVariant } from "./cli-variant.js";
import { measureFleet } from "./fleet-bench.js";
import { type HostileLab, type RunningHostileOrigin, startHostileOrigins } from "./hostile-origins.js";
import { type Command, interleave, killAllChildren, peakMemoryMethod, runProcess } from "./run-process.js";
import { measureSeries } from "./series.js";
import { type Summary, summarise } from "./stats.js";

const BIN = fileURLToPath(new URL("../../bin/diag520.js", import.meta.url));
const NODE = process.execPath;
const STARTUP_RATIO_BUDGET = 1.3;
const DIAGNOSIS_RATIO_BUDGET = 1.5;
const MEMORY_BUDGET_BYTES = 100 * 1000 * 1000;
const GRACE_MS = 1_000;

/** What is open right now (the lab, the DNS server, the hostile origins), for an interrupted bench. */
const openServers = new Set<() => Promise<void>>();

async function withServer<T extends { close(): Promise<void> }, R>(
  server: T,
  use: (server: T) => Promise<R>,
): Promise<R> {
  const close = () => server.close();
  openServers.add(close);
  try {
    return await use(server);
  } finally {
    openServers.delete(close);
    await close();
  }
}

interface Settings {
  readonly runs: number;
  readonly hostileRuns: number;
  /** Also time the CLI unbundled (dist/src), to show what the bundle buys. */
  readonly compareUnbundled: boolean;
  readonly fleetTargets: number;
  readonly fleetRuns: number;
  /** Warm samples timed in process, and curl runs beside them (bench/series.ts). */
  readonly seriesSamples: number;
  readonly curlRuns: number;
  /** `--only startup|hostile|fleet|series`: just that section; null for all. */
  readonly only: "startup" | "hostile" | "fleet" | "series" | null;
}

function parseOnly(argv: readonly string[]): Settings["only"] {
  const index = argv.indexOf("--only");
  if (index === -1) return null;
  const section = argv[index + 1];
  if (section === "startup" || section === "hostile" || section === "fleet" || section === "series") return section;
  throw new Error("--only wants startup, hostile, fleet or series");
}

function parseSettings(argv: readonly string[]): Settings {
  const value = (flag: string, fallback: number): number => {
    const index = argv.indexOf(flag);
    const parsed = index === -1 ? fallback : Number(argv[index + 1]);
    if (!Number.isInteger(parsed) || parsed < 1) throw new Error(`${flag} wants a positive integer`);
    return parsed;
  };
  return {
    runs: value("--runs", 30),
    hostileRuns: value("--hostile-runs", 3),
    compareUnbundled: !argv.includes("--no-unbundled"),
    fleetTargets: value("--fleet-targets", 1000),
    fleetRuns: value("--fleet-runs", 3),
    seriesSamples: value("--series-samples", 2000),
    curlRuns: value("--curl-runs", 100),
    only: parseOnly(argv),
  };
}

interface Budget {
  readonly name: string;
  readonly met: boolean;
  readonly figures: string;
}

const ms = (value: number): string => `${value.toFixed(1)} ms`;
const seconds = (value: number): string => `${(value / 1000).toFixed(2)} s`;
const megabytes = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  }
  return rows.map((row) => `  ${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ")}`.trimEnd()).join("\n");
}

const HELP = `Usage: node dist/bench/bench.js [options]   (npm run bench builds first, then runs this)

Measures the budgets of DESIGN.md "Budgets" side by side on this machine; exits 1 if one is not met.

Options:
  --only PART                  only that part: startup (diag520 --version and one healthy diagnosis
                               beside node -e 0), hostile, fleet or series; all of them by default
  --runs N                     interleaved runs of each start-up command (default 30)
  --no-unbundled               do not also time the CLI from dist/src without its bundle
  --hostile-runs N             runs of each hostile origin (default 3)
  --fleet-targets N            targets in the fleet (default 1000)
  --fleet-runs N               runs of the fleet each way (default 3)
  --series-samples N           warm samples in the series (default 2000)
  --curl-runs N                curl runs beside the series (default 100)
  -h, --help                   this text
`;

function curlAvailable(): boolean {
  return spawnSync("curl", ["--version"], { stdio: "ignore" }).status === 0;
}

// --- start-up and the healthy diagnosis ---

/**
 * The CLI as bin/diag520.js would load it without the bundle (dist/src, one ES module at a time)
 * and without the --version shortcut: the "before" of scripts/bundle.mjs, timed alongside.
 */
function unbundled(args: readonly string[]): Command {
  const cli = new URL("../src/cli.js", import.meta.url).href;
  const code = `const { main } = await import(${JSON.stringify(cli)}); await main(process.argv.slice(1));`;
  return { file: NODE, args: ["--input-type=module", "-e", code, "--", ...args], env: startupEnv() };
}

/** The bench's environment without NODE_EXTRA_CA_CERTS (see the top of this file). */
function startupEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

interface Timed {
  readonly label: string;
  readonly command: Command;
}

interface StartupResult {
  readonly rows: readonly (readonly [string, Summary])[];
  readonly diagnosisCommand: string;
  readonly curlMissing: boolean;
}

async function measureStartup(settings: Settings, budgets: Budget[]): Promise<StartupResult> {
  return withServer(await startLab({ only: ["healthy-https"] }), async (lab) => {
    const healthy = lab.origins[0];
    if (healthy?.port == null) throw new Error("the lab did not start its healthy-https origin");
    // DESIGN's budget is for the origin leg only; the default run (the HTTP/2 and edge legs beside
    // it: more connections and handshakes, and undici) is timed too, and shown, but not judged.
    const withoutEdge = healthy.args.filter(
      (arg, i, all) => arg !== "--edge-address" && all[i - 1] !== "--edge-address",
    );
    const diagnosisArgs = [...withoutEdge, "--json", "--no-h2", "--no-edge"];
    const everyLegArgs = [...healthy.args, "--json"];

    // Once, checked: a bench of a diagnosis that fails would measure the wrong thing.
    const env = startupEnv();
    const check = await runProcess({ file: NODE, args: [BIN, ...diagnosisArgs], env }, { captureStdout: true });
    const verdictOk = (() => {
      try {
        return (JSON.parse(check.stdout) as { verdict?: { ok?: boolean } }).verdict?.ok === true;
      } catch {
        return false;
      }
    })();
    if (check.exitCode !== 0 || !verdictOk) {
      console.log(
        `  warning: the healthy diagnosis exited ${check.exitCode} (verdict ok: ${verdictOk}); timing it anyway`,
      );
    }

    const timed: Timed[] = [
      { label: "node -e 0", command: { file: NODE, args: ["-e", "0"], env } },
      { label: "diag520 --version", command: { file: NODE, args: [BIN, "--version"], env } },
      { label: "diag520 healthy HTTPS --json", command: { file: NODE, args: [BIN, ...diagnosisArgs], env } },
      { label: "  the same, every leg", command: { file: NODE, args: [BIN, ...everyLegArgs], env } },
    ];
    const curlMissing = !curlAvailable();
    if (!curlMissing) {
      const url = `https://${healthy.hostname}:${healthy.port}/`;
      const resolve = `${healthy.hostname}:${healthy.port}:127.0.0.1`;
      const args = ["-s", "-o", "/dev/null", "--resolve", resolve, "--cacert", lab.caFile, url];
      timed.push({ label: "curl, same request", command: { file: "curl", args, env } });
    }
    if (settings.compareUnbundled) {
      timed.push({ label: "unbundled: --version", command: unbundled(["--version"]) });
      timed.push({ label: "unbundled: healthy HTTPS --json", command: unbundled(diagnosisArgs) });
    }
    const times = await interleave(
      timed.map((t) => t.command),
      settings.runs,
    );
    const rows = timed.map((t, i) => [t.label, summarise(times[i] ?? [])] as const);
    const median = (label: string): number => rows.find(([l]) => l === label)?.[1].median ?? Number.NaN;

    const baseline = median("node -e 0");
    const ratio = median("diag520 --version") / baseline;
    budgets.push({
      name: `start-up: diag520 --version ≤ ${STARTUP_RATIO_BUDGET}× node -e 0`,
      met: ratio <= STARTUP_RATIO_BUDGET,
      figures: `median ${ms(median("diag520 --version"))} vs ${ms(baseline)} = ${ratio.toFixed(2)}×`,
    });
    const diagnosis = median("diag520 healthy HTTPS --json");
    const diagnosisRatio = diagnosis / baseline;
    budgets.push({
      name: `healthy HTTPS diagnosis ≤ ${DIAGNOSIS_RATIO_BUDGET}× node -e 0`,
      met: diagnosisRatio <= DIAGNOSIS_RATIO_BUDGET,
      figures: `median ${ms(diagnosis)} vs ${ms(baseline)} = ${diagnosisRatio.toFixed(2)}× (+${ms(diagnosis - baseline)})`,
    });
    return { rows, diagnosisCommand: `diag520 ${diagnosisArgs.join(" ")} > /dev/null`, curlMissing };
  });
}

function printStartup(result: StartupResult, settings: Settings): void {
  const medianOf = (label: string): number => result.rows.find(([l]) => l === label)?.[1].median ?? Number.NaN;
  const baseline = medianOf("node -e 0");
  const curl = medianOf("curl, same request");
  const versus = (label: string, median: number): string => {
    if (label === "node -e 0" || label.startsWith("curl")) return "";
    if (label.endsWith("--version")) return `${(median / baseline).toFixed(2)}× node -e 0`;
    const vsCurl = Number.isNaN(curl) ? "" : `; ${(median / curl).toFixed(1)}× curl (+${ms(median - curl)})`;
    return `${(median / baseline).toFixed(2)}× node -e 0 (+${ms(median - baseline)})${vsCurl}`;
  };
  const rows: string[][] = [["command", "median", "p90", "compared"]];
  for (const [label, s] of result.rows) rows.push([label, ms(s.median), ms(s.p90), versus(label, s.median)]);
  console.log(`\nStart-up and one healthy diagnosis (${settings.runs} runs each, interleaved, wall time spawn → exit)`);
  console.log(table(rows));
  if (result.curlMissing) console.log("  curl: not installed here, its row is skipped");
  console.log(
    `  environment: the bench's, without NODE_EXTRA_CA_CERTS${process.env.NODE_EXTRA_CA_CERTS ? " (set here)" : ""}`,
  );
  console.log(
    `  diagnosis: ${result.diagnosisCommand} (the origin leg only; every leg: the lab's own command, the HTTP/2 and edge legs beside it)`,
  );
  if (settings.compareUnbundled) {
    console.log(
      "  unbundled: the same CLI from dist/src, without the bundle, its code cache or the --version shortcut",
    );
  }
}

// --- hostile origins ---

interface HostileScenario {
  readonly label: string;
  readonly origin: string;
  readonly limits: readonly string[];
  /** The configured deadline that bounds the run: --max-time if given, else --timeout (one phase waits). */
  readonly deadlineMs: number;
  readonly expected: string;
}

const HOSTILE_SCENARIOS: readonly HostileScenario[] = [
  {
    label: "endless headers",
    origin: "endless-headers",
    limits: ["--timeout", "2"],
    deadlineMs: 2_000,
    expected: "http.headers_too_large",
  },
  {
    label: "10 MB header line",
    origin: "10mb-header-line",
    limits: ["--timeout", "2"],
    deadlineMs: 2_000,
    expected: "http.headers_too_large",
  },
  {
    label: "1 GB body",
    origin: "1gb-body",
    limits: ["--timeout", "2"],
    deadlineMs: 2_000,
    expected: "healthy, exit 0, read capped at --max-body (http.body_read_capped, info)",
  },
  {
    label: "one byte a second",
    origin: "one-byte-a-second",
    limits: ["--timeout", "2"],
    deadlineMs: 2_000,
    expected: "http.response_timeout",
  },
  {
    label: "one byte a second, --max-time",
    origin: "one-byte-a-second",
    limits: ["--timeout", "10", "--max-time", "2"],
    deadlineMs: 2_000,
    expected: "http.response_timeout at --max-time, report marked incomplete",
  },
];

interface HostileOutcome {
  readonly wallMs: number[];
  readonly peakBytes: number[];
  readonly diagnosedAs: Set<string>;
}

function describeOutcome(stdout: string, exitCode: number | null, signal: string | null): string {
  if (signal !== null) return `killed (${signal})`;
  try {
    const report = JSON.parse(stdout) as {
      complete?: boolean;
      findings?: { code: string; severity: string }[];
    };
    // Errors and warnings, and what the HTTP phase noted (e.g. http.body_read_capped).
    const codes = (report.findings ?? [])
      .filter((f) => f.severity !== "info" || f.code.startsWith("http."))
      .map((f) => f.code);
    const what = codes.length > 0 ? [...new Set(codes)].join(", ") : "healthy";
    return `${what}${report.complete === false ? " (incomplete)" : ""}, exit ${exitCode}`;
  } catch {
    return `no JSON report, exit ${exitCode}`;
  }
}

async function measureHostile(settings: Settings, budgets: Budget[]): Promise<void> {
  const zone: Record<string, ZoneRecord> = {};
  for (const scenario of HOSTILE_SCENARIOS) zone[hostnameOf(scenario.origin)] = { A: [LAB_CDN_ADDRESS] };
  const outcomes = await withServer(await startDnsServer(zone), async (dns) =>
    withServer(await startHostileOrigins(), (hostile) => runHostileScenarios(settings, dns.address, hostile)),
  );
  reportHostile(outcomes, settings, budgets);
}

function hostnameOf(origin: string): string {
  return `${origin}.bench.diag520.test`;
}

async function runHostileScenarios(
  settings: Settings,
  dnsServer: string,
  hostile: HostileLab,
): Promise<HostileOutcome[]> {
  const portOf = new Map(hostile.origins.map((o: RunningHostileOrigin) => [o.origin.name, o.port]));
  const outcomes = HOSTILE_SCENARIOS.map((): HostileOutcome => ({ wallMs: [], peakBytes: [], diagnosedAs: new Set() }));
  for (let round = 0; round < settings.hostileRuns; round++) {
    for (const [index, scenario] of HOSTILE_SCENARIOS.entries()) {
      const args = [
        BIN,
        hostnameOf(scenario.origin),
        ...["--origin", "127.0.0.1", "--port", String(portOf.get(scenario.origin)), "--scheme", "http"],
        ...["--dns-server", dnsServer, ...scenario.limits, "--json"],
      ];
      const run = await runProcess(
        { file: NODE, args },
        { captureStdout: true, measureMemory: true, killAfterMs: scenario.deadlineMs + 20_000 },
      );
      const outcome = outcomes[index] as HostileOutcome;
      outcome.wallMs.push(run.wallMs);
      outcome.peakBytes.push(run.peakRssBytes ?? Number.NaN);
      outcome.diagnosedAs.add(describeOutcome(run.stdout, run.exitCode, run.signal));
    }
  }
  return outcomes;
}

function reportHostile(outcomes: readonly HostileOutcome[], settings: Settings, budgets: Budget[]): void {
  const rows: string[][] = [["origin", "limits", "wall median", "wall max", "peak RSS max", "budget", "diagnosed as"]];
  for (const [index, scenario] of HOSTILE_SCENARIOS.entries()) {
    const outcome = outcomes[index] as HostileOutcome;
    const wall = summarise(outcome.wallMs);
    const peak = summarise(outcome.peakBytes);
    const budgetMs = scenario.deadlineMs + GRACE_MS;
    rows.push([
      scenario.label,
      scenario.limits.join(" "),
      seconds(wall.median),
      seconds(wall.max),
      megabytes(peak.max),
      `≤ ${seconds(budgetMs)}, ≤ ${megabytes(MEMORY_BUDGET_BYTES)}`,
      [...outcome.diagnosedAs].join(" | "),
    ]);
    budgets.push({
      name: `hostile origin, ${scenario.label}: ≤ configured deadline + 1 s and ≤ 100 MB`,
      met: wall.max <= budgetMs && peak.max <= MEMORY_BUDGET_BYTES,
      figures: `worst of ${wall.runs}: ${seconds(wall.max)} (budget ${seconds(budgetMs)}), ${megabytes(peak.max)}`,
    });
  }
  const method =
    peakMemoryMethod === "gnu-time" ? "ru_maxrss via /usr/bin/time" : "VmHWM polled from /proc/<pid>/status";
  console.log(
    `\nHostile origins on loopback (${settings.hostileRuns} runs each; wall time spawn → exit; peak memory: ${method})`,
  );
  console.log(table(rows));
  console.log(`  expected: ${HOSTILE_SCENARIOS.map((s) => `${s.label} → ${s.expected}`).join("; ")}`);
}

async function main(): Promise<void> {
  if (process.argv.includes("--help") || process.argv.includes("-h")) {
    process.stdout.write(HELP);
    return;
  }
  const settings = parseSettings(process.argv.slice(2));
  const stop = (): void => {
    killAllChildren();
    void Promise.allSettled([...openServers].map((close) => close())).then(() => process.exit(130));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);

  const cpu = cpus();
  console.log(
    `diag520 bench: node ${process.version}, ${platform()} ${arch()}, ${cpu.length} × ${cpu[0]?.model.trim() ?? "cpu"}, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  const variant = cliVariant();
  console.log(`diag520 loads: ${variant}`);
  const budgets: Budget[] = [];
  try {
    if (settings.only === null || settings.only === "startup") {
      printStartup(await measureStartup(settings, budgets), settings);
    }
    if (settings.only === null || settings.only === "hostile") await measureHostile(settings, budgets);
    if (settings.only === null || settings.only === "fleet") {
      const register = (close: () => Promise<void>) => {
        openServers.add(close);
        return () => openServers.delete(close);
      };
      await measureFleet(
        { targets: settings.fleetTargets, runs: settings.fleetRuns, concurrency: 16, servers: 5 },
        BIN,
        NODE,
        budgets,
        register,
      );
    }
    if (settings.only === null || settings.only === "series") {
      const series = { samples: settings.seriesSamples, curlRuns: settings.curlRuns, memorySamples: [100, 1000, 3000] };
      for (const line of await measureSeries(series, budgets)) console.log(line);
    }
  } finally {
    killAllChildren();
  }
  if (cliVariant() !== variant) console.log(`\nwarning: the build changed during the bench (now: ${cliVariant()})`);
  console.log("\nBudgets (DESIGN.md):");
  for (const budget of budgets)
    console.log(`  ${budget.met ? "met    " : "NOT met"}  ${budget.name}: ${budget.figures}`);
  if (budgets.some((budget) => !budget.met)) process.exitCode = 1;
}

await main();
