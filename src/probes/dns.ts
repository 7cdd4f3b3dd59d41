/**
 * Phase 1: where does the hostname point (the CDN's ranges or elsewhere), and which address do
 * the later phases connect to (`--origin`, or else the hostname's own address)?
 * Names are asked of DNS servers directly (c-ares via `dns.promises.Resolver`), so that the
 * report can tell NXDOMAIN from NODATA from a resolver that is down. A name that only the hosts
 * file knows still works as it does for curl: without `--dns-server`, a name the servers cannot
 * answer is passed to getaddrinfo (`dns.lookup`), and the evidence says so.
 */
import { lookup, Resolver } from "node:dns/promises";
import { CDN_RANGES_PUBLISHED, findCdnRange } from "../cdn/cloudflare-ranges.js";
import { type Finding, finding } from "../findings/catalogue.js";
import { normaliseIpLiteral, parseIp } from "../net/ip-literal.js";
import type { DnsFacts } from "../report/schema.js";
import type { PipelineState, Probe, ProbeResult } from "./probe.js";

/** How a name's addresses were found. */
type Source = "literal" | "dns" | "getaddrinfo" | "localhost";

interface Resolved {
  readonly name: string;
  /** IPv4 first, then IPv6, canonical text, no duplicates. */
  readonly addresses: readonly string[];
  readonly cnames: readonly string[];
  readonly source: Source;
  /** Why there are no addresses (null when there are). */
  readonly failure: ResolveFailure | null;
}

interface ResolveFailure {
  /** Short, for evidence: "NXDOMAIN", "NODATA", "timed out", "refused", "SERVFAIL", ... */
  readonly outcome: string;
  /** `err.code` as Node reports it (ENOTFOUND, ENODATA, ETIMEOUT, ...). */
  readonly errorCode: string;
  readonly explanation: string;
  /** getaddrinfo was asked too (no --dns-server) and had nothing either. */
  readonly systemLookupTried: boolean;
}

/** c-ares error codes (`dns.NOTFOUND` ...) as the report explains them. */
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

/** Which failure of the A and AAAA queries explains the outcome best (NXDOMAIN covers both). */
const FAILURE_PRIORITY = ["ENOTFOUND", "ETIMEOUT", "ECONNREFUSED", "EREFUSED", "ESERVFAIL"];

export const dnsProbe: Probe<"dns"> = {
  name: "dns",
  notApplicable: () => null,
  run: probeDns,
};

async function probeDns(state: PipelineState, signal: AbortSignal): Promise<ProbeResult<"dns">> {
  const { hostname, origin } = state.request;
  const resolution = new Resolution(state.options.dnsServers, state.options.timeoutMs, signal);
  try {
    const [host, originResolved] = await Promise.all([
      resolution.resolve(hostname, true),
      origin === null ? null : resolution.resolve(origin, false),
    ]);
    return judge(state, host, originResolved, resolution.serversAsked());
  } finally {
    resolution.close();
  }
}

function judge(
  state: PipelineState,
  host: Resolved,
  origin: Resolved | null,
  resolvers: readonly string[],
): ProbeResult<"dns"> {
  const { hostname } = state.request;
  const findings: Finding[] = [];
  const hostResolves = host.addresses.length > 0;
  const cdnHostAddresses = host.addresses.filter((a) => findCdnRange(a) !== null);
  const hostnameProxied = hostResolves ? cdnHostAddresses.length === host.addresses.length : null;

  if (host.failure !== null) findings.push(hostnameUnresolvable(host, host.failure, origin !== null));
  else findings.push(hostnameProxied ? proxied(host) : notProxied(host, cdnHostAddresses));

  const target = origin ?? host;
  const address = pickAddress(target.addresses);
  if (origin === null && address !== null) findings.push(fromHostname(host, address));
  if (origin !== null && origin.failure !== null) findings.push(originUnresolvable(origin, origin.failure));
  // With --origin every address counts (the CDN may use any); without, only the one diag520 uses.
  const cdnTargets = (origin === null && address !== null ? [address] : target.addresses).filter(
    (a) => findCdnRange(a) !== null,
  );
  if (address !== null && cdnTargets.length > 0) findings.push(originIsCdn(target, cdnTargets, origin === null));

  const facts: DnsFacts = {
    hostname,
    resolvers: [...resolvers],
    hostnameAddresses: [...host.addresses],
    hostnameCnames: [...host.cnames],
    hostnameProxied,
    origin: state.request.origin,
    originAddresses: origin === null ? [] : [...origin.addresses],
    address,
  };
  // An error here (no address, or an origin inside the CDN's ranges) means there is nothing
  // diag520 should connect to: never open a connection to the CDN's own addresses for --origin.
  const ok = address !== null && !findings.some((f) => f.severity === "error");
  return { ok, summary: summarise(host, hostnameProxied, origin, address), facts, findings };
}

