/**
 * Findings about a leg's TCP connect: refused (521), no answer (522), no route (523), or an
 * accept-then-reset (520, observed here at the connect). Pure: observation in, findings out.
 */
import { EDGE_CONNECT_TIMEOUT_MS } from "../cdn/edge-timeouts.js";
import { type Finding, finding, type Origin } from "../findings/catalogue.js";
import type { H2LegObservation, LegObservation, TcpOutcome } from "../legs/observation.js";
import type { ConnectFailure } from "../net/classify-socket-error.js";
import { formatEndpoint } from "../net/endpoint.js";
import { formatSeconds } from "../text/format-seconds.js";
import { roundMs } from "../text/round-ms.js";

export function checkTcp(leg: LegObservation | H2LegObservation): Finding[] {
  const tcp = leg.tcp;
  if (tcp.status !== "ran") return [];
  const outcome = tcp.outcome;
  if (outcome.kind === "connected") return [];
  const at: Origin = { leg: leg.spec.name, phase: "tcp" };
  const { address, port } = leg.spec;
  if (outcome.kind === "stopped") {
    // Ctrl-C is not a fact about the origin.
    if (outcome.stop.kind === "cancelled") return [];
    return [
      failureFinding(
        { kind: "timeout", errorCode: null },
        at,
        address,
        port,
        outcome,
        outcome.stop.ms,
        outcome.stop.deadline,
      ),
    ];
  }
  return [failureFinding(outcome.failure, at, address, port, outcome, tcp.deadlineMs, null)];
}

function failureFinding(
  failure: ConnectFailure,
  at: Origin,
  address: string,
  port: number,
  outcome: TcpOutcome,
  timeoutMs: number,
  deadline: "phase" | "run" | null,
): Finding {
  const endpoint = formatEndpoint(address, port);
  const code = failure.errorCode ?? "no error code";
  const elapsedMs = roundMs(outcome.elapsedMs);
  const evidence = { address, port, errorCode: failure.errorCode, elapsedMs, timeoutMs, deadline };
  switch (failure.kind) {
    case "refused":
      return finding(
        "tcp.refused",
        "error",
        at,
        `${endpoint} actively refused the connection (${code}): nothing listens on port ${port}, the server is down, or a firewall rejects the connection with a reset. The CDN would answer 521. It connects to port 443 in the Full and Full (strict) SSL modes and to port 80 in Flexible.`,
        evidence,
      );
    case "reset":
      return finding(
        "http.connection_reset",
        "error",
        at,
        `${endpoint} completed the TCP handshake and reset the connection at once (${code}), before any request could be sent: something accepts connections and drops them, typically a firewall, WAF or proxy rule that rejects by source address (HAProxy 'tcp-request connection reject', fail2ban with tcp-reset on an established connection). The edge meets that reset when it sends its request and answers 520.`,
        {
          errorCode: failure.errorCode,
          during: "connect",
          elapsedMs,
          bytesReceived: 0,
          headComplete: false,
          receivedBodyBytes: 0,
          expectedBodyBytes: null,
        },
      );
    case "timeout": {
      // Only a deadline of ours can be shorter than the edge's: the kernel's own ETIMEDOUT comes
      // after its SYN retries (about 2 minutes on Linux), well past the edge's 19 s.
      const shorter = deadline !== null && timeoutMs < EDGE_CONNECT_TIMEOUT_MS;
      const seconds = formatSeconds(timeoutMs);
      return finding(
        "tcp.timeout",
        "error",
        at,
        `${endpoint} did not answer the connection attempt within ${seconds} (${code}): packets are dropped silently, typically by a firewall or rate limiter, or the host is overloaded. The edge waits about 19 s for a SYN-ACK (retries after 1, 1, 1, 1, 1, 2, 4 and 8 s) before it answers 522.` +
          (shorter
            ? ` diag520's deadline (${seconds}) is shorter than the edge's, so this proves only that no answer came within ${seconds}, not a 522: a slow origin could still answer the edge in time. To tell, let diag520 wait as long as the edge does (its default deadlines).`
            : ""),
        evidence,
        shorter
          ? { title: `No answer to the connection attempt within ${seconds} (the edge waits 19 s)`, noEdgeStatus: true }
          : {},
      );
    }
    case "unreachable":
      return finding(
        "tcp.unreachable",
        "error",
        at,
        `There is no route to ${endpoint} from this machine (${code}). If the edge meets the same problem it answers 523: check that the origin address is right and publicly routed, and that no route on the origin's network swallows the CDN's ranges (for example a broad 172.0.0.0/8 route that covers 172.64.0.0/13). Routes from here and from the edge differ.`,
        evidence,
      );
    case "local":
      return finding(
        "tcp.unreachable",
        "warning",
        at,
        `This machine did not let the connection to ${endpoint} leave (${code}): a local firewall rule or sandbox blocks it. This says nothing about the edge; run diag520 from a machine that may reach the origin.`,
        evidence,
      );
    case "unknown":
      return finding(
        "tcp.unreachable",
        "warning",
        at,
        `The connection to ${endpoint} failed with ${code}, which diag520 cannot relate to what the edge would meet.`,
        evidence,
      );
  }
}
