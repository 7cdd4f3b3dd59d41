/**
 * The edge leg's spec: the visitor's request (method, path, headers, Host) to the public
 * hostname, as a browser would make it, through the CDN's edge. It connects to the address the
 * hostname resolves to, or to --edge-address (as curl's --resolve: SNI and Host stay the
 * hostname). A unique query parameter busts the cache by default, so that a cached page cannot
 * hide the origin (--edge-cache keeps the request as it is).
 */
import { randomBytes } from "node:crypto";
import { phaseDeadlines } from "../cdn/edge-timeouts.js";
import type { WireRequest } from "../http/request.js";
import { ipFamily } from "../net/ip-literal.js";
import type { DiagnoseOptions, DiagnoseRequest, Scheme } from "../options.js";
import { EDGE_MAX_HEADER_SIZE } from "./edge-header-size.js";
import type { LegSpec } from "./leg-spec.js";

/** The query parameter that makes each edge request unique (its value is random). */
export const CACHE_BUSTER = "diag520-nocache";
/** The edge waits up to its own read timeout for the origin, then answers 524: wait a little longer, to see it. */
const EDGE_ANSWER_MARGIN_MS = 5_000;

/** `path` with a unique `diag520-nocache=<hex>` parameter appended. */
export function bustCache(path: string, random: Uint8Array = randomBytes(6)): string {
  const value = Buffer.from(random).toString("hex");
  return `${path}${path.includes("?") ? "&" : "?"}${CACHE_BUSTER}=${value}`;
}

export interface EdgeTarget {
  readonly address: string;
  readonly port: number;
  readonly scheme: Scheme;
}

export function edgeLegSpec(
  request: DiagnoseRequest,
  options: DiagnoseOptions,
  target: EdgeTarget,
  visitor: WireRequest,
  keepCache: boolean,
): LegSpec {
  const hostname = request.hostname;
  const deadlines = phaseDeadlines(options.timeoutMs);
  return {
    name: "edge",
    address: target.address,
    port: target.port,
    tls:
      target.scheme === "http"
        ? null
        : {
            servername: ipFamily(hostname) === null ? hostname.replace(/\.$/, "") : null,
            hostname,
            // undici speaks HTTP/1.1 here; h2 towards the origin is the origin legs' business.
            alpn: ["http/1.1"],
            extraCaPem: options.extraCaPem,
          },
    transport: "undici",
    request: { ...visitor, path: keepCache ? visitor.path : bustCache(visitor.path) },
    maxHeaderSize: EDGE_MAX_HEADER_SIZE,
    maxBodyBytes: options.maxBodyBytes,
    deadlines: {
      ...deadlines,
      responseMs: options.timeoutMs === null ? deadlines.responseMs + EDGE_ANSWER_MARGIN_MS : deadlines.responseMs,
    },
  };
}
