/**
 * The SSL mode a request is diagnosed under, and what it implies (cloudflare-docs
 * `ssl/origin-configuration/ssl-modes`): Off and Flexible talk plain HTTP to port 80, Full and Full (strict) TLS to 443. Only
 * Full (strict) judges the certificate.
 */
import type { DiagnoseRequest, Scheme, SslMode } from "./options.js";

export const SSL_MODES = ["off", "flexible", "full", "strict"] as const satisfies readonly SslMode[];

export const SCHEME_OF_MODE: Readonly<Record<SslMode, Scheme>> = {
  off: "http",
  flexible: "http",
  full: "https",
  strict: "https",
};

/** How the modes are named in Cloudflare's dashboard. */
export const SSL_MODE_TITLES: Readonly<Record<SslMode, string>> = {
  off: "Off (proxy off, grey cloud)",
  flexible: "Flexible",
  full: "Full",
  strict: "Full (strict)",
};

/** The mode given, or the one the scheme implies (https → strict, http → flexible). */
export function sslModeOf(request: Pick<DiagnoseRequest, "sslMode" | "scheme">): SslMode {
  return request.sslMode ?? (request.scheme === "https" ? "strict" : "flexible");
}

/** The edge offers h2 only over TLS, and only with "HTTP/2 to Origin" on. */
export function offersH2(request: Pick<DiagnoseRequest, "scheme" | "http2ToOrigin">): boolean {
  return request.scheme === "https" && request.http2ToOrigin !== false;
}
