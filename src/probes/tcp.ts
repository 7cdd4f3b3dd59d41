/**
 * Phase 2: a timed TCP connect to the address the DNS phase picked, on the request's port.
 * The address is a literal, so no name lookup happens here (blackbox_exporter's tcp.go dials
 * the resolved IP the same way).
 */
import { connect, isIP, type Socket } from "node:net";
import { exceededDeadline } from "../deadline.js";
import { type Finding, finding } from "../findings/catalogue.js";
import { type ConnectFailure, classifySocketError } from "../net/classify-socket-error.js";
import type { TcpFacts } from "../report/schema.js";
import { roundMs } from "../text/round-ms.js";
import type { PipelineState, Probe, ProbeResult } from "./probe.js";

type ConnectOutcome =
  | { readonly kind: "connected"; readonly socket: Socket }
  | { readonly kind: "failed"; readonly error: unknown }
  | { readonly kind: "aborted" };

/** Resolves, never rejects; on abort the socket is destroyed before resolving. */
function connectSocket(host: string, port: number, family: 4 | 6, signal: AbortSignal): Promise<ConnectOutcome> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve({ kind: "aborted" });
      return;
    }
    const socket = connect({ host, port, family, noDelay: true });
    const finish = (outcome: ConnectOutcome): void => {
      signal.removeEventListener("abort", onAbort);
      socket.off("connect", onConnect);
      socket.off("error", onError);
      resolve(outcome);
    };
    const onConnect = (): void => finish({ kind: "connected", socket });
    const onError = (error: unknown): void => {
      socket.destroy();
      finish({ kind: "failed", error });
    };
    const onAbort = (): void => {
      socket.destroy();
      finish({ kind: "aborted" });
    };
    socket.once("connect", onConnect);
    socket.once("error", onError);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

export function formatEndpoint(address: string, port: number): string {
  return isIP(address) === 6 ? `[${address}]:${port}` : `${address}:${port}`;
}

function failureFinding(
  failure: ConnectFailure,
  endpoint: string,
  port: number,
  timeoutMs: number,
  evidence: Record<string, string | number | null>,
): Finding {
  const code = failure.errorCode ?? "no error code";
  switch (failure.kind) {
    case "refused":
      return finding(
        "tcp.refused",
        "error",
        `${endpoint} actively refused the connection (${code}): nothing listens on port ${port}, the server is down, or a firewall rejects the connection with a reset. The CDN would answer 521. It connects to port 443 in the Full and Full (strict) SSL modes and to port 80 in Flexible.`,
        evidence,
      );
    case "reset":
      return finding(
        "http.connection_reset",
        "error",
        `${endpoint} completed the TCP handshake and reset the connection at once (${code}), before any request could be sent: something accepts connections and drops them, typically a firewall, WAF or proxy rule that rejects by source address (HAProxy 'tcp-request connection reject', fail2ban with tcp-reset on an established connection). The edge meets that reset when it sends its request and answers 520.`,
        evidence,
      );
    case "timeout":
      return finding(
        "tcp.timeout",
        "error",
        `${endpoint} did not answer the connection attempt within ${timeoutMs} ms (${code}): packets are dropped silently, typically by a firewall or rate limiter, or the host is overloaded. The edge waits about 19 s for a SYN-ACK (retries after 1, 1, 1, 1, 1, 2, 4 and 8 s) before it answers 522.${timeoutMs < 19_000 ? ` diag520 gave up sooner (its deadline was ${timeoutMs} ms), so a very slow origin could still reach the edge in time.` : ""}`,
        evidence,
      );
    case "unreachable":
      return finding(
        "tcp.unreachable",
        "error",
        `There is no route to ${endpoint} from this machine (${code}). If the edge meets the same problem it answers 523: check that the origin address is right and publicly routed, and that no route on the origin's network swallows the CDN's ranges (for example a broad 172.0.0.0/8 route that covers 172.64.0.0/13). Routes from here and from the edge differ.`,
        evidence,
      );
    case "local":
      return finding(
        "tcp.unreachable",
        "warning",
        `This machine did not let the connection to ${endpoint} leave (${code}): a local firewall rule or sandbox blocks it. This says nothing about the edge; run diag520 from a machine that may reach the origin.`,
        evidence,
      );
    case "unknown":
      return finding(
        "tcp.unreachable",
        "warning",
        `The connection to ${endpoint} failed with ${code}, which diag520 cannot relate to what the edge would meet.`,
        evidence,
      );
  }
}

