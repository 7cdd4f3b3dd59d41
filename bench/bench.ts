/**
 * `npm run bench`: measures the budgets of DESIGN.md "Budgets" on this machine, side by side
 * in one run, and says for each whether it is met.
 *
 *   node dist/bench/bench.js [--runs 30] [--hostile-runs 3]
 *
 * Start-up and the healthy diagnosis are timed as wall time from spawn to exit, the commands
 * interleaved (node -e 0, diag520 --version, diag520 <healthy>, curl, then again) so that load
 * from elsewhere on the machine falls on all of them alike; medians are compared. Hostile
 * origins are served from this process on loopback, and diag520's wall time and peak memory
 * are read from the operating system (run-process.ts). Exits 1 when a budget is not met.
 */
import { spawnSync } from "node:child_process";
import { arch, cpus, loadavg, platform } from "node:os";
import { startDnsServer, type ZoneRecord } from "../fixtures/dns-server.js";
import { startLab } from "../fixtures/lab.js";
import { LAB_CDN_ADDRESS } from "../fixtures/lab-origins.js";
import { type HostileLab, type RunningHostileOrigin, startHostileOrigins } from "./hostile-origins.js";
import { type Command, interleave, killAllChildren, peakMemoryMethod, runProcess } from "./run-process.js";
import { type Summary, summarise } from "./stats.js";

const BIN = new URL("../../bin/diag520.js", import.meta.url).pathname;
const NODE = process.execPath;
const STARTUP_RATIO_BUDGET = 1.3;
const DIAGNOSIS_EXTRA_MS_BUDGET = 60;
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
}

function parseSettings(argv: readonly string[]): Settings {
  const value = (flag: string, fallback: number): number => {
    const index = argv.indexOf(flag);
    const parsed = index === -1 ? fallback : Number(argv[index + 1]);
    if (!Number.isInteger(parsed) || parsed < 1) throw new Error(`${flag} wants a positive integer`);
    return parsed;
  };
  return { runs: value("--runs", 30), hostileRuns: value("--hostile-runs", 3) };
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

function curlAvailable(): boolean {
  return spawnSync("curl", ["--version"], { stdio: "ignore" }).status === 0;
}

// --- start-up and the healthy diagnosis ---

interface StartupResult {
  readonly baseline: Summary;
  readonly version: Summary;
  readonly diagnosis: Summary;
  readonly curl: Summary | null;
  readonly diagnosisCommand: string;
}

async function measureStartup(settings: Settings, budgets: Budget[]): Promise<StartupResult> {
  return withServer(await startLab({ only: ["healthy-https"] }), async (lab) => {
    const healthy = lab.origins[0];
    if (healthy?.port == null) throw new Error("the lab did not start its healthy-https origin");
    const diagnosisArgs = [...healthy.args, "--json"];

    // Once, checked: a bench of a diagnosis that fails would measure the wrong thing.
    const check = await runProcess({ file: NODE, args: [BIN, ...diagnosisArgs] }, { captureStdout: true });
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

    const commands: Command[] = [
      { file: NODE, args: ["-e", "0"] },
      { file: NODE, args: [BIN, "--version"] },
      { file: NODE, args: [BIN, ...diagnosisArgs] },
    ];
    const withCurl = curlAvailable();
    if (withCurl) {
      const url = `https://${healthy.hostname}:${healthy.port}/`;
      const resolve = `${healthy.hostname}:${healthy.port}:127.0.0.1`;
      commands.push({
        file: "curl",
        args: ["-s", "-o", "/dev/null", "--resolve", resolve, "--cacert", lab.caFile, url],
      });
    }
    const times = await interleave(commands, settings.runs);
    const [baseline, version, diagnosis, curl] = times.map(summarise);
    if (!baseline || !version || !diagnosis) throw new Error("missing timings");

    const ratio = version.median / baseline.median;
    budgets.push({
      name: `start-up: diag520 --version ≤ ${STARTUP_RATIO_BUDGET}× node -e 0`,
      met: ratio <= STARTUP_RATIO_BUDGET,
      figures: `median ${ms(version.median)} vs ${ms(baseline.median)} = ${ratio.toFixed(2)}×`,
    });
    const extra = diagnosis.median - baseline.median;
    budgets.push({
      name: `healthy HTTPS diagnosis ≤ node -e 0 + ${DIAGNOSIS_EXTRA_MS_BUDGET} ms`,
      met: extra <= DIAGNOSIS_EXTRA_MS_BUDGET,
      figures: `median ${ms(diagnosis.median)} vs ${ms(baseline.median)} = +${ms(extra)}`,
    });
    return {
      baseline,
      version,
      diagnosis,
      curl: withCurl ? (curl ?? null) : null,
      diagnosisCommand: `diag520 ${diagnosisArgs.join(" ")} > /dev/null`,
    };
  });
}

function printStartup(result: StartupResult, settings: Settings): void {
  const { baseline, version, diagnosis, curl } = result;
  const row = (label: string, s: Summary, versus: string): string[] => [label, ms(s.median), ms(s.p90), versus];
  const rows: string[][] = [
    ["command", "median", "p90", "compared"],
    row("node -e 0", baseline, ""),
    row("diag520 --version", version, `${(version.median / baseline.median).toFixed(2)}× node -e 0`),
    row(
      "diag520 healthy HTTPS --json",
      diagnosis,
      `+${ms(diagnosis.median - baseline.median)} vs node -e 0` +
        (curl ? `; ${(diagnosis.median / curl.median).toFixed(1)}× curl (+${ms(diagnosis.median - curl.median)})` : ""),
    ),
  ];
  if (curl) rows.push(row("curl, same request", curl, ""));
  console.log(`\nStart-up and one healthy diagnosis (${settings.runs} runs each, interleaved, wall time spawn → exit)`);
  console.log(table(rows));
  if (!curl) console.log("  curl: not installed here, column skipped");
  console.log(`  diagnosis: ${result.diagnosisCommand}`);
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
    expected: "healthy, body read up to --max-body",
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
    expected: "stopped by --max-time",
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
    const codes = (report.findings ?? []).filter((f) => f.severity !== "info").map((f) => f.code);
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
  const budgets: Budget[] = [];
  try {
    printStartup(await measureStartup(settings, budgets), settings);
    await measureHostile(settings, budgets);
  } finally {
    killAllChildren();
  }
  console.log("\nBudgets (DESIGN.md):");
  for (const budget of budgets)
    console.log(`  ${budget.met ? "met    " : "NOT met"}  ${budget.name}: ${budget.figures}`);
  if (budgets.some((budget) => !budget.met)) process.exitCode = 1;
}

await main();
