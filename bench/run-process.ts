/**
 * Runs one child process and times it from the outside: wall time from spawn to exit, and
 * (when asked) the peak resident memory of that very process as the kernel counted it.
 *
 * Peak memory: GNU `/usr/bin/time -f '%e %M'` reports ru_maxrss from wait4(2), i.e. the
 * kernel's own high-water mark of the process, taken after it exited: nothing is missed and
 * nothing is sampled. Without it, we poll VmHWM in /proc/<pid>/status (also a kernel high-water
 * mark, so a poll can only miss growth in the last interval before exit; polled every 10 ms).
 * Either way the figure is the diag520 process alone, not the bench that serves the origins.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Command {
  readonly file: string;
  readonly args: readonly string[];
  /** The child's environment; the bench's own when absent. */
  readonly env?: NodeJS.ProcessEnv;
}

export interface ProcessRun {
  readonly wallMs: number;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Peak RSS in bytes, or null when not measured. */
  readonly peakRssBytes: number | null;
  /** stdout, when captured (at most `captureLimit` bytes). */
  readonly stdout: string;
}

export interface RunOptions {
  /** Capture stdout (otherwise it goes to /dev/null). */
  readonly captureStdout?: boolean;
  readonly measureMemory?: boolean;
  /** Kill the child after this long: a hung child must not hang the bench. */
  readonly killAfterMs?: number;
}

const GNU_TIME = "/usr/bin/time";
const CAPTURE_LIMIT = 1024 * 1024;
const POLL_MS = 10;

/** Every child still running, so that an interrupted bench leaves none behind. */
const running = new Set<ChildProcess>();

export function killAllChildren(): void {
  for (const child of running) child.kill("SIGKILL");
}

export const peakMemoryMethod: "gnu-time" | "proc-vmhwm" = existsSync(GNU_TIME) ? "gnu-time" : "proc-vmhwm";

let sequence = 0;

export async function runProcess(command: Command, options: RunOptions = {}): Promise<ProcessRun> {
  const useGnuTime = options.measureMemory === true && peakMemoryMethod === "gnu-time";
  const timeFile = join(tmpdir(), `diag520-bench-${process.pid}-${sequence++}.time`);
  const [file, args] = useGnuTime
    ? [GNU_TIME, ["-f", "%e %M", "-o", timeFile, command.file, ...command.args]]
    : [command.file, [...command.args]];

  const started = process.hrtime.bigint();
  const child = spawn(file, args, {
    stdio: ["ignore", options.captureStdout ? "pipe" : "ignore", "ignore"],
    ...(command.env ? { env: command.env } : {}),
  });
  running.add(child);
  const chunks: Buffer[] = [];
  let captured = 0;
  child.stdout?.on("data", (chunk: Buffer) => {
    if (captured < CAPTURE_LIMIT) chunks.push(chunk);
    captured += chunk.length;
  });
  let polledPeakKb = 0;
  const poller =
    options.measureMemory === true && !useGnuTime
      ? setInterval(() => {
          polledPeakKb = Math.max(polledPeakKb, readVmHwmKb(child.pid, command.args[0] ?? command.file));
        }, POLL_MS)
      : null;
  const killer =
    options.killAfterMs === undefined ? null : setTimeout(() => child.kill("SIGKILL"), options.killAfterMs);

  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once("error", reject);
    // 'close' rather than 'exit': the captured stdout is complete only then.
    child.once("close", (code, sig) => resolve([code, sig]));
  });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  running.delete(child);
  if (poller) clearInterval(poller);
  if (killer) clearTimeout(killer);

  let peakRssBytes: number | null = null;
  if (useGnuTime) {
    peakRssBytes = readGnuTimePeakKb(timeFile) * 1024;
    rmSync(timeFile, { force: true });
  } else if (options.measureMemory === true) {
    peakRssBytes = polledPeakKb * 1024;
  }
  return { wallMs, exitCode, signal, peakRssBytes, stdout: Buffer.concat(chunks).toString("utf8") };
}

/** `%e %M` → the second field, in KiB (GNU time prints "Command exited with non-zero status N" first when it is). */
function readGnuTimePeakKb(path: string): number {
  const lines = readFileSync(path, "utf8").trim().split("\n");
  const fields = (lines[lines.length - 1] ?? "").split(" ");
  return Number(fields[1] ?? Number.NaN);
}

/**
 * Between fork and exec the child is a copy of the bench and its RSS is the bench's: a reading
 * counts only once /proc/<pid>/cmdline shows the command's own first argument (exec starts a new, empty mm).
 */
function readVmHwmKb(pid: number | undefined, firstArg: string): number {
  if (pid === undefined) return 0;
  try {
    if (!readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(`\0${firstArg}\0`)) return 0;
    const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0; // the process is gone, or not yet exec'd: the last reading stands
  }
}

/**
 * Runs each command `runs` times, interleaved (a, b, c, a, b, c, …) so that a burst of load on
 * the machine hits every command alike; `warmup` rounds first, not counted (disk cache, JIT of
 * the bench itself). Returns the wall times by command index.
 */
export async function interleave(commands: readonly Command[], runs: number, warmup = 2): Promise<number[][]> {
  const times: number[][] = commands.map(() => []);
  for (let round = 0; round < warmup + runs; round++) {
    for (const [index, command] of commands.entries()) {
      const run = await runProcess(command, { killAfterMs: 30_000 });
      if (round >= warmup) times[index]?.push(run.wallMs);
    }
  }
  return times;
}
