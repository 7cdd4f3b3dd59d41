/**
 * What a leg saw, as facts only (STYLE.md §2): no finding, no judgement, no words. Each phase
 * either ran (with its timing and outcome) or did not, and says why not. Checks (src/checks/)
 * turn observations into findings; the report turns them into phases and facts.
 */
import type { Stop } from "../deadline.js";
import type { H2Exchange } from "../h2/exchange.js";
import type { Exchange } from "../http/exchange.js";
import type { ResponseRecord } from "../http/response-reader.js";
import type { ConnectFailure } from "../net/classify-socket-error.js";
import type { HandshakeFailure } from "../tls/classify-handshake-error.js";
import type { CertificateInspection } from "../tls/inspect-certificate.js";
import type { HandshakeBytes } from "../tls/start-tls.js";
import type { H2LegSpec, LegSpec } from "./leg-spec.js";

/**
 * Why a phase did not run: it does not apply (TLS for plain HTTP), an earlier phase failed, the
 * run stopped, or (HTTP/2) the origin did not select h2 in ALPN, so the edge would not speak it.
 */
export type NotRunReason = "not_applicable" | "earlier_phase_failed" | "stopped" | "h2_not_selected";

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
  /** The undici transport only: what the client itself made of the same bytes. */
  readonly client?: ClientView;
}

/** What a strict HTTP client (undici's llhttp parser) did with a response. */
export interface ClientView {
  readonly name: string;
  /** The status undici reported, or null when it rejected the response head. */
  readonly statusCode: number | null;
  /** undici's error code (UND_ERR_HEADERS_OVERFLOW, HPE_INVALID_HEADER_TOKEN …), or null. */
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
}

/**
 * The second opinion (legs/strict-client-replay.ts): the origin's response head replayed byte for
 * byte to a strict client, and what the client did with it. "stopped": its deadline or Ctrl-C came
 * first; "failed": the replay could not be set up (no loopback listener), a fact about this machine.
 */
export type StrictClientReplay = {
  /** "undici 7.x.y" */
  readonly client: string;
  readonly replayedBytes: number;
  readonly elapsedMs: number;
} & (
  | { readonly kind: "accepted"; readonly statusCode: number }
  /** `errorCode`: undici's code, or the error's name when undici gives none (its parser errors carry no code). */
  | { readonly kind: "rejected"; readonly errorCode: string | null; readonly errorMessage: string }
  | { readonly kind: "stopped"; readonly stop: Stop }
  | { readonly kind: "failed"; readonly errorCode: string | null }
);

/**
 * The edge leg's second request, when the edge answered an error page and the visitor did not
 * ask for JSON: the same request with `Accept: application/json`, for Cloudflare's own
 * structured form of the error (its own connection; bounded body).
 */
export interface StructuredFollowUp {
  readonly status: number | null;
  readonly contentType: string | null;
  /** The body as read (at most 64 KiB), latin1. */
  readonly body: string;
  readonly errorCode: string | null;
}

export interface LegObservation {
  readonly spec: LegSpec;
  readonly tcp: PhaseRun<TcpOutcome>;
  readonly tls: PhaseRun<TlsOutcome>;
  readonly http: PhaseRun<HttpOutcome>;
  /** The edge leg only: the structured (JSON) form of an edge error page, when it was asked for. */
  readonly structured?: StructuredFollowUp | null;
}

/** The leg's phases in the order they run. */
export const LEG_PHASES = ["tcp", "tls", "http"] as const;
export type LegPhase = (typeof LEG_PHASES)[number];

/** The HTTP/2 leg's phases: its last one speaks HTTP/2 instead of raw HTTP/1.1. */
export const H2_LEG_PHASES = ["tcp", "tls", "http2"] as const;
export type H2LegPhase = (typeof H2_LEG_PHASES)[number];
export type AnyLegPhase = LegPhase | H2LegPhase;

/** The request as HTTP/2 carries it: pseudo-header fields first, names in lower case (RFC 9113 §8.3.1). */
export interface H2RequestFields {
  readonly authority: string;
  readonly fields: ReadonlyArray<readonly [string, string]>;
}

/** Why the leg tried again on a fresh connection, as the edge does (cloudflare/pingora `pingora-core/src/protocols/http/v2/client.rs`). */
export type H2RetryReason = "refused_stream" | "goaway_no_error";

export type H2Retry = { readonly reason: H2RetryReason } & (
  | { readonly kind: "exchanged"; readonly exchange: H2Exchange; readonly stop: Stop | null }
  /** The fresh connection did not get as far as HTTP/2: what stopped it, in words of facts. */
  | {
      readonly kind: "no_exchange";
      readonly failedAt: "tcp" | "tls" | "alpn" | "stopped";
      readonly errorCode: string | null;
      readonly alpn: string | null;
    }
);

export interface H2Outcome {
  readonly request: H2RequestFields;
  readonly exchange: H2Exchange;
  /** What stopped the exchange early (its deadline, the run's, Ctrl-C), when something did. */
  readonly stop: Stop | null;
  readonly retry: H2Retry | null;
}

export interface H2LegObservation {
  readonly spec: H2LegSpec;
  readonly tcp: PhaseRun<TcpOutcome>;
  readonly tls: PhaseRun<TlsOutcome>;
  readonly http2: PhaseRun<H2Outcome>;
}
