/**
 * What the edge answers for each way the origin leg can fail, and how a failed connect is
 * classified, by errno code (walking `cause` and AggregateError members), never by message.
 * Statuses: cloudflare-docs `support/troubleshooting/http-status-codes/cloudflare-5xx-errors/`
 * (error-520 … error-526).
 */
import type { OriginOutcome } from "./edge-types.js";
import type { EdgeErrorStatus } from "./error-catalogue.js";

export type OriginFailure = Exclude<OriginOutcome, "response" | "cache_hit" | "not_contacted">;

export const FAILURE_STATUS = {
  refused: 521,
  connect_timeout: 522,
  unreachable: 523,
  // A connect that fails in a way the edge cannot attribute is an unknown error to it.
  connect_failed: 520,
  tls_failed: 525,
  cert_invalid: 526,
  empty: 520,
  reset: 520,
  invalid_response: 520,
  headers_too_large: 520,
  read_timeout: 524,
} as const satisfies Record<OriginFailure, EdgeErrorStatus>;

const CONNECT_FAILURES: Readonly<Record<string, OriginFailure>> = {
  ECONNREFUSED: "refused",
  // The kernel completed the handshake and the peer reset it before connect() returned: it
  // accepted and dropped us (a WAF, a block by source address). Not a refusal: 520, not 521.
  ECONNRESET: "reset",
  ETIMEDOUT: "connect_timeout",
  EHOSTUNREACH: "unreachable",
  ENETUNREACH: "unreachable",
  EHOSTDOWN: "unreachable",
  ENETDOWN: "unreachable",
};

function codesOf(error: unknown, seen: Set<unknown> = new Set()): string[] {
  if (typeof error !== "object" || error === null || seen.has(error)) return [];
  seen.add(error);
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  return [
    ...(typeof code === "string" ? [code] : []),
    ...(Array.isArray(errors) ? errors.flatMap((member) => codesOf(member, seen)) : []),
    ...codesOf(cause, seen),
  ];
}

export function classifyConnectError(error: unknown): OriginFailure {
  for (const code of codesOf(error)) {
    const failure = CONNECT_FAILURES[code];
    if (failure !== undefined) return failure;
  }
  return "connect_failed";
}
