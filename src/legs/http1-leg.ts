/**
 * The raw HTTP/1.1 leg: TCP to the address, TLS if the spec asks for it, then one request written
 * byte for byte and the response read byte for byte. It owns its connection from open to close
 * and returns facts only; a refused port, a failed handshake or a broken response is an outcome.
 */
import { stopOf } from "../deadline.js";
import { exchangeHttp1 } from "../http/exchange.js";
import { serializeRequestHead } from "../http/request.js";
import { ResponseReader } from "../http/response-reader.js";
import { type HeldSocket, notRun, openConnection, type PhaseStartListener } from "./connection-phases.js";
import type { LegSpec } from "./leg-spec.js";
import type { HttpOutcome, LegObservation, PhaseRun } from "./observation.js";
import { runPhase } from "./within-deadline.js";

export type { PhaseStartListener };

export async function runHttp1Leg(
  spec: LegSpec,
  signal: AbortSignal,
  onPhaseStart?: PhaseStartListener,
): Promise<LegObservation> {
  // The socket the leg owns, plain then TLS: closed when the leg ends, however it ends.
  const held: HeldSocket = { socket: null };
  try {
    const { tcp, tls, socket } = await openConnection(spec, signal, held, onPhaseStart);
    if (socket === null) return { spec, tcp, tls, http: notRun(signal.aborted ? "stopped" : "earlier_phase_failed") };

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
            const exchange = await exchangeHttp1(socket, requestHead, reader, phaseSignal);
            return { requestHead, record: reader.record(), exchange };
          });
    return { spec, tcp, tls, http };
  } finally {
    held.socket?.destroy();
  }
}
