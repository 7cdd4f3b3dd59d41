/**
 * `diag520 serve` from the command line: reads the configuration (a bad file is a usage error,
 * before anything listens), starts the exporter, says where it listens on stderr, and runs until
 * the signal from cli.ts (SIGINT, SIGTERM) stops it gracefully.
 */

import { EXIT } from "../cli/exit-code.js";
import { UsageError } from "../errors.js";
import { isLoopback, parseIp } from "../net/ip-literal.js";
import { loadServeConfig } from "./config.js";
import { startExporter } from "./exporter.js";
import type { ProcessStats } from "./exporter-metrics.js";
import type { ServeSettings } from "./serve-command.js";

export interface ServeIo {
  readonly stderr: NodeJS.WritableStream;
  /** Aborted by SIGINT or SIGTERM. */
  readonly signal: AbortSignal;
  readonly processStats: () => ProcessStats;
}

const LISTEN_ERRORS: Readonly<Record<string, string>> = {
  EADDRINUSE: "the address is in use (another exporter?)",
  EACCES: "permission denied (ports below 1024 need privileges)",
  EADDRNOTAVAIL: "no interface of this machine has that address",
};

/** Resolves with the exit code once the exporter has stopped. */
export async function runServe(settings: ServeSettings, io: ServeIo): Promise<number> {
  const config = await loadServeConfig(settings.configPath);
  let exporter: Awaited<ReturnType<typeof startExporter>>;
  try {
    exporter = await startExporter({
      config,
      host: settings.host,
      port: settings.port,
      concurrency: settings.concurrency,
      queueLength: settings.queueLength,
      processStats: io.processStats,
      log: (line) => io.stderr.write(line),
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "";
    const why = LISTEN_ERRORS[code];
    if (why !== undefined) throw new UsageError(`cannot listen on ${settings.host}:${settings.port}: ${why} (${code})`);
    throw error;
  }
  const ip = parseIp(exporter.host);
  const modules = [...config.modules.keys()].join(", ");
  io.stderr.write(`diag520 serve: listening on ${exporter.url} (modules: ${modules})\n`);
  if (ip !== null && !isLoopback(ip))
    io.stderr.write(
      `diag520 serve: warning: listening beyond loopback (${exporter.host}): whoever reaches this port can have the allowed targets probed\n`,
    );
  if (!io.signal.aborted) await new Promise((resolve) => io.signal.addEventListener("abort", resolve, { once: true }));
  io.stderr.write("diag520 serve: stopping\n");
  await exporter.close();
  return EXIT.ok;
}
