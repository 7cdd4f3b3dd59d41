/**
 * Resolution, the step before the legs: where does the hostname point (the CDN's ranges or
 * elsewhere), and what does `--origin` name? Facts only; checks/resolution.ts writes the words.
 * Names are asked of DNS servers directly (c-ares via `dns.promises.Resolver`), so that the
 * report can tell NXDOMAIN from NODATA from a resolver that is down. A name that only the hosts
 * file knows still works as it does for curl: without a DNS server of the user's choice, a name
 * the servers cannot answer is passed to getaddrinfo (`dns.lookup`), and the facts say so.
 * The origin's address is handed on as soon as it is known (at once for an IP literal), so that
 * a lookup which only informs (is the hostname behind the CDN?) never delays a leg.
 */
import { lookup, Resolver } from "node:dns/promises";
import { type Stop, startDeadline, stopOf } from "../deadline.js";
import { normaliseIpLiteral, parseIp } from "../net/ip-literal.js";
import { monotonicMs } from "../text/monotonic-ms.js";
import { roundMs } from "../text/round-ms.js";
import { withQuerySlot } from "./query-slots.js";

/** How a name's addresses were found. */
export type Source = "literal" | "dns" | "getaddrinfo" | "localhost";

export interface NameAnswer {
  readonly name: string;
  /** IPv4 first, then IPv6, canonical text, no duplicates. */
  readonly addresses: readonly string[];
  readonly cnames: readonly string[];
  readonly source: Source;
  /** Why there are no addresses (null when there are). */
  readonly failure: ResolveFailure | null;
}

export interface ResolveFailure {
  /** `err.code` as Node reports it (ENOTFOUND, ENODATA, ETIMEOUT, ...). */
  readonly errorCode: string;
  /** getaddrinfo was asked too (no --dns-server) and had nothing either. */
  readonly systemLookupTried: boolean;
}

/** Which failure of the A and AAAA queries explains the outcome best (NXDOMAIN covers both). */
const FAILURE_PRIORITY = ["ENOTFOUND", "ETIMEOUT", "ECONNREFUSED", "EREFUSED", "ESERVFAIL"];

export interface ResolutionObservation {
  readonly startedAt: string;
  readonly durationMs: number;
  readonly hostname: NameAnswer;
  /** What `--origin` names, when it was given. */
  readonly origin: NameAnswer | null;
  /** DNS servers asked; empty when no name needed one (or the system resolver was used). */
  readonly resolvers: readonly string[];
  /** What cut the lookups short, if anything did. */
  readonly stop: Stop | null;
}

export interface ResolveOptions {
  /** DNS servers ("ip" or "ip:port"); empty means the system's configuration. */
  readonly dnsServers: readonly string[];
  readonly deadlineMs: number;
}

export interface Resolution {
  /** The answer for the name the legs connect to: `--origin`, else the hostname. */
  readonly target: Promise<NameAnswer>;
  /** Every lookup, once all have ended. */
  readonly done: Promise<ResolutionObservation>;
}

/** Starts the lookups; never rejects (a failure is an answer with `failure` set). */
export function startResolution(
  hostname: string,
  origin: string | null,
  options: ResolveOptions,
  runSignal: AbortSignal,
): Resolution {
  const startedAt = new Date().toISOString();
  const started = monotonicMs();
  const deadline = startDeadline(options.deadlineMs, [runSignal], "phase");
  const resolution = new Lookups(options.dnsServers, options.deadlineMs, deadline.signal);
  const hostAnswer = resolution.resolve(hostname, true);
  const originAnswer = origin === null ? null : resolution.resolve(origin, false);
  const done = Promise.all([hostAnswer, originAnswer]).then(([host, originResolved]) => {
    const stop = stopOf(deadline.signal);
    deadline.clear();
    resolution.close();
    return {
      startedAt,
      durationMs: roundMs(monotonicMs() - started),
      hostname: host,
      origin: originResolved,
      resolvers: resolution.serversAsked(),
      stop,
    };
  });
  return { target: originAnswer ?? hostAnswer, done };
}

/** First IPv4, else first IPv6: one predictable choice (curl would race both); the report counts the rest. */
export function pickAddress(addresses: readonly string[]): string | null {
  return addresses.find((a) => parseIp(a)?.family === 4) ?? addresses[0] ?? null;
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
class Lookups {
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

  async resolve(name: string, withCnames: boolean): Promise<NameAnswer> {
    const literalAddress = normaliseIpLiteral(name);
    if (literalAddress !== null)
      return { name, addresses: [literalAddress], cnames: [], source: "literal", failure: null };
    if (this.signal.aborted)
      return { name, addresses: [], cnames: [], source: "dns", failure: describeFailure("ETIMEOUT", false) };
    if (isLocalhostName(name)) return this.resolveLocalhost(name);
    const resolver = this.getResolver();
    const attempt = <T>(query: () => Promise<T>): Promise<T> => withQuerySlot(query, this.signal);
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

  private async resolveLocalhost(name: string): Promise<NameAnswer> {
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
  return { errorCode: code, systemLookupTried };
}
