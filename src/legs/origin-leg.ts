/**
 * The origin leg's spec: straight to the origin's address, as the edge connects (SNI and Host are
 * the visitor's hostname, not the address), offering the edge's TLS, sending raw HTTP/1.1.
 */
import { phaseDeadlines } from "../cdn/edge-timeouts.js";
import type { WireRequest } from "../http/request.js";
import { ipFamily } from "../net/ip-literal.js";
import type { DiagnoseOptions, DiagnoseRequest } from "../options.js";
import { EDGE_ALPN_PROTOCOLS } from "../tls/edge-tls-profile.js";
import type { LegSpec } from "./leg-spec.js";

/** `wire` is the request the edge would send the origin (http/request.ts `buildEdgeToOriginRequest`). */
export function originLegSpec(
  request: DiagnoseRequest,
  options: DiagnoseOptions,
  address: string,
  wire: WireRequest,
): LegSpec {
  const hostname = request.hostname;
  return {
    name: "origin",
    address,
    port: request.port,
    tls:
      request.scheme === "http"
        ? null
        : {
            // SNI is the name without a trailing dot (RFC 6066 §3), and never an IP literal.
            servername: ipFamily(hostname) === null ? hostname.replace(/\.$/, "") : null,
            hostname,
            alpn: EDGE_ALPN_PROTOCOLS,
            extraCaPem: options.extraCaPem,
          },
    transport: "http1",
    request: wire,
    maxHeaderSize: options.maxHeaderSize,
    maxBodyBytes: options.maxBodyBytes,
    deadlines: phaseDeadlines(options.timeoutMs),
  };
}
