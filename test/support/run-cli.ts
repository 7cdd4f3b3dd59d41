/**
 * Runs the real binary, as a user would, with the loopback guard preloaded so that a test that
 * would reach beyond loopback fails instead of sending a packet. A run that outlives its hard
 * limit is killed and reported as such, so a hang fails a test rather than the suite.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { guardPath } from "./paths.js";

export const CLI_PATH = fileURLToPath(new URL("../../../bin/diag520.js", import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly elapsedMs: number;
  readonly killedAfterLimit: boolean;
}

export interface RunCliOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Hard limit: the run is killed after this long (a hang is a failure, not a wait). */
  readonly limitMs?: number;
  /** Extra node flags before the script (e.g. a second --import). */
  readonly nodeArgs?: readonly string[];
  /** Called with the child once it is spawned (e.g. to send it a signal). */
  readonly onSpawn?: (child: import("node:child_process").ChildProcess) => void;
  /** Written to the child's stdin, which is then closed (stdin is ignored otherwise). */
  readonly input?: string | Buffer;
}

/** The environment every CLI run starts from: no colour or DNS settings leaking in from the developer's shell. */
export function cleanEnv(extra: Readonly<Record<string, string | undefined>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of ["FORCE_COLOR", "NO_COLOR", "DIAG520_DNS_SERVER", "NODE_OPTIONS", "NODE_TEST_CONTEXT"])
    delete env[key];
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

export function runCli(args: readonly string[], options: RunCliOptions = {}): Promise<CliResult> {
  const started = performance.now();
  const child = spawn(process.execPath, ["--import", guardPath, ...(options.nodeArgs ?? []), CLI_PATH, ...args], {
    env: cleanEnv(options.env),
    stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
  });
  if (options.input !== undefined) {
    child.stdin?.on("error", () => {}); // a child that exits before reading it all
    child.stdin?.end(options.input);
  }
  options.onSpawn?.(child);
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout?.on("data", (chunk: Buffer) => stdout.push(chunk));
  child.stderr?.on("data", (chunk: Buffer) => stderr.push(chunk));
  let killedAfterLimit = false;
  const limit = setTimeout(() => {
    killedAfterLimit = true;
    child.kill("SIGKILL");
  }, options.limitMs ?? 30_000);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(limit);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8"),
        elapsedMs: performance.now() - started,
        killedAfterLimit,
      });
    });
  });
}
