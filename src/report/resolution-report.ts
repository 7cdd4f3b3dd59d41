/** The resolution step as the report shows it: a phase named "dns", with its facts and a one-line summary. */
import { findCdnRange } from "../cdn/cloudflare-ranges.js";
import { describePick, failureOutcome } from "../checks/resolution.js";
import type { Finding } from "../findings/catalogue.js";
import type { NameAnswer, ResolutionObservation } from "../resolve/resolve.js";
import type { Resolution } from "./schema.js";

export function resolutionReport(
  resolution: ResolutionObservation,
  address: string | null,
  findings: readonly Finding[],
  hostnameProxied: boolean | null,
): Resolution {
  const failed = findings.some((f) => f.leg === null && f.phase === "dns" && f.severity === "error");
  const cancelled = resolution.stop?.kind === "cancelled" && address === null;
  return {
    name: "dns",
    status: cancelled ? "skipped" : failed || address === null ? "failed" : "passed",
    startedAt: resolution.startedAt,
    durationMs: resolution.durationMs,
    deadlineMs: null,
    summary: cancelled ? "interrupted before the phase finished" : summarise(resolution, hostnameProxied, address),
    skipReason: cancelled ? "interrupted before the phase finished" : null,
    facts: {
      hostname: resolution.hostname.name,
      resolvers: [...resolution.resolvers],
      hostnameAddresses: [...resolution.hostname.addresses],
      hostnameCnames: [...resolution.hostname.cnames],
      hostnameProxied,
      origin: resolution.origin?.name ?? null,
      originAddresses: resolution.origin === null ? [] : [...resolution.origin.addresses],
      address,
    },
  };
}

function summarise(resolution: ResolutionObservation, proxied: boolean | null, address: string | null): string {
  const { hostname: host, origin } = resolution;
  const hostPart =
    host.failure !== null
      ? `${host.name} does not resolve (${failureOutcome(host.failure)})`
      : host.source === "literal"
        ? `${host.name} is an IP address`
        : `${host.name} resolves ${proxied ? "into the CDN's ranges" : "outside the CDN's ranges"}${sourceNote(host)}`;
  if (origin === null) {
    if (address === null) return hostPart;
    if (findCdnRange(address) !== null) return `${hostPart}; that address is the CDN's, not the origin's`;
    return `${hostPart}; using ${describePick(host.addresses, address)}`;
  }
  if (origin.failure !== null)
    return `${hostPart}; --origin ${origin.name} does not resolve (${failureOutcome(origin.failure)})`;
  return address === null ? hostPart : `${hostPart}; using ${describePick(origin.addresses, address)} from --origin`;
}

function sourceNote(answer: NameAnswer): string {
  if (answer.source === "getaddrinfo") return " (answered by the system resolver, not by DNS)";
  if (answer.source === "localhost") return " (localhost, never asked of DNS)";
  return "";
}
