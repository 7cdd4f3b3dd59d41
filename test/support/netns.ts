/**
 * Real connect timeouts and unreachable routes, made inside a network namespace that the test
 * creates and removes: the namespace has only its own `lo`, so nothing done in it can reach
 * any other network (DESIGN.md: no test traffic beyond loopback). Needs root, iproute2 and
 * iptables; `netnsAvailable()` says why not, for `t.skip(reason)`.
 *
 *   (a) `dropSynsTo(ns, port)`: an iptables rule drops SYNs to 127.0.0.1:port, so a connect
 *       gets no SYN-ACK at all: a real timeout (what the CDN reports as 522).
 *   (b) `addBlackholeRoute(ns)`: an `unreachable` route for 198.18.0.1 (RFC 2544 benchmarking
 *       range): the connect fails at once with EHOSTUNREACH (523).
 */
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** Inside 198.18.0.0/15 (RFC 2544), which nothing routes to. */
export const UNREACHABLE_ADDRESS = "198.18.0.1";

export interface Netns {
  readonly name: string;
  /** Deletes the namespace and its /etc/netns/<name>/ files; safe to call twice. */
  remove(): Promise<void>;
}

export interface NetnsRun {
  readonly stdout: string;
  readonly stderr: string;
  /** null when the process was killed (see `signal`). */
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
}

const COMMAND_TIMEOUT_MS = 10_000;

function run(command: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: COMMAND_TIMEOUT_MS }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(" ")}: ${stderr.trim() || error.message}`, { cause: error }));
      else resolve(stdout);
    });
  });
}

let availability: Promise<string | null> | null = null;

/** null when namespaces can be made here; otherwise why not (for `t.skip`). Checked once. */
export function netnsAvailable(): Promise<string | null> {
  availability ??= checkAvailability();
  return availability;
}

async function checkAvailability(): Promise<string | null> {
  if (process.platform !== "linux") return `network namespaces need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return "network namespace tests need root";
  for (const [tool, args] of [
    ["ip", ["-V"]],
    ["iptables", ["--version"]],
  ] as const) {
    try {
      await run(tool, args);
    } catch {
      return `${tool} is not installed (apt-get install -y iproute2 iptables)`;
    }
  }
  try {
    const probe = await createNetns();
    try {
      await netnsExec(probe.name, ["iptables", "-S"]);
    } finally {
      await probe.remove();
    }
  } catch (error) {
    return `cannot create a network namespace here: ${(error as Error).message}`;
  }
  return null;
}

/** A fresh namespace, `diag520-<random>`, with `lo` up (127.0.0.1 and ::1). */
export async function createNetns(): Promise<Netns> {
  const name = `diag520-${randomBytes(4).toString("hex")}`;
  await run("ip", ["netns", "add", name]);
  let removed = false;
  const netns: Netns = {
    name,
    async remove() {
      if (removed) return;
      removed = true;
      await run("ip", ["netns", "delete", name]).catch(() => {});
      await rm(join("/etc/netns", name), { recursive: true, force: true });
    },
  };
  try {
    await run("ip", ["-n", name, "link", "set", "lo", "up"]);
  } catch (error) {
    await netns.remove();
    throw error;
  }
  return netns;
}

/** Runs a command inside the namespace (e.g. iptables), rejecting on a non-zero exit. */
export function netnsExec(name: string, command: readonly string[]): Promise<string> {
  return run("ip", ["netns", "exec", name, ...command]);
}

/** (a) Drops every SYN to address:port inside the namespace: connects there time out. */
export async function dropSynsTo(name: string, port: number, address = "127.0.0.1"): Promise<void> {
  await netnsExec(name, [
    "iptables",
    "-A",
    "INPUT",
    "-p",
    "tcp",
    "-d",
    address,
    "--dport",
    String(port),
    "--syn",
    "-j",
    "DROP",
  ]);
}

/**
 * (b) A route that answers "no route" for `address` inside the namespace: `unreachable` gives
 * EHOSTUNREACH, `prohibit` EACCES (ip-route(8), route types).
 */
export async function addBlackholeRoute(
  name: string,
  address = UNREACHABLE_ADDRESS,
  type: "unreachable" | "prohibit" = "unreachable",
): Promise<void> {
  await run("ip", ["-n", name, "route", "add", type, `${address}/32`]);
}

/**
 * Writes /etc/netns/<name>/<file> (e.g. "hosts", "resolv.conf"): `ip netns exec` bind-mounts
 * it over /etc/<file> for the processes it starts, so a test controls what getaddrinfo reads.
 */
export async function writeNetnsEtc(name: string, file: string, content: string): Promise<void> {
  const directory = join("/etc/netns", name);
  await mkdir(directory, { recursive: true });
  await writeFile(join(directory, file), content);
}

/**
 * `ip netns exec <name> <node> ...argv`, collecting stdout, stderr and the exit code; killed
 * with SIGKILL after `timeoutMs` (then `timedOut` is true).
 */
export function runInNetns(
  name: string,
  argv: readonly string[],
  options: { readonly timeoutMs?: number; readonly env?: NodeJS.ProcessEnv; readonly cwd?: string } = {},
): Promise<NetnsRun> {
  return new Promise((resolve, reject) => {
    const child = spawn("ip", ["netns", "exec", name, process.execPath, ...argv], {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, options.timeoutMs ?? 30_000);
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (exitCode, signal) => {
      clearTimeout(timer);
      resolve({
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8"),
        exitCode,
        signal,
        timedOut,
      });
    });
  });
}
