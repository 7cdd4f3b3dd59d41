/**
 * The phases every leg starts with: TCP to the address, then TLS if the spec asks for it, each
 * under its own deadline. Shared by the legs so that a new transport is a new last phase, not a
 * copy of the first two. The socket goes into `held`, which the leg destroys when it ends,
 * however it ends.
 */
import type { Socket } from "node:net";
import { connectTcp } from "../net/connect-tcp.js";
import { startTls } from "../tls/start-tls.js";
import { handshakeWithoutSni } from "../tls/without-sni.js";
import type { LegSpec, LegTls } from "./leg-spec.js";
import type { AnyLegPhase, NotRunReason, PhaseRun, TcpOutcome, TlsOutcome } from "./observation.js";
import { runPhase } from "./within-deadline.js";

export type PhaseStartListener = (leg: LegSpec["name"], phase: AnyLegPhase, deadlineMs: number) => void;

/** The part of a spec the first two phases read. */
export interface ConnectionSpec {
  readonly name: LegSpec["name"];
  readonly address: string;
  readonly port: number;
  readonly tls: LegTls | null;
  readonly deadlines: LegSpec["deadlines"];
}

export interface HeldSocket {
  socket: Socket | null;
}

export interface OpenedConnection {
  readonly tcp: PhaseRun<TcpOutcome>;
  readonly tls: PhaseRun<TlsOutcome>;
  /** The socket to speak on (TLS when the spec asks for it); null when a phase failed or the run stopped. */
  readonly socket: Socket | null;
}

export function notRun<T>(because: NotRunReason): PhaseRun<T> {
  return { status: "not_run", because };
}

export async function openConnection(
  spec: ConnectionSpec,
  signal: AbortSignal,
  held: HeldSocket,
  onPhaseStart?: PhaseStartListener,
): Promise<OpenedConnection> {
  const stoppedOr = (because: NotRunReason): NotRunReason => (signal.aborted ? "stopped" : because);
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
    return { tcp, tls: notRun(spec.tls === null ? "not_applicable" : stoppedOr("earlier_phase_failed")), socket: null };
  }

  const offer = spec.tls;
  if (offer === null) return { tcp, tls: notRun("not_applicable"), socket: connectedSocket };
  if (!signal.aborted) onPhaseStart?.(spec.name, "tls", spec.deadlines.tlsMs);
  const tls: PhaseRun<TlsOutcome> = signal.aborted
    ? notRun("stopped")
    : await runPhase("tls", spec.deadlines.tlsMs, signal, async (phaseSignal) => {
        const started = await startTls(connectedSocket, offer, phaseSignal);
        if (started.kind !== "established") return started;
        held.socket = started.socket;
        const { socket: _, ...facts } = started;
        const leaf = facts.certificate.chain[0];
        if (offer.checkDefaultCertificate !== true || facts.certificate.hostnameMatches !== false) return facts;
        if (offer.servername === null || leaf === undefined) return facts;
        const withoutSni = await handshakeWithoutSni(spec.address, spec.port, offer, leaf.fingerprint256, phaseSignal);
        return { ...facts, certificate: { ...facts.certificate, withoutSni } };
      });
  if (tls.status !== "ran" || tls.outcome.kind !== "established") return { tcp, tls, socket: null };
  return { tcp, tls, socket: held.socket };
}
