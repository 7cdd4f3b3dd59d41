/**
 * The second opinion: the response head the origin leg read, replayed byte for byte from a
 * one-shot loopback server to undici (the client inside Node's fetch, with llhttp's strict
 * parser), and what undici did with it: from a run, not from a table. diagnose() asks for it only
 * when the origin leg found a fault the edge tolerates (checks/strict-client.ts says which).
 *
 * The bytes are those the leg already read, never more. The server listens on 127.0.0.1, port 0,
 * takes one connection, answers the request with those bytes and closes. The replay runs under
 * its own deadline (the response phase's, at most 2 s) inside the run's signal, so Ctrl-C ends
 * it; it never throws, never outlives its deadline, and leaves no socket open. undici is loaded
 * here, on first use: a run without such a fault never pays for it.
 */
import { type AddressInfo, createServer, type Server, type Socket } from "node:net";
import { startDeadline, stopOf } from "../deadline.js";
import { monotonicMs } from "../text/monotonic-ms.js";
import { roundMs } from "../text/round-ms.js";
import type { LegObservation, StrictClientReplay } from "./observation.js";
import { loadUndiciVersion } from "./undici-version.js";

/** A strict client answers at once or not at all: the replay is on loopback, with bytes already in hand. */
export const STRICT_CLIENT_DEADLINE_CAP_MS = 2_000;
const LOOPBACK = "127.0.0.1";

export interface ReplayInput {
  /** The final response head exactly as the origin sent it (up to and including its empty line). */
  readonly head: Buffer;
  /** The leg's request method: a response to HEAD has no body, for undici too. */
  readonly method: string;
  readonly deadlineMs: number;
}

/** What the origin leg read of its final response head, or null when it has no complete one to replay. */
export function replayInputOf(leg: LegObservation): ReplayInput | null {
  if (leg.http.status !== "ran") return null;
  const { record } = leg.http.outcome;
  if (record.head === null || record.rawHead === null || record.rawHead.length === 0) return null;
  return {
    head: record.rawHead,
    method: leg.spec.request.method,
    deadlineMs: Math.min(leg.spec.deadlines.responseMs, STRICT_CLIENT_DEADLINE_CAP_MS),
  };
}

export interface ReplayHooks {
  /** For tests: the request has reached the loopback server, and undici waits for the answer. */
  readonly onRequest?: () => void;
}

export async function replayToStrictClient(
  input: ReplayInput,
  runSignal: AbortSignal,
  hooks: ReplayHooks = {},
): Promise<StrictClientReplay> {
  const started = monotonicMs();
  const deadline = startDeadline(input.deadlineMs, [runSignal], "phase");
  const signal = deadline.signal;
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  let client: { destroy(): Promise<void> } | null = null;
  let listening = false;
  let name = "undici";
  const facts = () => ({ client: name, replayedBytes: input.head.length, elapsedMs: roundMs(monotonicMs() - started) });
  try {
    const undici = await untilAborted(import("undici"), signal);
    name = `undici ${await loadUndiciVersion()}`.trim();
    server = oneShotServer(input.head, sockets, () => {
      hooks.onRequest?.();
      return !signal.aborted;
    });
    await untilAborted(listen(server), signal);
    listening = true;
    const { port } = server.address() as AddressInfo;
    const strict = new undici.Client(`http://${LOOPBACK}:${port}`, {
      pipelining: 1,
      headersTimeout: input.deadlineMs,
      bodyTimeout: input.deadlineMs,
    });
    client = strict;
    const response = await untilAborted(strict.request({ method: input.method, path: "/", signal }), signal);
    // The head is the question: the body was not replayed, and is not waited for.
    response.body.on("error", () => {});
    response.body.destroy();
    return { ...facts(), kind: "accepted", statusCode: response.statusCode };
  } catch (error) {
    const stop = stopOf(signal);
    if (stop !== null) return { ...facts(), kind: "stopped", stop };
    if (!listening) return { ...facts(), kind: "failed", errorCode: codeOf(error) };
    return { ...facts(), kind: "rejected", errorCode: codeOf(error), errorMessage: messageOf(error) };
  } finally {
    deadline.clear();
    server?.close();
    await client?.destroy().catch(() => {});
    await Promise.all([...sockets].map(closed));
  }
}

/** Destroys the server's side of the connection and waits for its handle to close: returned means closed. */
function closed(socket: Socket): Promise<void> {
  if (socket.closed) return Promise.resolve();
  const done = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  socket.destroy();
  return done;
}

/** Takes one connection, answers its request with `head` (while `answer()` says so), and closes; listens no further. */
function oneShotServer(head: Buffer, sockets: Set<Socket>, answer: () => boolean): Server {
  const server = createServer((socket) => {
    sockets.add(socket);
    server.close();
    socket.on("error", () => {});
    socket.once("data", () => {
      if (answer()) socket.end(head);
      else socket.destroy();
    });
  });
  server.on("error", () => {});
  return server;
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, LOOPBACK, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/** `work`, or a rejection as soon as `signal` aborts, whichever comes first: nothing here waits past the deadline. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
  });
  return Promise.race([work, aborted]).finally(() => {
    if (onAbort) signal.removeEventListener("abort", onAbort);
  });
}

/** undici's code (walking `cause`); its parser errors carry none (`code` is undefined in undici 7), so their name. */
function codeOf(error: unknown): string | null {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current !== null && typeof current === "object"; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") return code;
    current = (current as { cause?: unknown }).cause;
  }
  return error instanceof Error && error.name !== "Error" ? error.name : null;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
