/**
 * A LegSpec built by hand, for driving one leg directly against a loopback server (as diagnose()
 * would after resolution). Each test passes only what it looks at.
 */
import { buildVisitorRequest } from "../../src/http/request.js";
import type { LegSpec } from "../../src/legs/leg-spec.js";
import { DEFAULTS, type DiagnoseRequest } from "../../src/options.js";
import { HTTP1_ALPN_PROTOCOLS } from "../../src/tls/edge-tls-profile.js";

export interface LegSpecParts {
  readonly port: number;
  readonly address?: string;
  /** Plain HTTP unless true. */
  readonly tls?: boolean;
  readonly hostname?: string;
  /** SNI; defaults to the hostname (null: none). */
  readonly servername?: string | null;
  readonly extraCaPem?: readonly string[];
  readonly request?: Partial<DiagnoseRequest>;
  readonly maxHeaderSize?: number;
  readonly maxBodyBytes?: number;
  /** One deadline for every phase (ms). */
  readonly deadlineMs?: number;
  /** On a name mismatch, shake hands again without SNI (the origin leg does). */
  readonly checkDefaultCertificate?: boolean;
}

export function legSpec(parts: LegSpecParts): LegSpec {
  const hostname = parts.hostname ?? "origin.test";
  const scheme = parts.tls ? "https" : "http";
  const request: DiagnoseRequest = {
    hostname,
    displayHostname: hostname,
    origin: null,
    scheme,
    port: parts.port,
    path: "/",
    method: "GET",
    headers: [],
    userAgent: DEFAULTS.userAgent,
    ...parts.request,
  };
  const deadline = parts.deadlineMs ?? 10_000;
  return {
    name: "origin",
    address: parts.address ?? "127.0.0.1",
    port: parts.port,
    tls: parts.tls
      ? {
          servername: parts.servername === undefined ? hostname : parts.servername,
          hostname,
          alpn: HTTP1_ALPN_PROTOCOLS,
          extraCaPem: parts.extraCaPem ?? [],
          ...(parts.checkDefaultCertificate ? { checkDefaultCertificate: true } : {}),
        }
      : null,
    transport: "http1",
    request: buildVisitorRequest(request),
    maxHeaderSize: parts.maxHeaderSize ?? DEFAULTS.maxHeaderSize,
    maxBodyBytes: parts.maxBodyBytes ?? DEFAULTS.maxBodyBytes,
    deadlines: { connectMs: deadline, tlsMs: deadline, responseMs: deadline },
  };
}
