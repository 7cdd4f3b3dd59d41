/**
 * The uniform shape of a pipeline phase (STYLE.md §2, after blackbox_exporter's prober/):
 * a probe receives what earlier probes learned and an AbortSignal, and returns facts and
 * findings. It never throws for a network outcome: a refused port is a result. The runner
 * (pipeline.ts) owns timing, deadlines, try/catch and skip reasons.
 */
import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import type { Finding, PhaseName } from "../findings/catalogue.js";
import type { DiagnoseOptions, DiagnoseRequest } from "../options.js";
import type { DnsFacts, HttpFacts, TcpFacts, TlsFacts } from "../report/schema.js";

export interface PhaseFacts {
  dns: DnsFacts;
  tcp: TcpFacts;
  tls: TlsFacts;
  http: HttpFacts;
}

/** What the probes share. The runner closes `socket` when the run ends, whatever happened. */
export interface PipelineState {
  readonly request: DiagnoseRequest;
  readonly options: DiagnoseOptions;
  readonly facts: Partial<PhaseFacts>;
  /** Plain TCP after the tcp probe, replaced by the TLS socket after the tls probe. */
  socket: Socket | TLSSocket | null;
  /** The decoded response body as read (at most `options.maxBodyBytes`), for the HAR file. */
  responseBody: Buffer | null;
}

export interface ProbeResult<N extends PhaseName> {
  /** false: the phases that depend on this one cannot run. */
  readonly ok: boolean;
  /** One line for the report, e.g. "connected to 127.0.0.1:443". */
  readonly summary: string;
  readonly facts: PhaseFacts[N];
  readonly findings: readonly Finding[];
}

export interface Probe<N extends PhaseName> {
  readonly name: N;
  /** Why this probe has nothing to do given the request (e.g. TLS for http), or null. */
  notApplicable(state: PipelineState): string | null;
  /** The deadline is `signal`; on abort the probe returns promptly with what it has. */
  run(state: PipelineState, signal: AbortSignal): Promise<ProbeResult<N>>;
}
