/**
 * The fake edge's public shapes: its routes (one per hostname), its options, what a running
 * edge exposes, and the log entry it keeps per visitor request.
 */

/** Cloudflare's SSL modes towards the origin (cloudflare-docs `ssl/origin-configuration/ssl-modes/`). */
export type SslMode = "flexible" | "full" | "strict";

export interface OriginTarget {
  readonly address: string;
  readonly port: number;
  /** Must agree with the route's SSL mode: "http" for flexible, "https" for full and strict. */
  readonly scheme: "http" | "https";
}

/** How a route answers the errors the edge generates itself. */
export interface ErrorPresentation {
  /** "plain": the bare `error code: NNN` body instead of a negotiated page. Default "negotiated". */
  readonly errorFormat?: "negotiated" | "plain";
  /** A zone's uploaded Error Page: served as HTML whatever the visitor's Accept says. */
  readonly customErrorPage?: string;
}

export interface ProxyRoute extends ErrorPresentation {
  readonly kind?: "proxy";
  readonly hostname: string;
  readonly origin: OriginTarget;
  readonly sslMode: SslMode;
  /**
   * "hit-ignoring-query": the first successful answer for a path is kept and later requests for
   * that path, whatever their query string, are served from it without contacting the origin.
   */
  readonly cache?: "off" | "hit-ignoring-query";
  /** `cf-cache-status` of answers that were not served from the cache. Default "DYNAMIC". */
  readonly cacheStatus?: string;
}

/** The 1xxx errors the lab stages; 1001 is also what an unknown hostname gets. */
export type EdgeErrorCode = 1000 | 1001 | 1016 | 1033;

/** A hostname for which the edge answers a 1xxx error itself, never contacting an origin. */
export interface ErrorCodeRoute extends ErrorPresentation {
  readonly kind: "1xxx";
  readonly hostname: string;
  readonly code: EdgeErrorCode;
  /** The HTTP status the 1xxx is served with (530 for 1016 and 1033: cloudflare-docs `error-530`). */
  readonly status: number;
}

/** A hostname whose every request gets a managed challenge (403, `cf-mitigated: challenge`). */
export interface ChallengeRoute {
  readonly kind: "challenge";
  readonly hostname: string;
}

export type EdgeRoute = ProxyRoute | ErrorCodeRoute | ChallengeRoute;

export interface FakeEdgeOptions {
  readonly routes: readonly EdgeRoute[];
  /** The edge's own certificate towards visitors (PEM chain and key). */
  readonly tls: { readonly certPem: string; readonly keyPem: string };
  /** Extra trust anchors for `strict` routes (the lab CA), on top of Node's public roots. */
  readonly originCaPem?: readonly string[];
  /** Local address the edge connects to origins from ("the CDN's addresses"), e.g. "127.0.0.2". */
  readonly sourceAddress?: string;
  /** No TCP connection within this long: 522. Default 19 000 (cloudflare-docs PR #21099). */
  readonly connectTimeoutMs?: number;
  /** Longest gap between two reads from the origin: 524 before the head. Default 125 000. */
  readonly readTimeoutMs?: number;
  /** The IATA-like data-centre code after the Ray ID. Default "LAB". */
  readonly colo?: string;
  /** Visitor request bodies are buffered up to this size; larger ones get 413. Default 1 MiB. */
  readonly maxRequestBodyBytes?: number;
}

/** What became of the origin leg of one visitor request. */
export type OriginOutcome =
  | "response"
  | "cache_hit"
  | "not_contacted"
  | "refused"
  | "connect_timeout"
  | "unreachable"
  | "connect_failed"
  | "tls_failed"
  | "cert_invalid"
  | "empty"
  | "reset"
  | "invalid_response"
  | "headers_too_large"
  | "read_timeout";

export interface EdgeLogEntry {
  /** The full `cf-ray` value the visitor got, colo included ("0123456789abcdef-LAB"). */
  readonly ray: string;
  /** The visitor's Host, lower-cased, without its port. */
  readonly host: string;
  /** The request target as the visitor sent it, query included. */
  readonly path: string;
  /** The status the visitor got. */
  readonly status: number;
  readonly originOutcome: OriginOutcome;
  /** The status line the origin sent, or null when no response head was read. */
  readonly originStatus: number | null;
}

export interface FakeEdge {
  readonly httpsPort: number;
  readonly httpPort: number;
  readonly address: "127.0.0.1";
  readonly log: readonly EdgeLogEntry[];
  close(): Promise<void>;
}
