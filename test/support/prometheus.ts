/**
 * A private Prometheus for the exporter's end-to-end test, and promtool for checking the README's
 * configuration: Debian's `prometheus` package ships both. Prometheus runs in the foreground on a
 * loopback port (it cannot listen on port 0 and say which port it got: a free one is picked for
 * it, and another on a collision), with its storage in a temporary directory. When it is not
 * installed, the tests skip with that reason.
 */
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ServerUnavailable } from "./nginx.js";
import { findExecutable, type RunningServer, startServerProcess } from "./server-process.js";

const INSTALL_HINT = "apt-get install prometheus";

export async function locatePromtool(): Promise<{ readonly path: string } | ServerUnavailable> {
  const path = await findExecutable(["promtool", "/usr/bin/promtool"], ["--version"]);
  return path === null ? { available: false, reason: `promtool is not installed (${INSTALL_HINT})` } : { path };
}

export interface PromtoolRun {
  readonly code: number;
  readonly output: string;
}

/** Runs promtool with `args`, `input` on its standard input; bounded. */
export function runPromtool(path: string, args: readonly string[], input = "", cwd?: string): Promise<PromtoolRun> {
  return new Promise((resolve) => {
    const child = execFile(path, args, { cwd, timeout: 20_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
      resolve({ code, output: `${stdout}${stderr}` });
    });
    child.stdin?.end(input);
  });
}

export interface PrometheusServer extends RunningServer {
  /** http://127.0.0.1:PORT */
  readonly url: string;
}

export type PrometheusStart = { readonly available: true; readonly server: PrometheusServer } | ServerUnavailable;

/**
 * Starts Prometheus with `config` (a JSON document: YAML's flow style, which Prometheus reads)
 * and `files` beside it (rule files named in the config, by relative path).
 */
export async function startPrometheus(
  config: unknown,
  files: Readonly<Record<string, string>> = {},
): Promise<PrometheusStart> {
  const path = await findExecutable(["prometheus", "/usr/bin/prometheus"], ["--version"]);
  if (path === null) return { available: false, reason: `prometheus is not installed (${INSTALL_HINT})` };
  const server = await startServerProcess({
    binary: path,
    name: "prometheus",
    portCount: 1,
    files,
    startLimitMs: 15_000,
    // One core: the suite runs two test files at once on CI's two, and the other one's deadlines are tight.
    env: () => ({ GOMAXPROCS: "1" }),
    configure: async (ports, prefix) => {
      const file = join(prefix, "prometheus.yml");
      await writeFile(file, JSON.stringify(config, null, 2));
      return [
        `--config.file=${file}`,
        `--storage.tsdb.path=${join(prefix, "data")}`,
        `--web.listen-address=127.0.0.1:${ports[0]}`,
        "--log.level=warn",
      ];
    },
  });
  return { available: true, server: { ...server, url: `http://127.0.0.1:${server.ports[0]}` } };
}

export interface QueryResult {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: readonly [number, string];
}

/** An instant query through Prometheus' HTTP API. */
export async function queryPrometheus(server: PrometheusServer, promql: string): Promise<QueryResult[]> {
  const response = await fetch(`${server.url}/api/v1/query?query=${encodeURIComponent(promql)}`, {
    signal: AbortSignal.timeout(5_000),
  });
  const body = (await response.json()) as { status: string; data?: { result: QueryResult[] }; error?: string };
  if (body.status !== "success") throw new Error(`query ${promql} failed: ${body.error ?? response.status}`);
  return body.data?.result ?? [];
}
