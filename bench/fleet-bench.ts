/**
 * The fleet budget of DESIGN.md: 1,000 healthy loopback HTTPS targets through `diag520 batch
 * --concurrency 16`, against `xargs -P 16 curl` over the same list, side by side in one run;
 * diag520's peak memory at 100 and at 1,000 targets (it must stay flat as the list grows).
 *
 * The targets are distinct hostnames (site-0001.fleet.bench.diag520.test, …) spread over a handful
 * of TLS servers in this process, with a wildcard certificate from the lab's CA, and a loopback
 * DNS server that answers for every name (diag520 asks it; curl is handed the address with
 * --resolve, so it asks nothing). Both read the same response over a fresh TLS connection each.
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateLabCertificates } from "../src/lab/certificates.js";
import { startDnsServer, type ZoneRecord } from "../src/lab/dns-server.js";
import { LAB_CDN_ADDRESS, rawResponse } from "../src/lab/lab-origins.js";
import { type ListeningServer, startTlsServer } from "../src/lab/lab-servers.js";
import { runProcess } from "./run-process.js";
import { summarise } from "./stats.js";

export interface FleetSettings {
  readonly targets: number;
  readonly runs: number;
  readonly concurrency: number;
  readonly servers: number;
}

export interface FleetBudgetInput {
  readonly name: string;
  readonly met: boolean;
  readonly figures: string;
}

const SPEEDUP_BUDGET = 3;
const PEAK_BUDGET_BYTES = 200 * 1000 * 1000;
/** "Flat": 10× the targets may cost at most this much more peak memory. */
const FLAT_RATIO_BUDGET = 1.25;
const DOMAIN = "fleet.bench.diag520.test";
const BODY = "hello from the diag520 fleet bench\n";

const hostnameOf = (i: number): string => `site-${String(i + 1).padStart(4, "0")}.${DOMAIN}`;

interface FleetFiles {
  readonly directory: string;
  readonly caFile: string;
  /** `hostname 127.0.0.1:port` per line, for diag520 batch: all the targets, and the first 100. */
  readonly batchList: string;
  readonly batchListSmall: string;
  /** `--resolve host:port:127.0.0.1 https://host:port/` per line, for xargs -L 1 curl. */
  readonly curlList: string;
}

