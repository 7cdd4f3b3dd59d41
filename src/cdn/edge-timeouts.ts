/**
 * How long the CDN's edge waits for an origin (cloudflare-docs, errors 522 and 524): a SYN-ACK
 * within 19 s (SYN retries after 1, 1, 1, 1, 1, 2, 4 and 8 s; PR #21099 — the docs said 15 s
 * before), and at most 125 s between two reads of the response (the proxy read timeout: 100 s to
 * 2025, 120 s from Oct 2025, 125 s from Jul 2026; PR #32243). diag520 waits as long by default, so
 * that a timeout it reports is one the edge would meet.
 */
export const EDGE_CONNECT_TIMEOUT_MS = 19_000;
export const EDGE_READ_TIMEOUT_MS = 125_000;
/** The edge's connection timeout covers the TLS handshake too (Pingora's total connection timeout). */
export const EDGE_TLS_TIMEOUT_MS = EDGE_CONNECT_TIMEOUT_MS;
/** Not an edge figure: how long diag520 waits for a DNS answer by default. */
export const DNS_TIMEOUT_MS = 10_000;

/** Each phase's deadline: the one the user set for every phase (--timeout), or the edge's own. */
export function phaseDeadlines(userTimeoutMs: number | null) {
  return {
    dnsMs: userTimeoutMs ?? DNS_TIMEOUT_MS,
    connectMs: userTimeoutMs ?? EDGE_CONNECT_TIMEOUT_MS,
    tlsMs: userTimeoutMs ?? EDGE_TLS_TIMEOUT_MS,
    responseMs: userTimeoutMs ?? EDGE_READ_TIMEOUT_MS,
  } as const;
}
