/**
 * Findings about the resolution step: is the hostname behind the CDN, does the origin name
 * resolve, is the address diagnosed one of the CDN's own? Pure: observation in, findings out.
 */
import { CDN_RANGES_PUBLISHED, findCdnRange } from "../cdn/cloudflare-ranges.js";
import { type Finding, finding, type Origin } from "../findings/catalogue.js";
import { parseIp } from "../net/ip-literal.js";
import type { NameAnswer, ResolutionObservation, ResolveFailure } from "../resolve/resolve.js";

const AT: Origin = { leg: null, phase: "dns" };

/** c-ares error codes (`dns.NOTFOUND` ...) as the report names and explains them. */
const RESOLVER_FAILURES: Readonly<Record<string, { outcome: string; explanation: string }>> = {
  ENOTFOUND: { outcome: "NXDOMAIN", explanation: "the name does not exist (NXDOMAIN)" },
  ENODATA: { outcome: "NODATA", explanation: "the name exists but has no A or AAAA record (NODATA)" },
  ETIMEOUT: { outcome: "timed out", explanation: "the DNS server did not answer in time" },
  ECANCELLED: { outcome: "timed out", explanation: "the DNS query was cancelled at the phase deadline" },
  ECONNREFUSED: { outcome: "refused", explanation: "the DNS server could not be reached (connection refused)" },
  EREFUSED: { outcome: "refused", explanation: "the DNS server refused the query (REFUSED)" },
  ESERVFAIL: { outcome: "SERVFAIL", explanation: "the DNS server failed to answer (SERVFAIL)" },
  EFORMERR: { outcome: "FORMERR", explanation: "the DNS server rejected the query as malformed (FORMERR)" },
  ENOTIMP: { outcome: "NOTIMP", explanation: "the DNS server does not implement the query (NOTIMP)" },
  EBADRESP: { outcome: "bad response", explanation: "the DNS server's answer did not parse" },
  EBADNAME: { outcome: "bad name", explanation: "the name is not a valid DNS name" },
};

/** Short, for evidence and summaries: "NXDOMAIN", "NODATA", "timed out", "refused", "SERVFAIL", ... */
export function failureOutcome(failure: ResolveFailure): string {
  return RESOLVER_FAILURES[failure.errorCode]?.outcome ?? "error";
}

function failureExplanation(failure: ResolveFailure): string {
  return RESOLVER_FAILURES[failure.errorCode]?.explanation ?? `the DNS query failed (${failure.errorCode})`;
}

/** true when every address of the hostname is inside the CDN's ranges; null when it has none. */
export function isProxied(answer: NameAnswer): boolean | null {
  if (answer.addresses.length === 0) return null;
  return answer.addresses.every((a) => findCdnRange(a) !== null);
}

/** `address` is the one the origin leg connects to (or would have), null when there is none. */
export function checkResolution(resolution: ResolutionObservation, address: string | null): Finding[] {
  const { hostname: host, origin } = resolution;
  const findings: Finding[] = [];
  // A lookup that Ctrl-C cut short says nothing about the name.
  const cut = (answer: NameAnswer) => answer.failure !== null && resolution.stop?.kind === "cancelled";
  if (cut(host) || (origin !== null && cut(origin))) return findings;
  if (host.failure !== null) findings.push(hostnameUnresolvable(host, host.failure, origin !== null));
  else if (isProxied(host)) findings.push(proxied(host));
  else findings.push(notProxied(host));

  const target = origin ?? host;
  if (origin === null && address !== null && findCdnRange(address) === null) findings.push(fromHostname(host, address));
  if (origin !== null && origin.failure !== null) findings.push(originUnresolvable(origin, origin.failure));
  // With --origin every address counts (the CDN may use any); without, only the one diag520 uses.
  const cdnTargets = (origin === null && address !== null ? [address] : target.addresses).filter(
    (a) => findCdnRange(a) !== null,
  );
  if (address !== null && cdnTargets.length > 0) findings.push(originIsCdn(target, cdnTargets, origin === null));
  return findings;
}

/** "203.0.113.7 (IPv4; 2 other addresses)". */
export function describePick(addresses: readonly string[], address: string): string {
  const family = parseIp(address)?.family === 4 ? "IPv4" : "IPv6";
  const others = addresses.length - 1;
  return others === 0
    ? `${address} (${family})`
    : `${address} (${family}; ${others} other address${others === 1 ? "" : "es"})`;
}

/**
 * The resolver gave no answer at all (it timed out, or could not be reached): a fact about the
 * path to the resolver, not about the name, which may well exist.
 */
function noAnswer(failure: ResolveFailure): boolean {
  return ["ETIMEOUT", "ECANCELLED", "ECONNREFUSED"].includes(failure.errorCode);
}