async function probeTcp(state: PipelineState, signal: AbortSignal): Promise<ProbeResult<"tcp">> {
  const port = state.request.port;
  const address = state.facts.dns?.address ?? null;
  const family: 4 | 6 = address !== null && isIP(address) === 6 ? 6 : 4;
  const facts = (extra: Partial<TcpFacts>): TcpFacts => ({
    address: address ?? "",
    port,
    family,
    localAddress: null,
    localPort: null,
    errorCode: null,
    ...extra,
  });
  if (address === null || address === "") {
    return {
      ok: false,
      summary: "no address to connect to: the DNS phase did not pick one",
      facts: facts({}),
      findings: [],
    };
  }
  if (isIP(address) === 0) {
    return {
      ok: false,
      summary: `"${address}" is not an IP address, so there is nothing to connect to`,
      facts: facts({}),
      findings: [],
    };
  }

  const endpoint = formatEndpoint(address, port);
  const started = performance.now();
  const outcome = await connectSocket(address, port, family, signal);
  const elapsedMs = roundMs(performance.now() - started);
  // The deadline that fired may be --max-time rather than --timeout: say which it was.
  const deadlineMs = (): number => exceededDeadline(signal)?.ms ?? state.options.timeoutMs;

  if (outcome.kind === "connected") {
    const { socket } = outcome;
    // Until the next probe listens, an error (say, a reset) must not crash the process; it
    // stays visible to that probe through `socket.destroyed` / `socket.errored`.
    socket.on("error", () => {});
    state.socket = socket;
    return {
      ok: true,
      summary: `connected to ${endpoint} in ${elapsedMs} ms`,
      facts: facts({ localAddress: socket.localAddress ?? null, localPort: socket.localPort ?? null }),
      findings: [],
    };
  }

  if (outcome.kind === "aborted") {
    if (state.options.signal?.aborted) {
      return { ok: false, summary: `interrupted while connecting to ${endpoint}`, facts: facts({}), findings: [] };
    }
    const timeoutMs = deadlineMs();
    const evidence = { address, port, errorCode: null, elapsedMs, timeoutMs };
    const failure: ConnectFailure = { kind: "timeout", errorCode: null };
    return {
      ok: false,
      summary: `no answer from ${endpoint} within ${elapsedMs} ms`,
      facts: facts({}),
      findings: [failureFinding(failure, endpoint, port, timeoutMs, evidence)],
    };
  }

  const failure = classifySocketError(outcome.error);
  const timeoutMs = deadlineMs();
  const evidence = { address, port, errorCode: failure.errorCode, elapsedMs, timeoutMs };
  const verb: Record<ConnectFailure["kind"], string> = {
    refused: "refused the connection",
    reset: "reset the connection right after the handshake",
    timeout: "did not answer",
    unreachable: "is unreachable",
    local: "could not be reached from this machine",
    unknown: "could not be connected to",
  };
  return {
    ok: false,
    summary: `${endpoint} ${verb[failure.kind]} (${failure.errorCode ?? "no error code"}) after ${elapsedMs} ms`,
    facts: facts({ errorCode: failure.errorCode }),
    findings: [failureFinding(failure, endpoint, port, timeoutMs, evidence)],
  };
}

export const tcpProbe: Probe<"tcp"> = {
  name: "tcp",
  notApplicable: () => null,
  run: probeTcp,
};
