/**
 * IP literals: recognise them (with or without the brackets of a URL authority), turn them
 * into numbers for range checks, and print them in one canonical form so that the report,
 * the range check and the connect all talk about the same address.
 * IPv6 text follows RFC 5952 §4 (lower case, longest run of zero groups as "::", no leading
 * zeros) and §5 (IPv4-mapped addresses keep the dotted quad).
 */
import { isIP } from "node:net";

export interface ParsedIp {
  readonly family: 4 | 6;
  /** The address as a 32-bit (IPv4) or 128-bit (IPv6) unsigned integer. */
  readonly value: bigint;
  /** The zone of a scoped IPv6 address ("fe80::1%eth0"), kept for the connect. */
  readonly zone: string | null;
}

/** Parses an IP literal, tolerating "[...]" around IPv6; null for anything else (names included). */
export function parseIp(text: string): ParsedIp | null {
  const bare = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  const family = isIP(bare);
  if (family === 4) return { family: 4, value: ipv4ToBigInt(bare), zone: null };
  if (family !== 6) return null;
  const zoneAt = bare.indexOf("%");
  const zone = zoneAt === -1 ? null : bare.slice(zoneAt + 1);
  const value = ipv6ToBigInt(zoneAt === -1 ? bare : bare.slice(0, zoneAt));
  return value === null ? null : { family: 6, value, zone };
}

/** The canonical text of an IP literal, or null when `text` is not one. */
export function normaliseIpLiteral(text: string): string | null {
  const parsed = parseIp(text);
  return parsed === null ? null : formatIp(parsed);
}

export function formatIp(ip: ParsedIp): string {
  if (ip.family === 4) return bigIntToIpv4(ip.value);
  const text = formatIpv6(ip.value);
  return ip.zone === null ? text : `${text}%${ip.zone}`;
}

/** The IPv4 address inside an IPv4-mapped IPv6 address (::ffff:a.b.c.d, RFC 4291 §2.5.5.2), or null. */
export function unmapIpv4(ip: ParsedIp): ParsedIp | null {
  if (ip.family !== 6 || ip.value >> 32n !== 0xffffn) return null;
  return { family: 4, value: ip.value & 0xffffffffn, zone: null };
}

/** 127.0.0.0/8 and ::1 (RFC 1122 §3.2.1.3, RFC 4291 §2.5.3), also when IPv4-mapped. */
export function isLoopback(ip: ParsedIp): boolean {
  const v4 = ip.family === 4 ? ip : unmapIpv4(ip);
  if (v4 !== null) return v4.value >> 24n === 127n;
  return ip.value === 1n;
}

function ipv4ToBigInt(text: string): bigint {
  return text.split(".").reduce((acc, octet) => (acc << 8n) | BigInt(Number.parseInt(octet, 10)), 0n);
}

function bigIntToIpv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => ((value >> shift) & 0xffn).toString()).join(".");
}

/** Expects text that `isIP` accepted as 6 (so the shape is already valid), zone removed. */
function ipv6ToBigInt(text: string): bigint | null {
  let groupsText = text;
  let tail: bigint[] = [];
  const lastColon = text.lastIndexOf(":");
  if (text.includes(".", lastColon)) {
    const v4 = ipv4ToBigInt(text.slice(lastColon + 1));
    tail = [v4 >> 16n, v4 & 0xffffn];
    // Keep "::" whole when the dotted quad follows it directly ("::1.2.3.4").
    groupsText = text.slice(0, text[lastColon - 1] === ":" ? lastColon + 1 : lastColon);
  }
  const [headText, restText] = groupsText.split("::") as [string, string | undefined];
  const toGroups = (part: string): bigint[] => (part === "" ? [] : part.split(":").map((g) => BigInt(`0x${g}`)));
  const head = toGroups(headText);
  const rest = restText === undefined ? [] : toGroups(restText);
  const missing = 8 - head.length - rest.length - tail.length;
  if (missing < 0 || (restText === undefined && missing !== 0)) return null;
  const groups = [...head, ...new Array<bigint>(missing).fill(0n), ...rest, ...tail];
  return groups.reduce((acc, group) => (acc << 16n) | group, 0n);
}

function formatIpv6(value: bigint): string {
  if (value >> 32n === 0xffffn) return `::ffff:${bigIntToIpv4(value & 0xffffffffn)}`;
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
  // RFC 5952 §4.2: compress the longest run of two or more zero groups, the first one on a tie.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let end = i;
    while (end < 8 && groups[end] === 0) end++;
    if (end - i > bestLength) {
      bestStart = i;
      bestLength = end - i;
    }
    i = end;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart === -1) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}