/** First IPv4, else first IPv6: one predictable choice (curl would race both); the summary counts the rest. */
function pickAddress(addresses: readonly string[]): string | null {
  return addresses.find((a) => parseIp(a)?.family === 4) ?? addresses[0] ?? null;
}

function describePick(addresses: readonly string[], address: string): string {
  const family = parseIp(address)?.family === 4 ? "IPv4" : "IPv6";
  const others = addresses.length - 1;
  return others === 0
    ? `${address} (${family})`
    : `${address} (${family}; ${others} other address${others === 1 ? "" : "es"})`;
}

function summarise(
  host: Resolved,
  proxiedHost: boolean | null,
  origin: Resolved | null,
  address: string | null,
): string {
  const hostPart =
    host.failure !== null
      ? `${host.name} does not resolve (${host.failure.outcome})`
      : host.source === "literal"
        ? `${host.name} is an IP address`
        : `${host.name} resolves ${proxiedHost ? "into the CDN's ranges" : "outside the CDN's ranges"}${sourceNote(host.source)}`;
  if (origin === null)
    return address === null ? hostPart : `${hostPart}; using ${describePick(host.addresses, address)}`;
  if (origin.failure !== null)
    return `${hostPart}; --origin ${origin.name} does not resolve (${origin.failure.outcome})`;
  return address === null ? hostPart : `${hostPart}; using ${describePick(origin.addresses, address)} from --origin`;
}

function sourceNote(source: Source): string {
  if (source === "getaddrinfo") return " (answered by the system resolver, not by DNS)";
  if (source === "localhost") return " (localhost, never asked of DNS)";
  return "";
}

function hostnameUnresolvable(host: Resolved, failure: ResolveFailure, originGiven: boolean): Finding {
  const consequence = originGiven
    ? "The origin is still diagnosed through --origin. If visitors cannot resolve the name either, they never reach the CDN: their browser shows a DNS error, not a 52x page."
    : "There is nothing to connect to: pass --origin <the origin's address or name> to diagnose the origin directly.";
  return finding(
    "dns.unresolvable",
    originGiven ? "warning" : "error",
    `${host.name} has no A or AAAA answer from here: ${failure.explanation}${lookupNote(failure)}. ${consequence}`,
    failureEvidence(host.name, failure),
  );
}

function originUnresolvable(origin: Resolved, failure: ResolveFailure): Finding {
  return finding(
    "origin.unresolvable",
    "error",
    `The origin name ${origin.name} has no A or AAAA answer: ${failure.explanation}${lookupNote(failure)}. If the CDN's resolvers get the same answer, it fails the request with 530, error 1016 ("origin DNS error"). Fix the origin's DNS record, or point the CDN's record at an address.`,
    failureEvidence(origin.name, failure),
  );
}

function lookupNote(failure: ResolveFailure): string {
  return failure.systemLookupTried ? ", and the system resolver (hosts file) has no entry either" : "";
}

function failureEvidence(name: string, failure: ResolveFailure): Record<string, string | boolean> {
  return {
    name,
    outcome: failure.outcome,
    errorCode: failure.errorCode,
    systemLookupTried: failure.systemLookupTried,
  };
}

