/**
 * What a diagnosis needs to know, after the CLI has validated the user's input.
 * `diagnose()` trusts these values: every check on user input happens in `src/input/` (called by the CLI).
 */
import type { LegName } from "./legs/leg-name.js";
import type { AnyLegPhase } from "./legs/observation.js";

export type Scheme = "http" | "https";

/**
 * The zone's SSL/TLS encryption mode (cloudflare-docs `ssl/origin-configuration/ssl-modes/`), plus
 * "off": the proxy turned off (a grey cloud), where visitors talk to the origin directly.
 */
export type SslMode = "off" | "flexible" | "full" | "strict";

export interface DiagnoseRequest {
  /** ASCII (punycode) hostname: sent as SNI and in the Host header, and resolved. */
  readonly hostname: string;
  /** The hostname as the user reads it (Unicode for an internationalised name). */
  readonly displayHostname: string;
  /** `--origin` as given (an IP literal or a name), or null to use the hostname's own address. */
  readonly origin: string | null;
  readonly scheme: Scheme;
  readonly port: number;
  readonly path: string;
  readonly method: string;
  /** Extra request header fields, in order, already checked for CR/LF and token syntax. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly userAgent: string;
  /** The Host field the origin gets, when an Origin Rule rewrites it (--host-header); the hostname otherwise. */
  readonly hostHeader?: string | null;
  /** false: send the visitor's request as it is, without the fields the edge adds (--no-edge-headers). */
  readonly edgeHeaders?: boolean;
  /** `--ssl-mode`; absent: implied by the scheme (https → strict, http → flexible). See ssl-mode.ts. */
  readonly sslMode?: SslMode;
  /** "HTTP/2 to Origin" at the CDN: on (absent, the default) the edge offers h2; false for `--no-h2`. */
  readonly http2ToOrigin?: boolean;
}

/**
 * Whether and where the edge leg asks the edge (DESIGN.md "The edge leg"): "auto" asks when the
 * hostname resolves into the CDN's ranges (or an address is pinned); "off" never (--no-edge).
 */
export interface EdgeChoice {
  readonly mode: "auto" | "off";
  /** --edge-address: the edge's address (and port) to dial, keeping the hostname for SNI and Host. */
  readonly address: { readonly host: string; readonly port: number | null } | null;
  /** --edge-cache: send the request as it is, without the cache-busting query parameter. */
  readonly keepCache: boolean;
  /** How the visitor reaches the edge: https, or http for an http:// URL. */
  readonly scheme: Scheme;
}

/** A phase is starting: which leg (null for the resolution step), which phase, under which deadline. */
export interface PhaseStart {
  readonly leg: LegName | null;
  /** "strict_client": the origin's response head replayed to a strict client (legs/strict-client-replay.ts). */
  readonly phase: AnyLegPhase | "dns" | "strict_client";
  readonly deadlineMs: number;
}

export interface DiagnoseOptions {
  /**
   * One deadline for every phase (--timeout), or null for the edge's own: 19 s to connect and
   * for the handshake, 125 s for the response (cdn/edge-timeouts.ts), 10 s for DNS.
   */
  readonly timeoutMs: number | null;
  /** Deadline for the whole run, or null. */
  readonly maxTimeMs: number | null;
  /** The size a response header block may reach before `http.headers_too_large` (bytes). */
  readonly maxHeaderSize: number;
  /** Body bytes read before the leg stops reading (the rest is not read). */
  readonly maxBodyBytes: number;
  /** Extra trusted CA certificates (PEM), added to the public roots as the CDN's custom origin trust store would. */
  readonly extraCaPem: readonly string[];
  /** A certificate expiring within this many days is a warning (`--cert-warn-days`); absent: DEFAULTS. */
  readonly certWarnDays?: number;
  /** DNS servers ("ip" or "ip:port"); empty means the system's configuration. */
  readonly dnsServers: readonly string[];
  /**
   * Header names redacted besides the ones always redacted (Authorization, Proxy-Authorization,
   * Cookie, Set-Cookie), or null for no redaction at all.
   */
  readonly redact: readonly string[] | null;
  /** The --ca-file path, for the reproduction command (`curl --cacert`): the same trust as the diagnosis. */
  readonly caFile?: string | null;
  /** The edge leg; absent: not asked (batch and serve ask the origin only). */
  readonly edge?: EdgeChoice;
  /** Aborts the whole run (Ctrl-C); the report is then marked incomplete. */
  readonly signal?: AbortSignal;
  /** Called as each phase starts, for the progress line. */
  readonly onPhaseStart?: (start: PhaseStart) => void;
}

export const DEFAULTS = {
  timeoutMs: null,
  maxHeaderSize: 8192,
  maxBodyBytes: 1_048_576,
  certWarnDays: 14,
  userAgent: "diag520",
} as const;
