/**
 * A timed TCP connect to an IP literal: a plain function a leg calls (no name lookup happens
 * here; blackbox_exporter's tcp.go dials the resolved IP the same way). It never throws and never
 * outlives `signal`: a failure or a deadline is an outcome, and the socket is destroyed first.
 */
import { connect, type Socket } from "node:net";
import { type Stop, stopOf } from "../deadline.js";
import { monotonicMs } from "../text/monotonic-ms.js";
import { type ConnectFailure, classifySocketError } from "./classify-socket-error.js";
import { ipFamily } from "./ip-literal.js";

export type TcpConnect =
  | { readonly kind: "connected"; readonly socket: Socket; readonly elapsedMs: number }
  | { readonly kind: "failed"; readonly failure: ConnectFailure; readonly elapsedMs: number }
  | { readonly kind: "stopped"; readonly stop: Stop; readonly elapsedMs: number };

export function connectTcp(address: string, port: number, signal: AbortSignal): Promise<TcpConnect> {
  const started = monotonicMs();
  const elapsed = () => monotonicMs() - started;
  return new Promise((resolve) => {
    const stopped = stopOf(signal);
    if (stopped !== null) {
      resolve({ kind: "stopped", stop: stopped, elapsedMs: 0 });
      return;
    }
    const socket = connect({ host: address, port, family: ipFamily(address) ?? 4, noDelay: true });
    const finish = (outcome: TcpConnect): void => {
      signal.removeEventListener("abort", onAbort);
      socket.off("connect", onConnect);
      socket.off("error", onError);
      resolve(outcome);
    };
    const onConnect = (): void => {
      // Until the caller listens, a later error (a reset) must not crash the process; it stays
      // visible through `socket.destroyed` / `socket.errored`.
      socket.on("error", () => {});
      finish({ kind: "connected", socket, elapsedMs: elapsed() });
    };
    const onError = (error: unknown): void => {
      socket.destroy();
      finish({ kind: "failed", failure: classifySocketError(error), elapsedMs: elapsed() });
    };
    const onAbort = (): void => {
      socket.destroy();
      finish({ kind: "stopped", stop: stopOf(signal) ?? { kind: "cancelled" }, elapsedMs: elapsed() });
    };
    socket.once("connect", onConnect);
    socket.once("error", onError);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