function hostnameUnresolvable(host: NameAnswer, failure: ResolveFailure, originGiven: boolean): Finding {
  const consequence = originGiven
    ? "The origin is still diagnosed through --origin. If visitors cannot resolve the name either, they never reach the CDN: their browser shows a DNS error, not a 52x page."
    : noAnswer(failure)
      ? "There is no address to test: check the DNS server asked (--dns-server), or pass --origin <the origin's address>."
      : "There is nothing to connect to: pass --origin <the origin's address or name> to diagnose the origin directly.";
  return finding(
    "dns.unresolvable",
    originGiven || noAnswer(failure) ? "warning" : "error",
    AT,
    `${host.name} has no A or AAAA answer from here: ${failureExplanation(failure)}${lookupNote(failure)}. ${consequence}`,
    failureEvidence(host.name, failure),
  );
}

function originUnresolvable(origin: NameAnswer, failure: ResolveFailure): Finding {
  if (noAnswer(failure)) {
    // No answer from here is not NXDOMAIN: the CDN's resolvers may answer fine.
    return finding(
      "origin.unresolvable",
      "warning",
      AT,
      `The origin name ${origin.name} got no answer from here: ${failureExplanation(failure)}${lookupNote(failure)}. That says nothing about the name itself, so diag520 has no address to test; check the DNS server asked (--dns-server) or pass the origin's address.`,
      failureEvidence(origin.name, failure),
    );
  }
  return finding(
    "origin.unresolvable",
    "error",
    AT,
    `The origin name ${origin.name} has no A or AAAA answer: ${failureExplanation(failure)}${lookupNote(failure)}. If the CDN's resolvers get the same answer, it fails the request with 530, error 1016 ("origin DNS error"). Fix the origin's DNS record, or point the CDN's record at an address.`,
    failureEvidence(origin.name, failure),
  );
}

function lookupNote(failure: ResolveFailure): string {
  return failure.systemLookupTried ? ", and the system resolver (hosts file) has no entry either" : "";
}

function failureEvidence(name: string, failure: ResolveFailure) {
  return {
    name,
    outcome: failureOutcome(failure),
    errorCode: failure.errorCode,
    systemLookupTried: failure.systemLookupTried,
  };
}

function proxied(host: NameAnswer): Finding {
  const ranges = unique(host.addresses.map((a) => findCdnRange(a) ?? ""));
  return finding(
    "dns.proxied",
    "info",
    AT,
    `${host.name} resolves to the CDN's edge (${ranges.join(", ")}): visitors' requests go through the CDN, which then connects to the origin. A 52x comes from that second connection, which diag520 reproduces.`,
    {
      addresses: host.addresses,
      cnames: host.cnames,
      cdnRanges: ranges,
      source: host.source,
      rangesPublished: CDN_RANGES_PUBLISHED,
    },
  );
}

function notProxied(host: NameAnswer): Finding {
  const cdnAddresses = host.addresses.filter((a) => findCdnRange(a) !== null);
  const mixed =
    cdnAddresses.length > 0
      ? ` Only ${cdnAddresses.join(", ")} of its addresses are the CDN's: visitors who get another address bypass the CDN.`
      : "";
  return finding(
    "dns.not_proxied",
    "info",
    AT,
    `${host.name} resolves to ${host.addresses.join(", ")}, outside the CDN's published ranges (as of ${CDN_RANGES_PUBLISHED}): either the CDN is not in the path, or the record is DNS-only. Visitors then talk to that address directly, so a 52x page from the CDN does not come from this answer; if users see one, they resolve the name differently (another resolver, a cached or split-horizon answer, a recent change).${mixed}`,
    {
      addresses: host.addresses,
      cnames: host.cnames,
      cdnAddresses,
      source: host.source,
      rangesPublished: CDN_RANGES_PUBLISHED,
    },
  );
}

function fromHostname(host: NameAnswer, address: string): Finding {
  return finding(
    "origin.from_hostname",
    "info",
    AT,
    `No --origin was given, so the report is about the address the hostname resolves to: ${describePick(host.addresses, address)}.`,
    { address, addresses: host.addresses, source: host.source },
  );
}

function originIsCdn(target: NameAnswer, cdnAddresses: readonly string[], fromHostnameOnly: boolean): Finding {
  const ranges = unique(cdnAddresses.map((a) => findCdnRange(a) ?? ""));
  const evidence = { name: target.name, cdnAddresses, cdnRanges: ranges, rangesPublished: CDN_RANGES_PUBLISHED };
  if (fromHostnameOnly) {
    // Context, not a cause of a 52x: the verdict itself says that there is no verdict without --origin.
    return finding(
      "origin.is_cdn_address",
      "info",
      AT,
      `${target.name} resolves to the CDN's own addresses (${ranges.join(", ")}), and no --origin was given: that address is the CDN's edge, not the origin, so diag520 did not connect to it. The origin's address is what the hostname's DNS record at the CDN points to (the record shown as proxied, with the orange cloud, in the CDN's DNS settings), or the server's public address from whoever runs it: pass it with --origin <address>.`,
      evidence,
    );
  }
  return finding(
    "origin.is_cdn_address",
    "error",
    AT,
    `The origin ${target.source === "literal" ? `address ${cdnAddresses[0]}` : `${target.name} (${cdnAddresses.join(", ")})`} lies inside the CDN's own ranges (${ranges.join(", ")}): the CDN would connect to itself, a loop or a mistake (the CDN refuses such records with error 1000, or fails with 520). Point the origin at the server's own address.`,
    evidence,
  );
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
