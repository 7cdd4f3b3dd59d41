/**
 * What the tests that run a real server binary (nginx, HAProxy, Apache, Caddy, h2o) share: finding the binary,
 * choosing free loopback ports for a program that cannot bind port 0 and report it, a private
 * temporary directory, waiting until it accepts (bounded), and stopping it without leaving it
 * behind. The server runs in the foreground as a child of the test, so it dies with it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { rmSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { connect, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";

/** The first candidate that runs with `args` (e.g. `-v`) and exits 0, or null. */
export async function findExecutable(candidates: readonly string[], args: readonly string[]): Promise<string | null> {
  for (const candidate of candidates) {
    const runs = await new Promise<boolean>((resolve) => {
      const child = spawn(candidate, args, { stdio: "ignore" });
      child.once("error", () => resolve(false));
      child.once("exit", (code) => resolve(code === 0));
    });
    if (runs) return candidate;
  }
  return null;
}

/**
 * Ports that were free a moment ago: the kernel picks them for listeners of ours on port 0,
 * which are closed before returning. All are held at once so that the ports differ.
 */
export async function reserveLoopbackPorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      server.listen(0, "127.0.0.1");
      await once(server, "listening");
    }
    return servers.map((server) => {
      const address = server.address();
      if (address === null || typeof address === "string") throw new Error("a TCP listener has no port");
      return address.port;
    });
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Resolves once every port accepts a connection; rejects when `signal` aborts first. */
export async function waitUntilAccepting(ports: readonly number[], signal: AbortSignal): Promise<void> {
  let pending = [...ports];
  for (let backoffMs = 5; ; backoffMs = Math.min(backoffMs * 2, 100)) {
    signal.throwIfAborted();
    const results = await Promise.all(pending.map(accepts));
    pending = pending.filter((_, index) => !results[index]);
    if (pending.length === 0) return;
    // A refused connect returns at once: back off so the poll does not spin a core.
    await delay(backoffMs, undefined, { signal });
  }
}

/** SIGTERM (a fast shutdown for nginx and HAProxy), then SIGKILL if it is still there after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

export interface RunningServer {
  /** The private directory: the config, the files the test wrote, the server's own state. */
  readonly prefix: string;
  /** The ports the config was given, in the order asked for. */
  readonly ports: readonly number[];
  /** Everything the server wrote on stderr so far (its log), for a failing assertion's message. */
  errorLog(): string;
  stop(): Promise<void>;
}

export interface ServerProcessOptions {
  readonly binary: string;
  /** Prefix of the temporary directory's name. */
  readonly name: string;
  readonly portCount: number;
  /** Files to write under the prefix first (certificates, a document root), by relative path. */
  readonly files?: Readonly<Record<string, string>>;
  /** Writes the config for these ports and returns the command line. */
  readonly configure: (ports: readonly number[], prefix: string) => Promise<readonly string[]>;
  readonly startLimitMs: number;
  /** Added to the environment the server starts with (Caddy reads where to keep its state from XDG_* and HOME). */
  readonly env?: (prefix: string) => Readonly<Record<string, string>>;
}

/** A port taken between our release and the server's bind is rare; a fresh set of ports is cheap. */
const BIND_ATTEMPTS = 3;

/**
 * Starts a server binary in the foreground on loopback ports of its own, in a temporary
 * directory that `stop()` removes. Resolves once every port accepts; throws with the server's
 * log if it exits first or does not accept within `startLimitMs`.
 */
export async function startServerProcess(options: ServerProcessOptions): Promise<RunningServer> {
  const prefix = await mkdtemp(join(tmpdir(), `diag520-${options.name}-`));
  try {
    for (const [relative, content] of Object.entries(options.files ?? {})) {
      await mkdir(dirname(join(prefix, relative)), { recursive: true });
      await writeFile(join(prefix, relative), content);
    }
    let lastFailure = "";
    for (let attempt = 1; attempt <= BIND_ATTEMPTS; attempt++) {
      // nginx and HAProxy have no "listen on port 0 and tell me which port": each must be given a
      // number. So the kernel picks free ports for listeners of ours, closed just before the bind.
      const ports = await reserveLoopbackPorts(options.portCount);
      const args = await options.configure(ports, prefix);
      const started = await launch(options, prefix, ports, args);
      if ("server" in started) return started.server;
      lastFailure = started.failure;
      if (!/Address already in use/i.test(lastFailure)) break;
    }
    throw new Error(`${options.name} did not start: ${lastFailure}`);
  } catch (error) {
    await rm(prefix, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Servers still running when the test process exits (a failed `before`, an uncaught error):
 * SIGTERM reaches them even then, and their directories go, so that no nginx outlives its test. SIGKILL would not do:
 * nginx's workers outlive a master killed that way.
 */
const running = new Map<ChildProcess, string>();
process.once("exit", () => {
  for (const [child, prefix] of running) {
    child.kill("SIGTERM");
    rmSync(prefix, { recursive: true, force: true });
  }
});

async function launch(
  options: ServerProcessOptions,
  prefix: string,
  ports: readonly number[],
  args: readonly string[],
): Promise<{ server: RunningServer } | { failure: string }> {
  const child = spawn(options.binary, args, {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, ...options.env?.(prefix) },
  });
  running.set(child, prefix);
  child.once("exit", () => running.delete(child));
  const stderr: Buffer[] = [];
  child.stderr?.on("data", (chunk: Buffer) => stderr.push(chunk));
  const errorLog = () => Buffer.concat(stderr).toString("utf8");
  const exited = new Promise<string>((resolve) => {
    child.once("error", (error) => resolve(`could not run ${options.binary}: ${error.message}`));
    child.once("exit", (code, signal) => resolve(`${options.name} exited (${signal ?? code}): ${errorLog()}`));
  });
  const limit = AbortSignal.timeout(options.startLimitMs);
  const ready = waitUntilAccepting(ports, limit).then(
    () => null,
    () => `${options.name} did not accept connections within ${options.startLimitMs} ms: ${errorLog()}`,
  );
  const failure = await Promise.race([exited, ready]);
  if (failure !== null) {
    await stopChild(child);
    return { failure };
  }
  const stop = async () => {
    await stopChild(child);
    await rm(prefix, { recursive: true, force: true });
  };
  return { server: { prefix, ports, errorLog, stop } };
}