function proxied(host: Resolved): Finding {
  const ranges = unique(host.addresses.map((a) => findCdnRange(a) ?? ""));
  return finding(
    "dns.proxied",
    "info",
    `${host.name} resolves to the CDN's edge (${ranges.join(", ")}): visitors' requests go through the CDN, which then connects to the origin. A 52x comes from that second connection, which diag520 reproduces.`,
    {
      addresses: [...host.addresses],
      cnames: [...host.cnames],
      cdnRanges: ranges,
      source: host.source,
      rangesPublished: CDN_RANGES_PUBLISHED,
    },
  );
}

function notProxied(host: Resolved, cdnAddresses: readonly string[]): Finding {
  const mixed =
    cdnAddresses.length > 0
      ? ` Only ${cdnAddresses.join(", ")} of its addresses are the CDN's: visitors who get another address bypass the CDN.`
      : "";
  return finding(
    "dns.not_proxied",
    "info",
    `${host.name} resolves to ${host.addresses.join(", ")}, outside the CDN's published ranges (as of ${CDN_RANGES_PUBLISHED}): either the CDN is not in the path, or the record is DNS-only. Visitors then talk to that address directly, so a 52x page from the CDN does not come from this answer; if users see one, they resolve the name differently (another resolver, a cached or split-horizon answer, a recent change).${mixed}`,
    {
      addresses: [...host.addresses],
      cnames: [...host.cnames],
      cdnAddresses: [...cdnAddresses],
      source: host.source,
      rangesPublished: CDN_RANGES_PUBLISHED,
    },
  );
}

function fromHostname(host: Resolved, address: string): Finding {
  return finding(
    "origin.from_hostname",
    "info",
    `No --origin was given, so the report is about the address the hostname resolves to: ${describePick(host.addresses, address)}.`,
    { address, addresses: [...host.addresses], source: host.source },
  );
}

