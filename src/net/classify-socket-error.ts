/**
 * Classifies a failed TCP connect by its errno code (STYLE.md §4), never by message text.
 * Node may wrap the code: an AggregateError from happy-eyeballs, or an error with a `cause`.
 */

/** refused/timeout/unreachable are what the edge would also meet; local/unknown are this machine's. */
export type ConnectFailureKind = "refused" | "reset" | "timeout" | "unreachable" | "local" | "unknown";

export interface ConnectFailure {
  readonly kind: ConnectFailureKind;
  /** The errno code that decided, e.g. "ECONNREFUSED"; null when the error carried none. */
  readonly errorCode: string | null;
}

const CONNECT_ERROR_KINDS: Readonly<Record<string, ConnectFailureKind>> = {
  ECONNREFUSED: "refused",
  // Linux reports a RST answering the SYN as ECONNREFUSED. ECONNRESET from connect() means the
  // kernel completed the handshake and the peer then reset it before connect() returned: a
  // server that accepts and drops by source address (HAProxy `tcp-request connection reject`,
  // a WAF). The edge meets that reset on its request and answers 520, not 521.
  ECONNRESET: "reset",
  ETIMEDOUT: "timeout",
  ERR_SOCKET_CONNECTION_TIMEOUT: "timeout",
  EHOSTUNREACH: "unreachable",
  ENETUNREACH: "unreachable",
  EHOSTDOWN: "unreachable",
  ENETDOWN: "unreachable",
  EADDRNOTAVAIL: "unreachable",
  // A local firewall (e.g. an OUTPUT rule with REJECT) or a sandbox stopped the SYN from leaving.
  EACCES: "local",
  EPERM: "local",
};

/** Every `code` in an error, its `cause` chain and AggregateError members, depth first. */
export function errorCodes(error: unknown, seen: Set<unknown> = new Set()): string[] {
  if (typeof error !== "object" || error === null || seen.has(error)) return [];
  seen.add(error);
  const codes: string[] = [];
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === "string") codes.push(code);
  if (Array.isArray(errors)) for (const member of errors) codes.push(...errorCodes(member, seen));
  codes.push(...errorCodes(cause, seen));
  return codes;
}

export function classifySocketError(error: unknown): ConnectFailure {
  const codes = errorCodes(error);
  for (const code of codes) {
    const kind = CONNECT_ERROR_KINDS[code];
    if (kind) return { kind, errorCode: code };
  }
  return { kind: "unknown", errorCode: codes[0] ?? null };
}
