/**
 * Validators for the CLI's option values. Each failure is a UsageError whose one-line message
 * names the argument and says what would be valid. Hand-written rather than zod: zod takes about
 * 70 ms to load, more than the whole start-up budget of a diagnosis (DESIGN.md "Budgets").
 */
import { UsageError } from "../errors.js";
import { ipFamily } from "../net/ip-literal.js";
import { parseHostname } from "./hostname.js";

/** RFC 9110 §5.6.2 token characters: header names and methods. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * A field value is bytes on the wire; RFC 9110 §5.5 keeps new values to ASCII (obs-text is
 * legacy). "日本" has no byte form the user could be sure of, and "é" would go out as Latin-1.
 */
const PRINTABLE_ASCII = /^[\t\x20-\x7e]*$/;
const ASCII_ONLY = "the value must be printable ASCII (RFC 9110 §5.5); percent-encode other characters";

export function parsePort(input: string): number {
  if (!/^[0-9]+$/.test(input)) throw new UsageError(`invalid --port '${input}': give a whole number from 1 to 65535`);
  const port = Number(input);
  if (port < 1 || port > 65535) throw new UsageError(`invalid --port '${input}': ports run from 1 to 65535`);
  return port;
}

export function parseScheme(input: string): "http" | "https" {
  const scheme = input.toLowerCase();
  if (scheme === "http" || scheme === "https") return scheme;
  throw new UsageError(`invalid --scheme '${input}': use http or https`);
}

/** Seconds, decimals allowed, turned into milliseconds. */
export function parseSeconds(input: string, flag: string): number {
  const seconds = /^[0-9]+(\.[0-9]+)?$|^\.[0-9]+$/.test(input) ? Number(input) : Number.NaN;
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new UsageError(`invalid ${flag} '${input}': give a number of seconds greater than 0, such as 10 or 2.5`);
  }
  if (seconds > 86_400) throw new UsageError(`invalid ${flag} '${input}': at most 86400 seconds (one day)`);
  // Deadlines are kept in whole milliseconds: 0.0004 would round to a deadline of 0.
  if (seconds < 0.001) throw new UsageError(`invalid ${flag} '${input}': at least 0.001 seconds (one millisecond)`);
  return Math.round(seconds * 1000);
}

export function parseByteCount(input: string, flag: string, max: number): number {
  if (!/^[0-9]+$/.test(input) || Number(input) < 1) {
    throw new UsageError(`invalid ${flag} '${input}': give a whole number of bytes from 1 to ${max}`);
  }
  const bytes = Number(input);
  if (bytes > max) throw new UsageError(`invalid ${flag} '${input}': at most ${max} bytes`);
  return bytes;
}

export function parseMethod(input: string): string {
  if (!TOKEN.test(input))
    throw new UsageError(`invalid --method '${input}': a method is a token such as GET, HEAD or POST`);
  return input.toUpperCase() === input ? input : input.toUpperCase();
}

export function parsePath(input: string): string {
  if (!input.startsWith("/")) throw new UsageError(`invalid --path '${input}': it must start with '/', as in /login`);
  // A fragment (RFC 3986 §3.5) stays in the browser: no server, edge or origin, ever sees it.
  if (input.includes("#"))
    throw new UsageError(`invalid --path '${input}': a '#fragment' is never sent to a server; leave it out`);
  // Only visible ASCII may go on the request line (RFC 9112 §3.2); spaces must be %20.
  if (!/^[\x21-\x7e]+$/.test(input)) {
    throw new UsageError(
      `invalid --path '${input}': use only visible ASCII; encode spaces and other characters as %XX`,
    );
  }
  return input;
}

/** A header line as given to --header: "Name: value". CR, LF and NUL would let a value smuggle a second header or request. */
export function parseHeader(input: string): readonly [string, string] {
  const colon = input.indexOf(":");
  // Only the name (or the first word) is echoed: the rest may be a credential.
  if (colon === 0)
    throw new UsageError("invalid --header: the name before the colon is empty; write it as 'Name: value'");
  if (colon < 0) {
    const firstWord = input.split(/\s/, 1)[0] ?? "";
    const shown = firstWord.length < input.length ? `${firstWord}…` : firstWord;
    throw new UsageError(`invalid --header '${shown}': it has no colon; write it as 'Name: value'`);
  }
  const name = input.slice(0, colon);
  const value = input.slice(colon + 1).trim();
  if (!TOKEN.test(name))
    throw new UsageError(`invalid --header '${name}': the name may hold only token characters (letters, digits, -)`);
  if (/[\r\n\0]/.test(value))
    throw new UsageError(`invalid --header '${name}': the value may not contain CR, LF or NUL`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0001-\u0008\u000a-\u001f\u007f]/.test(value))
    throw new UsageError(`invalid --header '${name}': the value may not contain control characters`);
  if (!PRINTABLE_ASCII.test(value)) throw new UsageError(`invalid --header '${name}': ${ASCII_ONLY}`);
  return [name, value];
}

