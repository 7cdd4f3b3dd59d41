/**
 * Cloudflare's published address ranges, as data, and the check "is this address the CDN's?".
 * Source: Cloudflare's published lists, as last published 2026-06:
 *   https://www.cloudflare.com/ips-v4
 *   https://www.cloudflare.com/ips-v6
 *   https://api.cloudflare.com/client/v4/ips   (the same lists, with an etag)
 * When they change, update the lists and the date; the tests pin the edges of every block.
 */
import { type ParsedIp, parseIp, unmapIpv4 } from "../net/ip-literal.js";

export const CDN_RANGES_PUBLISHED = "2026-06";

export const CDN_IPV4_RANGES = [
  "173.245.48.0/20",
  "103.21.244.0/22",
  "103.22.200.0/22",
  "103.31.4.0/22",
  "141.101.64.0/18",
  "108.162.192.0/18",
  "190.93.240.0/20",
  "188.114.96.0/20",
  "197.234.240.0/22",
  "198.41.128.0/17",
  "162.158.0.0/15",
  "104.16.0.0/13",
  "104.24.0.0/14",
  "172.64.0.0/13",
  "131.0.72.0/22",
] as const;

export const CDN_IPV6_RANGES = [
  "2400:cb00::/32",
  "2606:4700::/32",
  "2803:f800::/32",
  "2405:b500::/32",
  "2405:8100::/32",
  "2a06:98c0::/29",
  "2c0f:f248::/32",
] as const;

interface CompiledRange {
  readonly cidr: string;
  readonly family: 4 | 6;
  readonly network: bigint;
  readonly shift: bigint;
}

function compile(cidr: string): CompiledRange {
  const [base = "", prefixText = ""] = cidr.split("/");
  const ip = parseIp(base);
  if (ip === null) throw new Error(`not a CIDR block: ${cidr}`);
  const shift = BigInt((ip.family === 4 ? 32 : 128) - Number.parseInt(prefixText, 10));
  return { cidr, family: ip.family, network: ip.value >> shift, shift };
}

// Compiled on first use, so that loading this module costs nothing on paths that never ask.
let compiled: readonly CompiledRange[] | null = null;

function ranges(): readonly CompiledRange[] {
  compiled ??= [...CDN_IPV4_RANGES, ...CDN_IPV6_RANGES].map(compile);
  return compiled;
}

/** The CDN block that contains `address` (IPv4, IPv6, or IPv4-mapped IPv6), or null. */
export function findCdnRange(address: string): string | null {
  const parsed = parseIp(address);
  if (parsed === null) return null;
  const ip: ParsedIp = unmapIpv4(parsed) ?? parsed;
  for (const range of ranges()) {
    if (range.family === ip.family && ip.value >> range.shift === range.network) return range.cidr;
  }
  return null;
}

export function isCdnAddress(address: string): boolean {
  return findCdnRange(address) !== null;
}
