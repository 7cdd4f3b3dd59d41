/**
 * What a leg saw, as facts only (STYLE.md §2): no finding, no judgement, no words. Each phase
 * either ran (with its timing and outcome) or did not, and says why not. Checks (src/checks/)
 * turn observations into findings; the report turns them into phases and facts.
 */
import type { Stop } from "../deadline.js";
import type { Exchange } from "../http/exchange.js";
import type { ResponseRecord } from "../http/response-reader.js";
import type { ConnectFailure } from "../net/classify-socket-error.js";
import type { HandshakeFailure } from "../tls/classify-handshake-error.js";
import type { CertificateInspection } from "../tls/inspect-certificate.js";
import type { HandshakeBytes } from "../tls/start-tls.js";
import type { LegSpec } from "./leg-spec.js";

/** Why a phase did not run: it does not apply (TLS for plain HTTP), an earlier phase failed, or the run stopped. */
export type NotRunReason = "not_applicable" | "earlier_phase_failed" | "stopped";

export type PhaseRun<T> =
  | {
      readonly status: "ran";
      readonly startedAt: string;
      readonly durationMs: number;
      /** The deadline this phase ran under (ms). */
      readonly deadlineMs: number;
      readonly outcome: T;
    }
  | { readonly status: "not_run"; readonly because: NotRunReason };

export type TcpOutcome = { readonly elapsedMs: number } & (
  | { readonly kind: "connected"; readonly localAddress: string | null; readonly localPort: number | null }
  | { readonly kind: "failed"; readonly failure: ConnectFailure }
  | { readonly kind: "stopped"; readonly stop: Stop }
);

export type TlsOutcome = { readonly elapsedMs: number; readonly bytes: HandshakeBytes } & (
  | {
      readonly kind: "established";
      readonly protocol: string | null;
      readonly cipher: string;
      readonly alpn: string | null;
      readonly certificate: CertificateInspection;
    }
  | { readonly kind: "failed"; readonly failure: HandshakeFailure }
  | { readonly kind: "stopped"; readonly stop: Stop }
);

export interface HttpOutcome {
  /** The request head exactly as written. */
  readonly requestHead: Buffer;
  readonly record: ResponseRecord;
  readonly exchange: Exchange;
}

export interface LegObservation {
  readonly spec: LegSpec;
  readonly tcp: PhaseRun<TcpOutcome>;
  readonly tls: PhaseRun<TlsOutcome>;
  readonly http: PhaseRun<HttpOutcome>;
}

/** The leg's phases in the order they run. */
export const LEG_PHASES = ["tcp", "tls", "http"] as const;
export type LegPhase = (typeof LEG_PHASES)[number];