/** --host-header: a Host field value (a name, an optional port), as an Origin Rule would set it. */
export function parseHostHeader(input: string): string {
  if (!/^[A-Za-z0-9.-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$/.test(input)) {
    throw new UsageError(
      `invalid --host-header '${input}': give a host name, optionally with a port, as in www.example.com`,
    );
  }
  return input;
}

export function parseUserAgent(input: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(input))
    throw new UsageError("invalid --user-agent: it may not contain CR, LF or other control characters");
  if (!PRINTABLE_ASCII.test(input)) throw new UsageError(`invalid --user-agent '${input}': ${ASCII_ONLY}`);
  return input;
}

export interface OriginArgument {
  /** An IP literal (without brackets) or an ASCII hostname. */
  readonly host: string;
  readonly port: number | null;
}

/** --origin: an IPv4 or IPv6 literal or a hostname, with a port if wanted (203.0.113.7:8443, [2001:db8::7]:8443). */
export function parseOrigin(input: string): OriginArgument {
  const fail = (why: string): never => {
    throw new UsageError(`invalid --origin '${input}': ${why}`);
  };
  const bracketed = /^\[(.*)\](?::(.*))?$/.exec(input);
  if (bracketed) {
    if (ipFamily(bracketed[1] ?? "") !== 6) fail(`'${bracketed[1]}' is not an IPv6 address`);
    return { host: bracketed[1] as string, port: bracketed[2] === undefined ? null : originPort(bracketed[2], fail) };
  }
  if (ipFamily(input) !== null) return { host: input, port: null };
  if (input.includes(":")) {
    const hostPort = /^([^:]+):([^:]*)$/.exec(input);
    if (hostPort === null)
      fail("not an IPv6 address (such as 2001:db8::1) nor a hostname; write [2001:db8::1]:8443 for a port");
    const host = hostPort?.[1] ?? "";
    return {
      host: ipFamily(host) !== null ? host : parseHostname(host, "--origin").ascii,
      port: originPort(hostPort?.[2] ?? "", fail),
    };
  }
  return { host: parseHostname(input, "--origin").ascii, port: null };
}

function originPort(text: string, fail: (why: string) => never): number {
  if (!/^[0-9]+$/.test(text) || Number(text) < 1 || Number(text) > 65535)
    fail("the port must be a number from 1 to 65535");
  return Number(text);
}

/** --dns-server: "ip", "ip:port" or "[ipv6]:port". */
export function parseDnsServer(input: string): string {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(input);
  const v4 = /^([^:]+):(\d+)$/.exec(input);
  const [address, port] = v6 ? [v6[1] ?? "", v6[2]] : v4 ? [v4[1] ?? "", v4[2]] : [input, undefined];
  if (ipFamily(address) === null)
    throw new UsageError(
      `invalid --dns-server '${input}': give an IP address, optionally with a port (127.0.0.1:5353, [::1]:53)`,
    );
  if (port !== undefined && !(Number(port) >= 1 && Number(port) <= 65535)) {
    throw new UsageError(`invalid --dns-server '${input}': the port must be from 1 to 65535`);
  }
  return input;
}

/** --edge-address: an IP literal, with a port if wanted (104.16.1.1, 104.16.1.1:8443, [2606:4700::1]:443). */
export function parseEdgeAddress(input: string): { readonly host: string; readonly port: number | null } {
  const fail = (why: string): never => {
    throw new UsageError(`invalid --edge-address '${input}': ${why}`);
  };
  const bracketed = /^\[(.*)\](?::(.*))?$/.exec(input);
  if (bracketed) {
    if (ipFamily(bracketed[1] ?? "") !== 6) fail(`'${bracketed[1]}' is not an IPv6 address`);
    return { host: bracketed[1] as string, port: bracketed[2] === undefined ? null : originPort(bracketed[2], fail) };
  }
  if (ipFamily(input) !== null) return { host: input, port: null };
  const hostPort = /^([^:]+):([^:]*)$/.exec(input);
  if (hostPort === null || ipFamily(hostPort[1] ?? "") !== 4) {
    return fail("give an IP address, optionally with a port (104.16.1.1, 104.16.1.1:443, [2606:4700::1]:443)");
  }
  return { host: hostPort[1] as string, port: originPort(hostPort[2] ?? "", fail) };
}
