/**
 * IP literals: recognise them (with or without the brackets of a URL authority), turn them
 * into numbers for range checks, and print them in one canonical form so that the report,
 * the range check and the connect all talk about the same address.
 * IPv6 text follows RFC 5952 §4 (lower case, longest run of zero groups as "::", no leading
 * zeros) and §5 (IPv4-mapped addresses keep the dotted quad).
 */

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
  const v4 = parseIpv4(bare);
  if (v4 !== null) return { family: 4, value: v4, zone: null };
  const zoneAt = bare.indexOf("%");
  // A zone (RFC 6874 §2, "fe80::1%eth0") is an interface name: letters, digits and a few marks.
  const zone = zoneAt === -1 ? null : bare.slice(zoneAt + 1);
  if (zone !== null && !/^[0-9A-Za-z._~-]+$/.test(zone)) return null;
  const value = parseIpv6(zoneAt === -1 ? bare : bare.slice(0, zoneAt));
  return value === null ? null : { family: 6, value, zone };
}

/** 4 or 6 for an IP literal (without brackets), null for anything else; what `net.isIP` answers, without its cost. */
export function ipFamily(text: string): 4 | 6 | null {
  if (text.startsWith("[")) return null;
  return parseIp(text)?.family ?? null;
}

/** An IPv6 literal in brackets, as URLs, authorities and curl want it (RFC 3986 §3.2.2). */
export function bracketIpv6(address: string): string {
  return ipFamily(address) === 6 ? `[${address}]` : address;
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

/**
 * Dotted-quad IPv4 exactly as `net.isIPv4` takes it: four decimal octets 0–255 without leading
 * zeros ("010" is octal to some parsers and decimal to others, so it is refused).
 * (Node's own `isIP` compiles a very large regular expression on first use, ~10 ms of start-up.)
 */
function parseIpv4(text: string): bigint | null {
  const octets = text.split(".");
  if (octets.length !== 4) return null;
  let value = 0n;
  for (const octet of octets) {
    if (!/^(?:0|[1-9][0-9]{0,2})$/.test(octet)) return null;
    const number = Number(octet);
    if (number > 255) return null;
    value = (value << 8n) | BigInt(number);
  }
  return value;
}

function bigIntToIpv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => ((value >> shift) & 0xffn).toString()).join(".");
}

const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;

/** RFC 4291 §2.2 text forms: eight groups, one "::" for a run of zeros, an IPv4 tail allowed. */
function parseIpv6(text: string): bigint | null {
  if (!text.includes(":")) return null;
  let groupsText = text;
  let tail: bigint[] = [];
  const lastColon = text.lastIndexOf(":");
  if (text.includes(".", lastColon)) {
    const v4 = parseIpv4(text.slice(lastColon + 1));
    if (v4 === null) return null;
    tail = [v4 >> 16n, v4 & 0xffffn];
    // Keep "::" whole when the dotted quad follows it directly ("::1.2.3.4").
    groupsText = text.slice(0, text[lastColon - 1] === ":" ? lastColon + 1 : lastColon);
  }
  const halves = groupsText.split("::");
  if (halves.length > 2) return null;
  const toGroups = (part: string): bigint[] | null => {
    if (part === "") return [];
    const groups = part.split(":");
    return groups.every((group) => HEX_GROUP.test(group)) ? groups.map((group) => BigInt(`0x${group}`)) : null;
  };
  const head = toGroups(halves[0] ?? "");
  const rest = halves.length === 2 ? toGroups(halves[1] ?? "") : [];
  if (head === null || rest === null) return null;
  const missing = 8 - head.length - rest.length - tail.length;
  // "::" stands for at least one group of zeros (RFC 5952 §4.2.2 writes one group out, but RFC 4291 reads either).
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
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
