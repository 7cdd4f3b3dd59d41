/**
 * The curl command that makes the same request the same way as diag520's origin leg: it
 * connects to the same address while keeping the real hostname. For https that takes
 * `--resolve host:port:ip`, which keeps the SNI and the Host header on the hostname (`-H Host:`
 * alone would leave the SNI on the IP); for http the Host-header form of Cloudflare's own 520
 * article is enough. Built once, from the request as the report carries it (already redacted).
 */
import { type HeaderField, hostHeaderValue } from "../http/request.js";
import { bracketIpv6, ipFamily } from "../net/ip-literal.js";
import type { Scheme } from "../options.js";
import { EDGE_TLS12_CIPHERS, EDGE_TLS13_CIPHERSUITES } from "../tls/edge-tls-profile.js";
import { shellJoin } from "./shell-quote.js";

export interface ReproduceTarget {
  readonly hostname: string;
  readonly scheme: Scheme;
  readonly port: number;
  readonly path: string;
  readonly method: string;
}

/** The URL of the request as the hostname names it, e.g. `https://example.com:443/login`. */
export function requestUrl(target: ReproduceTarget, host: string = target.hostname): string {
  return `${target.scheme}://${bracketIpv6(host)}:${target.port}${target.path}`;
}

export interface ReproduceTrust {
  /** --ca-file as given: curl trusts the same CAs with --cacert. */
  readonly caFile?: string | null;
}

/**
 * `headers` are every field as sent (Host, User-Agent and Accept included); `address` is the IP
 * diagnosed (null when none was found: curl then resolves the hostname itself). For https the
 * command offers what the diagnosis offered (HTTP/1.1 in ALPN, TLS 1.0–1.3, the edge's ciphers)
 * and trusts what it trusted, so that it fails or succeeds as the diagnosis did.
 */
export function reproduceCommand(
  target: ReproduceTarget,
  headers: readonly HeaderField[],
  address: string | null,
  trust: ReproduceTrust = {},
): string {
  // -v shows both heads, -sS keeps errors but drops the progress meter, -o /dev/null keeps
  // a binary or huge body off the terminal; --globoff stops curl reading [] and {} in the
  // path (or an IPv6 URL) as a glob, --path-as-is stops it squashing /../ the way we did not;
  // --noproxy: diag520 connects directly, and a proxy from the environment would ignore --resolve.
  const words = ["curl", "-v", "-sS", "-o", "/dev/null", "--noproxy", "*", "--globoff", "--path-as-is"];
  let url = requestUrl(target);
  const defaultHost = hostHeaderValue(target);
  let hostHeaderNeeded = false;
  if (address !== null && address !== target.hostname) {
    if (target.scheme === "http") {
      hostHeaderNeeded = true;
      url = requestUrl(target, address);
    } else if (ipFamily(target.hostname) === null) {
      words.push("--resolve", `${target.hostname}:${target.port}:${bracketIpv6(address)}`);
    } else {
      // --resolve cannot override an IP-literal hostname; --connect-to can (curl 7.49+).
      words.push(
        "--connect-to",
        `${bracketIpv6(target.hostname)}:${target.port}:${bracketIpv6(address)}:${target.port}`,
      );
    }
  }
  if (target.scheme === "https") {
    words.push("--http1.1", "--tlsv1.0", "--tls-max", "1.3");
    words.push("--ciphers", [...EDGE_TLS12_CIPHERS, "@SECLEVEL=0"].join(":"));
    words.push("--tls13-ciphers", EDGE_TLS13_CIPHERSUITES.join(":"));
    if (trust.caFile) words.push("--cacert", trust.caFile);
  }
  if (target.method === "HEAD") words.push("-I");
  else if (target.method !== "GET") words.push("-X", target.method);
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    if (lower === "host" && !hostHeaderNeeded && value === defaultHost) continue;
    if (lower === "accept" && value === "*/*") continue; // curl's own default
    if (lower === "user-agent") {
      words.push("-A", value);
      continue;
    }
    // `-H 'Name:'` would remove the field; curl's syntax for an empty value is `Name;`.
    words.push("-H", value === "" ? `${name};` : `${name}: ${value}`);
  }
  words.push(url);
  return shellJoin(words);
}
