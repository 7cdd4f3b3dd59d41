/**
 * The report's `target` (what was asked, and the address diagnosed) and `request` (the request as
 * sent, field by field), built in one place for a single run, a series and a batch line that never
 * started. Types only from the schema: this file loads no zod.
 */
import type { WireRequest } from "../http/request.js";
import type { DiagnoseRequest } from "../options.js";
import { sslModeOf } from "../ssl-mode.js";
import type { Report, Target } from "./schema.js";

/** `address`: the origin address diagnosed, or null when no origin leg connected. */
export function reportTarget(request: DiagnoseRequest, address: string | null): Target {
  return {
    hostname: request.hostname,
    displayHostname: request.displayHostname,
    origin: request.origin,
    address,
    scheme: request.scheme,
    port: request.port,
    path: request.path,
    method: request.method,
    sslMode: sslModeOf(request),
    http2ToOrigin: request.http2ToOrigin !== false,
  };
}

export function reportRequest(wire: WireRequest): Report["request"] {
  return {
    method: wire.method,
    path: wire.path,
    httpVersion: "HTTP/1.1",
    headers: wire.headers.map(([n, v]) => [n, v]),
  };
}
