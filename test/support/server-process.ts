/**
 * What the tests that run a real server binary (nginx, HAProxy) share: finding the binary,
 * choosing free loopback ports for a program that cannot bind port 0 and report it, waiting
 * until it accepts, and stopping it without leaving it behind.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { connect, createServer, type Server } from "node:net";
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