export async function measureFleet(
  settings: FleetSettings,
  bin: string,
  node: string,
  budgets: FleetBudgetInput[],
  register: (close: () => Promise<void>) => () => void,
): Promise<void> {
  const small = Math.min(100, settings.targets);
  const zone: Record<string, ZoneRecord> = {};
  for (let i = 0; i < settings.targets; i++) zone[hostnameOf(i)] = { A: [LAB_CDN_ADDRESS] };
  const certificates = generateLabCertificates([`*.${DOMAIN}`]);
  const dns = await startDnsServer(zone);
  const servers: ListeningServer[] = [];
  const directory = await mkdtemp(join(tmpdir(), "diag520-fleet-bench-"));
  const close = async (): Promise<void> => {
    await Promise.allSettled([dns.close(), ...servers.map((s) => s.close())]);
    await rm(directory, { recursive: true, force: true });
  };
  const unregister = register(close);
  try {
    const reply = {
      bytes: rawResponse(
        "HTTP/1.1 200 OK",
        ["Content-Type: text/plain", `Content-Length: ${BODY.length}`, "Connection: close"],
        BODY,
      ),
      after: "close" as const,
    };
    for (let i = 0; i < settings.servers; i++) {
      servers.push(await startTlsServer({ key: certificates.valid.keyPem, cert: certificates.valid.chainPem }, reply));
    }
    const files = await writeFleetFiles(directory, certificates.caPem, settings.targets, small, servers);
    const batch = (list: string) => ({
      file: node,
      args: [
        bin,
        "batch",
        list,
        "--concurrency",
        String(settings.concurrency),
        "--ca-file",
        files.caFile,
        "--dns-server",
        dns.address,
      ],
    });
    const curl = {
      file: "xargs",
      args: [
        "-a",
        files.curlList,
        "-P",
        String(settings.concurrency),
        "-L",
        "1",
        "curl",
        "-sS",
        "-o",
        "/dev/null",
        "--cacert",
        files.caFile,
      ],
    };
    const curlMissing = spawnSync("curl", ["--version"], { stdio: "ignore" }).status !== 0;

    const batchWall: number[] = [];
    const curlWall: number[] = [];
    const peakLarge: number[] = [];
    const peakSmall: number[] = [];
    const failures: string[] = [];
    for (let round = 0; round < settings.runs; round++) {
      const large = await runProcess(batch(files.batchList), { measureMemory: true, killAfterMs: 600_000 });
      if (large.exitCode !== 0) failures.push(`diag520 batch of ${settings.targets} exited ${large.exitCode}`);
      batchWall.push(large.wallMs);
      peakLarge.push(large.peakRssBytes ?? Number.NaN);
      const smallRun = await runProcess(batch(files.batchListSmall), { measureMemory: true, killAfterMs: 600_000 });
      if (smallRun.exitCode !== 0) failures.push(`diag520 batch of ${small} exited ${smallRun.exitCode}`);
      peakSmall.push(smallRun.peakRssBytes ?? Number.NaN);
      if (!curlMissing) {
        const curlRun = await runProcess(curl, { killAfterMs: 600_000 });
        if (curlRun.exitCode !== 0) failures.push(`xargs curl exited ${curlRun.exitCode}`);
        curlWall.push(curlRun.wallMs);
      }
    }

    const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
    const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;
    const b = summarise(batchWall);
    const c = summarise(curlWall);
    const large = summarise(peakLarge).max;
    const smallPeak = summarise(peakSmall).max;
    const speedup = c.median / b.median;
    console.log(
      `\nA fleet: ${settings.targets} healthy HTTPS targets on loopback (${settings.servers} TLS servers, ${settings.runs} runs, interleaved)`,
    );
    const rows = [
      ["command", "wall median", "wall max", "per target", "peak RSS max"],
      [
        `diag520 batch --concurrency ${settings.concurrency}`,
        seconds(b.median),
        seconds(b.max),
        `${(b.median / settings.targets).toFixed(2)} ms`,
        mb(large),
      ],
      [`diag520 batch, first ${small} targets`, "", "", "", mb(smallPeak)],
      curlMissing
        ? ["xargs -P 16 curl", "curl is not installed", "", "", ""]
        : [
            `xargs -P ${settings.concurrency} curl`,
            seconds(c.median),
            seconds(c.max),
            `${(c.median / settings.targets).toFixed(2)} ms`,
            "(one process each)",
          ],
    ];
    const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => row[i]?.length ?? 0))) ?? [];
    for (const row of rows)
      console.log(
        `  ${row
          .map((cell, i) => cell.padEnd(widths[i] ?? 0))
          .join("  ")
          .trimEnd()}`,
      );
    console.log(
      `  diag520: diag520 batch <${settings.targets} lines: hostname 127.0.0.1:port> --concurrency ${settings.concurrency} --ca-file ca.pem --dns-server 127.0.0.1:<port> > /dev/null`,
    );
    console.log(
      `  curl:    xargs -a <list> -P ${settings.concurrency} -L 1 curl -sS -o /dev/null --cacert ca.pem   (a line: --resolve host:port:127.0.0.1 https://host:port/)`,
    );
    for (const failure of failures) console.log(`  warning: ${failure}`);

    if (!curlMissing) {
      budgets.push({
        name: `fleet: diag520 batch ≥ ${SPEEDUP_BUDGET}× faster than xargs -P ${settings.concurrency} curl (${settings.targets} targets)`,
        met: speedup >= SPEEDUP_BUDGET && failures.length === 0,
        figures: `median ${seconds(b.median)} vs ${seconds(c.median)} = ${speedup.toFixed(2)}×`,
      });
    }
    budgets.push({
      name: `fleet: peak memory ≤ ${mb(PEAK_BUDGET_BYTES)}, flat from ${small} to ${settings.targets} targets (≤ ${FLAT_RATIO_BUDGET}×)`,
      met: large <= PEAK_BUDGET_BYTES && large <= smallPeak * FLAT_RATIO_BUDGET,
      figures: `${mb(smallPeak)} at ${small}, ${mb(large)} at ${settings.targets} (${(large / smallPeak).toFixed(2)}×)`,
    });
  } finally {
    unregister();
    await close();
  }
}

async function writeFleetFiles(
  directory: string,
  caPem: string,
  targets: number,
  small: number,
  servers: readonly ListeningServer[],
): Promise<FleetFiles> {
  const caFile = join(directory, "ca.pem");
  await writeFile(caFile, caPem);
  const portOf = (i: number): number => servers[i % servers.length]?.port ?? 0;
  const batchLines = Array.from({ length: targets }, (_, i) => `${hostnameOf(i)} 127.0.0.1:${portOf(i)}`);
  const curlLines = Array.from({ length: targets }, (_, i) => {
    const host = hostnameOf(i);
    return `--resolve ${host}:${portOf(i)}:127.0.0.1 https://${host}:${portOf(i)}/`;
  });
  const files: FleetFiles = {
    directory,
    caFile,
    batchList: join(directory, "fleet.txt"),
    batchListSmall: join(directory, "fleet-small.txt"),
    curlList: join(directory, "curl-args.txt"),
  };
  await writeFile(files.batchList, `${batchLines.join("\n")}\n`);
  await writeFile(files.batchListSmall, `${batchLines.slice(0, small).join("\n")}\n`);
  await writeFile(files.curlList, `${curlLines.join("\n")}\n`);
  return files;
}
