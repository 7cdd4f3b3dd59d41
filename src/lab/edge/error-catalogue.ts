/**
 * The errors the fake edge generates itself, as data: one row per 5xx it answers for an
 * origin, one per 1xxx it stages. Titles are the phrases of Cloudflare's HTML pages and of its
 * problem JSON ("Error 522: Connection timed out"); categories and Retry-After values are
 * cloudflare-docs `fundamentals/reference/error-responses` (error categories, 5xx Retry-After
 * values, 1xxx Retry-After values).
 *
 * `error_name`: that page documents one 5xx value, `connection_timeout` (its 522 example), and
 * mentions `rate_limited` (1015); no other published value was found. The rest are our own
 * snake_case names, chosen to read like that one: the lab's diagnosis must not key on them.
 */
import type { EdgeErrorCode } from "./edge-types.js";

/** The 5xx statuses the edge answers with its own page (502/504 replace an origin's own body). */
export type EdgeErrorStatus = 502 | 504 | 520 | 521 | 522 | 523 | 524 | 525 | 526;

/** Whose box on the HTML page carries `cf-error-source`. */
export type FailingParty = "browser" | "cloudflare" | "host";

export interface EdgeErrorInfo {
  /** The HTML page's phrase: `<title>{host} | 522: Connection timed out</title>`. */
  readonly phrase: string;
  readonly errorName: string;
  readonly category: "origin" | "ssl" | "cloudflare";
  /** Seconds for Retry-After and `retry_after`; null when not retryable (525, 526). */
  readonly retryAfter: number | null;
  readonly failing: FailingParty;
  /** What happened, in one or two sentences (problem JSON `detail`). */
  readonly detail: string;
  readonly whatToDo: string;
}

const RETRY_ORIGIN =
  "Wait and retry with back-off. If it persists, the website operator should check the origin server and its logs for this Ray ID.";
const FIX_TLS =
  "Do not retry: the website operator must fix the origin's TLS configuration or the zone's SSL mode first.";

export const EDGE_ERRORS = {
  502: {
    phrase: "Bad gateway",
    errorName: "bad_gateway",
    category: "origin",
    retryAfter: 60,
    failing: "host",
    detail: "The origin server answered with an invalid or failed response (502) that Cloudflare replaced.",
    whatToDo: RETRY_ORIGIN,
  },
  504: {
    phrase: "Gateway time-out",
    errorName: "gateway_timeout",
    category: "origin",
    retryAfter: 120,
    failing: "host",
    detail: "The origin server, or a proxy in front of it, answered 504: it timed out waiting for an upstream.",
    whatToDo: RETRY_ORIGIN,
  },
  520: {
    phrase: "Web server is returning an unknown error",
    errorName: "web_server_unknown_error",
    category: "origin",
    retryAfter: 60,
    failing: "host",
    detail:
      "The origin server returned an empty, unknown or unexpected response: it closed or reset the connection, sent headers Cloudflare could not parse, or sent too many of them.",
    whatToDo: RETRY_ORIGIN,
  },
  521: {
    phrase: "Web server is down",
    errorName: "web_server_down",
    category: "origin",
    retryAfter: 120,
    failing: "host",
    detail:
      "The origin server refused the connection from Cloudflare: it is down, or it blocks Cloudflare's addresses.",
    whatToDo: RETRY_ORIGIN,
  },
  522: {
    phrase: "Connection timed out",
    errorName: "connection_timeout",
    category: "origin",
    retryAfter: 120,
    failing: "host",
    detail:
      "Cloudflare could not establish a TCP connection to the origin server in time: it may be overloaded, unreachable, or dropping Cloudflare's addresses.",
    whatToDo: RETRY_ORIGIN,
  },
  523: {
    phrase: "Origin is unreachable",
    errorName: "origin_unreachable",
    category: "origin",
    retryAfter: 120,
    failing: "host",
    detail: "Cloudflare has no route to the origin server's address.",
    whatToDo: RETRY_ORIGIN,
  },
  524: {
    phrase: "A timeout occurred",
    errorName: "origin_response_timeout",
    category: "origin",
    retryAfter: 120,
    failing: "host",
    detail: "Cloudflare connected to the origin server, but it did not send an HTTP response in time.",
    whatToDo: RETRY_ORIGIN,
  },
  525: {
    phrase: "SSL handshake failed",
    errorName: "ssl_handshake_failed",
    category: "ssl",
    retryAfter: null,
    failing: "host",
    detail: "The TLS handshake between Cloudflare and the origin server failed.",
    whatToDo: FIX_TLS,
  },
  526: {
    phrase: "Invalid SSL certificate",
    errorName: "invalid_ssl_certificate",
    category: "ssl",
    retryAfter: null,
    failing: "host",
    detail:
      "The origin server's certificate could not be validated under Full (strict): expired, not yet valid, not from a trusted CA, or not for this hostname.",
    whatToDo: FIX_TLS,
  },
} as const satisfies Record<EdgeErrorStatus, EdgeErrorInfo>;

export interface ErrorCodeInfo {
  /** The legacy page's subheadline and the problem title ("Error 1016: Origin DNS error"). */
  readonly title: string;
  readonly errorName: string;
  readonly category: "dns" | "config";
  readonly retryAfter: number | null;
  readonly detail: string;
  readonly whatToDo: string;
}

/**
 * Titles are the headings of cloudflare-docs `support/troubleshooting/http-status-codes/cloudflare-1xxx-errors/`;
 * categories follow the error-responses page (1001 and 1016 `dns`, 1033 `config`; 1000 is not
 * listed there and is put with `config`).
 */
export const ERROR_CODES = {
  1000: {
    title: "DNS points to prohibited IP",
    errorName: "dns_points_to_prohibited_ip",
    category: "config",
    retryAfter: null,
    detail: "The hostname's DNS record points at a Cloudflare address, so the request would loop back to Cloudflare.",
    whatToDo: "The website operator should point the DNS record at the origin server's own address.",
  },
  1001: {
    title: "DNS resolution error",
    errorName: "dns_resolution_error",
    category: "dns",
    retryAfter: null,
    detail: "This hostname is not configured on this Cloudflare edge.",
    whatToDo: "Check the hostname; the website operator should add it to their zone.",
  },
  1016: {
    title: "Origin DNS error",
    errorName: "origin_dns_error",
    category: "dns",
    retryAfter: null,
    detail: "Cloudflare could not resolve the origin server's hostname.",
    whatToDo: "The website operator should fix the DNS record of the origin hostname.",
  },
  1033: {
    title: "Argo Tunnel error",
    errorName: "argo_tunnel_error",
    category: "config",
    retryAfter: 120,
    detail: "The hostname is served through a Cloudflare Tunnel that Cloudflare cannot currently reach.",
    whatToDo: "Retry in a few minutes; the website operator should check that cloudflared is running.",
  },
} as const satisfies Record<EdgeErrorCode, ErrorCodeInfo>;
