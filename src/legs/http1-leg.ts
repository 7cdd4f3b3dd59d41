/**
 * The raw HTTP/1.1 leg: TCP to the address, TLS if the spec asks for it, then one request written
 * byte for byte and the response read byte for byte. It owns its connection from open to close
 * and returns facts only; a refused port, a failed handshake or a broken response is an outcome.
 */
import type { Socket } from "node:net";
import { stopOf } from "../deadline.js";
import { exchangeHttp1 } from "../http/exchange.js";
import { serializeRequestHead } from "../http/request.js";
import { ResponseReader } from "../http/response-reader.js";
import { connectTcp } from "../net/connect-tcp.js";
import { startTls } from "../tls/start-tls.js";
import type { LegSpec } from "./leg-spec.js";
import type { HttpOutcome, LegObservation, LegPhase, PhaseRun, TcpOutcome, TlsOutcome } from "./observation.js";
import { runPhase } from "./within-deadline.js";

export type PhaseStartListener = (leg: LegSpec["name"], phase: LegPhase, deadlineMs: number) => void;

export async function runHttp1Leg(
  spec: LegSpec,
  signal: AbortSignal,
  onPhaseStart?: PhaseStartListener,
): Promise<LegObservation> {
  // The socket the leg owns, plain then TLS: closed when the leg ends, however it ends.
  const held: { socket: Socket | null } = { socket: null };
  const notRun = <T>(because: "not_applicable" | "earlier_phase_failed" | "stopped"): PhaseRun<T> => ({
    status: "not_run",
    because,
  });
  const stoppedOr = (because: "earlier_phase_failed" | "not_applicable") => (signal.aborted ? "stopped" : because);
  try {
    if (!signal.aborted) onPhaseStart?.(spec.name, "tcp", spec.deadlines.connectMs);
    const tcp: PhaseRun<TcpOutcome> = signal.aborted
      ? notRun("stopped")
      : await runPhase("tcp", spec.deadlines.connectMs, signal, async (phaseSignal) => {
          const connected = await connectTcp(spec.address, spec.port, phaseSignal);
          if (connected.kind !== "connected") return connected;
          held.socket = connected.socket;
          const { localAddress = null, localPort = null } = connected.socket;
          return { kind: "connected", elapsedMs: connected.elapsedMs, localAddress, localPort } as const;
        });
    const connectedSocket = held.socket;
    if (tcp.status !== "ran" || tcp.outcome.kind !== "connected" || connectedSocket === null) {
      const because = stoppedOr("earlier_phase_failed");
      return { spec, tcp, tls: notRun(spec.tls === null ? "not_applicable" : because), http: notRun(because) };
    }

    let tls: PhaseRun<TlsOutcome> = notRun("not_applicable");
    const offer = spec.tls;
    if (offer !== null) {
      if (!signal.aborted) onPhaseStart?.(spec.name, "tls", spec.deadlines.tlsMs);
      tls = signal.aborted
        ? notRun("stopped")
        : await runPhase("tls", spec.deadlines.tlsMs, signal, async (phaseSignal) => {
            const started = await startTls(connectedSocket, offer, phaseSignal);
            if (started.kind !== "established") return started;
            held.socket = started.socket;
            const { socket: _, ...facts } = started;
            return facts;
          });
      if (tls.status !== "ran" || tls.outcome.kind !== "established") {
        return { spec, tcp, tls, http: notRun(stoppedOr("earlier_phase_failed")) };
      }
    }

    const exchangeSocket = held.socket ?? connectedSocket;
    if (!signal.aborted) onPhaseStart?.(spec.name, "http", spec.deadlines.responseMs);
    const http: PhaseRun<HttpOutcome> =
      stopOf(signal) !== null
        ? notRun("stopped")
        : await runPhase("http", spec.deadlines.responseMs, signal, async (phaseSignal) => {
            const requestHead = serializeRequestHead(spec.request);
            const reader = new ResponseReader({
              method: spec.request.method,
              maxHeaderSize: spec.maxHeaderSize,
              maxBodyBytes: spec.maxBodyBytes,
            });
            const exchange = await exchangeHttp1(exchangeSocket, requestHead, reader, phaseSignal);
            return { requestHead, record: reader.record(), exchange };
          });
    return { spec, tcp, tls, http };
  } finally {
    held.socket?.destroy();
  }
}
