/**
 * What `diag520 serve` may probe. An exporter that probes whatever it is asked is an open proxy
 * into the network it sits in (any address, any port, from inside the firewall): every /probe
 * request is checked against the configuration's `allow` lists before anything is resolved or
 * connected, and the port, scheme and path come from the module, never from the request.
 *
 * - targets (the hostname sent as SNI and Host, and looked up in DNS): exact names, `*.suffix`
 *   (one or more labels under the suffix, not the suffix itself), IP literals, or `*` (any name:
 *   the target decides no connection, the origin does).
 * - origins (what is connected to): CIDR ranges (`203.0.113.0/24`, `2001:db8::/32`, a bare
 *   address for itself), exact names or `*.suffix`. An IPv4-mapped IPv6 origin is matched as
 *   the IPv4 address it carries. A name trusts that name's DNS: list addresses to pin the
 *   connection itself.
 */
import { UsageError } from "../errors.js";
import { parseHostname } from "../input/hostname.js";
import { formatIp, type ParsedIp, parseIp, unmapIpv4 } from "../net/ip-literal.js";

export type NamePattern =
  | { readonly kind: "any" }
  | { readonly kind: "exact"; readonly name: string }
  /** `*.example.com` → ".example.com". */
  | { readonly kind: "suffix"; readonly suffix: string };

export type OriginPattern =
  | Exclude<NamePattern, { kind: "any" }>
  | { readonly kind: "cidr"; readonly family: 4 | 6; readonly network: bigint; readonly prefix: number };

export interface Allowlist {
  readonly targets: readonly NamePattern[];
  readonly origins: readonly OriginPattern[];
}

/** Compiles one `allow.targets` entry; a UsageError (the reason only) when it is not one. */
export function compileTargetPattern(text: string): NamePattern {
  if (text === "*") return { kind: "any" };
  const ip = parseIp(text);
  if (ip !== null) return { kind: "exact", name: canonicalIp(ip, text) };
  return compileName(text);
}

/** Compiles one `allow.origins` entry. */
export function compileOriginPattern(text: string): OriginPattern {
  if (text === "*")
    throw new UsageError(
      "'*' would allow every origin name; list names or ranges (0.0.0.0/0 and ::/0 allow every address)",
    );
  const slash = text.indexOf("/");
  const ip = parseIp(slash === -1 ? text : text.slice(0, slash));
  if (ip !== null) {
    if (ip.zone !== null) throw new UsageError(`'${text}': a scoped address (with %zone) cannot be allowed`);
    const bits = ip.family === 4 ? 32 : 128;
    const prefixText = slash === -1 ? String(bits) : text.slice(slash + 1);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(prefixText) || Number(prefixText) > bits)
      throw new UsageError(`'${text}': the prefix length must be a whole number from 0 to ${bits}`);
    const prefix = Number(prefixText);
    const network = maskOf(ip.value, prefix, bits);
    if (network !== ip.value)
      throw new UsageError(
        `'${text}' has host bits set: did you mean ${formatIp({ family: ip.family, value: network, zone: null })}/${prefix}?`,
      );
    return { kind: "cidr", family: ip.family, network, prefix };
  }
  if (slash !== -1) throw new UsageError(`'${text}' is neither a CIDR range (203.0.113.0/24) nor a name`);
  const name = compileName(text);
  if (name.kind === "any") throw new Error("unreachable: '*' is handled above");
  return name;
}

function compileName(text: string): NamePattern {
  if (text.startsWith("*.")) {
    const suffix = parseHostname(text.slice(2), "pattern").ascii;
    return { kind: "suffix", suffix: `.${suffix}` };
  }
  if (text.includes("*"))
    throw new UsageError(`'${text}': '*' may only stand alone or as the first label ('*.example.com')`);
  return { kind: "exact", name: parseHostname(text, "name").ascii };
}

/** `hostname` as validated by parseHostname (ASCII, lower case, no trailing dot) or an IP literal. */
export function isTargetAllowed(allow: Allowlist, hostname: string): boolean {
  const ip = parseIp(hostname);
  const name = ip === null ? hostname : canonicalIp(ip, hostname);
  return allow.targets.some((pattern) => matchesName(pattern, name, ip !== null));
}

/** `origin` as validated by parseOrigin: an IP literal (no brackets) or an ASCII hostname. */
export function isOriginAllowed(allow: Allowlist, origin: string): boolean {
  const ip = parseIp(origin);
  if (ip === null)
    return allow.origins.some((pattern) => pattern.kind !== "cidr" && matchesName(pattern, origin, false));
  if (ip.zone !== null) return false;
  const candidates = [ip, unmapIpv4(ip)].filter((candidate): candidate is ParsedIp => candidate !== null);
  return allow.origins.some(
    (pattern) =>
      pattern.kind === "cidr" &&
      candidates.some(
        (candidate) =>
          candidate.family === pattern.family &&
          maskOf(candidate.value, pattern.prefix, pattern.family === 4 ? 32 : 128) === pattern.network,
      ),
  );
}

function matchesName(pattern: NamePattern, name: string, isIp: boolean): boolean {
  switch (pattern.kind) {
    case "any":
      return true;
    case "exact":
      return pattern.name === name;
    case "suffix":
      return !isIp && name.length > pattern.suffix.length && name.endsWith(pattern.suffix);
  }
}

function maskOf(value: bigint, prefix: number, bits: number): bigint {
  const hostBits = BigInt(bits - prefix);
  return (value >> hostBits) << hostBits;
}

/** One spelling per address ("2001:DB8::0:1" and "2001:db8::1" are one target). */
function canonicalIp(ip: ParsedIp, text: string): string {
  return ip.zone === null ? formatIp(ip) : text;
}
