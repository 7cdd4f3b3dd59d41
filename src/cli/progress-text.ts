/**
 * The progress line: which phase is waiting, for how long, against whose limit — the edge's own
 * (so a person sees how close a slow origin is to a 522 or 524) or the deadline they set.
 */
import { EDGE_CONNECT_TIMEOUT_MS, EDGE_READ_TIMEOUT_MS, EDGE_TLS_TIMEOUT_MS } from "../cdn/edge-timeouts.js";
import type { PhaseStart } from "../options.js";
import { formatSeconds } from "../text/format-seconds.js";
import { DEADLINE_FLAGS } from "./deadline-flags.js";

const WAITING: Record<PhaseStart["phase"], string> = {
  dns: "resolving the hostname",
  tcp: "connecting to the origin",
  tls: "TLS handshake with the origin",
  http: "waiting for the response",
  http2: "waiting for the HTTP/2 response",
  strict_client: "replaying the origin's response head to a strict client (undici)",
};

const EDGE_LIMIT: Partial<Record<PhaseStart["phase"], number>> = {
  tcp: EDGE_CONNECT_TIMEOUT_MS,
  tls: EDGE_TLS_TIMEOUT_MS,
  http: EDGE_READ_TIMEOUT_MS,
  http2: EDGE_READ_TIMEOUT_MS,
};

export function progressText(start: PhaseStart, elapsedMs: number): string {
  const leg = start.leg === null || start.leg === "origin" ? "" : ` (${start.leg} leg)`;
  const edge = EDGE_LIMIT[start.phase];
  const limit =
    edge !== undefined && start.deadlineMs === edge
      ? `of the edge's ${formatSeconds(edge)}`
      : start.phase === "strict_client"
        ? `of ${formatSeconds(start.deadlineMs)}`
        : `of ${DEADLINE_FLAGS.phase}'s ${formatSeconds(start.deadlineMs)}`;
  return `${WAITING[start.phase]}${leg}: ${Math.floor(elapsedMs / 1000)} s ${limit} — Ctrl-C for a partial report`;
}
