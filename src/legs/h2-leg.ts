/**
 * The HTTP/2 leg: TCP, then TLS offering ALPN `h2, http/1.1` in the edge's order, then, when the
 * origin selects h2, the same request over HTTP/2 with node:http2 on that pinned connection (SNI
 * is the hostname; undici offers http/1.1 first and cannot stand in: its `allowH2` negotiation lists http/1.1 first). When the origin
 * selects http/1.1 or nothing, the leg records that and stops: the edge would speak HTTP/1.1 to
 * this origin, which the `origin` leg already does.
 *
 * Like the edge, it tries once more on a fresh connection when the origin refuses the stream
 * (RST_STREAM REFUSED_STREAM) or closes gracefully first (GOAWAY NO_ERROR): both mean "not
 * processed, try again" (RFC 9113 §8.7). Facts only, as every leg.
 */
import type { TLSSocket } from "node:tls";
import { stopOf } from "../deadline.js";
import type { H2Exchange } from "../h2/exchange.js";
import { h2RequestFields } from "../h2/request-fields.js";
import { connectTcp } from "../net/connect-tcp.js";
import { startTls } from "../tls/start-tls.js";
import { type HeldSocket, notRun, openConnection, type PhaseStartListener } from "./connection-phases.js";
import type { H2LegSpec } from "./leg-spec.js";
import type { H2LegObservation, H2Outcome, H2RequestFields, H2Retry, H2RetryReason, PhaseRun } from "./observation.js";
import { runPhase } from "./within-deadline.js";

/**
 * SETTINGS_MAX_HEADER_LIST_SIZE advertised: well above the edge's 128 KB header limit, so that the
 * header size is judged once, by the HTTP/1.1 leg against --max-header-size, and not by a reset here.
 */
const MIN_HEADER_LIST_BYTES = 256 * 1024;

/** Frame records kept per exchange (first and last halves): enough for a report, bounded against floods. */
const MAX_FRAME_RECORDS = 64;

export async function runH2Leg(
  spec: H2LegSpec,
  signal: AbortSignal,
  onPhaseStart?: PhaseStartListener,
): Promise<H2LegObservation> {
  const held: HeldSocket = { socket: null };
  try {
    const { tcp, tls, socket } = await openConnection(spec, signal, held, onPhaseStart);
    if (socket === null) return { spec, tcp, tls, http2: notRun(signal.aborted ? "stopped" : "earlier_phase_failed") };
    if (tls.status === "ran" && tls.outcome.kind === "established" && tls.outcome.alpn !== "h2") {
      return { spec, tcp, tls, http2: notRun("h2_not_selected") };
    }

    if (!signal.aborted) onPhaseStart?.(spec.name, "http2", spec.deadlines.responseMs);
    const http2: PhaseRun<H2Outcome> =
      stopOf(signal) !== null
        ? notRun("stopped")
        : await runPhase("http2", spec.deadlines.responseMs, signal, async (phaseSignal) => {
            const request = requestOf(spec);
            const exchange = await exchangeOn(socket as TLSSocket, spec, request, phaseSignal);
            const reason = retryReason(exchange);
            const retry = reason === null ? null : await retryOnFreshConnection(spec, request, reason, phaseSignal);
            return { request, exchange, stop: stopOf(phaseSignal), retry };
          });
    return { spec, tcp, tls, http2 };
  } finally {
    held.socket?.destroy();
  }
}

/** `:authority` is what Host would be over HTTP/1.1 (RFC 9113 §8.3.1), the user's Host included. */
function requestOf(spec: H2LegSpec): H2RequestFields {
  const host = spec.request.headers.find(([name]) => name.toLowerCase() === "host")?.[1];
  const authority = host ?? spec.tls.hostname;
  const fields = h2RequestFields({
    authority,
    method: spec.request.method,
    path: spec.request.path,
    headers: spec.request.headers,
  });
  return { authority, fields };
}

async function exchangeOn(
  socket: TLSSocket,
  spec: H2LegSpec,
  request: H2RequestFields,
  signal: AbortSignal,
): Promise<H2Exchange> {
  // The HTTP/2 machinery (tap, frame scanner, HPACK) loads only once an origin selects h2.
  const { runH2Exchange } = await import("../h2/exchange.js");
  return runH2Exchange({
    socket,
    authority: request.authority,
    method: spec.request.method,
    path: spec.request.path,
    headers: spec.request.headers,
    maxBodyBytes: spec.maxBodyBytes,
    maxHeaderListBytes: Math.max(spec.maxHeaderSize, MIN_HEADER_LIST_BYTES),
    maxFrameRecords: MAX_FRAME_RECORDS,
    signal,
  });
}

/** What the edge retries on a new connection (cloudflare/pingora `pingora-core/src/protocols/http/v2/client.rs`; cloudflare-docs `speed/optimization/protocol/http2-to-origin`). */
export function retryReason(exchange: H2Exchange): H2RetryReason | null {
  if (
    exchange.end === "stream_reset" &&
    exchange.streamResetBy === "origin" &&
    exchange.streamError === "REFUSED_STREAM"
  )
    return "refused_stream";
  if (exchange.end === "goaway" && exchange.goaway?.by === "origin" && exchange.goaway.errorCode === "NO_ERROR")
    return "goaway_no_error";
  return null;
}

async function retryOnFreshConnection(
  spec: H2LegSpec,
  request: H2RequestFields,
  reason: H2RetryReason,
  signal: AbortSignal,
): Promise<H2Retry> {
  const noExchange = (failedAt: "tcp" | "tls" | "alpn" | "stopped", errorCode: string | null, alpn: string | null) =>
    ({ reason, kind: "no_exchange", failedAt, errorCode, alpn }) as const;
  if (signal.aborted) return noExchange("stopped", null, null);
  const connected = await connectTcp(spec.address, spec.port, signal);
  if (connected.kind === "stopped") return noExchange("stopped", null, null);
  if (connected.kind === "failed") return noExchange("tcp", connected.failure.errorCode, null);
  try {
    const started = await startTls(connected.socket, spec.tls, signal);
    if (started.kind === "stopped") return noExchange("stopped", null, null);
    if (started.kind === "failed") return noExchange("tls", started.failure.errorCode, null);
    if (started.alpn !== "h2") {
      started.socket.destroy();
      return noExchange("alpn", null, started.alpn);
    }
    const exchange = await exchangeOn(started.socket, spec, request, signal);
    return { reason, kind: "exchanged", exchange, stop: stopOf(signal) };
  } finally {
    connected.socket.destroy();
  }
}
