/**
 * The origin legs' specs: straight to the origin's address, as the edge connects (SNI and Host are
 * the visitor's hostname, not the address), offering the edge's TLS. The `origin` leg speaks raw
 * HTTP/1.1 and so offers only `http/1.1` in ALPN; the `origin-h2` leg offers `h2, http/1.1` exactly
 * as the edge does and speaks HTTP/2 when the origin selects it.
 */
import { phaseDeadlines } from "../cdn/edge-timeouts.js";
import type { WireRequest } from "../http/request.js";
import { ipFamily } from "../net/ip-literal.js";
import { DEFAULTS, type DiagnoseOptions, type DiagnoseRequest } from "../options.js";
import { EDGE_ALPN_PROTOCOLS, HTTP1_ALPN_PROTOCOLS } from "../tls/edge-tls-profile.js";
import type { H2LegSpec, LegSpec, LegTls } from "./leg-spec.js";

function tlsOffer(request: DiagnoseRequest, options: DiagnoseOptions, alpn: readonly string[]): LegTls {
  const hostname = request.hostname;
  return {
    // SNI is the name without a trailing dot (RFC 6066 §3), and never an IP literal.
    servername: ipFamily(hostname) === null ? hostname.replace(/\.$/, "") : null,
    hostname,
    alpn,
    extraCaPem: options.extraCaPem,
    certWarnDays: options.certWarnDays ?? DEFAULTS.certWarnDays,
  };
}

function common(request: DiagnoseRequest, options: DiagnoseOptions, address: string, wire: WireRequest) {
  return {
    address,
    port: request.port,
    request: wire,
    maxHeaderSize: options.maxHeaderSize,
    maxBodyBytes: options.maxBodyBytes,
    deadlines: phaseDeadlines(options.timeoutMs),
  };
}

/** `wire` is the request the edge would send the origin (http/request.ts `buildEdgeToOriginRequest`). */
export function originLegSpec(
  request: DiagnoseRequest,
  options: DiagnoseOptions,
  address: string,
  wire: WireRequest,
): LegSpec {
  return {
    name: "origin",
    ...common(request, options, address, wire),
    tls:
      request.scheme === "http"
        ? null
        : { ...tlsOffer(request, options, HTTP1_ALPN_PROTOCOLS), checkDefaultCertificate: true },
    transport: "http1",
  };
}

export function originH2LegSpec(
  request: DiagnoseRequest,
  options: DiagnoseOptions,
  address: string,
  wire: WireRequest,
): H2LegSpec {
  return {
    name: "origin-h2",
    ...common(request, options, address, wire),
    tls: tlsOffer(request, options, EDGE_ALPN_PROTOCOLS),
    transport: "h2",
  };
}
