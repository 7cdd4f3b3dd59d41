/**
 * A private HAProxy for the end-to-end tests against a real server: its config in a temporary
 * directory, run in the foreground (`-db`), listening only on loopback. When HAProxy is not
 * installed, `startHaproxy` says so, and the tests skip with that reason.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ServerUnavailable } from "./nginx.js";
import { findExecutable, type RunningServer, startServerProcess } from "./server-process.js";

export type HaproxyServer = RunningServer;
export type HaproxyStart = { readonly available: true; readonly server: HaproxyServer } | ServerUnavailable;

export interface HaproxyOptions {
  readonly portCount: number;
  /** The sections after `global` and `defaults` (frontends, backends), given the ports. */
  readonly sections: (ports: readonly number[]) => string;
  readonly startLimitMs?: number;
}

const HAPROXY_CANDIDATES = ["haproxy", "/usr/sbin/haproxy", "/usr/local/sbin/haproxy"];

export async function locateHaproxy(): Promise<{ readonly path: string } | ServerUnavailable> {
  const path = await findExecutable(HAPROXY_CANDIDATES, ["-v"]);
  return path === null ? { available: false, reason: "haproxy is not installed (apt-get install haproxy)" } : { path };
}

export async function startHaproxy(options: HaproxyOptions): Promise<HaproxyStart> {
  const located = await locateHaproxy();
  if (!("path" in located)) return located;
  const server = await startServerProcess({
    binary: located.path,
    name: "haproxy",
    portCount: options.portCount,
    startLimitMs: options.startLimitMs ?? 15_000,
    configure: async (ports, prefix) => {
      const conf = join(prefix, "haproxy.cfg");
      await writeFile(conf, `${BASE_CONFIG}\n${options.sections(ports)}\n`);
      // -db: stay in the foreground, no daemon; -f: this config only.
      return ["-db", "-f", conf];
    },
  });
  return { available: true, server };
}

/** Timeouts are bounded so that nothing a test does waits on HAProxy's defaults (none). */
const BASE_CONFIG = [
  "global",
  "  log stderr format raw local0 notice",
  "defaults",
  "  mode http",
  "  log global",
  "  timeout connect 2s",
  "  timeout client 10s",
  "  timeout server 10s",
].join("\n");
