/**
 * Where and how a leg makes its request (DESIGN.md "The shape: legs, then checks"): the address
 * and port it connects to, the TLS it offers (SNI, ALPN, trust), the transport it speaks, the
 * request it sends and the limits and deadlines it reads under. A new leg is a new spec (and a
 * check), not a copy of the pipeline.
 */
import type { WireRequest } from "../http/request.js";
import type { LegName } from "./leg-name.js";

export interface LegTls {
  /** SNI, or null for none (an IP-literal hostname: SNI carries DNS names only, RFC 6066 §3). */
  readonly servername: string | null;
  /** The name the certificate is checked against (the request's hostname). */
  readonly hostname: string;
  readonly alpn: readonly string[];
  /** Trusted besides the public roots (a custom origin trust store). */
  readonly extraCaPem: readonly string[];
  /** A certificate that expires within this many days is noted (`--cert-warn-days`); default 14, 0 for never. */
  readonly certWarnDays?: number;
  /**
   * When the certificate does not name the hostname, shake hands once more without SNI to tell a
   * default certificate (SNI ignored, or no site for this name) from a site's wrong one.
   */
  readonly checkDefaultCertificate?: boolean;
}

/** Per-phase deadlines, in milliseconds. */
export interface LegDeadlines {
  readonly connectMs: number;
  readonly tlsMs: number;
  readonly responseMs: number;
}

export interface LegSpec {
  readonly name: LegName;
  /** An IP literal: resolution happened before the leg. */
  readonly address: string;
  readonly port: number;
  /** null: plain TCP. */
  readonly tls: LegTls | null;
  /**
   * "http1": a raw HTTP/1.1 request on the socket, read byte by byte; "undici": the request a
   * visitor's client makes (the edge leg), read by undici while the raw bytes are kept beside it.
   */
  readonly transport: "http1" | "undici";
  readonly request: WireRequest;
  readonly maxHeaderSize: number;
  readonly maxBodyBytes: number;
  readonly deadlines: LegDeadlines;
}

/**
 * The HTTP/2 leg's spec: the same where and how, with TLS always (the edge negotiates h2 by ALPN
 * only, never in plain text) and ALPN as the edge offers it. `maxHeaderSize` bounds the decoded
 * header list (SETTINGS_MAX_HEADER_LIST_SIZE).
 */
export interface H2LegSpec extends Omit<LegSpec, "transport" | "tls"> {
  readonly transport: "h2";
  readonly tls: LegTls;
}