function originIsCdn(target: Resolved, cdnAddresses: readonly string[], fromHostnameOnly: boolean): Finding {
  const ranges = unique(cdnAddresses.map((a) => findCdnRange(a) ?? ""));
  const evidence = {
    name: target.name,
    cdnAddresses: [...cdnAddresses],
    cdnRanges: ranges,
    rangesPublished: CDN_RANGES_PUBLISHED,
  };
  if (fromHostnameOnly) {
    return finding(
      "origin.is_cdn_address",
      "warning",
      `${target.name} resolves to the CDN's own addresses (${ranges.join(", ")}), and no --origin was given: diag520 would be talking to the CDN's edge, not to the origin. Pass --origin <the origin server's address> to diagnose the origin.`,
      evidence,
    );
  }
  return finding(
    "origin.is_cdn_address",
    "error",
    `The origin ${target.source === "literal" ? `address ${cdnAddresses[0]}` : `${target.name} (${cdnAddresses.join(", ")})`} lies inside the CDN's own ranges (${ranges.join(", ")}): the CDN would connect to itself, a loop or a mistake (the CDN refuses such records with error 1000, or fails with 520). Point the origin at the server's own address.`,
    evidence,
  );
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

function errorCode(reason: unknown): string {
  const code = (reason as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "EUNKNOWN";
}

/** Orders addresses IPv4 first, canonicalises them, drops duplicates. */
function orderAddresses(addresses: readonly string[]): string[] {
  const canonical = unique(addresses.map((a) => normaliseIpLiteral(a) ?? a));
  return [...canonical.filter((a) => parseIp(a)?.family === 4), ...canonical.filter((a) => parseIp(a)?.family !== 4)];
}

/** RFC 6761 §6.3: "localhost" and names below it are loopback and are not sent to DNS servers. */
function isLocalhostName(name: string): boolean {
  const lower = name.toLowerCase().replace(/\.$/, "");
  return lower === "localhost" || lower.endsWith(".localhost");
}

/** One run's DNS work: a resolver created on first use, cancelled at the deadline. */
class Resolution {
  private resolver: Resolver | null = null;
  private readonly aborted: Promise<"aborted">;
  private onAbort: () => void = () => {};

  constructor(
    private readonly servers: readonly string[],
    private readonly timeoutMs: number,
    private readonly signal: AbortSignal,
  ) {
    this.aborted = new Promise((resolve) => {
      this.onAbort = () => {
        this.resolver?.cancel();
        resolve("aborted");
      };
    });
    if (signal.aborted) this.onAbort();
    else signal.addEventListener("abort", this.onAbort, { once: true });
  }

  close(): void {
    this.signal.removeEventListener("abort", this.onAbort);
  }

  /** The servers that were asked (empty when no name needed a DNS server). */
  serversAsked(): string[] {
    return this.resolver?.getServers() ?? [];
  }

  async resolve(name: string, withCnames: boolean): Promise<Resolved> {
    const literalAddress = normaliseIpLiteral(name);
    if (literalAddress !== null)
      return { name, addresses: [literalAddress], cnames: [], source: "literal", failure: null };
    if (this.signal.aborted)
      return { name, addresses: [], cnames: [], source: "dns", failure: describeFailure("ETIMEOUT", false) };
    if (isLocalhostName(name)) return this.resolveLocalhost(name);
    const resolver = this.getResolver();
    const attempt = <T>(query: () => Promise<T>): Promise<T> => Promise.resolve().then(query);
    const [v4, v6, cname] = await Promise.allSettled([
      attempt(() => resolver.resolve4(name)),
      attempt(() => resolver.resolve6(name)),
      withCnames ? attempt(() => resolver.resolveCname(name)) : Promise.resolve([]),
    ]);
    const addresses = orderAddresses([
      ...(v4.status === "fulfilled" ? v4.value : []),
      ...(v6.status === "fulfilled" ? v6.value : []),
    ]);
    const cnames = cname.status === "fulfilled" ? cname.value : [];
    if (addresses.length > 0) return { name, addresses, cnames, source: "dns", failure: null };

    // curl resolves through getaddrinfo, which reads the hosts file: mirror that, unless the
    // user chose the DNS servers (then the hosts file is not what they asked about).
    const trySystem = this.servers.length === 0 && !this.signal.aborted;
    if (trySystem) {
      const system = await this.systemLookup(name);
      if (system.length > 0) return { name, addresses: system, cnames, source: "getaddrinfo", failure: null };
    }
    const codes = [v4, v6].map((r) => (r.status === "rejected" ? errorCode(r.reason) : "ENODATA"));
    const code = this.signal.aborted
      ? "ETIMEOUT"
      : (FAILURE_PRIORITY.find((c) => codes.includes(c)) ?? codes.find((c) => c !== "ENODATA") ?? "ENODATA");
    return { name, addresses: [], cnames, source: "dns", failure: describeFailure(code, trySystem) };
  }

  private async resolveLocalhost(name: string): Promise<Resolved> {
    const system = await this.systemLookup(name);
    const addresses = system.length > 0 ? system : ["127.0.0.1", "::1"];
    return { name, addresses, cnames: [], source: "localhost", failure: null };
  }

  /** getaddrinfo cannot be cancelled: race it against the deadline. */
  private async systemLookup(name: string): Promise<string[]> {
    const answer = lookup(name, { all: true }).then(
      (entries) => orderAddresses(entries.map((e) => e.address)),
      () => [] as string[],
    );
    const result = await Promise.race([answer, this.aborted]);
    return result === "aborted" ? [] : result;
  }

  private getResolver(): Resolver {
    if (this.resolver === null) {
      // c-ares doubles the timeout on each retry: two tries fit in about the phase deadline,
      // and the deadline itself cancels whatever is still pending.
      this.resolver = new Resolver({ timeout: Math.max(1, Math.floor(this.timeoutMs / 3)), tries: 2 });
      if (this.servers.length > 0) this.resolver.setServers([...this.servers]);
    }
    return this.resolver;
  }
}

function describeFailure(code: string, systemLookupTried: boolean): ResolveFailure {
  const known = RESOLVER_FAILURES[code];
  return {
    outcome: known?.outcome ?? "error",
    errorCode: code,
    explanation: known?.explanation ?? `the DNS query failed (${code})`,
    systemLookupTried,
  };
}
